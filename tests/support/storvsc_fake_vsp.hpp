// SPDX-License-Identifier: MIT
// A small storage host (storvsp) for the storvsc unit tests, written from
// shared/spec/storvsc.md §9-§14 only: the handshake, and a SCSI disk per LUN over RAM
// (INQUIRY + VPD 0/80/83/B0/B1/B2, READ CAPACITY 10/16, MODE SENSE(6), REPORT LUNS,
// TEST UNIT READY, READ/WRITE(16), SYNCHRONIZE CACHE, UNMAP, WRITE SAME(16)). Completions are
// padded to the request's payload size (§6.3). Tests steer it: refuse versions, inject SRB
// errors, hold commands unanswered, truncate completions, fail sends (ring full).
//
// It answers from inside send (the plugin must cope with a completion before send
// returns), on whatever thread sent. Thread-safe; never calls into the plugin while holding
// its own lock.
#ifndef SATORI_TESTS_SUPPORT_STORVSC_FAKE_VSP_HPP
#define SATORI_TESTS_SUPPORT_STORVSC_FAKE_VSP_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <satori/satori.h>

#include "protocol.hpp"
#include "scsi.hpp"
#include "support/storvsc_guest_memory.hpp"

namespace satori::test::stv {

namespace proto = satori::storvsc::proto;
namespace scsi = satori::storvsc::scsi;

struct FakeLun {
    uint32_t block_size = 512;
    uint64_t blocks = 8192; // 4 MiB
    std::map<uint64_t, std::vector<std::byte>> data; ///< sparse: block -> bytes
    bool read_only = false;
    bool thin = true;        ///< UNMAP + VPD B0/B2 + LBPME
    bool lbprz = false;
    bool wce = true;
    bool dpofua = true;
    uint16_t rotation = 1;   ///< VPD B1
    std::string vendor = "Msft";
    std::string product = "Virtual Disk";
    bool capacity_changed = false; ///< next command but INQUIRY/REPORT LUNS: UA 2A/09
    uint32_t max_unmap_blocks = 0xffffffff;
    uint32_t max_unmap_descriptors = 4096;
    uint64_t max_write_same_blocks = 0; ///< 0: min(8 MiB, max transfer) / block size
    bool vpd = true;
    bool rc16 = true;
    uint32_t flushes = 0;
    uint32_t unmaps = 0;
    uint32_t write_sames = 0;

    /// @p n bytes from byte @p offset (unwritten blocks read as zero).
    std::vector<std::byte> read(uint64_t offset, std::size_t n) const
    {
        std::vector<std::byte> out(n);
        for (std::size_t i = 0; i < n;) {
            const uint64_t block = (offset + i) / block_size;
            const std::size_t in_block = static_cast<std::size_t>((offset + i) % block_size);
            const std::size_t k = std::min<std::size_t>(n - i, block_size - in_block);
            if (auto it = data.find(block); it != data.end())
                std::memcpy(out.data() + i, it->second.data() + in_block, k);
            i += k;
        }
        return out;
    }
    void write(uint64_t offset, std::span<const std::byte> bytes)
    {
        for (std::size_t i = 0; i < bytes.size();) {
            const uint64_t block = (offset + i) / block_size;
            const std::size_t in_block = static_cast<std::size_t>((offset + i) % block_size);
            const std::size_t k = std::min<std::size_t>(bytes.size() - i, block_size - in_block);
            auto &b = data[block];
            b.resize(block_size);
            std::memcpy(b.data() + in_block, bytes.data() + i, k);
            i += k;
        }
    }
    void zero(uint64_t offset, uint64_t n) { write(offset, std::vector<std::byte>(n)); }
};

/// Forces the next matching SRB(s) to complete like this.
struct Inject {
    int opcode = -1;          ///< -1: any EXECUTE_SRB
    int lun = -1;             ///< -1: any LUN
    uint8_t srb_status = proto::srb::kError;
    uint8_t scsi_status = proto::scsi_status::kCheckCondition;
    bool sense = false;
    uint8_t key = 0;
    uint8_t asc = 0;
    uint8_t ascq = 0;
    int times = 1;
    std::optional<uint32_t> data_transfer_length;

