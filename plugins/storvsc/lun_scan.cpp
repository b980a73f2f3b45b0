// SPDX-License-Identifier: MIT
// The bus scan and everything that adds or removes disks: REPORT LUNS, per-LUN INQUIRY /
// VPD / READ CAPACITY / MODE SENSE, add_disk; rescans on ENUMERATE_BUS; capacity re-reads
// after UNIT ATTENTION 2A/09; removal of LUNs that went away. Rescans run on the driver's
// worker thread (see device.hpp), never in channel or service context.
#include "device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <satori/errno.h>

#include "handshake.hpp"

namespace satori::storvsc {

namespace {

/// Largest transfer a disk advertises, whatever the host allows (one GPA range of 257 PFNs).
constexpr uint32_t kMaxTransferCap = 1024 * 1024;
/// Highest LUN a vmscsi_request can address (u8; Linux uses 0-254).
constexpr uint16_t kMaxLun = 254;
/// Scan commands retried this often on UNIT ATTENTION / BUSY.
constexpr int kScanAttempts = 4;

uint32_t env_u32(const char *name, uint32_t fallback, uint32_t lo, uint32_t hi)
{
    const char *text = std::getenv(name);
    if (!text || !*text) return fallback;
    char *end = nullptr;
    const unsigned long v = std::strtoul(text, &end, 10);
    if (*end != '\0' || v < lo || v > hi) return fallback;
    return static_cast<uint32_t>(v);
}

} // namespace

Config Config::from_env()
{
    Config c;
    c.timeout_ms = env_u32("SATORI_STORVSC_TIMEOUT_MS", c.timeout_ms, 1, 3'600'000);
    c.subchannels = static_cast<uint16_t>(env_u32("SATORI_STORVSC_SUBCHANNELS", c.subchannels, 0, 64));
    c.ring_bytes = env_u32("SATORI_STORVSC_RING_KB", c.ring_bytes / 1024, 16, 16 * 1024) * 1024;
    return c;
}

std::string size_text(uint64_t bytes)
{
    static constexpr const char *kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    std::size_t unit = 0;
    uint64_t whole = bytes;
    while (whole >= 1024 && unit + 1 < std::size(kUnits)) {
        whole /= 1024;
        ++unit;
    }
    char text[32];
    const uint64_t scale = uint64_t{1} << (10 * unit);
    if (unit == 0 || bytes % scale == 0)
        std::snprintf(text, sizeof(text), "%llu %s", static_cast<unsigned long long>(whole),
                      kUnits[unit]);
    else
        std::snprintf(text, sizeof(text), "%.1f %s",
                      static_cast<double>(bytes) / static_cast<double>(scale), kUnits[unit]);
    return text;
}

uint32_t LunInfo::blk_flags() const noexcept
{
    uint32_t f = 0;
    if (read_only) f |= SATORI_BLK_F_READ_ONLY;
    if (write_cache) f |= SATORI_BLK_F_FLUSH;
    if (fua && !read_only) f |= SATORI_BLK_F_FUA;
    if (discard && !read_only) {
        f |= SATORI_BLK_F_DISCARD;
        if (discard_zeroes) f |= SATORI_BLK_F_DISCARD_ZEROES;
    }
    if (write_zeroes && !read_only) f |= SATORI_BLK_F_WRITE_ZEROES;
    if (rotational) f |= SATORI_BLK_F_ROTATIONAL;
    return f;
}

std::string LunInfo::description() const
{
    std::string text = "LUN " + std::to_string(lun) + ":";
    if (!vendor.empty()) text += " " + vendor;
    if (!product.empty()) text += " " + product;
    text += " " + size_text(blocks * block_size);
    return text;
}

uint32_t Device::disk_max_transfer(const LunInfo &info) const noexcept
{
    uint64_t m = std::min<uint64_t>(max_transfer_ ? max_transfer_ : Handshake::kFallbackMaxTransfer,
                                    kMaxTransferCap);
    if (info.max_transfer_bytes != 0) m = std::min<uint64_t>(m, info.max_transfer_bytes);
    m -= m % info.block_size;
    return static_cast<uint32_t>(std::max<uint64_t>(m, 4096));
}

// ---------------------------------------------------------------------------------------------
// Blocking SCSI commands of the driver's own (probe and worker only)
// ---------------------------------------------------------------------------------------------

Device::ScsiReply Device::scsi_command(uint8_t lun, const scsi::Cdb &cdb, uint32_t alloc_len)
{
    ScsiReply out;
    DmaBuffer buffer;
    if (alloc_len > 0) {
        auto b = alloc_dma(alloc_len);
        if (!b) {
            out.error = b.error().code();
            return out;
        }
        buffer = std::move(*b);
    }
    auto waiter = std::make_shared<Waiter>();
    uint64_t id = 0;
    Deferred d;
    {
        std::lock_guard lock(mu_);
        if (stopping_ || dead_) {
            out.error = stopping_ ? -SATORI_ESHUTDOWN : dead_error_;
            d.graveyard.push_back(std::move(buffer));
        } else if (Request *req = tracker_.allocate(); !req) {
            out.error = -SATORI_ENOMEM;
            d.graveyard.push_back(std::move(buffer));
        } else {
            req->kind = RequestKind::kInternal;
            req->pinned = true; // scan traffic stays on the primary channel
            req->channel = 0;
            req->waiter = waiter;
            fill_srb(*req, lun, cdb, alloc_len ? proto::kDataIn : proto::kDataNone, alloc_len);
            if (alloc_len > 0) {
                req->buffer = std::move(buffer);
                req->range = *req->buffer.gpa_range(0, alloc_len);
                req->has_range = true;
            }
            id = req->id();
            if (!enqueue_new(*req, d)) {
                tracker_.release(*req, d.graveyard);
                out.error = -SATORI_ENODEV;
            }
        }
    }
    run(d);
    if (out.error) return out;

    {
        std::unique_lock lock(mu_);
        const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout_ns());
        waiters_cv_.wait_until(lock, until, [&] { return waiter->done; });
        if (!waiter->done)
            if (Request *req = tracker_.find(id)) {
                ++timeouts_;
                fail_request(*req, -SATORI_ETIMEDOUT, req->state == RequestState::kSent, d);
            }
    }
    run(d);
    if (waiter->error) {
        out.error = waiter->error;
        return out;
    }
    SrbOutcome outcome;
    outcome.srb_status = waiter->srb_status;
    outcome.scsi_status = waiter->scsi_status;
    outcome.sense = waiter->sense;
    out.disposition = classify(outcome);
    out.data = std::move(waiter->data);
    return out;
}

