// SPDX-License-Identifier: MIT
// tests/support/sim_vstor_guest.hpp — a tiny storvsc-side client for storvsp tests: builds
// vstor packets from the spec's offsets (storvsc.md §5–§8), independently of sim/src, and
// sends them over a TestChannel, with data buffers in the test guest's memory.
#pragma once

#include <deque>
#include <optional>
#include <vector>

#include "support/sim_fixture.hpp"

namespace satori::sim::testing::vstor {

constexpr uint32_t kCompleteIo = 1, kRemoveDevice = 2, kExecuteSrb = 3, kResetLun = 4,
                   kResetAdapter = 5, kResetBus = 6, kBeginInit = 7, kEndInit = 8,
                   kQueryVersion = 9, kQueryProperties = 10, kEnumerateBus = 11, kFchbaData = 12,
                   kCreateSubChannels = 13;

constexpr uint32_t kSuccess = 0, kBufferOverflow = 0x80000005, kDeviceBusy = 0x80000011,
                   kInvalidParameter = 0xC000000D, kInvalidDeviceRequest = 0xC0000010,
                   kRevisionMismatch = 0xC0000059, kDeviceDoesNotExist = 0xC00000C0,
                   kInvalidDeviceState = 0xC0000184, kIoDeviceError = 0xC0000185;

constexpr uint8_t kSrbSuccess = 0x01, kSrbError = 0x04, kSrbBusy = 0x05, kSrbInvalidRequest = 0x06,
                  kSrbDataOverrun = 0x12, kSrbBadSrbBlockLength = 0x15, kSrbInvalidLun = 0x20,
                  kAutosense = 0x80;
constexpr uint8_t kWriteType = 0, kReadType = 1, kUnknownType = 2;

/// Payload offsets (absolute, from the start of the vstor packet).
constexpr size_t kOffStatus = 8, kOffSrb = 12;
constexpr size_t kOffSrbLength = kOffSrb + 0x00, kOffSrbStatus = kOffSrb + 0x02,
                 kOffScsiStatus = kOffSrb + 0x03, kOffPathId = kOffSrb + 0x05,
                 kOffTargetId = kOffSrb + 0x06, kOffLun = kOffSrb + 0x07,
                 kOffCdbLength = kOffSrb + 0x08, kOffSenseLength = kOffSrb + 0x09,
                 kOffDataIn = kOffSrb + 0x0A, kOffTransferLength = kOffSrb + 0x0C,
                 kOffCdb = kOffSrb + 0x10, kOffSrbFlags = kOffSrb + 0x28,
                 kOffTimeout = kOffSrb + 0x2C;

/// A vstor packet: operation, flags = REQUEST_COMPLETION_FLAG, status 0, zero payload.
inline Bytes packet(uint32_t op, size_t size = 0x40)
{
    Bytes b(size);
    put<uint32_t>(b, 0, op);
    if (size >= 8) put<uint32_t>(b, 4, 1);
    b.resize(size);
    return b;
}

struct Srb {
    std::vector<uint8_t> cdb;
    uint8_t lun = 0, path = 0, target = 0;
    uint32_t data_len = 0;
    uint8_t data_in = kUnknownType;
    uint32_t srb_flags = 0x8; // DISABLE_SYNCH_TRANSFER, as Linux
    size_t size = 0x40;       ///< vstor packet size: 0x40 (>= WIN8) or 0x30
    std::optional<uint8_t> cdb_length;
};

inline Bytes srb_packet(const Srb &s)
{
    Bytes b = packet(kExecuteSrb, s.size);
    put<uint16_t>(b, kOffSrbLength, static_cast<uint16_t>(s.size - 12));
    b[kOffPathId] = std::byte{s.path};
    b[kOffTargetId] = std::byte{s.target};
    b[kOffLun] = std::byte{s.lun};
    b[kOffCdbLength] = std::byte{s.cdb_length.value_or(static_cast<uint8_t>(s.cdb.size()))};
    b[kOffSenseLength] = std::byte{static_cast<uint8_t>(s.size >= 0x40 ? 0x14 : 0x12)};
    b[kOffDataIn] = std::byte{s.data_in};
    put<uint32_t>(b, kOffTransferLength, s.data_len);
    for (size_t i = 0; i < s.cdb.size() && i < 16; ++i)
        b[kOffCdb + i] = std::byte{s.cdb[i]};
    if (s.size >= 0x40) {
        put<uint32_t>(b, kOffSrbFlags, s.srb_flags);
        put<uint32_t>(b, kOffTimeout, 60);
    }
    b.resize(s.size);
    return b;
}

/// A host->guest packet on the storage channel.
struct Reply {
    uint16_t type = 0;
    uint64_t tid = 0;
    Bytes payload;
    uint16_t flags = 0; ///< VMBus descriptor flags (bit 0: completion requested)