    /// CHECK CONDITION with fixed-format sense.
    static Inject sense_of(int op, uint8_t key, uint8_t asc, uint8_t ascq = 0,
                           uint8_t srb = proto::srb::kError)
    {
        Inject in;
        in.opcode = op;
        in.srb_status = srb;
        in.sense = true;
        in.key = key;
        in.asc = asc;
        in.ascq = ascq;
        return in;
    }
    /// A status without sense, optionally with a data_transfer_length.
    static Inject status_of(int op, uint8_t srb, uint8_t scsi_status,
                            std::optional<uint32_t> dtl = std::nullopt)
    {
        Inject in;
        in.opcode = op;
        in.srb_status = srb;
        in.scsi_status = scsi_status;
        in.data_transfer_length = dtl;
        return in;
    }
    Inject &repeat(int n)
    {
        times = n;
        return *this;
    }
};

/// One packet the guest sent.
struct SentPacket {
    uint16_t channel = 0;
    uint16_t type = 0;
    uint16_t flags = 0;
    uint64_t trans_id = 0;
    std::vector<std::byte> payload;
    std::vector<RangeCopy> ranges;

    uint32_t operation() const
    {
        uint32_t op = 0;
        if (payload.size() >= 4) std::memcpy(&op, payload.data(), 4);
        return op;
    }
    proto::VmscsiRequest srb() const
    {
        proto::VmscsiRequest srb{};
        if (payload.size() > proto::kPayloadOffset)
            std::memcpy(&srb, payload.data() + proto::kPayloadOffset,
                        std::min(payload.size() - proto::kPayloadOffset, sizeof(srb)));
        return srb;
    }
    uint8_t opcode() const { return srb().cdb_or_sense[0]; }
};

class FakeVsp {
  public:
    using Deliver = std::function<void(satori_channel *ch, std::vector<std::byte> payload,
                                       uint64_t trans_id)>;

    explicit FakeVsp(GuestMemory &mem) : mem_(mem) { luns[0] = FakeLun{}; }

    // --- knobs (set before the traffic they affect) ---
    std::set<uint16_t> accepted_versions = {proto::kVersionWin8_1, proto::kVersionWin8,
                                            proto::kVersionWin7};
    uint32_t refuse_status = proto::kStatusRevisionMismatch;
    uint32_t begin_status = proto::kStatusSuccess;
    uint16_t max_channel_cnt = 4;
    uint32_t property_flags = proto::kPropertyMultiChannel;
    uint32_t max_transfer_bytes = 256 * 1024;
    bool refuse_subchannels = false;
    std::map<uint8_t, FakeLun> luns;
    std::set<uint8_t> hold_opcodes;   ///< SRBs with these opcodes wait in held()
    bool hold_everything = false;     ///< every request waits in held()
    std::optional<uint32_t> completion_size; ///< override the completion payload size

    /// Called by the fixture's send hook. @return what send returns.
    int32_t on_send(satori_channel *ch, uint16_t sub, const satori_send *pkt, const Deliver &deliver)
    {
        SentPacket sent;
        sent.channel = sub;
        sent.type = pkt->type;
        sent.flags = pkt->flags;
        sent.trans_id = pkt->trans_id;
        if (pkt->data && pkt->data_len) {
            const auto *p = static_cast<const std::byte *>(pkt->data);
            sent.payload.assign(p, p + pkt->data_len);
        }
        for (uint32_t i = 0; i < pkt->range_count && pkt->ranges; ++i) {
            const satori_gpa_range &r = pkt->ranges[i];
            sent.ranges.push_back({r.byte_count, r.byte_offset,
                                   std::vector<uint64_t>(r.pfns, r.pfns + r.pfn_count)});
        }
        std::vector<std::byte> reply;
        {
            std::lock_guard lock(mu_);
            if (auto it = send_result_.find(ch); it != send_result_.end() && it->second != 0)
                return it->second;
            sent_.push_back(sent);
            if (!(pkt->flags & SATORI_PKT_FLAG_COMPLETION_REQUESTED)) return 0;
            const bool hold = hold_everything || (sent.operation() == proto::kOpExecuteSrb &&
                                                  hold_opcodes.count(sent.opcode()));
            if (hold) {
                held_.push_back({ch, sent});
                return 0;
            }
            reply = answer_locked(sent);
        }
        deliver(ch, std::move(reply), sent.trans_id);
        return 0;
    }

