// SPDX-License-Identifier: MIT
// NetvspVsp::Impl: the state of one simulated NIC, shared by netvsp.cpp (NVSP, buffers,
// data to the guest) and rndis_host.cpp (RNDIS control and packets from the guest).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <satori/sim/host_channel.hpp>
#include <satori/sim/netvsp.hpp>

namespace satori::sim {

struct NetvspVsp::Impl {
    explicit Impl(NetvspConfig &c) : cfg(c) {}

    NetvspConfig &cfg;
    mutable std::mutex mu;
    std::shared_ptr<HostChannel> ch; // primary, while open
    NetvspStats st;
    bool link_up = true;
    NetvspFault fault = NetvspFault::none;
    VirtualSwitch::PortId port = 0;

    // receive buffer (host -> guest)
    std::shared_ptr<const GpadlMapping> recv;
    uint16_t recv_id = 0;
    uint32_t sub_alloc = 0;
    std::vector<uint32_t> free_sections; // stack of free sub-allocation indices
    // send buffer (guest -> host)
    std::shared_ptr<const GpadlMapping> send;
    uint32_t send_section = 0;
    uint32_t send_count = 0;

    // netvsp.cpp
    void reset_locked();
    /// Puts one RNDIS message into a free receive section and sends the transfer-page
    /// packet. False when the guest has no free section (or the channel is gone).
    bool to_guest(std::span<const std::byte> rndis_msg, uint32_t channel_type, bool data);
    void handle_nvsp(HostChannel &ch, const HostPacket &pkt);
    void indicate(uint32_t status);

    // rndis_host.cpp
    /// Walks the RNDIS messages of one SEND_RNDIS_PACKET; false if any was malformed.
    bool handle_rndis_stream(std::span<const std::byte> stream);
    void handle_control(uint32_t type, std::span<const std::byte> msg);
    std::vector<std::byte> query_answer(uint32_t oid, uint32_t &status);
    void handle_frame(std::span<const std::byte> msg, bool &ok);
};

} // namespace satori::sim