    uint32_t op() const { return get<uint32_t>(payload, 0); }
    uint32_t status() const { return get<uint32_t>(payload, kOffStatus); }
    uint8_t u8(size_t off) const { return get<uint8_t>(payload, off); }
    uint8_t srb_status() const { return u8(kOffSrbStatus); }
    uint8_t scsi_status() const { return u8(kOffScsiStatus); }
    uint32_t transferred() const { return get<uint32_t>(payload, kOffTransferLength); }
    uint8_t sense_key() const { return u8(kOffCdb + 2) & 0x0F; }
    uint8_t asc() const { return u8(kOffCdb + 12); }
    uint8_t ascq() const { return u8(kOffCdb + 13); }
};

/// Guest memory for one data buffer.
struct Buffer {
    uint64_t gpa = 0; ///< of the first byte
    uint32_t len = 0;
    std::byte *ptr = nullptr;

    uint32_t offset() const { return static_cast<uint32_t>(gpa & 0xFFF); }
    msg::Range range(std::optional<uint32_t> byte_count = {}) const
    {
        const uint32_t n = byte_count.value_or(len);
        const size_t pages = (offset() + n + 4095) / 4096;
        return {n, offset(), GuestMemfd::pfns(gpa & ~uint64_t{0xFFF}, pages)};
    }
    Bytes bytes() const { return Bytes(ptr, ptr + len); }
    void fill(const Bytes &b) { std::copy(b.begin(), b.end(), ptr); }
};

class Client {
  public:
    Client(TestGuest &guest, TestChannel &ch) : guest_(guest), ch_(ch) {}

    Buffer alloc(uint32_t len, uint32_t offset_in_page = 0)
    {
        const size_t pages = (offset_in_page + len + 4095) / 4096 + 1;
        Buffer b;
        b.gpa = guest_.memory().alloc_pages(pages) + offset_in_page;
        b.len = len;
        b.ptr = guest_.memory().at(b.gpa);
        return b;
    }

    uint64_t next_tid() { return tid_++; }

    /// Writes one request; GPA-direct when @p ranges is not empty.
    bool post(const Bytes &vstor, uint64_t tid, const std::vector<msg::Range> &ranges = {},
              uint16_t flags = 1, std::optional<uint16_t> type = {})
    {
        Bytes header;
        if (!ranges.empty()) {
            put<uint32_t>(header, 0, 0);
            put<uint32_t>(header, 4, static_cast<uint32_t>(ranges.size()));
            for (const auto &r : ranges) {
                const size_t at = header.size();
                put<uint32_t>(header, at, r.byte_count);
                put<uint32_t>(header, at + 4, r.byte_offset);
                for (uint64_t pfn : r.pfns)
                    put<uint64_t>(header, header.size(), pfn);
            }
        }
        const uint16_t t = type.value_or(ranges.empty() ? 6 : 9);
        return ch_.write_raw(TestChannel::packet(t, flags, tid, header, vstor));
    }

    /// The next packet of any kind.
    std::optional<Reply> next(std::chrono::milliseconds timeout = 3s)
    {
        auto p = ch_.recv(timeout);
        if (!p) return std::nullopt;
        return Reply{p->type, p->transaction_id, p->payload(), p->flags};
    }
    /// The next completion (type 0xB); unsolicited packets seen meanwhile are kept.
    std::optional<Reply> completion(std::chrono::milliseconds timeout = 3s)
    {
        for (;;) {
            auto r = next(timeout);
            if (!r) return std::nullopt;
            if (r->type == 0xB) return r;
            unsolicited_.push_back(std::move(*r));
        }
    }
    /// The next unsolicited packet (already seen or arriving within @p timeout).
    std::optional<Reply> unsolicited(std::chrono::milliseconds timeout = 3s)
    {
        if (unsolicited_.empty()) {
            auto r = next(timeout);
            if (!r) return std::nullopt;
            if (r->type == 0xB) {
                stray_.push_back(std::move(*r));
                return std::nullopt;
            }
            return r;
        }
        Reply r = std::move(unsolicited_.front());
        unsolicited_.pop_front();
        return r;
    }

    /// Post + wait for its completion.
    Reply call(const Bytes &vstor, const std::vector<msg::Range> &ranges = {})
    {
        const uint64_t tid = next_tid();
        REQUIRE(post(vstor, tid, ranges));
        auto r = completion();
        INFO("no completion for transaction " << tid);
        REQUIRE(r.has_value());
        CHECK(r->tid == tid);
        CHECK(r->op() == kCompleteIo);
        return std::move(*r);
    }

