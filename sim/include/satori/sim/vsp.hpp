// SPDX-License-Identifier: MIT
// A VSP: the host half of one synthetic device.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <satori/sim/guid.hpp>
#include <satori/sim/host_channel.hpp>

namespace satori::sim {

/// Offer flags (vmbus.md §3.3 chn_flags).
inline constexpr uint16_t kOfferFlagEnumerateDeviceInterface = 0x0001;
inline constexpr uint16_t kOfferFlagNamedPipeMode = 0x0010;
/// Pipe mode written into the first 4 user-defined bytes of a named-pipe offer.
inline constexpr uint32_t kPipeModeByte = 0;
inline constexpr uint32_t kPipeModeMessage = 4;

/// What the host puts in the device's OFFERCHANNEL.
struct VspInfo {
    Guid class_id;    ///< Interface type.
    Guid instance_id; ///< Device instance.
    std::string name; ///< For logs and `satori list --sim`.
    uint16_t offer_flags = 0;
    uint16_t mmio_megabytes = 0;
    std::array<uint8_t, 120> user_defined{};
};

/**
 * Base class of every device the simulated host offers. Callbacks of one channel run on
 * that channel's data-path thread, one at a time ([channel]); different channels (primary
 * and sub-channels) run in parallel. Exceptions thrown by a callback are caught and logged.
 */
class Vsp {
  public:
    explicit Vsp(VspInfo info) : info_(std::move(info)) {}
    virtual ~Vsp() = default;
    Vsp(const Vsp &) = delete;
    Vsp &operator=(const Vsp &) = delete;

    const VspInfo &info() const noexcept { return info_; }

    /// The guest opened @p ch (the OPENCHANNEL_RESULT has been delivered).
    virtual void on_open(HostChannel &ch) { (void)ch; }
    /// A validated packet from the guest.
    virtual void on_packet(HostChannel &ch, const HostPacket &pkt)
    {
        (void)ch;
        (void)pkt;
    }
    /// The channel closed; sends now fail. Cancel your timers for @p ch here.
    virtual void on_close(HostChannel &ch) { (void)ch; }

  private:
    VspInfo info_;
};

} // namespace satori::sim
