// SPDX-License-Identifier: MIT
// storvsc: the guest driver of a Hyper-V synthetic SCSI controller (or IDE accelerator),
// one satori::Device per offered controller.
//
// Threads and contexts
//   [probe]    probe(): open the primary channel, handshake, scan the bus, add disks, start
//              the worker. remove(): stop the worker, close channels, fail what is left,
//              remove disks. on_subchannel(): open offered sub-channels.
//   [channel]  on_packet(): completions (matched by transaction id) and unsolicited
//              ENUMERATE_BUS / REMOVE_DEVICE; on_send_space(); on_channel_closed().
//   [service]  submit() from satori.blk/1, one call per block request; never blocks.
//   [timer]    the tick timer (request deadlines) and the retry timer (BUSY back-off).
//   worker     a thread of the driver's own that runs rescans, capacity re-reads and LUN
//              removals: they wait for SCSI commands and call add_disk / remove_disk, which
//              the channel and service contexts may not do. It is started at the end of
//              probe() and joined at the start of remove(), so it is serialized with the
//              device lifecycle like a [probe] caller.
//
// One mutex (mu_) guards all request, channel-queue and LUN state. Nothing calls out of
// the driver (send, blk complete, channel_abort, timer arm, dma_free, log) while holding
// it: handlers collect such work in a Deferred and run it after unlocking. A channel is
// drained by one thread at a time (kick()); completions delivered from inside a send are
// therefore fine.
#ifndef SATORI_STORVSC_DEVICE_HPP
#define SATORI_STORVSC_DEVICE_HPP

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <satori/sdk/blk.hpp>
#include <satori/sdk/plugin.hpp>

#include "channel_pool.hpp"
#include "protocol.hpp"
#include "request_tracker.hpp"
#include "scsi.hpp"
#include "srb_status.hpp"

namespace satori::storvsc {

/// Tunables, read from the environment at probe.
struct Config {
    /// Per-request deadline; SATORI_STORVSC_TIMEOUT_MS (default 30 s).
    uint32_t timeout_ms = 30000;
    /// Sub-channels to ask for (capped by the host); SATORI_STORVSC_SUBCHANNELS (default 2).
    uint16_t subchannels = 2;
    /// Ring bytes per direction; SATORI_STORVSC_RING_KB (default 128, Linux's default).
    uint32_t ring_bytes = 128 * 1024;

    static Config from_env();
};

/// What the scan learned about a LUN, and what it becomes for satori.blk/1.
struct LunInfo {
    uint8_t lun = 0;
    std::string vendor;
    std::string product;
    std::string revision;
    std::string serial;
    uint32_t block_size = 512;
    uint32_t physical_block_size = 512;
    uint64_t blocks = 0;
    bool read_only = false;
    bool write_cache = true;   ///< volatile cache: FLUSH means something
    bool fua = false;
    bool discard = false;      ///< UNMAP
    bool discard_zeroes = false;
    bool write_zeroes = false; ///< always offered: WRITE SAME or zero-buffer writes
    bool write_same = false;   ///< the device takes WRITE SAME(16)
    bool rotational = true;
    uint32_t max_transfer_bytes = 0;
    uint32_t max_unmap_blocks = 0;      ///< per UNMAP descriptor
    uint32_t max_unmap_descriptors = 0; ///< per UNMAP command
    uint32_t discard_granularity = 0;   ///< bytes
    uint64_t max_write_same_blocks = 0;

    uint32_t blk_flags() const noexcept;
    /// "LUN 0: Msft Virtual Disk 16.0 GiB"
    std::string description() const;
};

class Device;

/// A LUN with a registered disk. Its address is the disk's cookie.
class Lun final : public BlkDiskHandler {
  public:
    Lun(Device &device, LunInfo lun_info) : info(std::move(lun_info)), device_(device) {}
    Status submit(satori_blk_disk *disk, const BlkRequest &request) noexcept override;

