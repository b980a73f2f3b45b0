// SPDX-License-Identifier: MIT
// storvsc as a Satori plugin: the entry point and the Device lifecycle (probe, remove,
// sub-channel offers) and channel callbacks. The work itself lives in handshake.cpp,
// lun_scan.cpp, io_path.cpp and channel_pool.cpp.
#include "device.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <satori/errno.h>
#include <satori/sdk/plugin.hpp>

#include "handshake.hpp"

namespace satori::storvsc {

namespace {
/// Zero-filled DMA memory for write-zeroes (WRITE SAME's one block, or plain writes).
constexpr uint64_t kZeroBufferBytes = 64 * 1024;
} // namespace

Device::Device(const DeviceContext &ctx) : satori::Device(ctx) {}

Device::~Device()
{
    // remove() normally did all this; a failed probe may not have.
    stop_worker();
    tick_timer_.destroy();
    retry_timer_.destroy();
}

Status Device::probe()
{
    config_ = Config::from_env();
    blk_ = BlkService(host());
    if (!blk_) {
        log().error("storvsc: the shim provides no usable ", SATORI_SERVICE_BLK,
                    " service; cannot export disks");
        return Status(-SATORI_EOPNOTSUPP);
    }
    ide_ = info().class_id() == guids::kIde;
    if (ide_) {
        // §1: the IDE accelerator's instance GUID carries the IDE channel (data1) and the
        // drive (data2); they address the single disk.
        const satori_guid &inst = info().c_info().instance_id;
        path_id_ = inst.b[0];
        target_id_ = inst.b[4];
    }
    const uint16_t wanted = ide_ ? uint16_t{0} : config_.subchannels;
    pool_.reset(static_cast<uint16_t>(1 + wanted), io_depth_for_ring(config_.ring_bytes));

    if (Status st = open_slot(0); !st) {
        log().error("storvsc: cannot open the primary channel: ", st);
        return st;
    }
    if (auto t = create_timer(this, &Device::on_tick))
        tick_timer_ = std::move(*t);
    else
        log().warn("storvsc: no timer service: request deadlines are not enforced");
    if (auto t = create_timer(this, &Device::on_retry_timer))
        retry_timer_ = std::move(*t);

    if (Status st = run_handshake(); !st) return st;

    auto zero = alloc_dma(kZeroBufferBytes);
    if (!zero) {
        log().error("storvsc: cannot allocate DMA memory: ", zero.error());
        return zero.error();
    }
    zero_buffer_ = std::move(*zero);
    // §12: the per-channel depth times the channels, 90 % of it as Linux does.
    disk_queue_depth_ = std::max<uint32_t>(
        1, static_cast<uint32_t>(uint64_t{pool_.io_depth()} * (1u + subchannels_) * 9 / 10));

    if (tick_timer_) {
        const auto period = std::clamp<std::chrono::nanoseconds>(
            std::chrono::nanoseconds(timeout_ns() / 4), std::chrono::milliseconds(5),
            std::chrono::seconds(1));
        if (Status st = tick_timer_.arm(period, period); !st)
            log().warn("storvsc: deadline timer not armed: ", st);
    }

    log().info("storvsc: protocol ", version_text(version_), ", ", subchannels_,
               " sub-channels, max transfer ", max_transfer_ / 1024, " KiB, queue depth ",
               disk_queue_depth_);
    scan_bus(false);
    start_worker();
    return Status::ok();
}

void Device::remove()
{
    // 1. No more rescans; a scan command in progress returns -ESHUTDOWN.
    stop_worker();
    tick_timer_.cancel();
    retry_timer_.cancel();
    // 2. Close the channels first: after this the host can no longer touch request memory.
    close_channels();
    // 3. Fail whatever is left, so that remove_disk does not wait.
    Deferred d;
    std::vector<Lun *> luns;
    {
        std::lock_guard lock(mu_);
        fail_all(-SATORI_ENODEV, true, d);
        for (auto &[number, lun] : luns_) {
            lun->gone = true;
            luns.push_back(lun.get());
        }
    }
    run(d);
    // 4. Remove the disks, then free the rest.
    for (Lun *lun : luns)
        lun->disk.remove();
    std::map<uint8_t, std::unique_ptr<Lun>> drop;
    {
        std::lock_guard lock(mu_);
        drop.swap(luns_);
        ops_.clear();
    }
    tick_timer_.destroy();
    retry_timer_.destroy();
    zero_buffer_.release();
    log().info("storvsc: controller removed");
}

void Device::on_subchannel(uint16_t index)
{
    if (Status st = open_slot(index); !st) {
        if (st.code() == -SATORI_ENOENT)
            log().debug("storvsc: sub-channel ", index, " offered beyond the ", subchannels_,
                        " asked for; not used");
        else
            log().warn("storvsc: cannot open sub-channel ", index, ": ", st);
        return;
    }
    log().info("storvsc: sub-channel ", index, " open");
}

void Device::on_packet(Channel &channel, const Packet &packet)
{
    if (packet.is_completion()) {
        on_completion(channel.sub_index(), packet);
        return;
    }
    if (!packet.is_inband()) {
        log().warn("storvsc: ignoring a packet of type ", packet.type(), " on channel ",
                   channel.sub_index());
        return;
    }
    // Unsolicited host message (§11).
    const auto data = packet.data();
    if (data.size() < sizeof(uint32_t)) {
        log().warn("storvsc: ignoring an unsolicited packet of ", data.size(), " bytes");
        return;
    }
    uint32_t operation = 0;
    std::memcpy(&operation, data.data(), sizeof(operation));
    switch (operation) {
    case proto::kOpEnumerateBus:
    case proto::kOpRemoveDevice: {
        {
            std::lock_guard lock(mu_);
            rescan_pending_ = true;
        }
        worker_cv_.notify_all();
        log().debug("storvsc: host asked for a rescan (operation ", operation, ")");
        return;
    }
    case proto::kOpFcHbaData:
        log().debug("storvsc: ignoring FCHBA_DATA (not a Fibre Channel adapter)");
        return;
    default:
        log().warn("storvsc: ignoring unsolicited operation ", operation, " on channel ",
                   channel.sub_index());
        return;
    }
}

void Device::on_send_space(Channel &channel) { kick(channel.sub_index()); }

void Device::on_channel_closed(Channel &channel, Status reason)
{
    const uint16_t index = channel.sub_index();
    const int32_t code = reason.code() ? reason.code() : -SATORI_ENODEV;
    Deferred d;
    uint32_t before = 0;
    uint32_t after = 0;
    {
        std::lock_guard lock(mu_);
        before = tracker_.active();
        channel_died(index, code, d);
        after = tracker_.active();
    }
    log().warn("storvsc: channel ", index, " stopped working: ", reason, "; ",
               before > after ? before - after : 0, " request(s) released",
               index == 0 ? "; the controller is out of service" : "");
    run(d);
}

Device::Snapshot Device::snapshot() const
{
    std::lock_guard lock(mu_);
    Snapshot s;
    s.version = version_;
    s.subchannels = subchannels_;
    s.channels_open = pool_.open_count();
    s.max_transfer = max_transfer_;
    s.io_depth = pool_.io_depth();
    s.queue_depth = disk_queue_depth_;
    s.active_requests = tracker_.active();
    tracker_.for_each_active([&](const Request &req) {
        if (req.state == RequestState::kAbandoned) ++s.abandoned;
        if (req.state == RequestState::kQueued) ++s.queued;
    });
    s.timeouts = timeouts_;
    s.bogus_completions = bogus_;
    s.retries = retries_;
    for (const auto &[number, lun] : luns_)
        if (!lun->gone) s.luns.push_back(number);
    s.dead = dead_;
    s.dead_error = dead_error_;
    return s;
}

} // namespace satori::storvsc

SATORI_PLUGIN("storvsc", "1.0.0", satori::storvsc::Device, satori::guids::kScsi,
              satori::guids::kIde);