    /// Answers every held request (in order) as if it had just arrived.
    std::size_t release_held(const Deliver &deliver, std::optional<uint16_t> only_channel = {})
    {
        std::vector<std::pair<satori_channel *, std::pair<std::vector<std::byte>, uint64_t>>> out;
        {
            std::lock_guard lock(mu_);
            std::deque<Held> keep;
            for (Held &h : held_) {
                if (only_channel && h.sent.channel != *only_channel) {
                    keep.push_back(std::move(h));
                    continue;
                }
                out.push_back({h.ch, {answer_locked(h.sent), h.sent.trans_id}});
            }
            held_.swap(keep);
        }
        for (auto &[ch, reply] : out)
            deliver(ch, std::move(reply.first), reply.second);
        return out.size();
    }
    /// Forgets held requests (a host that never answers them).
    void drop_held()
    {
        std::lock_guard lock(mu_);
        held_.clear();
    }
    std::vector<SentPacket> held() const
    {
        std::lock_guard lock(mu_);
        std::vector<SentPacket> out;
        for (const Held &h : held_)
            out.push_back(h.sent);
        return out;
    }
    std::vector<SentPacket> sent() const
    {
        std::lock_guard lock(mu_);
        return sent_;
    }
    /// Packets sent with @p operation (and SCSI @p opcode for EXECUTE_SRB when >= 0).
    std::vector<SentPacket> sent_op(uint32_t operation, int opcode = -1) const
    {
        std::vector<SentPacket> out;
        for (const SentPacket &p : sent())
            if (p.operation() == operation && (opcode < 0 || p.opcode() == opcode)) out.push_back(p);
        return out;
    }
    void clear_sent()
    {
        std::lock_guard lock(mu_);
        sent_.clear();
    }
    void inject(Inject in)
    {
        std::lock_guard lock(mu_);
        injects_.push_back(in);
    }
    /// Makes send on @p ch return @p result (0: normal again).
    void set_send_result(satori_channel *ch, int32_t result)
    {
        std::lock_guard lock(mu_);
        send_result_[ch] = result;
    }
    uint16_t negotiated() const
    {
        std::lock_guard lock(mu_);
        return negotiated_;
    }
    uint16_t subchannels_requested() const
    {
        std::lock_guard lock(mu_);
        return subchannels_requested_;
    }
    /// Runs @p fn on the LUN map under the fake's lock (for changes while traffic flows).
    void with_luns(const std::function<void(std::map<uint8_t, FakeLun> &)> &fn)
    {
        std::lock_guard lock(mu_);
        fn(luns);
    }
    /// The completion the fake would send for @p sent (for hand-made deliveries).
    std::vector<std::byte> answer(const SentPacket &sent)
    {
        std::lock_guard lock(mu_);
        return answer_locked(sent);
    }

  private:
    struct Held {
        satori_channel *ch;
        SentPacket sent;
    };
    struct Scsi {
        uint8_t srb_status = proto::srb::kSuccess;
        uint8_t scsi_status = proto::scsi_status::kGood;
        bool sense = false;
        uint8_t key = 0, asc = 0, ascq = 0;
        uint32_t transferred = 0;
        std::vector<std::byte> data_in;
        uint32_t status = proto::kStatusSuccess;
    };

