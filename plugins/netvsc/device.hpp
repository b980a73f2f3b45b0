// SPDX-License-Identifier: MIT
// netvsc: the guest driver of a Hyper-V synthetic network adapter, one satori::Device per
// offered NIC, registered with satori.net/1.
//
// Threads and contexts
//   [probe]    probe(): open the channel, NVSP/NDIS negotiation, receive and send buffers,
//              RNDIS INITIALIZE/QUERY/SET, add_netdev. remove(): stop transmit, fail what
//              is in flight, remove the netdev, revoke buffers, close the channel.
//   [channel]  on_packet(): NVSP completions (matched by transaction id), transfer-page
//              packets (received frames, RNDIS completions, link indications);
//              on_send_space(); on_channel_closed().
//   [service]  xmit() from satori.net/1, one frame at a time; never blocks.
//
// One mutex (mu_) guards the send-section allocator, the in-flight tags, the waiters and
// the counters. Nothing calls out of the driver (send, tx_done, wake_queue, receive) while
// holding it.
#ifndef SATORI_NETVSC_DEVICE_HPP
#define SATORI_NETVSC_DEVICE_HPP

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include <satori/sdk/net.hpp>
#include <satori/sdk/plugin.hpp>

namespace satori::netvsc {

/// Tunables, read from the environment at probe.
struct Config {
    uint32_t ring_bytes = 256 * 1024; ///< SATORI_NETVSC_RING_KB
    uint32_t recv_bytes = 8 << 20;    ///< SATORI_NETVSC_RECV_KB
    uint32_t send_bytes = 170 * 6144; ///< SATORI_NETVSC_SEND_KB
    uint32_t timeout_ms = 5000;       ///< per control request
    static Config from_env();
};

/// Counters of one adapter (also logged at remove).
struct Stats {
    uint64_t tx_packets = 0, tx_bytes = 0, tx_dropped = 0;
    uint64_t tx_section_full = 0; ///< xmit found no free send section (queue stopped)
    uint64_t tx_ring_full = 0;    ///< the ring was full (queue stopped)
    uint64_t tx_gpa = 0;          ///< frames sent with GPA ranges (larger than a section)
    uint64_t rx_packets = 0, rx_bytes = 0, rx_dropped = 0;
    uint64_t rx_bad_range = 0; ///< transfer-page range outside the buffer or a section
    uint64_t rx_bad_rndis = 0; ///< RNDIS length/offset that does not fit
    uint64_t rx_bad_nvsp = 0;  ///< unknown or malformed NVSP messages from the host
    uint64_t link_changes = 0;
    uint64_t completion_send_failures = 0;
};

class Device final : public satori::Device, public NetDeviceHandler {
  public:
    explicit Device(const DeviceContext &ctx);
    ~Device() override;

    Status probe() override;                                             // [probe]
    void remove() override;                                              // [probe]
    void on_packet(Channel &channel, const Packet &packet) override;     // [channel]
    void on_send_space(Channel &channel) override;                       // [channel]
    void on_channel_closed(Channel &channel, Status reason) override;    // [channel]
    Status xmit(satori_netdev *nd, const satori_net_tx &frame) override; // [service]

    struct Snapshot {
        uint32_t nvsp_version = 0;
        uint32_t mtu = 0;
        uint8_t mac[6] = {};
        bool link_up = false;
        uint32_t recv_sections = 0, recv_section_size = 0;
        uint32_t send_sections = 0, send_section_size = 0;
        Stats stats;
    };
    Snapshot snapshot() const;

  private:
    // handshake.cpp
    Result<std::vector<std::byte>>
    nvsp_request(std::span<const std::byte> msg); // waits for the completion
    Status negotiate_version();
    Status setup_buffers();
    Result<std::vector<std::byte>> rndis_request(std::vector<std::byte> msg); // waits for the CMPLT
    Result<std::vector<std::byte>> query(uint32_t oid);
    Status set_oid(uint32_t oid, std::span<const std::byte> data);
    Status rndis_bring_up();
    void teardown_buffers();

    // data_path.cpp
    void on_xfer_pages(Channel &channel, const Packet &packet);
    uint32_t handle_rndis(std::span<const std::byte> msg); // NVSP status for the completion
    void on_completion(const Packet &packet);
    void tx_section_done(uint32_t section, bool ok);
    void set_link(bool up);
    void fail_in_flight();
    void tx_done(uint64_t tag, int32_t status) noexcept
    {
        if (auto *n = nd_raw_.load(std::memory_order_acquire))
            net_.c_service()->tx_done(n, tag, status);
    }

    Config config_;
    NetService net_;
    Channel channel_;
    DmaBuffer recv_buf_, send_buf_, ctl_buf_;
    Gpadl recv_gpadl_, send_gpadl_;
    NetDev nd_;
    std::atomic<satori_netdev *> nd_raw_{nullptr};

    // negotiated (set in probe, then read-only)
    uint32_t version_ = 0;
    uint32_t mtu_ = 1500;
    uint8_t mac_[6] = {};
    uint64_t link_speed_ = 0;
    uint32_t recv_section_size_ = 0, recv_sections_ = 0;
    uint32_t send_section_size_ = 0, send_sections_ = 0;

    // shared, under mu_
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::mutex ctl_mu_; ///< one control request at a time
    uint64_t next_tid_ = 1;
    uint32_t next_rndis_id_ = 1;
    std::map<uint64_t, std::vector<std::byte>> nvsp_replies_;  ///< by transaction id
    std::map<uint32_t, std::vector<std::byte>> rndis_replies_; ///< by RNDIS request id
    std::vector<uint32_t> free_sections_;
    std::vector<uint64_t> section_tag_; ///< tag to complete when the section comes back
    std::vector<uint8_t> section_busy_;
    bool tx_stopped_ = false;
    uint32_t tx_active_ = 0; ///< xmit calls running (remove waits for them)
    bool stopping_ = false;
    bool dead_ = false;
    bool link_up_ = false;
    Stats stats_;
    uint32_t warnings_ = 0;
    std::vector<std::byte> rx_copy_; ///< [channel] private copy of one host message
};

} // namespace satori::netvsc

#endif // SATORI_NETVSC_DEVICE_HPP