namespace {

/// Retries a scan command a few times on UNIT ATTENTION and BUSY-type answers.
template <class Send> auto with_retries(Send &&send)
{
    for (int attempt = 1;; ++attempt) {
        auto reply = send();
        if (reply.error != 0 || attempt >= kScanAttempts) return reply;
        switch (reply.disposition.action) {
        case Action::kRetryNow:
        case Action::kCapacityChanged:
        case Action::kParametersChanged:
            continue;
        case Action::kRetryLater:
            std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
            continue;
        default:
            return reply;
        }
    }
}

std::span<const uint8_t> bytes_of(const std::vector<uint8_t> &v) { return {v.data(), v.size()}; }

} // namespace

std::optional<std::vector<uint16_t>> Device::report_luns()
{
    constexpr uint32_t kAlloc = 8 + 8 * 256;
    const ScsiReply r = with_retries([&] { return scsi_command(0, scsi::report_luns(kAlloc), kAlloc); });
    if (!r.ok()) {
        if (r.error == 0)
            log().warn("storvsc: REPORT LUNS failed: ", r.disposition.what);
        return std::nullopt;
    }
    auto luns = scsi::parse_report_luns(bytes_of(r.data));
    if (!luns) {
        log().warn("storvsc: REPORT LUNS returned ", r.data.size(), " bytes, too short for a list");
        return std::nullopt;
    }
    std::erase_if(*luns, [](uint16_t lun) { return lun > kMaxLun; });
    return luns;
}

std::optional<scsi::Capacity> Device::read_capacity(uint8_t lun)
{
    const ScsiReply r16 =
        with_retries([&] { return scsi_command(lun, scsi::read_capacity16(32), 32); });
    if (r16.ok())
        if (auto cap = scsi::parse_read_capacity16(bytes_of(r16.data))) return cap;
    if (r16.error != 0) return std::nullopt; // the channel is gone or stopping
    const ScsiReply r10 = with_retries([&] { return scsi_command(lun, scsi::read_capacity10(), 8); });
    if (!r10.ok()) return std::nullopt;
    auto cap = scsi::parse_read_capacity10(bytes_of(r10.data));
    if (cap && cap->last_lba == 0xffffffffu)
        log().warn("storvsc: LUN ", unsigned{lun},
                   ": larger than READ CAPACITY(10) can say and READ CAPACITY(16) failed; "
                   "using 2^32 blocks");
    return cap;
}