    static void put_be16(std::vector<std::byte> &v, std::size_t off, uint16_t x)
    {
        v[off] = std::byte(x >> 8);
        v[off + 1] = std::byte(x & 0xff);
    }
    static void put_be32(std::vector<std::byte> &v, std::size_t off, uint32_t x)
    {
        for (int i = 0; i < 4; ++i)
            v[off + i] = std::byte((x >> (24 - 8 * i)) & 0xff);
    }
    static void put_be64(std::vector<std::byte> &v, std::size_t off, uint64_t x)
    {
        for (int i = 0; i < 8; ++i)
            v[off + i] = std::byte((x >> (56 - 8 * i)) & 0xff);
    }
    static uint64_t be(const uint8_t *p, int n)
    {
        uint64_t v = 0;
        for (int i = 0; i < n; ++i)
            v = (v << 8) | p[i];
        return v;
    }

    static Scsi check(uint8_t srb, uint8_t key, uint8_t asc, uint8_t ascq = 0)
    {
        Scsi s;
        s.srb_status = srb;
        s.scsi_status = proto::scsi_status::kCheckCondition;
        s.sense = true;
        s.key = key;
        s.asc = asc;
        s.ascq = ascq;
        s.status = proto::kStatusIoDeviceError;
        return s;
    }
    static Scsi good(std::vector<std::byte> data = {})
    {
        Scsi s;
        s.transferred = static_cast<uint32_t>(data.size());
        s.data_in = std::move(data);
        return s;
    }

    std::vector<std::byte> answer_locked(const SentPacket &sent)
    {
        std::vector<std::byte> reply(completion_size.value_or(
            static_cast<uint32_t>(std::max<std::size_t>(sent.payload.size(), proto::kHeaderSize))));
        proto::ReceivedHeader h{proto::kOpCompleteIo, 0, proto::kStatusSuccess};
        const uint32_t op = sent.operation();
        switch (op) {
        case proto::kOpBeginInitialization:
            h.status = begin_status;
            break;
        case proto::kOpQueryProtocolVersion: {
            proto::ProtocolVersion v{};
            if (sent.payload.size() >= proto::kPayloadOffset + sizeof(v))
                std::memcpy(&v, sent.payload.data() + proto::kPayloadOffset, sizeof(v));
            if (accepted_versions.count(v.major_minor))
                negotiated_ = v.major_minor;
            else
                h.status = refuse_status;
            v.revision = 0;
            write_payload(reply, v);
            break;
        }
        case proto::kOpQueryProperties: {
            proto::ChannelProperties p{};
            p.max_channel_cnt = negotiated_ >= proto::kVersionWin8 ? max_channel_cnt : 0;
            p.flags = negotiated_ >= proto::kVersionWin8 ? property_flags : 0;
            p.max_transfer_bytes = max_transfer_bytes;
            write_payload(reply, p);
            break;
        }
        case proto::kOpEndInitialization:
            break;
        case proto::kOpCreateSubChannels: {
            uint16_t n = 0;
            if (sent.payload.size() >= proto::kPayloadOffset + 2)
                std::memcpy(&n, sent.payload.data() + proto::kPayloadOffset, 2);
            if (refuse_subchannels || n > max_channel_cnt)
                h.status = proto::kStatusInvalidParameter;
            else
                subchannels_requested_ = n;
            break;
        }
        case proto::kOpResetLun:
        case proto::kOpResetBus:
        case proto::kOpResetAdapter:
            break;
        case proto::kOpExecuteSrb:
            return srb_reply(sent, std::move(reply));
        default:
            h.status = proto::kStatusInvalidDeviceState;
            break;
        }
        write_header(reply, h);
        return reply;
    }

    template <class T> static void write_payload(std::vector<std::byte> &reply, const T &v)
    {
        if (reply.size() >= proto::kPayloadOffset + sizeof(T))
            std::memcpy(reply.data() + proto::kPayloadOffset, &v, sizeof(T));
    }
    static void write_header(std::vector<std::byte> &reply, const proto::ReceivedHeader &h)
    {
        std::memcpy(reply.data(), &h, std::min(reply.size(), sizeof(h)));
    }

