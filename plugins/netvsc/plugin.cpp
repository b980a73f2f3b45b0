// SPDX-License-Identifier: MIT
// netvsc as a Satori plugin: the entry point, probe/remove and the channel callbacks that
// are not part of the data path.
#include <cstdio>
#include <cstring>
#include <string>

#include "device.hpp"
#include "protocol.hpp"
#include "rndis.hpp"

namespace satori::netvsc {

namespace {
std::string mac_text(const uint8_t *m)
{
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                  m[5]);
    return buf;
}
} // namespace

Device::Device(const DeviceContext &ctx) : satori::Device(ctx) {}
Device::~Device() = default;

Status Device::probe()
{
    config_ = Config::from_env();
    net_ = NetService(host());
    if (!net_) {
        log().error("netvsc: the shim provides no usable ", SATORI_SERVICE_NET, " service");
        return Status(-SATORI_EOPNOTSUPP);
    }
    auto ch = open_channel({.ring_bytes_out = config_.ring_bytes,
                            .ring_bytes_in = config_.ring_bytes,
                            .max_packet_bytes = 8192,
                            .max_outstanding = 1024});
    if (!ch) {
        log().error("netvsc: cannot open the channel: ", ch.error());
        return ch.error();
    }
    channel_ = std::move(*ch);
    if (Status st = negotiate_version(); !st) return st;
    if (Status st = setup_buffers(); !st) return st;
    if (Status st = rndis_bring_up(); !st) return st;

    NetDevParams p;
    std::memcpy(p.mac, mac_, 6);
    p.mtu = mtu_;
    p.mtu_min = 68;
    p.mtu_max = mtu_;
    p.max_tx_segments = 32;
    auto nd = net_.add_netdev(c_device(), p, *this);
    if (!nd) {
        log().error("netvsc: the shim refused the network device: ", nd.error());
        return nd.error();
    }
    nd_raw_.store(nd->c_netdev(), std::memory_order_release);
    nd_ = std::move(*nd);
    nd_.set_link(link_up_, link_speed_);
    uint32_t filter = proto::kFilterDefault;
    std::byte f[4];
    rndis::put32(f, 0, filter);
    if (Status st = set_oid(proto::kOidPacketFilter, f); !st)
        log().warn("netvsc: the host refused the packet filter: ", st);
    log().info("netvsc: NVSP ", version_ >> 16, ".", version_ & 0xFFFF, ", MAC ", mac_text(mac_),
               ", MTU ", mtu_, ", link ", link_up_ ? "up" : "down", ", ", recv_sections_,
               " receive sections of ", recv_section_size_, " bytes, ", send_sections_,
               " send sections of ", send_section_size_, " bytes");
    return Status::ok();
}

void Device::remove()
{
    bool dead = false;
    {
        // No new xmit; wait for the running ones (they use the channel and the send buffer).
        std::unique_lock lock(mu_);
        stopping_ = true;
        cv_.wait(lock, [&] { return tx_active_ == 0; });
        dead = dead_;
    }
    if (ctl_buf_.valid() && channel_.is_open() && !dead) {
        std::byte halt[12] = {};
        rndis::put32(halt, 0, proto::kRndisHalt);
        rndis::put32(halt, 4, 12);
        std::memcpy(ctl_buf_.data(), halt, sizeof(halt));
        if (auto r = ctl_buf_.gpa_range(0, sizeof(halt)))
            (void)channel_.send_gpa_direct(
                rndis::nvsp({proto::kSendRndisPkt, 1, proto::kNoSection, 0}), std::span(&*r, 1),
                2ull << 56);
    }
    teardown_buffers();
    const Stats s = snapshot().stats;
    log().info("netvsc: removed; tx ", s.tx_packets, " frames / ", s.tx_bytes, " bytes (",
               s.tx_dropped, " dropped, ", s.tx_section_full, " send-buffer full, ", s.tx_ring_full,
               " ring full), rx ", s.rx_packets, " frames / ", s.rx_bytes, " bytes (", s.rx_dropped,
               " dropped), rejected: ", s.rx_bad_range, " ranges, ", s.rx_bad_rndis, " RNDIS, ",
               s.rx_bad_nvsp, " NVSP");
    (void)recv_gpadl_.teardown();
    (void)send_gpadl_.teardown();
    // After close no callback runs: nothing calls receive/tx_done on the netdev any more.
    channel_.close();
    fail_in_flight();
    nd_.remove();
    nd_raw_.store(nullptr, std::memory_order_release);
    recv_buf_.release();
    send_buf_.release();
    ctl_buf_.release();
}

void Device::on_channel_closed(Channel &, Status reason)
{
    {
        std::lock_guard lock(mu_);
        dead_ = true;
        cv_.notify_all();
    }
    log().warn("netvsc: channel stopped working: ", reason);
    set_link(false);
}

Device::Snapshot Device::snapshot() const
{
    std::lock_guard lock(mu_);
    Snapshot s;
    s.nvsp_version = version_;
    s.mtu = mtu_;
    std::memcpy(s.mac, mac_, 6);
    s.link_up = link_up_;
    s.recv_sections = recv_sections_;
    s.recv_section_size = recv_section_size_;
    s.send_sections = send_sections_;
    s.send_section_size = send_section_size_;
    s.stats = stats_;
    return s;
}

} // namespace satori::netvsc

SATORI_PLUGIN("netvsc", "1.0.0", satori::netvsc::Device, satori::Guid(satori_guid SATORI_GUID_NIC));
