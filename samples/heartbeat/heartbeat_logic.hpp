// SPDX-License-Identifier: MIT
// The heartbeat IC's message handling, apart from any channel: bytes in, reply bytes out.
#ifndef SATORI_HEARTBEAT_LOGIC_HPP
#define SATORI_HEARTBEAT_LOGIC_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "ic_protocol.hpp"

namespace satori::heartbeat {

/// Versions this guest speaks, highest first.
inline constexpr std::array<ic::Version, 2> kFrameworkVersions = {{{3, 0}, {1, 0}}};
inline constexpr std::array<ic::Version, 2> kHeartbeatVersions = {{{3, 0}, {1, 0}}};

/**
 * Answers the host's heartbeat IC messages. Each request is checked against its own length
 * (the host is not trusted); a malformed one gets no reply. Replies are the request with
 * the response fields filled in, cut to the length the pipe header announces. Not
 * thread-safe: one channel's callbacks never overlap, and that is the only caller.
 */
class Responder {
  public:
    enum class Event {
        kNegotiated,        ///< Versions agreed; reply carries them.
        kNegotiationFailed, ///< No common version; reply carries status failure.
        kHeartbeat,         ///< Reply carries sequence + 1.
        kUnsupported,       ///< Unknown message type; reply carries status failure.
        kMalformed,         ///< Dropped; no reply. See Outcome::problem.
    };

    struct Outcome {
        Event event;
        std::span<const std::byte> reply; ///< Empty when dropped; valid until the next handle().
        const char *problem = nullptr;    ///< Why a message was malformed.
        uint16_t message_type = 0;
        uint64_t sequence = 0; ///< kHeartbeat: the sequence number sent back.
    };

    /// Handles one inband packet payload. @throws std::bad_alloc
    Outcome handle(std::span<const std::byte> request)
    {
        if (request.size() < ic::kBodyOffset)
            return malformed("shorter than the pipe and IC headers");
        const auto pipe = read<ic::PipeHeader>(request, 0);
        if (pipe.message_size < sizeof(ic::MessageHeader) ||
            pipe.message_size > request.size() - sizeof(ic::PipeHeader))
            return malformed("pipe header size does not match the packet");
        reply_.assign(request.begin(),
                      request.begin() +
                          static_cast<std::ptrdiff_t>(sizeof(ic::PipeHeader) + pipe.message_size));
        auto header = read<ic::MessageHeader>(reply_, ic::kMessageHeaderOffset);
        const std::size_t body_size = pipe.message_size - sizeof(ic::MessageHeader);
        if (header.body_size > body_size)
            return malformed("IC header body size exceeds the packet");

        Outcome out{Event::kUnsupported, {}, nullptr, header.message_type, 0};
        switch (header.message_type) {
        case ic::kTypeNegotiate:
            if (!negotiate(header, body_size, out)) return out;
            break;
        case ic::kTypeHeartbeat:
            if (!heartbeat(header, body_size, out)) return out;
            break;
        default:
            header.status = ic::kStatusFail;
            break;
        }
        header.flags = ic::kFlagTransaction | ic::kFlagResponse;
        write(reply_, ic::kMessageHeaderOffset, header);
        out.reply = reply_;
        return out;
    }

    bool negotiated() const noexcept { return negotiated_; }
    ic::Version framework_version() const noexcept { return framework_; }
    ic::Version message_version() const noexcept { return message_; }
    /// Heartbeats answered so far.
    uint64_t heartbeats() const noexcept { return heartbeats_; }

