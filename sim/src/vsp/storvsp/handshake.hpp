// SPDX-License-Identifier: MIT
// The primary channel's initialisation state machine (storvsc.md §9, §10): which init
// packets are accepted when, and what the host answers. No I/O here.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace satori::sim::detail::storvsp {

enum class InitState { begin, query_version, query_properties, end_init, ready };

/// What the channel can offer, decided by the caller (config and VMBus version).
struct HandshakeLimits {
    uint16_t max_subchannels = 0; ///< 0 when the VMBus connection has no sub-channels
    uint32_t max_transfer_bytes = 0;
};

struct InitReply {
    uint32_t status = 0;         ///< NTSTATUS
    std::vector<std::byte> body; ///< payload after the 12-byte vstor header
    uint16_t subchannels = 0;    ///< CREATE_SUB_CHANNELS accepted: total to offer
    bool became_ready = false;   ///< END_INITIALIZATION accepted
    bool out_of_state = false;   ///< answered INVALID_DEVICE_STATE
};

class Handshake {
  public:
    explicit Handshake(std::vector<uint16_t> accepted_versions)
        : accepted_(std::move(accepted_versions))
    {
    }

    /// One init-type packet on the primary channel. @p body: the request payload after the
    /// vstor header (zero-filled by the caller to at least 4 bytes).
    InitReply on_packet(uint32_t operation, std::span<const std::byte> body,
                        const HandshakeLimits &limits);
    /// The primary channel closed: start over at BEGIN_INITIALIZATION.
    void reset() noexcept;

    InitState state() const noexcept { return state_; }
    bool ready() const noexcept { return state_ == InitState::ready; }
    /// Negotiated version, 0 before QUERY_PROTOCOL_VERSION succeeded.
    uint16_t version() const noexcept { return version_; }
    /// Sub-channels the host may offer now (0 before WIN8).
    uint16_t max_subchannels(const HandshakeLimits &limits) const noexcept;

  private:
    InitReply query_version(std::span<const std::byte> body);
    InitReply query_properties(const HandshakeLimits &limits);
    InitReply create_subchannels(std::span<const std::byte> body, const HandshakeLimits &limits);

    std::vector<uint16_t> accepted_;
    InitState state_ = InitState::begin;
    uint16_t version_ = 0;
};

} // namespace satori::sim::detail::storvsp
