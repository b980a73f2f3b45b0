// SPDX-License-Identifier: MIT
// The I/O path: block requests -> EXECUTE_SRB packets, completions -> block completions,
// retries, deadlines and the failure sweeps (LUN gone, channel dead, device removed).
//
// A block request (BlkOp) is done by one SRB ("child"), or for discard and write-zeroes by
// a series of them, a few in flight at a time. Data buffers go to the host as one
// GPA-direct range built from the request's segments (zero copy); segments that do not
// form one hole-free range (§8.1) go through a bounce buffer instead.
#include "device.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>

#include <satori/errno.h>

namespace satori::storvsc {

namespace {

/// Discard / write-zeroes children in flight per block request.
constexpr uint32_t kChunkWindow = 4;
/// BUSY-type retries per SRB, and the first back-off (doubling, capped at 32x).
constexpr uint8_t kMaxBusyRetries = 8;
constexpr uint64_t kBusyRetryBaseNs = 10'000'000; // 10 ms
/// Failed block requests logged one by one before going quiet.
constexpr uint32_t kMaxErrorLogs = 50;

/// True when the segments form one GPA range with no holes: every segment but the first
/// starts at a page boundary and every segment but the last ends on one (§8.1).
bool one_range(std::span<const satori_blk_segment> segs) noexcept
{
    for (std::size_t i = 0; i < segs.size(); ++i) {
        if (i > 0 && segs[i].byte_offset != 0) return false;
        if (i + 1 < segs.size() && (segs[i].byte_offset + segs[i].len) % SATORI_PAGE_SIZE != 0)
            return false;
    }
    return true;
}

bool segment_ok(const satori_blk_segment &s) noexcept
{
    if (!s.va || !s.pfns || s.len == 0 || s.byte_offset >= SATORI_PAGE_SIZE) return false;
    const uint64_t pages = (uint64_t{s.byte_offset} + s.len + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE;
    return s.pfn_count == pages;
}

const char *op_name(uint8_t opcode) noexcept
{
    switch (opcode) {
    case scsi::op::kRead16: return "READ(16)";
    case scsi::op::kWrite16: return "WRITE(16)";
    case scsi::op::kSynchronizeCache10: return "SYNCHRONIZE CACHE(10)";
    case scsi::op::kUnmap: return "UNMAP";
    case scsi::op::kWriteSame16: return "WRITE SAME(16)";
    case scsi::op::kTestUnitReady: return "TEST UNIT READY";
    case scsi::op::kInquiry: return "INQUIRY";
    case scsi::op::kReportLuns: return "REPORT LUNS";
    case scsi::op::kServiceActionIn16: return "READ CAPACITY(16)";
    case scsi::op::kReadCapacity10: return "READ CAPACITY(10)";
    case scsi::op::kModeSense6: return "MODE SENSE(6)";
    default: return "SCSI command";
    }
}

/// The sense bytes of a completion, when they count (§8.2 rule 2), clamped to 0x14.
scsi::Sense completion_sense(const proto::VmscsiRequest &srb) noexcept
{
    if (srb.scsi_status != proto::scsi_status::kCheckCondition ||
        !(srb.srb_status & proto::kSrbAutosenseValid))
        return {};
    const std::size_t len = std::min<std::size_t>(srb.sense_info_length, proto::kSenseMax);
    return scsi::parse_sense(std::span<const uint8_t>(srb.cdb_or_sense, len));
}

} // namespace

uint64_t Device::now_ns() const noexcept { return static_cast<uint64_t>(host().now().count()); }

// ---------------------------------------------------------------------------------------------
// Deferred work
// ---------------------------------------------------------------------------------------------

void Device::run(Deferred &d)
{
    for (CopyBack &c : d.copies) {
        const auto *src = static_cast<const std::byte *>(c.buffer.data());
        std::size_t off = 0;
        for (const satori_blk_segment &s : c.segments) {
            if (off + s.len > c.buffer.size()) break;
            std::memcpy(s.va, src + off, s.len);
            off += s.len;
        }
        d.graveyard.push_back(std::move(c.buffer));
    }
    for (const BlkDone &b : d.blk)
        blk_.complete(b.disk, b.tag, Status(b.status));
    d.graveyard.clear();
    if (d.notify_waiters) waiters_cv_.notify_all();
    if (d.wake_worker) worker_cv_.notify_all();
    if (d.arm_retry_at != 0 && retry_timer_) {
        const uint64_t now = now_ns();
        const uint64_t delay = d.arm_retry_at > now ? d.arm_retry_at - now : 0;
        (void)retry_timer_.arm(std::chrono::nanoseconds(delay));
    }
    for (const std::string &w : d.warnings)
        log().warn(w);
    if (d.abort) abort_channel(d.abort->first, d.abort->second);
    for (uint16_t ch : d.kicks)
        kick(ch);
    d = Deferred{};
}

// ---------------------------------------------------------------------------------------------
// Building requests
// ---------------------------------------------------------------------------------------------

void Device::fill_srb(Request &req, uint8_t lun, const scsi::Cdb &cdb, uint8_t data_in,
                      uint32_t bytes) const noexcept
{
    proto::VmscsiRequest srb{};
    srb.length = params_.srb_length;
    srb.path_id = path_id_;
    srb.target_id = target_id_;
    srb.lun = lun;
    srb.cdb_length = cdb.length;
    srb.sense_info_length = params_.sense_size;
    srb.data_in = data_in;
    srb.data_transfer_length = bytes;
    std::memcpy(srb.cdb_or_sense, cdb.bytes.data(), cdb.length);
    // Win8 extension; cut off with the rest of the packet for older versions.
    srb.queue_tag = proto::kQueueTagUntagged;
    srb.queue_action = proto::kQueueActionSimpleTag;
    srb.srb_flags = proto::kSrbFlagDisableSynchTransfer | proto::kSrbFlagQueueActionEnable |
                    proto::kSrbFlagNoQueueFreeze;
    if (data_in == proto::kDataIn) srb.srb_flags |= proto::kSrbFlagDataIn;
    if (data_in == proto::kDataOut) srb.srb_flags |= proto::kSrbFlagDataOut;
    srb.time_out_value = proto::kSrbTimeoutSeconds;

    req.packet = proto::make_packet(proto::kOpExecuteSrb);
    proto::put_payload(req.packet, srb);
    req.packet_size = params_.packet_size;
    req.lun = lun;
    req.opcode = cdb.opcode();
    req.requested = bytes;
    req.data_in = data_in == proto::kDataIn;
}

bool Device::enqueue_new(Request &req, Deferred &d)
{
    if (!req.pinned) {
        const std::optional<uint16_t> ch = pool_.pick();
        if (!ch) return false;
        req.channel = *ch;
    } else if (const ChannelSlot *slot = pool_.at(req.channel); !slot || !slot->open()) {
        return false;
    }
    req.deadline_ns = now_ns() + timeout_ns();
    pool_.enqueue(req);
    d.kick(req.channel);
    return true;
}

Status Lun::submit(satori_blk_disk *disk, const BlkRequest &request) noexcept
{
    return device_.submit(*this, disk, request);
}

Status Device::submit(Lun &lun, satori_blk_disk *disk, const BlkRequest &req) noexcept
{
    try {
        const LunInfo &info = lun.info; // block size and limits never change
        const uint64_t bytes = uint64_t{req.block_count()} * info.block_size;
        std::vector<DmaBuffer> buffers;
        switch (req.op()) {
        case SATORI_BLK_OP_READ:
        case SATORI_BLK_OP_WRITE: {
            if (req.block_count() == 0 || bytes > info.max_transfer_bytes)
                return Status(-SATORI_EINVAL);
            const auto segs = req.segments();
            if (segs.empty() || req.data_bytes() != bytes) return Status(-SATORI_EINVAL);
            for (const satori_blk_segment &s : segs)
                if (!segment_ok(s)) return Status(-SATORI_EINVAL);
            if (!one_range(segs)) {
                auto bounce = alloc_dma(bytes);
                if (!bounce) return bounce.error();
                if (req.op() == SATORI_BLK_OP_WRITE) {
                    auto *dst = static_cast<std::byte *>(bounce->data());
                    for (const satori_blk_segment &s : segs) {
                        std::memcpy(dst, s.va, s.len);
                        dst += s.len;
                    }
                }
                buffers.push_back(std::move(*bounce));
            }
            break;
        }
        case SATORI_BLK_OP_FLUSH:
            break;
        case SATORI_BLK_OP_DISCARD: {
            if (!info.discard) return Status(-SATORI_EOPNOTSUPP);
            if (req.block_count() == 0) return Status(-SATORI_EINVAL);
            const uint64_t per = uint64_t{info.max_unmap_blocks} * info.max_unmap_descriptors;
            const uint64_t chunks = (req.block_count() + per - 1) / per;
            for (uint64_t i = 0; i < std::min<uint64_t>(chunks, kChunkWindow); ++i) {
                auto list = alloc_dma(scsi::unmap_list_size(info.max_unmap_descriptors));
                if (!list) {
                    if (i == 0) return list.error();
                    break;
                }
                buffers.push_back(std::move(*list));
            }
            break;
        }
        case SATORI_BLK_OP_WRITE_ZEROES:
            if (!info.write_zeroes || !zero_buffer_) return Status(-SATORI_EOPNOTSUPP);
            if (req.block_count() == 0) return Status(-SATORI_EINVAL);
            break;
        default:
            return Status(-SATORI_EOPNOTSUPP);
        }

        Deferred d;
        Status st;
        {
            std::lock_guard lock(mu_);
            st = submit_locked(lun, disk, req, buffers, d);
            d.graveyard.insert(d.graveyard.end(), std::make_move_iterator(buffers.begin()),
                               std::make_move_iterator(buffers.end()));
        }
        run(d);
        return st;
    } catch (const std::bad_alloc &) {
        return Status(-SATORI_ENOMEM);
    }
}

Status Device::submit_locked(Lun &lun, satori_blk_disk *disk, const BlkRequest &req,
                             std::vector<DmaBuffer> &buffers, Deferred &d)
{
    if (stopping_) return Status(-SATORI_ENODEV);
    if (dead_) return Status(dead_error_ ? dead_error_ : -SATORI_ENODEV);
    if (lun.gone) return Status(-SATORI_ENODEV);
    const LunInfo &info = lun.info;
    const uint32_t opcode = req.op();
    if (info.read_only && opcode != SATORI_BLK_OP_READ && opcode != SATORI_BLK_OP_FLUSH)
        return Status(-SATORI_EPERM);

    auto owned = std::make_unique<BlkOp>();
    BlkOp &op = *owned;
    op.disk = disk;
    op.tag = req.tag();
    op.op = opcode;
    op.flags = req.flags();
    op.lun = info.lun;
    op.block_size = info.block_size;
    ops_.emplace(&op, std::move(owned));

    if (opcode == SATORI_BLK_OP_DISCARD || opcode == SATORI_BLK_OP_WRITE_ZEROES) {
        op.next_lba = req.lba();
        op.end_lba = req.lba() + req.block_count();
        if (opcode == SATORI_BLK_OP_DISCARD) {
            op.unmap_max_blocks = info.max_unmap_blocks;
            op.unmap_descriptors = info.max_unmap_descriptors;
            op.chunk_blocks = uint64_t{op.unmap_max_blocks} * op.unmap_descriptors;
        } else if (info.write_same) {
            op.write_same = true;
            op.chunk_blocks = std::min<uint64_t>(info.max_write_same_blocks, UINT32_MAX);
        } else {
            op.chunk_blocks = std::min<uint64_t>(zero_buffer_.size(), info.max_transfer_bytes) /
                              info.block_size;
        }
        if (op.chunk_blocks == 0) op.chunk_blocks = 1;
        std::size_t used = 0;
        for (uint32_t i = 0; i < kChunkWindow && op.next_lba < op.end_lba; ++i) {
            DmaBuffer list = used < buffers.size() ? std::move(buffers[used++]) : DmaBuffer{};
            if (opcode == SATORI_BLK_OP_DISCARD && !list) break;
            if (!start_chunk(op, std::move(list), d)) break;
        }
        if (op.active == 0 && !op.completed) { // nothing could start
            ops_.erase(&op);
            return Status(-SATORI_ENOMEM);
        }
        return Status::ok();
    }

    Request *r = tracker_.allocate();
    if (!r) {
        ops_.erase(&op);
        return Status(-SATORI_EBUSY);
    }
    r->kind = RequestKind::kBlk;
    r->op = &op;
    if (opcode == SATORI_BLK_OP_FLUSH) {
        fill_srb(*r, info.lun, scsi::synchronize_cache10(), proto::kDataNone, 0);
    } else {
        const bool write = opcode == SATORI_BLK_OP_WRITE;
        const bool fua = write && info.fua && req.fua();
        const uint32_t bytes = req.block_count() * info.block_size;
        fill_srb(*r, info.lun,
                 write ? scsi::write16(req.lba(), req.block_count(), fua)
                       : scsi::read16(req.lba(), req.block_count()),
                 write ? proto::kDataOut : proto::kDataIn, bytes);
        const auto segs = req.segments();
        r->has_range = true;
        if (!buffers.empty()) { // bounce
            r->buffer = std::move(buffers.front());
            r->range = *r->buffer.gpa_range(0, bytes);
            if (!write) {
                r->bounce_copy_back = true;
                r->segments.assign(segs.begin(), segs.end());
            }
        } else if (segs.size() == 1) {
            r->range = {segs[0].len, segs[0].byte_offset, segs[0].pfn_count, 0, segs[0].pfns};
        } else {
            for (const satori_blk_segment &s : segs)
                r->pfns.insert(r->pfns.end(), s.pfns, s.pfns + s.pfn_count);
            r->range = {bytes, segs[0].byte_offset, static_cast<uint32_t>(r->pfns.size()), 0,
                        nullptr}; // pfns pointer filled in at send time
        }
    }
    if (!enqueue_new(*r, d)) {
        tracker_.release(*r, d.graveyard);
        ops_.erase(&op);
        return Status(-SATORI_ENODEV);
    }
    op.active = 1;
    return Status::ok();
}

bool Device::start_chunk(BlkOp &op, DmaBuffer buffer, Deferred &d)
{
    // Whatever is not used goes to the graveyard: never dma_free under the lock.
    auto give_back = [&] {
        if (buffer) d.graveyard.push_back(std::move(buffer));
        return false;
    };
    if (op.error != 0 || op.next_lba >= op.end_lba) return give_back();
    const uint64_t n = std::min(op.chunk_blocks, op.end_lba - op.next_lba);
    if (op.op == SATORI_BLK_OP_DISCARD && !buffer) return false;
    Request *r = tracker_.allocate();
    if (!r) return give_back();
    r->kind = RequestKind::kBlk;
    r->op = &op;
    if (op.op == SATORI_BLK_OP_DISCARD) {
        std::vector<scsi::UnmapExtent> extents;
        for (uint64_t lba = op.next_lba, left = n; left > 0;) {
            const uint32_t k = static_cast<uint32_t>(std::min<uint64_t>(left, op.unmap_max_blocks));
            extents.push_back({lba, k});
            lba += k;
            left -= k;
        }
        const auto list = std::span(static_cast<uint8_t *>(buffer.data()),
                                    static_cast<std::size_t>(buffer.size()));
        const std::size_t len = scsi::build_unmap_list(list, extents);
        if (len == 0) {
            tracker_.release(*r, d.graveyard);
            return give_back();
        }
        fill_srb(*r, op.lun, scsi::unmap(static_cast<uint16_t>(len)), proto::kDataOut,
                 static_cast<uint32_t>(len));
        r->buffer = std::move(buffer);
        r->range = *r->buffer.gpa_range(0, len);
    } else if (op.write_same) {
        fill_srb(*r, op.lun, scsi::write_same16(op.next_lba, static_cast<uint32_t>(n)),
                 proto::kDataOut, op.block_size);
        r->range = *zero_buffer_.gpa_range(0, op.block_size);
    } else {
        const uint32_t bytes = static_cast<uint32_t>(n) * op.block_size;
        fill_srb(*r, op.lun, scsi::write16(op.next_lba, static_cast<uint32_t>(n)),
                 proto::kDataOut, bytes);
        r->range = *zero_buffer_.gpa_range(0, bytes);
    }
    give_back(); // write-zeroes needs no buffer of its own
    r->has_range = true;
    if (!enqueue_new(*r, d)) {
        tracker_.release(*r, d.graveyard);
        return give_back();
    }
    op.next_lba += n;
    ++op.active;
    return true;
}

// ---------------------------------------------------------------------------------------------
// Completions
// ---------------------------------------------------------------------------------------------

void Device::on_completion(uint16_t channel, const Packet &packet)
{
    Deferred d;
    {
        std::lock_guard lock(mu_);
        Request *req = tracker_.find(packet.trans_id());
        if (!req || req->channel != channel ||
            (req->state != RequestState::kSent && req->state != RequestState::kAbandoned)) {
            // The shim only hands us ids it has in flight, so this is a shim or driver bug, or
            // a repeat: never act on it.
            if (bogus_++ < 10) {
                char hex[24];
                std::snprintf(hex, sizeof(hex), "0x%" PRIx64, packet.trans_id());
                d.warnings.push_back(std::string("storvsc: ignoring a completion for unknown or "
                                                 "finished transaction id ") + hex);
            }
        } else {
            const std::span<const std::byte> data = packet.data();
            proto::ReceivedHeader h{};
            if (data.size() < req->packet_size || !proto::read_header(data, h)) {
                d.warnings.push_back("storvsc: channel " + std::to_string(channel) +
                                     ": completion payload of " + std::to_string(data.size()) +
                                     " bytes, the request had " +
                                     std::to_string(req->packet_size) + "; protocol violation");
                d.abort.emplace(channel, -SATORI_EPROTO);
            } else if (h.operation != proto::kOpCompleteIo) {
                d.warnings.push_back("storvsc: channel " + std::to_string(channel) +
                                     ": completion with operation " + std::to_string(h.operation) +
                                     " instead of COMPLETE_IO; protocol violation");
                d.abort.emplace(channel, -SATORI_EPROTO);
            } else {
                ChannelSlot &slot = *pool_.at(channel);
                uint32_t &inflight = req->control_queue ? slot.control_inflight : slot.io_inflight;
                if (inflight > 0) --inflight;
                d.kick(channel);
                if (req->state == RequestState::kAbandoned) {
                    release_request(*req, d); // timed out or failed earlier: only the id was kept
                } else if (req->kind == RequestKind::kControl) {
                    if (req->waiter) {
                        Waiter &w = *req->waiter;
                        w.reply_size = static_cast<uint32_t>(std::min(data.size(), w.reply.size()));
                        std::memcpy(w.reply.data(), data.data(), w.reply_size);
                        w.vstor_status = h.status;
                        w.done = true;
                        d.notify_waiters = true;
                    } else if (h.status != proto::kStatusSuccess) {
                        d.warnings.push_back("storvsc: reset request failed with status " +
                                             std::to_string(h.status));
                    }
                    release_request(*req, d);
                } else if (req->kind == RequestKind::kInternal) {
                    finish_internal(*req, data, d);
                } else {
                    finish_blk_child(*req, data, d);
                }
            }
        }
    }
    run(d);
}

void Device::finish_internal(Request &req, std::span<const std::byte> payload, Deferred &d)
{
    proto::VmscsiRequest srb{};
    proto::read_srb(payload, srb);
    if (std::shared_ptr<Waiter> w = req.waiter) {
        proto::ReceivedHeader h{};
        proto::read_header(payload, h);
        w->vstor_status = h.status;
        w->srb_status = srb.srb_status;
        w->scsi_status = srb.scsi_status;
        w->sense = completion_sense(srb);
        const uint8_t code = srb.srb_status & proto::kSrbCodeMask;
        uint32_t moved = (code == proto::srb::kSuccess || code == proto::srb::kDataOverrun)
                             ? srb.data_transfer_length
                             : 0;
        if (moved > req.requested) {
            if (!warned_overlong_)
                d.warnings.push_back("storvsc: host reported " + std::to_string(moved) +
                                     " bytes moved for a " + std::to_string(req.requested) +
                                     "-byte buffer; clamped");
            warned_overlong_ = true;
            moved = req.requested;
        }
        w->transferred = moved;
        if (req.data_in && moved > 0 && req.buffer) {
            const auto *src = static_cast<const uint8_t *>(req.buffer.data());
            w->data.assign(src, src + moved);
        }
        w->done = true;
        d.notify_waiters = true;
    }
    release_request(req, d);
}

void Device::finish_blk_child(Request &req, std::span<const std::byte> payload, Deferred &d)
{
    proto::VmscsiRequest srb{};
    proto::read_srb(payload, srb);
    const uint8_t code = srb.srb_status & proto::kSrbCodeMask;
    uint32_t moved = (code == proto::srb::kSuccess || code == proto::srb::kDataOverrun)
                         ? srb.data_transfer_length
                         : 0;
    if (moved > req.requested) {
        if (!warned_overlong_)
            d.warnings.push_back("storvsc: host reported " + std::to_string(moved) +
                                 " bytes moved for a " + std::to_string(req.requested) +
                                 "-byte request; clamped");
        warned_overlong_ = true;
        moved = req.requested;
    }
    const bool data_command =
        req.opcode == scsi::op::kRead16 || req.opcode == scsi::op::kWrite16;
    SrbOutcome outcome;
    outcome.srb_status = srb.srb_status;
    outcome.scsi_status = srb.scsi_status;
    outcome.sense = completion_sense(srb);
    outcome.short_transfer = data_command && moved < req.requested;
    const Disposition disp = classify(outcome);
    BlkOp &op = *req.op;
    int32_t error = disp.error;

    switch (disp.action) {
    case Action::kComplete:
        if (error == 0) {
            if (req.bounce_copy_back)
                d.copies.push_back({std::move(req.buffer), std::move(req.segments)});
            // The next chunk reuses this one's UNMAP list buffer (the host is done with it).
            if (op.op == SATORI_BLK_OP_DISCARD || op.op == SATORI_BLK_OP_WRITE_ZEROES)
                start_chunk(op, std::move(req.buffer), d);
            child_done(op, 0, false, d);
            release_request(req, d);
            return;
        }
        break;
    case Action::kRetryLater:
        if (req.busy_retries < kMaxBusyRetries && retry_timer_) {
            ++req.busy_retries;
            ++retries_;
            schedule_retry(req, now_ns(), d);
            return;
        }
        error = -SATORI_EIO;
        break;
    case Action::kRetryNow:
    case Action::kCapacityChanged:
    case Action::kParametersChanged:
        if (disp.action != Action::kRetryNow) {
            capacity_pending_.insert(req.lun);
            d.wake_worker = true;
        }
        if (!req.attention_retried) {
            req.attention_retried = true;
            ++retries_;
            ChannelSlot *slot = pool_.at(req.channel);
            if (!slot || !slot->open()) {
                const std::optional<uint16_t> ch = pool_.pick();
                if (!ch) {
                    error = dead_ ? dead_error_ : -SATORI_ENODEV;
                    break;
                }
                req.channel = *ch;
            }
            pool_.enqueue(req);
            d.kick(req.channel);
            return;
        }
        break;
    case Action::kLunGone:
        mark_lun_gone(req.lun, d);
        error = -SATORI_ENODEV;
        break;
    }

    if (errors_logged_ < kMaxErrorLogs) {
        char detail[160];
        std::snprintf(detail, sizeof(detail),
                      "storvsc: LUN %u: %s failed: %s (SRB 0x%02x %s, SCSI status 0x%02x", req.lun,
                      op_name(req.opcode), disp.what, srb.srb_status, srb_status_name(srb.srb_status),
                      srb.scsi_status);
        std::string line = detail;
        if (outcome.sense.valid) {
            std::snprintf(detail, sizeof(detail), ", sense %s %02x/%02x",
                          scsi::sense_key_name(outcome.sense.key), outcome.sense.asc,
                          outcome.sense.ascq);
            line += detail;
        }
        line += ") -> " + std::to_string(error);
        if (++errors_logged_ == kMaxErrorLogs) line += "; further I/O errors are not logged";
        d.warnings.push_back(std::move(line));
    }
    child_done(op, error, false, d);
    release_request(req, d);
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping
// ---------------------------------------------------------------------------------------------

void Device::child_done(BlkOp &op, int32_t error, bool abandoned, Deferred &d)
{
    if (op.active > 0) --op.active;
    if (abandoned) ++op.zombies;
    if (error != 0 && op.error == 0) op.error = error;
    maybe_finish(op, d);
}

void Device::maybe_finish(BlkOp &op, Deferred &d)
{
    if (!op.completed && op.active == 0 && (op.error != 0 || op.next_lba >= op.end_lba)) {
        op.completed = true;
        d.blk.push_back({op.disk, op.tag, op.error});
    }
    if (op.completed && op.active == 0 && op.zombies == 0) ops_.erase(&op); // frees op
}

void Device::release_request(Request &req, Deferred &d)
{
    BlkOp *op = req.kind == RequestKind::kBlk ? req.op : nullptr;
    const bool zombie = req.state == RequestState::kAbandoned;
    tracker_.release(req, d.graveyard);
    if (op && zombie) {
        if (op->zombies > 0) --op->zombies;
        maybe_finish(*op, d);
    }
}

void Device::fail_request(Request &req, int32_t error, bool keep_id, Deferred &d)
{
    if (req.state == RequestState::kFree || req.state == RequestState::kAbandoned) return;
    if (req.state == RequestState::kQueued) pool_.unqueue(req);
    const bool abandon = keep_id && req.state == RequestState::kSent;
    if (req.kind == RequestKind::kBlk) {
        if (req.op) child_done(*req.op, error, abandon, d);
    } else if (req.waiter && !req.waiter->done) {
        req.waiter->done = true;
        req.waiter->error = error;
        d.notify_waiters = true;
    }
    if (abandon) {
        req.state = RequestState::kAbandoned; // the id stays reserved until the host answers
        return;
    }
    release_request(req, d);
}

void Device::schedule_retry(Request &req, uint64_t now, Deferred &d)
{
    req.state = RequestState::kRetryWait;
    const unsigned shift = std::min<unsigned>(req.busy_retries - 1u, 5u);
    req.retry_at_ns = now + (kBusyRetryBaseNs << shift);
    if (retry_armed_at_ == 0 || req.retry_at_ns < retry_armed_at_) {
        retry_armed_at_ = req.retry_at_ns;
        d.arm_retry_at = req.retry_at_ns;
    }
}

void Device::on_retry_timer()
{
    Deferred d;
    {
        std::lock_guard lock(mu_);
        const uint64_t now = now_ns();
        retry_armed_at_ = 0;
        uint64_t next = 0;
        std::vector<Request *> due;
        tracker_.for_each_active([&](Request &req) {
            if (req.state != RequestState::kRetryWait) return;
            if (req.retry_at_ns <= now)
                due.push_back(&req);
            else if (next == 0 || req.retry_at_ns < next)
                next = req.retry_at_ns;
        });
        for (Request *req : due) {
            ChannelSlot *slot = pool_.at(req->channel);
            if (!slot || !slot->open()) {
                const std::optional<uint16_t> ch = req->pinned ? std::nullopt : pool_.pick();
                if (!ch) {
                    fail_request(*req, dead_ ? dead_error_ : -SATORI_ENODEV, false, d);
                    continue;
                }
                req->channel = *ch;
            }
            pool_.enqueue(*req);
            d.kick(req->channel);
        }
        if (next != 0) {
            retry_armed_at_ = next;
            d.arm_retry_at = next;
        }
    }
    run(d);
}

void Device::on_tick()
{
    Deferred d;
    uint32_t expired = 0;
    std::set<uint8_t> reset_luns;
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        const uint64_t now = now_ns();
        std::vector<Request *> late;
        tracker_.for_each_active([&](Request &req) {
            if (req.state == RequestState::kAbandoned || req.deadline_ns == 0) return;
            if (req.deadline_ns <= now) late.push_back(&req);
        });
        for (Request *req : late) {
            const bool sent = req->state == RequestState::kSent;
            if (sent && req->kind != RequestKind::kControl) reset_luns.insert(req->lun);
            fail_request(*req, -SATORI_ETIMEDOUT, sent, d);
            ++timeouts_;
            ++expired;
        }
        if (!dead_)
            for (uint8_t lun : reset_luns)
                queue_reset_lun(lun, d);
    }
    if (expired > 0)
        d.warnings.push_back("storvsc: " + std::to_string(expired) + " request(s) timed out after " +
                             std::to_string(config_.timeout_ms) + " ms" +
                             (reset_luns.empty() ? std::string()
                                                 : "; RESET_LUN sent to " +
                                                       std::to_string(reset_luns.size()) + " LUN(s)"));
    run(d);
}

void Device::queue_reset_lun(uint8_t lun, Deferred &d)
{
    Request *req = tracker_.allocate();
    if (!req) return;
    proto::VmscsiRequest srb{};
    srb.length = params_.srb_length;
    srb.path_id = path_id_;
    srb.target_id = target_id_;
    srb.lun = lun;
    req->kind = RequestKind::kControl;
    req->pinned = true;
    req->control_queue = true;
    req->channel = 0;
    req->lun = lun;
    req->packet = proto::make_packet(proto::kOpResetLun);
    proto::put_payload(req->packet, srb);
    req->packet_size = params_.packet_size;
    if (!enqueue_new(*req, d)) tracker_.release(*req, d.graveyard);
}

void Device::mark_lun_gone(uint8_t lun, Deferred &d)
{
    auto it = luns_.find(lun);
    if (it == luns_.end() || it->second->gone) return;
    it->second->gone = true;
    removal_pending_.insert(lun);
    d.wake_worker = true;
}

void Device::fail_lun_requests(uint8_t lun, int32_t error, Deferred &d)
{
    std::vector<Request *> hit;
    tracker_.for_each_active([&](Request &req) {
        if (req.kind != RequestKind::kControl && req.lun == lun &&
            req.state != RequestState::kAbandoned)
            hit.push_back(&req);
    });
    for (Request *req : hit)
        fail_request(*req, error, req->state == RequestState::kSent, d);
}

void Device::fail_all(int32_t error, bool channels_gone, Deferred &d)
{
    std::vector<Request *> all;
    tracker_.for_each_active([&](Request &req) { all.push_back(&req); });
    for (Request *req : all) {
        const ChannelSlot *slot = pool_.at(req->channel);
        const bool channel_alive = !channels_gone && slot && slot->open();
        if (req->state == RequestState::kAbandoned) {
            if (!channel_alive) release_request(*req, d);
            continue;
        }
        fail_request(*req, error, channel_alive && req->state == RequestState::kSent, d);
    }
    for (uint16_t i = 0; i < pool_.size(); ++i) {
        ChannelSlot &slot = *pool_.at(i);
        if (channels_gone || !slot.open()) {
            slot.io_inflight = 0;
            slot.control_inflight = 0;
        }
    }
}

} // namespace satori::storvsc