    LunInfo info;            ///< block size and limits fixed; blocks changes under mu_
    std::string description; ///< kept alive for the shim
    BlkDisk disk;            ///< touched only in [probe] and by the worker
    bool gone = false;       ///< under mu_: submits fail with -ENODEV

  private:
    Device &device_;
};

/// Human-readable size: "512 MiB", "16.0 GiB".
std::string size_text(uint64_t bytes);

class Device final : public satori::Device {
  public:
    static constexpr const char *kDescription = "Hyper-V synthetic SCSI controller (storvsc)";

    explicit Device(const DeviceContext &ctx);
    ~Device() override;

    Status probe() override;                                       // [probe]
    void remove() override;                                        // [probe]
    void on_subchannel(uint16_t index) override;                   // [probe]
    void on_packet(Channel &channel, const Packet &packet) override;       // [channel]
    void on_send_space(Channel &channel) override;                         // [channel]
    void on_channel_closed(Channel &channel, Status reason) override;      // [channel]

    /// A block request for @p lun. [service]
    Status submit(Lun &lun, satori_blk_disk *disk, const BlkRequest &request) noexcept;

    /// State for logs and tests. [any]
    struct Snapshot {
        uint16_t version = 0;
        uint16_t subchannels = 0;     ///< granted by the host
        uint16_t channels_open = 0;
        uint32_t max_transfer = 0;
        uint32_t io_depth = 0;        ///< per channel
        uint32_t queue_depth = 0;     ///< per disk, as given to add_disk
        uint32_t active_requests = 0; ///< tracker slots in use
        uint32_t abandoned = 0;       ///< of which kAbandoned
        uint32_t queued = 0;          ///< waiting in channel queues
        uint64_t timeouts = 0;
        uint64_t bogus_completions = 0;
        uint64_t retries = 0;
        std::vector<uint8_t> luns;
        bool dead = false;
        int32_t dead_error = 0;
    };
    Snapshot snapshot() const;

  private:
    friend class Lun;

    /// Work collected under mu_ and done after unlocking it.
    struct BlkDone {
        satori_blk_disk *disk;
        uint64_t tag;
        int32_t status;
    };
    struct CopyBack { // bounce buffer -> request segments (reads)
        DmaBuffer buffer;
        std::vector<satori_blk_segment> segments;
    };
    struct Deferred {
        std::vector<CopyBack> copies;
        std::vector<BlkDone> blk;
        std::vector<DmaBuffer> graveyard;
        std::vector<uint16_t> kicks;
        std::vector<std::string> warnings;
        std::optional<std::pair<uint16_t, int32_t>> abort; ///< channel, reason
        uint64_t arm_retry_at = 0; ///< host-clock ns; 0 = no change
        bool notify_waiters = false;
        bool wake_worker = false;
        void kick(uint16_t channel);
    };
    void run(Deferred &d);

    // --- channels (channel_pool.cpp) ---
    OpenParams open_params() const;
    Status open_slot(uint16_t index);                 // [probe]
    void kick(uint16_t channel) noexcept;             // [any]
    void drain_once(ChannelSlot &slot);
    void close_channels();                            // [probe]
    void channel_died(uint16_t index, int32_t reason, Deferred &d);
    void abort_channel(uint16_t index, int32_t reason) noexcept;

    // --- handshake (handshake.cpp) ---
    Status run_handshake();                           // [probe]
    std::shared_ptr<Waiter> send_control(const proto::VstorPacket &pkt, uint32_t size,
                                         uint64_t timeout_ns);