    std::vector<std::byte> srb_reply(const SentPacket &sent, std::vector<std::byte> reply)
    {
        const proto::VmscsiRequest req = sent.srb();
        Scsi s = run_scsi(sent, req);
        // Inject after running (so that writes still reach the disk when a test injects only
        // a status) unless the injection asks for data_transfer_length.
        for (auto it = injects_.begin(); it != injects_.end(); ++it) {
            if ((it->opcode < 0 || it->opcode == req.cdb_or_sense[0]) &&
                (it->lun < 0 || it->lun == req.lun)) {
                s.srb_status = it->srb_status;
                s.scsi_status = it->scsi_status;
                s.sense = it->sense;
                s.key = it->key;
                s.asc = it->asc;
                s.ascq = it->ascq;
                s.transferred = it->data_transfer_length.value_or(0);
                s.data_in.clear();
                if (--it->times <= 0) injects_.erase(it);
                break;
            }
        }
        if (!s.data_in.empty() && !sent.ranges.empty())
            mem_.write(sent.ranges[0], std::span(s.data_in.data(),
                                                 std::min<std::size_t>(s.data_in.size(), req.data_transfer_length)));
        proto::VmscsiRequest out{};
        out.length = static_cast<uint16_t>(proto::kSrbSizeWin8);
        out.srb_status = s.srb_status | (s.sense ? proto::kSrbAutosenseValid : 0);
        out.scsi_status = s.scsi_status;
        out.cdb_length = 0x10;
        out.sense_info_length = static_cast<uint8_t>(proto::kSenseMax);
        out.data_transfer_length = s.transferred;
        if (s.sense) {
            uint8_t sense[18] = {};
            sense[0] = 0x70;
            sense[2] = s.key;
            sense[7] = 10;
            sense[12] = s.asc;
            sense[13] = s.ascq;
            std::memcpy(out.cdb_or_sense, sense, sizeof(sense));
        }
        proto::ReceivedHeader h{proto::kOpCompleteIo, 0, s.status};
        write_header(reply, h);
        if (reply.size() > proto::kPayloadOffset)
            std::memcpy(reply.data() + proto::kPayloadOffset, &out,
                        std::min(reply.size() - proto::kPayloadOffset, sizeof(out)));
        return reply;
    }