std::optional<LunInfo> Device::probe_lun(uint8_t lun)
{
    LunInfo info;
    info.lun = lun;

    constexpr uint16_t kInquiryLen = 96;
    const ScsiReply inq_r = with_retries([&] { return scsi_command(lun, scsi::inquiry(kInquiryLen), kInquiryLen); });
    const auto inq = inq_r.ok() ? scsi::parse_inquiry(bytes_of(inq_r.data)) : std::nullopt;
    if (!inq) {
        log().debug("storvsc: LUN ", unsigned{lun}, ": no INQUIRY data");
        return std::nullopt;
    }
    if (inq->qualifier != 0 || inq->device_type != 0x00) {
        log().debug("storvsc: LUN ", unsigned{lun}, ": not a disk (qualifier ",
                    unsigned{inq->qualifier}, ", type ", unsigned{inq->device_type}, ")");
        return std::nullopt;
    }
    info.vendor = inq->vendor;
    info.product = inq->product;
    info.revision = inq->revision;

    // VPD pages, when the device lists them.
    std::vector<uint8_t> pages;
    {
        const ScsiReply r = scsi_command(lun, scsi::inquiry_vpd(scsi::vpd::kSupportedPages, 255), 255);
        if (r.ok())
            if (auto p = scsi::parse_supported_pages(bytes_of(r.data))) pages = std::move(*p);
    }
    auto offered = [&](uint8_t page) {
        return std::find(pages.begin(), pages.end(), page) != pages.end();
    };
    auto vpd = [&](uint8_t page) -> std::vector<uint8_t> {
        if (!offered(page)) return {};
        ScsiReply r = scsi_command(lun, scsi::inquiry_vpd(page, 255), 255);
        return r.ok() ? std::move(r.data) : std::vector<uint8_t>{};
    };
    if (auto serial = scsi::parse_unit_serial(bytes_of(vpd(scsi::vpd::kUnitSerial))))
        info.serial = *serial;
    if (auto ids = scsi::parse_device_id(bytes_of(vpd(scsi::vpd::kDeviceId))))
        log().debug("storvsc: LUN ", unsigned{lun}, ": ", ids->size(), " device identifier(s)");
    const auto limits = scsi::parse_block_limits(bytes_of(vpd(scsi::vpd::kBlockLimits)));
    const auto rotation = scsi::parse_rotation_rate(bytes_of(vpd(scsi::vpd::kBlockCharacteristics)));
    const auto provisioning =
        scsi::parse_logical_block_provisioning(bytes_of(vpd(scsi::vpd::kLogicalBlockProvisioning)));

    const auto cap = read_capacity(lun);
    if (!cap) {
        log().warn("storvsc: LUN ", unsigned{lun}, ": READ CAPACITY failed; not registered");
        return std::nullopt;
    }
    if (cap->block_length != 512 && cap->block_length != 4096) {
        log().warn("storvsc: LUN ", unsigned{lun}, ": block size ", cap->block_length,
                   " is not supported (512 or 4096); not registered");
        return std::nullopt;
    }
    if (cap->last_lba == UINT64_MAX) {
        log().warn("storvsc: LUN ", unsigned{lun}, ": impossible capacity; not registered");
        return std::nullopt;
    }
    info.block_size = cap->block_length;
    info.blocks = cap->last_lba + 1;
    info.physical_block_size =
        cap->lbppbe <= 6 ? info.block_size << cap->lbppbe : info.block_size;

    // MODE SENSE(6): all pages, then the caching page alone; without an answer assume a
    // writable disk with a write-back cache (FLUSH is then sent, which is always safe).
    std::optional<scsi::ModeSense> mode;
    for (uint8_t page : {uint8_t{0x3f}, uint8_t{0x08}}) {
        const ScsiReply r = with_retries([&] { return scsi_command(lun, scsi::mode_sense6(page, 255), 255); });
        if (r.ok() && (mode = scsi::parse_mode_sense6(bytes_of(r.data)))) break;
    }
    if (mode) {
        info.read_only = mode->write_protected;
        info.fua = mode->dpofua;
        info.write_cache = mode->has_caching_page ? mode->wce : true;
    }

    const scsi::BlockLimits bl = limits.value_or(scsi::BlockLimits{});
    info.discard = (provisioning && provisioning->lbpu) ||
                   (!provisioning && cap->lbpme && bl.max_unmap_lba_count != 0);
    info.discard_zeroes = info.discard && (cap->lbprz || (provisioning && provisioning->lbprz));
    info.max_unmap_blocks = bl.max_unmap_lba_count ? bl.max_unmap_lba_count : UINT32_MAX;
    info.max_unmap_descriptors = std::clamp<uint32_t>(bl.max_unmap_descriptors, 1, 255);
    info.discard_granularity = static_cast<uint32_t>(std::min<uint64_t>(
        uint64_t{bl.optimal_unmap_granularity} * info.block_size, UINT32_MAX / 2));
    info.discard_granularity -= info.discard_granularity % info.block_size;
    // §3: Linux sends WRITE SAME only from WIN10 on; older hosts get zero-buffer writes.
    info.max_write_same_blocks = bl.max_write_same_blocks;
    info.write_same = version_ >= proto::kVersionWin10 && bl.max_write_same_blocks > 0;
    info.write_zeroes = true;
    info.rotational = !(rotation && *rotation == 1);
    if (bl.max_transfer_blocks != 0)
        info.max_transfer_bytes = static_cast<uint32_t>(
            std::min<uint64_t>(uint64_t{bl.max_transfer_blocks} * info.block_size, UINT32_MAX));
    info.max_transfer_bytes = disk_max_transfer(info);
    return info;
}