    // --- requests (io_path.cpp) ---
    Status submit_locked(Lun &lun, satori_blk_disk *disk, const BlkRequest &req,
                         std::vector<DmaBuffer> &buffers, Deferred &d);
    void fill_srb(Request &req, uint8_t lun, const scsi::Cdb &cdb, uint8_t data_in,
                  uint32_t bytes) const noexcept;
    bool start_chunk(BlkOp &op, DmaBuffer buffer, Deferred &d);
    bool enqueue_new(Request &req, Deferred &d);
    void on_completion(uint16_t channel, const Packet &packet);
    void finish_blk_child(Request &req, std::span<const std::byte> payload, Deferred &d);
    void finish_internal(Request &req, std::span<const std::byte> payload, Deferred &d);
    void fail_request(Request &req, int32_t error, bool keep_id, Deferred &d);
    void release_request(Request &req, Deferred &d);
    void child_done(BlkOp &op, int32_t error, bool abandoned, Deferred &d);
    void maybe_finish(BlkOp &op, Deferred &d);
    void schedule_retry(Request &req, uint64_t now, Deferred &d);
    void on_tick();                                   // [timer]
    void on_retry_timer();                            // [timer]
    void queue_reset_lun(uint8_t lun, Deferred &d);
    void mark_lun_gone(uint8_t lun, Deferred &d);
    void fail_lun_requests(uint8_t lun, int32_t error, Deferred &d);
    void fail_all(int32_t error, bool channels_gone, Deferred &d);
    uint64_t now_ns() const noexcept;
    uint64_t timeout_ns() const noexcept { return uint64_t{config_.timeout_ms} * 1'000'000u; }

    // --- scan (lun_scan.cpp) ---
    struct ScsiReply {
        int32_t error = 0; ///< transport error; 0 when the device answered
        Disposition disposition;
        std::vector<uint8_t> data;
        bool ok() const noexcept
        {
            return error == 0 && disposition.action == Action::kComplete && disposition.error == 0;
        }
    };
    ScsiReply scsi_command(uint8_t lun, const scsi::Cdb &cdb, uint32_t alloc_len); // blocking
    std::optional<std::vector<uint16_t>> report_luns();
    std::optional<LunInfo> probe_lun(uint8_t lun);
    std::optional<scsi::Capacity> read_capacity(uint8_t lun);
    void scan_bus(bool rescan);
    void add_lun(LunInfo info);
    void remove_lun(uint8_t lun, const char *why);
    void refresh_capacity(uint8_t lun);
    void worker_main();
    void start_worker();
    void stop_worker();
    uint32_t disk_max_transfer(const LunInfo &info) const noexcept;

    // --- configuration and negotiated parameters (set in probe, then read-only) ---
    Config config_;
    BlkService blk_;
    bool ide_ = false;
    uint8_t path_id_ = 0;
    uint8_t target_id_ = 0;
    uint16_t version_ = 0;
    proto::VersionParams params_ = proto::kPreNegotiationParams;
    proto::ChannelProperties properties_{};
    uint32_t max_transfer_ = 0;
    uint16_t subchannels_ = 0;
    uint32_t disk_queue_depth_ = 1;
    DmaBuffer zero_buffer_;
    Timer tick_timer_;
    Timer retry_timer_;
    std::thread worker_;

    // --- shared state, under mu_ ---
    mutable std::mutex mu_;
    std::condition_variable waiters_cv_;
    std::condition_variable worker_cv_;
    RequestTracker tracker_;
    ChannelPool pool_;
    std::map<BlkOp *, std::unique_ptr<BlkOp>> ops_;
    std::map<uint8_t, std::unique_ptr<Lun>> luns_;
    bool stopping_ = false;
    bool dead_ = false;
    int32_t dead_error_ = 0;
    bool rescan_pending_ = false;
    std::set<uint8_t> capacity_pending_;
    std::set<uint8_t> removal_pending_;
    uint64_t retry_armed_at_ = 0;
    uint64_t timeouts_ = 0;
    uint64_t bogus_ = 0;
    uint64_t retries_ = 0;
    uint32_t errors_logged_ = 0;
    bool warned_overlong_ = false;
};

} // namespace satori::storvsc

#endif // SATORI_STORVSC_DEVICE_HPP
