// SPDX-License-Identifier: MIT
// The storvsc initialisation handshake on the primary channel (shared/spec/storvsc.md §9,
// §10, §15), as a state machine without a channel: it says which packet to send next and
// digests each completion. Device::run_handshake drives it over the real channel; tests
// drive it with bytes.
//
//   BEGIN_INITIALIZATION -> QUERY_PROTOCOL_VERSION (newest first; REVISION_MISMATCH -> next)
//   -> QUERY_PROPERTIES -> END_INITIALIZATION [-> CREATE_SUB_CHANNELS(n)] -> done
//
// Packets before a version is agreed have the pre-Win8 size (0x30, §6.3); afterwards the
// size of the agreed version. A failed CREATE_SUB_CHANNELS is not fatal: the device then
// works on its primary channel alone.
#ifndef SATORI_STORVSC_HANDSHAKE_HPP
#define SATORI_STORVSC_HANDSHAKE_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace satori::storvsc {

class Handshake {
  public:
    enum class Step : uint8_t {
        kBegin,
        kQueryVersion,
        kQueryProperties,
        kEnd,
        kCreateSubChannels,
        kDone,
        kFailed,
    };
    enum class Result : uint8_t { kContinue, kDone, kFailed };

    struct Options {
        /// Versions to propose, newest first.
        std::vector<uint16_t> versions{proto::kGuestVersions.begin(), proto::kGuestVersions.end()};
        /// Sub-channels to ask for (capped by what the host offers); 0 = none.
        uint16_t subchannels_wanted = 2;
    };

    Handshake() : Handshake(Options{}) {}
    explicit Handshake(Options options);

    Step step() const noexcept { return step_; }
    bool finished() const noexcept { return step_ == Step::kDone || step_ == Step::kFailed; }

    /// The request of the current step (not valid once finished).
    proto::VstorPacket request() const noexcept;
    /// Bytes of the request to send: 0x30 before a version is agreed, then per version.
    uint32_t request_size() const noexcept;

    /// Digests the completion payload of the current step's request.
    Result on_completion(std::span<const std::byte> payload);
    /// The current step's request failed without an answer (timeout, channel closed).
    Result on_error(int32_t error, const char *what);

    /// @name After kDone
    /// @{
    uint16_t version() const noexcept { return version_; }
    proto::VersionParams params() const noexcept { return proto::params_for(version_); }
    const proto::ChannelProperties &properties() const noexcept { return properties_; }
    /// Sub-channels the host agreed to create (0 when none were asked for or it refused).
    uint16_t subchannels() const noexcept { return subchannels_; }
    /// Host max transfer, rounded down to 4 KiB; a fallback when the host reported less.
    uint32_t max_transfer_bytes() const noexcept;
    /// @}

    /// Why it failed (kFailed), or a non-fatal problem worth a warning; empty otherwise.
    const std::string &problem() const noexcept { return problem_; }
    /// The errno of a failure (-SATORI_EIO / -SATORI_EPROTONOSUPPORT / transport error).
    int32_t error() const noexcept { return error_; }
    /// Versions refused so far (for logs and tests).
    const std::vector<uint16_t> &refused() const noexcept { return refused_; }

    /// Fallback when the host reports a max transfer under one page (not expected).
    static constexpr uint32_t kFallbackMaxTransfer = 64 * 1024;

  private:
    Result fail(int32_t error, std::string why);
    Result advance_after_end();

    Options options_;
    Step step_ = Step::kBegin;
    std::size_t version_index_ = 0;
    uint16_t version_ = 0;
    uint16_t subchannels_ = 0;
    uint16_t subchannels_asked_ = 0;
    proto::ChannelProperties properties_{};
    std::vector<uint16_t> refused_;
    std::string problem_;
    int32_t error_ = 0;
};

/// "6.0" for 0x0600.
std::string version_text(uint16_t version);
/// "0xC0000059 (REVISION_MISMATCH)" style text for an NTSTATUS.
std::string ntstatus_text(uint32_t status);

} // namespace satori::storvsc

#endif // SATORI_STORVSC_HANDSHAKE_HPP
