// SPDX-License-Identifier: MIT
// The network VSP ("netvsp") and the virtual switch its NICs plug into (netvsc.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <satori/sim/vsp.hpp>

namespace satori::sim {

/// Synthetic network adapter class GUID f8615163-df3e-46c5-913f-f2d2f965ed0e.
inline constexpr Guid kNetvspClassId =
    Guid::from_fields(0xf8615163, 0xdf3e, 0x46c5, {0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e});

/// NVSP protocol versions (netvsc.md §3.1).
inline constexpr uint32_t kNvspV1 = 0x00000002;
inline constexpr uint32_t kNvspV2 = 0x00030002;
inline constexpr uint32_t kNvspV4 = 0x00040000;
inline constexpr uint32_t kNvspV5 = 0x00050000;
inline constexpr uint32_t kNvspV6 = 0x00060000;
inline constexpr uint32_t kNvspV61 = 0x00060001;

using MacAddress = std::array<uint8_t, 6>;

/**
 * A learning L2 switch. Ports are NICs (netvsp) or host ports (a callback, e.g. a test or
 * an uplink). A frame goes to the port its destination MAC was last seen on, else (and for
 * broadcast/multicast) to every other port. Frames are delivered synchronously on the
 * sender's thread; a port must not call back into send() from deliver().
 * @context every method [any].
 */
class VirtualSwitch {
  public:
    using Deliver = std::function<void(std::span<const std::byte> frame)>;
    using PortId = uint32_t;

    /// Adds a port; returns its id (never 0).
    PortId attach(Deliver deliver, std::string name);
    /// Removes a port; no deliver() runs for it after this returns.
    void detach(PortId port);
    /// Forwards @p frame (Ethernet header first, >= 14 bytes) from @p from.
    void send(PortId from, std::span<const std::byte> frame);

    struct Stats {
        uint64_t frames = 0;  ///< Frames sent into the switch.
        uint64_t unicast = 0; ///< Forwarded to one learned port.
        uint64_t flooded = 0; ///< Sent to every other port.
        uint64_t dropped = 0; ///< Runts, or learned destination is the sender.
        size_t learned = 0;   ///< MAC table entries.
    };
    Stats stats() const;

  private:
    struct Port {
        PortId id;
        std::string name;
        std::shared_ptr<Deliver> deliver;
    };
    mutable std::mutex mu_;
    std::vector<Port> ports_;
    std::vector<std::pair<MacAddress, PortId>> table_;
    PortId next_ = 1;
    Stats stats_;
};

/// What the host does wrong on purpose (tests of the guest's hardening).
enum class NetvspFault : uint32_t {
    none,
    bad_xfer_range,  ///< The next received frame's range points outside the receive buffer.
    oversize_rndis,  ///< The next received frame's RNDIS msg_len exceeds its range.
    bad_data_offset, ///< The next received frame's data_offset points past msg_len.
    unknown_nvsp,    ///< Sends an in-band NVSP message of an unknown type now.
    bad_pageset_id,  ///< The next received frame names a wrong transfer page set.
};

struct NetvspConfig {
    Guid instance_id; ///< Zero: derived from the MAC.
    std::string name = "netvsp";
    MacAddress mac{0x00, 0x15, 0x5d, 0x53, 0x54, 0x01};
    /// Largest Ethernet payload (MTU) the port takes; 1500 or up to 9000 (jumbo).
    uint32_t mtu = 1500;
    /// Newest NVSP version accepted (one of kNvspV*); older guests' versions too.
    uint32_t max_nvsp_version = kNvspV61;
    uint64_t link_speed_bps = 10'000'000'000ull;
    bool link_up = true;
    /// Section size answered to SEND_SEND_BUFFER.
    uint32_t send_section_size = 6144;
    /// The switch this NIC plugs into; none: frames from the guest are counted and dropped.
    std::shared_ptr<VirtualSwitch> vswitch;
};

struct NetvspStats {
    uint32_t nvsp_version = 0; ///< Negotiated; 0 before INIT succeeded.
    uint32_t ndis_version = 0;
    uint32_t guest_mtu = 0;   ///< From SEND_NDIS_CONFIG (frame bytes incl. 14-byte header).
    bool rndis_ready = false; ///< RNDIS INITIALIZE answered.
    uint32_t packet_filter = 0;
    uint32_t recv_sub_alloc = 0;
    uint32_t recv_sections = 0;
    uint32_t send_sections = 0;
    uint64_t tx_frames = 0; ///< Guest -> switch.
    uint64_t tx_bytes = 0;
    uint64_t rx_frames = 0; ///< Switch -> guest.
    uint64_t rx_bytes = 0;
    uint64_t rx_dropped = 0; ///< No free receive section, filter 0, link down, not ready.
    uint64_t rndis_queries = 0;
    uint64_t rndis_sets = 0;
    uint64_t malformed = 0; ///< Guest messages rejected.
    uint64_t tx_via_section = 0;
    uint64_t tx_via_gpa = 0;
    uint64_t indications = 0;
    uint64_t faults_injected = 0;
};

/**
 * Host side of one synthetic NIC: NVSP negotiation (1..6.1), NDIS config and version,
 * receive and send buffers, RNDIS INITIALIZE/QUERY/SET/HALT/KEEPALIVE, data both ways and
 * link indications. Primary channel only (no vRSS sub-channels).
 */
class NetvspVsp final : public Vsp {
  public:
    /// Throws std::invalid_argument naming the bad field.
    explicit NetvspVsp(NetvspConfig config);
    ~NetvspVsp() override;

    NetvspStats stats() const;
    const NetvspConfig &config() const noexcept { return config_; }

    /// Link up/down: sends MEDIA_CONNECT / MEDIA_DISCONNECT when the guest is ready.
    void set_link(bool up);
    /// Arms one fault (replaces the previous one).
    void inject(NetvspFault fault);
    /// Delivers @p frame to the guest as if it came from the switch (tests).
    bool deliver_to_guest(std::span<const std::byte> frame);

    void on_open(HostChannel &ch) override;
    void on_packet(HostChannel &ch, const HostPacket &pkt) override;
    void on_close(HostChannel &ch) override;

    struct Impl;

  private:
    NetvspConfig config_;
    std::unique_ptr<Impl> impl_;
};

} // namespace satori::sim