    Scsi run_scsi(const SentPacket &sent, const proto::VmscsiRequest &req)
    {
        const uint8_t *cdb = req.cdb_or_sense;
        const uint8_t opcode = cdb[0];
        const uint32_t buf_len = sent.ranges.empty() ? 0 : sent.ranges[0].byte_count;
        auto clip = [&](std::vector<std::byte> d, std::size_t alloc) {
            d.resize(std::min({d.size(), alloc, std::size_t{req.data_transfer_length}}));
            return good(std::move(d));
        };
        if (opcode == scsi::op::kReportLuns) {
            std::vector<std::byte> d(8 + 8 * luns.size());
            put_be32(d, 0, static_cast<uint32_t>(8 * luns.size()));
            std::size_t off = 8;
            for (const auto &[n, lun] : luns) {
                put_be16(d, off, n);
                off += 8;
            }
            return clip(std::move(d), static_cast<std::size_t>(be(cdb + 6, 4)));
        }
        auto it = luns.find(req.lun);
        if (it == luns.end()) {
            if (opcode == scsi::op::kInquiry && !(cdb[1] & 1)) {
                std::vector<std::byte> d(36);
                d[0] = std::byte{0x7f};
                return clip(std::move(d), static_cast<std::size_t>(be(cdb + 3, 2)));
            }
            Scsi s;
            s.srb_status = proto::srb::kInvalidLun;
            s.scsi_status = proto::scsi_status::kCheckCondition;
            s.status = proto::kStatusDeviceDoesNotExist;
            return s;
        }
        FakeLun &lun = it->second;
        if (lun.capacity_changed && opcode != scsi::op::kInquiry) {
            lun.capacity_changed = false;
            return check(proto::srb::kError, scsi::sense_key::kUnitAttention, 0x2a, 0x09);
        }
        switch (opcode) {
        case scsi::op::kTestUnitReady:
            return good();
        case scsi::op::kInquiry:
            return inquiry(lun, cdb, clip);
        case scsi::op::kServiceActionIn16: {
            if (!lun.rc16 || (cdb[1] & 0x1f) != scsi::kSaReadCapacity16)
                return check(proto::srb::kInvalidRequest, scsi::sense_key::kIllegalRequest, 0x20);
            std::vector<std::byte> d(32);
            put_be64(d, 0, lun.blocks - 1);
            put_be32(d, 8, lun.block_size);
            d[14] = std::byte((lun.thin ? 0x80 : 0) | (lun.thin && lun.lbprz ? 0x40 : 0));
            return clip(std::move(d), static_cast<std::size_t>(be(cdb + 10, 4)));
        }
        case scsi::op::kReadCapacity10: {
            std::vector<std::byte> d(8);
            put_be32(d, 0, static_cast<uint32_t>(std::min<uint64_t>(lun.blocks - 1, 0xffffffff)));
            put_be32(d, 4, lun.block_size);
            return clip(std::move(d), 8);
        }
        case scsi::op::kModeSense6: {
            std::vector<std::byte> d(4 + 12);
            d[0] = std::byte{15};
            d[2] = std::byte((lun.read_only ? 0x80 : 0) | (lun.dpofua ? 0x10 : 0));
            d[4] = std::byte{0x08};
            d[5] = std::byte{0x0a};
            d[6] = std::byte(lun.wce ? 0x04 : 0);
            return clip(std::move(d), cdb[4]);
        }
        case scsi::op::kSynchronizeCache10:
            ++lun.flushes;
            return good();
        case scsi::op::kRead16:
        case scsi::op::kWrite16: {
            const uint64_t lba = be(cdb + 2, 8);
            const uint64_t n = be(cdb + 10, 4);
            const uint64_t bytes = n * lun.block_size;
            if (n == 0 || bytes > buf_len || lba + n > lun.blocks)
                return check(proto::srb::kInvalidRequest, scsi::sense_key::kIllegalRequest, 0x21);
            if (opcode == scsi::op::kWrite16) {
                if (lun.read_only)
                    return check(proto::srb::kError, scsi::sense_key::kDataProtect, 0x27);
                const std::vector<std::byte> src = mem_.read(sent.ranges[0]);
                lun.write(lba * lun.block_size, std::span(src.data(), bytes));
                Scsi s = good();
                s.transferred = static_cast<uint32_t>(bytes);
                return s;
            }
            return good(lun.read(lba * lun.block_size, bytes));
        }
        case scsi::op::kUnmap: {
            if (!lun.thin)
                return check(proto::srb::kInvalidRequest, scsi::sense_key::kIllegalRequest, 0x24);
            const std::vector<std::byte> list = mem_.read(sent.ranges.at(0));
            const auto *p = reinterpret_cast<const uint8_t *>(list.data());
            const std::size_t descs = list.size() >= 8 ? be(p + 2, 2) / 16 : 0;
            for (std::size_t i = 0; i < descs && 8 + 16 * (i + 1) <= list.size(); ++i) {
                const uint64_t lba = be(p + 8 + 16 * i, 8);
                const uint64_t n = be(p + 16 + 16 * i, 4);
                if (lba + n > lun.blocks)
                    return check(proto::srb::kInvalidRequest, scsi::sense_key::kIllegalRequest, 0x21);
                lun.zero(lba * lun.block_size, n * lun.block_size);
            }
            ++lun.unmaps;
            return good();
        }
        case scsi::op::kWriteSame16: {
            const uint64_t lba = be(cdb + 2, 8);
            const uint64_t n = be(cdb + 10, 4);
            if (lba + n > lun.blocks || buf_len < lun.block_size)
                return check(proto::srb::kInvalidRequest, scsi::sense_key::kIllegalRequest, 0x21);
            const std::vector<std::byte> block = mem_.read(sent.ranges[0]);
            for (uint64_t b = 0; b < n; ++b)
                lun.write((lba + b) * lun.block_size, std::span(block.data(), lun.block_size));
            ++lun.write_sames;
            return good();
        }
        default:
            return check(proto::srb::kInvalidRequest, scsi::sense_key::kIllegalRequest, 0x20);
        }
    }