// ---------------------------------------------------------------------------------------------
// Disks
// ---------------------------------------------------------------------------------------------

void Device::add_lun(LunInfo info)
{
    const uint8_t number = info.lun;
    auto owned = std::make_unique<Lun>(*this, std::move(info));
    Lun &lun = *owned;
    lun.description = lun.info.description();
    {
        std::lock_guard lock(mu_);
        if (stopping_ || dead_ || luns_.count(number)) return;
        luns_.emplace(number, std::move(owned));
    }
    BlkDiskParams p;
    p.flags = lun.info.blk_flags();
    p.description = lun.description.c_str();
    p.logical_block_size = lun.info.block_size;
    p.physical_block_size = lun.info.physical_block_size;
    p.capacity_blocks = lun.info.blocks;
    p.max_transfer_bytes = lun.info.max_transfer_bytes;
    p.queue_depth = disk_queue_depth_;
    p.discard_granularity = lun.info.discard ? lun.info.discard_granularity : 0;
    // submit() may run before add_disk returns; it needs only `lun`.
    Result<BlkDisk> disk = blk_.add_disk(c_device(), p, lun);
    if (!disk) {
        log().warn("storvsc: ", lun.description, ": add_disk failed: ", disk.error());
        std::unique_ptr<Lun> drop;
        std::lock_guard lock(mu_);
        if (auto it = luns_.find(number); it != luns_.end()) {
            drop = std::move(it->second);
            luns_.erase(it);
        }
        return;
    }
    lun.disk = std::move(*disk);

    std::string features;
    auto add = [&](const char *f) { features += features.empty() ? f : std::string(", ") + f; };
    if (lun.info.read_only) add("read-only");
    add(lun.info.write_cache ? "write-back cache" : "write-through");
    if (lun.info.fua) add("FUA");
    if (lun.info.discard) add(lun.info.discard_zeroes ? "discard (zeroes)" : "discard");
    if (lun.info.write_same) add("WRITE SAME");
    add(lun.info.rotational ? "rotational" : "non-rotational");
    log().info("storvsc: ", lun.description, ", ", lun.info.block_size, "-byte blocks",
               lun.info.physical_block_size != lun.info.block_size
                   ? " (" + std::to_string(lun.info.physical_block_size) + " physical)"
                   : std::string(),
               ", max transfer ", lun.info.max_transfer_bytes / 1024, " KiB, ", features);
}

void Device::remove_lun(uint8_t number, const char *why)
{
    Lun *lun = nullptr;
    Deferred d;
    {
        std::lock_guard lock(mu_);
        auto it = luns_.find(number);
        if (it == luns_.end()) return;
        lun = it->second.get();
        lun->gone = true; // new submits fail with -ENODEV from here on
        removal_pending_.erase(number);
        capacity_pending_.erase(number);
        fail_lun_requests(number, -SATORI_ENODEV, d);
    }
    run(d); // completes what was in flight, so remove_disk does not wait for the host
    lun->disk.remove();
    std::unique_ptr<Lun> drop;
    {
        std::lock_guard lock(mu_);
        if (auto it = luns_.find(number); it != luns_.end()) {
            drop = std::move(it->second);
            luns_.erase(it);
        }
    }
    log().info("storvsc: LUN ", unsigned{number}, " removed: ", why);
}