    Reply query_version(uint16_t v, size_t size = 0x40)
    {
        Bytes p = packet(kQueryVersion, size);
        put<uint16_t>(p, 12, v);
        return call(p);
    }
    /// BEGIN, QUERY_PROTOCOL_VERSION (@p version), QUERY_PROPERTIES, END: all succeed.
    /// Returns the properties completion.
    Reply handshake(uint16_t version = 0x0600)
    {
        const size_t size = version >= 0x0501 ? 0x40 : 0x30;
        REQUIRE(call(packet(kBeginInit, size)).status() == kSuccess);
        REQUIRE(query_version(version, size).status() == kSuccess);
        Reply props = call(packet(kQueryProperties, size));
        REQUIRE(props.status() == kSuccess);
        REQUIRE(call(packet(kEndInit, size)).status() == kSuccess);
        return props;
    }

    /// One SRB; @p buf (if any) is sent as the single GPA-direct range.
    Reply execute(Srb s, const Buffer *buf = nullptr)
    {
        if (buf && s.data_len == 0) s.data_len = buf->len;
        std::vector<msg::Range> ranges;
        if (buf) ranges.push_back(buf->range());
        return call(srb_packet(s), ranges);
    }

    size_t stray_completions() const { return stray_.size(); }
    TestChannel &channel() { return ch_; }

  private:
    TestGuest &guest_;
    TestChannel &ch_;
    uint64_t tid_ = 1;
    std::deque<Reply> unsolicited_;
    std::deque<Reply> stray_;
};

// ---- CDB builders (big-endian fields) ----

inline void be(std::vector<uint8_t> &c, size_t at, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        c[at + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}
inline std::vector<uint8_t> inquiry(uint8_t evpd, uint8_t page, uint16_t alloc)
{
    std::vector<uint8_t> c(6);
    c[0] = 0x12;
    c[1] = evpd;
    c[2] = page;
    be(c, 3, alloc, 2);
    return c;
}
inline std::vector<uint8_t> rw10(bool write, uint32_t lba, uint16_t count, uint8_t flags = 0)
{
    std::vector<uint8_t> c(10);
    c[0] = write ? 0x2A : 0x28;
    c[1] = flags;
    be(c, 2, lba, 4);
    be(c, 7, count, 2);
    return c;
}
inline std::vector<uint8_t> rw16(bool write, uint64_t lba, uint32_t count, uint8_t flags = 0)
{
    std::vector<uint8_t> c(16);
    c[0] = write ? 0x8A : 0x88;
    c[1] = flags;
    be(c, 2, lba, 8);
    be(c, 10, count, 4);
    return c;
}
inline std::vector<uint8_t> rw12(bool write, uint32_t lba, uint32_t count)
{
    std::vector<uint8_t> c(12);
    c[0] = write ? 0xAA : 0xA8;
    be(c, 2, lba, 4);
    be(c, 6, count, 4);
    return c;
}
inline std::vector<uint8_t> rw6(bool write, uint32_t lba, uint8_t count)
{
    std::vector<uint8_t> c(6);
    c[0] = write ? 0x0A : 0x08;
    be(c, 1, lba & 0x1FFFFF, 3);
    c[4] = count;
    return c;
}
inline std::vector<uint8_t> read_capacity16(uint32_t alloc)
{
    std::vector<uint8_t> c(16);
    c[0] = 0x9E;
    c[1] = 0x10;
    be(c, 10, alloc, 4);
    return c;
}
inline std::vector<uint8_t> report_luns(uint32_t alloc)
{
    std::vector<uint8_t> c(12);
    c[0] = 0xA0;
    be(c, 6, alloc, 4);
    return c;
}
inline std::vector<uint8_t> unmap(uint16_t param_len)
{
    std::vector<uint8_t> c(10);
    c[0] = 0x42;
    be(c, 7, param_len, 2);
    return c;
}
/// UNMAP parameter list with one descriptor per (lba, count).
inline Bytes unmap_list(const std::vector<std::pair<uint64_t, uint32_t>> &extents)
{
    std::vector<uint8_t> p(8 + 16 * extents.size());
    be(p, 0, p.size() - 2, 2);
    be(p, 2, 16 * extents.size(), 2);
    for (size_t i = 0; i < extents.size(); ++i) {
        be(p, 8 + 16 * i, extents[i].first, 8);
        be(p, 16 + 16 * i, extents[i].second, 4);
    }
    Bytes b(p.size());
    std::memcpy(b.data(), p.data(), p.size());
    return b;
}

inline uint32_t be32(const Bytes &b, size_t at)
{
    return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 |
           uint32_t(b[at + 3]);
}
inline uint64_t be64(const Bytes &b, size_t at)
{
    return uint64_t{be32(b, at)} << 32 | be32(b, at + 4);
}
inline uint16_t be16(const Bytes &b, size_t at)
{
    return static_cast<uint16_t>(uint16_t(b[at]) << 8 | uint16_t(b[at + 1]));
}
inline Bytes pattern(size_t n, uint8_t seed)
{
    Bytes b(n);
    for (size_t i = 0; i < n; ++i)
        b[i] = std::byte(static_cast<uint8_t>(seed + i * 7 + (i >> 9)));
    return b;
}

} // namespace satori::sim::testing::vstor