  private:
    bool negotiate(ic::MessageHeader &header, std::size_t body_size, Outcome &out)
    {
        if (body_size < sizeof(ic::NegotiateHeader)) {
            out = malformed("negotiate body shorter than its header");
            return false;
        }
        auto negotiate = read<ic::NegotiateHeader>(reply_, ic::kBodyOffset);
        if (negotiate.framework_count > ic::kMaxVersionsPerKind ||
            negotiate.message_count > ic::kMaxVersionsPerKind) {
            out = malformed("negotiate lists too many versions");
            return false;
        }
        const std::size_t listed = std::size_t{negotiate.framework_count} + negotiate.message_count;
        if (sizeof(ic::NegotiateHeader) + listed * sizeof(ic::Version) > body_size) {
            out = malformed("negotiate version list exceeds the packet");
            return false;
        }
        const auto framework =
            pick(ic::kVersionsOffset, negotiate.framework_count, kFrameworkVersions);
        const auto message =
            pick(ic::kVersionsOffset + negotiate.framework_count * sizeof(ic::Version),
                 negotiate.message_count, kHeartbeatVersions);
        if (framework && message) {
            negotiate.framework_count = 1;
            negotiate.message_count = 1;
            write(reply_, ic::kVersionsOffset, *framework);
            write(reply_, ic::kVersionsOffset + sizeof(ic::Version), *message);
            header.status = ic::kStatusOk;
            framework_ = *framework;
            message_ = *message;
            negotiated_ = true;
            out.event = Event::kNegotiated;
        } else {
            negotiate.framework_count = 0;
            negotiate.message_count = 0;
            header.status = ic::kStatusFail;
            out.event = Event::kNegotiationFailed;
        }
        write(reply_, ic::kBodyOffset, negotiate);
        // The body is now the negotiate header and the versions it counts; the host's other
        // version entries are cleared rather than echoed.
        const std::size_t kept = std::size_t{negotiate.framework_count} + negotiate.message_count;
        const std::size_t kept_end = ic::kVersionsOffset + kept * sizeof(ic::Version);
        std::fill(reply_.begin() + static_cast<std::ptrdiff_t>(kept_end),
                  reply_.begin() + static_cast<std::ptrdiff_t>(ic::kVersionsOffset +
                                                               listed * sizeof(ic::Version)),
                  std::byte{0});
        header.body_size =
            static_cast<uint16_t>(sizeof(ic::NegotiateHeader) + kept * sizeof(ic::Version));
        return true;
    }

    bool heartbeat(ic::MessageHeader &header, std::size_t body_size, Outcome &out)
    {
        if (body_size < sizeof(ic::HeartbeatBody)) {
            out = malformed("heartbeat body too short");
            return false;
        }
        auto body = read<ic::HeartbeatBody>(reply_, ic::kBodyOffset);
        body.sequence += 1;
        write(reply_, ic::kBodyOffset, body);
        header.status = ic::kStatusOk;
        ++heartbeats_;
        out.event = Event::kHeartbeat;
        out.sequence = body.sequence;
        return true;
    }

    /// The first (highest) of @p ours that the host lists among its @p count versions at
    /// @p offset.
    template <std::size_t N>
    std::optional<ic::Version> pick(std::size_t offset, std::size_t count,
                                    const std::array<ic::Version, N> &ours) const
    {
        for (const ic::Version &wanted : ours)
            for (std::size_t i = 0; i < count; ++i)
                if (read<ic::Version>(reply_, offset + i * sizeof(ic::Version)) == wanted)
                    return wanted;
        return std::nullopt;
    }

    Outcome malformed(const char *problem)
    {
        reply_.clear();
        return Outcome{Event::kMalformed, {}, problem, 0, 0};
    }

    template <class T> static T read(std::span<const std::byte> bytes, std::size_t offset)
    {
        T value;
        std::memcpy(&value, bytes.data() + offset, sizeof(T));
        return value;
    }
    template <class T>
    static void write(std::span<std::byte> bytes, std::size_t offset, const T &value)
    {
        std::memcpy(bytes.data() + offset, &value, sizeof(T));
    }

    std::vector<std::byte> reply_;
    ic::Version framework_{0, 0};
    ic::Version message_{0, 0};
    bool negotiated_ = false;
    uint64_t heartbeats_ = 0;
};

} // namespace satori::heartbeat

#endif // SATORI_HEARTBEAT_LOGIC_HPP