void Device::refresh_capacity(uint8_t number)
{
    Lun *lun = nullptr;
    {
        std::lock_guard lock(mu_);
        auto it = luns_.find(number);
        if (it == luns_.end() || it->second->gone) return;
        lun = it->second.get();
    }
    const auto cap = read_capacity(number);
    if (!cap || cap->block_length != lun->info.block_size) return;
    const uint64_t blocks = cap->last_lba + 1;
    uint64_t old = 0;
    {
        std::lock_guard lock(mu_);
        old = lun->info.blocks;
        lun->info.blocks = blocks;
    }
    if (old == blocks) return;
    if (Status st = lun->disk.set_capacity(blocks); !st)
        log().warn("storvsc: LUN ", unsigned{number}, ": set_capacity failed: ", st);
    log().info("storvsc: LUN ", unsigned{number}, ": capacity changed from ",
               size_text(old * lun->info.block_size), " to ", size_text(blocks * lun->info.block_size));
}

void Device::scan_bus(bool rescan)
{
    std::vector<uint8_t> known;
    {
        std::lock_guard lock(mu_);
        for (const auto &[number, lun] : luns_)
            if (!lun->gone) known.push_back(number);
    }
    if (rescan) {
        // Known LUNs first (as Linux does): a LUN that fails with INVALID_LUN is gone.
        for (uint8_t number : known) {
            const ScsiReply r = scsi_command(number, scsi::test_unit_ready(), 0);
            if (r.error == 0 && r.disposition.action == Action::kLunGone)
                remove_lun(number, "it no longer answers TEST UNIT READY");
        }
    }
    std::optional<std::vector<uint16_t>> listed = report_luns();
    if (!listed) {
        if (rescan) return; // cannot tell what changed: change nothing
        listed = std::vector<uint16_t>{0}; // no REPORT LUNS: look at LUN 0 alone
    }
    if (rescan) {
        std::vector<uint8_t> still;
        {
            std::lock_guard lock(mu_);
            for (const auto &[number, lun] : luns_)
                still.push_back(number);
        }
        for (uint8_t number : still)
            if (std::find(listed->begin(), listed->end(), number) == listed->end())
                remove_lun(number, "the host no longer reports it");
    }
    for (uint16_t number : *listed) { // sorted: disks are added (and named) in LUN order
        {
            std::lock_guard lock(mu_);
            if (stopping_ || dead_) return;
            if (luns_.count(static_cast<uint8_t>(number))) continue;
        }
        if (auto info = probe_lun(static_cast<uint8_t>(number))) add_lun(std::move(*info));
    }
}

// ---------------------------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------------------------

void Device::start_worker()
{
    try {
        worker_ = std::thread([this] { worker_main(); });
    } catch (const std::system_error &e) {
        log().error("storvsc: cannot start the rescan thread (", e.what(),
                    "); hot-plug and LUN removal are disabled");
    }
}

void Device::stop_worker()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        // Wake a worker that waits for a scan command.
        tracker_.for_each_active([&](Request &req) {
            if (req.waiter && !req.waiter->done) {
                req.waiter->done = true;
                req.waiter->error = -SATORI_ESHUTDOWN;
            }
        });
    }
    waiters_cv_.notify_all();
    worker_cv_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void Device::worker_main()
{
    std::unique_lock lock(mu_);
    for (;;) {
        worker_cv_.wait(lock, [&] {
            return stopping_ || (!dead_ && (rescan_pending_ || !capacity_pending_.empty() ||
                                            !removal_pending_.empty()));
        });
        if (stopping_) return;
        const std::set<uint8_t> removals = std::exchange(removal_pending_, {});
        const std::set<uint8_t> capacities = std::exchange(capacity_pending_, {});
        const bool rescan = std::exchange(rescan_pending_, false);
        lock.unlock();
        for (uint8_t number : removals)
            remove_lun(number, "the host reports it does not exist");
        for (uint8_t number : capacities)
            refresh_capacity(number);
        if (rescan) {
            log().info("storvsc: rescanning the bus");
            scan_bus(true);
        }
        lock.lock();
    }
}

} // namespace satori::storvsc
