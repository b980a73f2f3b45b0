// SPDX-License-Identifier: MIT
// Integration-Component framing (vmbus.md §6 "Integration-Component payloads" and
// "Clarifications"; linux61-layouts.md icmsg_hdr, icmsg_negotiate, heartbeat_msg_data).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace satori::sim::detail::ic {

/// Pipe header in front of every IC message: {flags u32, msgsize u32}.
struct PipeHeader {
    uint32_t flags;
    uint32_t msg_size; ///< bytes after this header
};
static_assert(sizeof(PipeHeader) == 8);
/// openvmm's pipe packet type "data" [vmbus.md §2.6]; the field's meaning for ICs is
/// otherwise undocumented.
inline constexpr uint32_t kPipeData = 1;

struct Version {
    uint16_t major;
    uint16_t minor;
    friend bool operator==(const Version &, const Version &) = default;
};
static_assert(sizeof(Version) == 4);

struct MessageHeader {
    Version framework;
    uint16_t msg_type;
    Version message;
    uint16_t msg_size; ///< body bytes after this header
    uint32_t status;
    uint8_t transaction_id;
    uint8_t flags;
    uint16_t reserved;
};
static_assert(sizeof(MessageHeader) == 20);
static_assert(offsetof(MessageHeader, msg_type) == 4);
static_assert(offsetof(MessageHeader, message) == 6);
static_assert(offsetof(MessageHeader, msg_size) == 10);
static_assert(offsetof(MessageHeader, status) == 12);
static_assert(offsetof(MessageHeader, transaction_id) == 16);
static_assert(offsetof(MessageHeader, flags) == 17);

inline constexpr uint16_t kTypeNegotiate = 0;
inline constexpr uint16_t kTypeHeartbeat = 1;
inline constexpr uint8_t kFlagTransaction = 0x1;
inline constexpr uint8_t kFlagRequest = 0x2;
inline constexpr uint8_t kFlagResponse = 0x4;

/// Where the IC body starts in the VMBus payload (Linux ICMSG_HDR).
inline constexpr size_t kBodyOffset = sizeof(PipeHeader) + sizeof(MessageHeader);
static_assert(kBodyOffset == 28);

/// Negotiate body: counts, then framework versions, then message versions.
struct NegotiateHeader {
    uint16_t framework_count;
    uint16_t message_count;
    uint32_t reserved;
};
static_assert(sizeof(NegotiateHeader) == 8);

struct HeartbeatBody {
    uint64_t seq_num;
    uint32_t reserved[8];
};
static_assert(sizeof(HeartbeatBody) == 40);

/// Pipe header + IC header + body, ready to send in-band.
inline std::vector<std::byte> frame(const MessageHeader &hdr, std::span<const std::byte> body)
{
    std::vector<std::byte> out(kBodyOffset + body.size());
    const PipeHeader pipe{kPipeData, static_cast<uint32_t>(sizeof(MessageHeader) + body.size())};
    std::memcpy(out.data(), &pipe, sizeof(pipe));
    std::memcpy(out.data() + sizeof(pipe), &hdr, sizeof(hdr));
    if (!body.empty()) std::memcpy(out.data() + kBodyOffset, body.data(), body.size());
    return out;
}

/// The IC header of a received payload, or nullopt if it is too short.
inline std::optional<MessageHeader> header_of(std::span<const std::byte> payload)
{
    if (payload.size() < kBodyOffset) return std::nullopt;
    MessageHeader hdr;
    std::memcpy(&hdr, payload.data() + sizeof(PipeHeader), sizeof(hdr));
    return hdr;
}

} // namespace satori::sim::detail::ic