    template <class Clip> Scsi inquiry(const FakeLun &lun, const uint8_t *cdb, Clip &&clip)
    {
        const std::size_t alloc = static_cast<std::size_t>(be(cdb + 3, 2));
        if (!(cdb[1] & 1)) {
            std::vector<std::byte> d(104);
            d[2] = std::byte{5};
            d[3] = std::byte{2};
            d[4] = std::byte{99};
            d[7] = std::byte{2};
            std::string vendor = lun.vendor;
            vendor.resize(8, ' ');
            std::string product = lun.product;
            product.resize(16, ' ');
            std::memcpy(d.data() + 8, vendor.data(), 8);
            std::memcpy(d.data() + 16, product.data(), 16);
            std::memcpy(d.data() + 32, "1.0 ", 4);
            return clip(std::move(d), alloc);
        }
        const uint8_t page = cdb[2];
        std::vector<uint8_t> pages = {0x00, 0x80, 0x83};
        if (lun.thin)
            for (uint8_t extra : {uint8_t{0xb0}, uint8_t{0xb1}, uint8_t{0xb2}})
                pages.push_back(extra);
        if (!lun.vpd || std::find(pages.begin(), pages.end(), page) == pages.end())
            return check(proto::srb::kInvalidRequest, scsi::sense_key::kIllegalRequest, 0x24);
        std::vector<std::byte> d(4);
        d[1] = std::byte{page};
        auto body = [&](std::size_t n) { d.resize(4 + n); put_be16(d, 2, static_cast<uint16_t>(n)); };
        switch (page) {
        case 0x00:
            body(pages.size());
            for (std::size_t i = 0; i < pages.size(); ++i)
                d[4 + i] = std::byte{pages[i]};
            break;
        case 0x80:
            body(8);
            std::memcpy(d.data() + 4, "SN-00042", 8);
            break;
        case 0x83:
            body(20);
            d[4] = std::byte{1};
            d[5] = std::byte{3};
            d[7] = std::byte{16};
            d[8] = std::byte{0x60};
            break;
        case 0xb0: {
            body(0x3c);
            const uint64_t ws = lun.max_write_same_blocks
                                    ? lun.max_write_same_blocks
                                    : std::min<uint64_t>(8 << 20, max_transfer_bytes) / lun.block_size;
            put_be32(d, 20, lun.max_unmap_blocks);
            put_be32(d, 24, lun.max_unmap_descriptors);
            put_be32(d, 28, 8);
            put_be32(d, 32, 0x80000000u);
            put_be64(d, 36, ws);
            break;
        }
        case 0xb1:
            body(0x3c);
            put_be16(d, 4, lun.rotation);
            break;
        case 0xb2:
            body(4);
            d[4] = std::byte{1};
            d[5] = std::byte(0x80 | (lun.lbprz ? 0x04 : 0));
            d[6] = std::byte{2};
            break;
        default:
            break;
        }
        return clip(std::move(d), alloc);
    }

    GuestMemory &mem_;
    mutable std::mutex mu_;
    std::vector<SentPacket> sent_;
    std::deque<Held> held_;
    std::deque<Inject> injects_;
    std::map<satori_channel *, int32_t> send_result_;
    uint16_t negotiated_ = 0;
    uint16_t subchannels_requested_ = 0;
};

} // namespace satori::test::stv

#endif // SATORI_TESTS_SUPPORT_STORVSC_FAKE_VSP_HPP
