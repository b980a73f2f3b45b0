// SPDX-License-Identifier: MIT
#include "vhdx_log.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include <satori/errno.h>

#include "crc32c.hpp"

namespace satori::sim::disk::vhdx {

namespace {

// Entry header field offsets.
constexpr size_t kLeSignature = 0, kLeChecksum = 4, kLeLength = 8, kLeTail = 12, kLeSequence = 16,
                 kLeDescCount = 24, kLeGuid = 32, kLeFlushed = 48, kLeLast = 56, kLeHeaderSize = 64,
                 kDescSize = 32;
constexpr uint64_t kMaxZeroLength = uint64_t{1} << 40;

struct Descriptor {
    bool zero = false;
    uint64_t file_offset = 0;
    uint64_t zero_length = 0;
    std::vector<std::byte> data; // 4 KiB for data descriptors
};

struct Entry {
    uint64_t offset = 0, length = 0, tail = 0, sequence = 0, flushed = 0, last = 0;
    std::vector<Descriptor> descriptors;
};

uint64_t header_sectors(uint64_t descriptors)
{
    return div_round_up(kLeHeaderSize + descriptors * kDescSize, kLogSector);
}

/// Reads @p len bytes of the circular log starting at @p at (a 4 KiB multiple).
bool read_log(const ImageFile &f, const LogRegion &log, uint64_t at, std::span<std::byte> out)
{
    for (size_t done = 0; done < out.size(); done += kLogSector) {
        const uint64_t pos = (at + done) % log.length;
        if (f.read(log.offset + pos, out.subspan(done, kLogSector)) != 0) return false;
    }
    return true;
}

/// Parses and fully validates the entry at @p at. Returns "" or what is wrong.
std::string read_entry(const ImageFile &f, const LogRegion &log, uint64_t at, const Guid &guid,
                       Entry &e)
{
    std::vector<std::byte> first(kLogSector);
    if (!read_log(f, log, at, first)) return "unreadable";
    const std::byte *h = first.data();
    if (!bytes_equal(h + kLeSignature, "loge", 4)) return "no signature";
    e.offset = at;
    e.length = le32(h + kLeLength);
    e.tail = le32(h + kLeTail);
    e.sequence = le64(h + kLeSequence);
    const uint32_t count = le32(h + kLeDescCount);
    e.flushed = le64(h + kLeFlushed);
    e.last = le64(h + kLeLast);
    if (read_guid(h + kLeGuid) != guid) return "another log's entry";
    if (e.length < kLogSector || e.length % kLogSector != 0 || e.length > log.length)
        return "bad entry length " + std::to_string(e.length);
    if (e.tail % kLogSector != 0 || e.tail >= log.length) return "bad tail";
    if (e.sequence == 0) return "sequence number 0";
    if (uint64_t{count} * kDescSize > e.length) return "too many descriptors";
    std::vector<std::byte> all(e.length);
    if (!read_log(f, log, at, all)) return "unreadable";
    const uint32_t stored = le32(all.data() + kLeChecksum);
    if (crc32c_without_field(all, kLeChecksum) != stored) return "CRC-32C mismatch";
    uint64_t data_sectors = 0;
    for (uint32_t i = 0; i < count; ++i)
        if (bytes_equal(all.data() + kLeHeaderSize + size_t{i} * kDescSize, "desc", 4))
            ++data_sectors;
    if ((header_sectors(count) + data_sectors) * kLogSector != e.length)
        return "entry length does not match its descriptors";
    uint64_t next_data = header_sectors(count) * kLogSector;
    for (uint32_t i = 0; i < count; ++i) {
        const std::byte *d = all.data() + kLeHeaderSize + size_t{i} * kDescSize;
        Descriptor desc;
        if (le64(d + 24) != e.sequence) return "descriptor sequence mismatch";
        desc.file_offset = le64(d + 16);
        if (desc.file_offset % kLogSector != 0) return "descriptor offset not 4 KiB aligned";
        if (bytes_equal(d, "zero", 4)) {
            desc.zero = true;
            desc.zero_length = le64(d + 8);
            if (desc.zero_length % kLogSector != 0 || desc.zero_length > kMaxZeroLength)
                return "bad zero length";
        } else if (bytes_equal(d, "desc", 4)) {
            const std::byte *s = all.data() + next_data;
            next_data += kLogSector;
            if (!bytes_equal(s, "data", 4)) return "data sector without signature";
            const uint64_t seq = uint64_t{le32(s + 4)} << 32 | le32(s + kLogSector - 4);
            if (seq != e.sequence) return "data sector sequence mismatch";
            desc.data.assign(s, s + kLogSector);
            std::memcpy(desc.data.data(), d + 8, 8);                  // leading bytes
            std::memcpy(desc.data.data() + kLogSector - 4, d + 4, 4); // trailing bytes
        } else {
            return "unknown descriptor";
        }
        e.descriptors.push_back(std::move(desc));
    }
    return {};
}

} // namespace

std::string replay_log(ImageFile &f, const LogRegion &log, const Guid &guid, uint64_t writable_from,
                       uint64_t &applied)
{
    applied = 0;
    std::map<uint64_t, Entry> valid; // by offset
    const Entry *head = nullptr;
    for (uint64_t at = 0; at < log.length; at += kLogSector) {
        Entry e;
        if (!read_entry(f, log, at, guid, e).empty()) continue;
        auto &slot = valid[at] = std::move(e);
        if (!head || slot.sequence > head->sequence) head = &slot;
    }
    if (!head) return "the header names a pending log but the log holds no valid entry for it";
    // Walk from the head's tail to the head; every entry must be there, in sequence.
    std::vector<const Entry *> seq;
    uint64_t at = head->tail;
    for (size_t guard = 0;; ++guard) {
        auto it = valid.find(at);
        if (it == valid.end() || guard > log.length / kLogSector)
            return "log sequence is broken (no valid entry at log offset " + std::to_string(at) +
                   ")";
        if (!seq.empty() && it->second.sequence != seq.back()->sequence + 1)
            return "log sequence numbers are not consecutive";
        seq.push_back(&it->second);
        if (&it->second == head) break;
        at = (at + it->second.length) % log.length;
    }
    const uint64_t fsize = f.size();
    if (head->flushed > fsize)
        return "the log says the file had " + std::to_string(head->flushed) + " bytes but it has " +
               std::to_string(fsize) + " (truncated)";
    if (head->last > fsize + (uint64_t{64} << 30))
        return "the log grows the file from " + std::to_string(fsize) + " to " +
               std::to_string(head->last) + " bytes, more than any update could";
    const uint64_t limit = std::max(fsize, head->last);
    // Validate every target before writing anything.
    for (const Entry *e : seq)
        for (const auto &d : e->descriptors) {
            const uint64_t len = d.zero ? d.zero_length : kLogSector;
            if (d.file_offset < writable_from || !range_inside(d.file_offset, len, limit) ||
                ranges_overlap(d.file_offset, len, log.offset, log.length))
                return "log entry writes " + std::to_string(len) + " bytes at offset " +
                       std::to_string(d.file_offset) + ", outside the image's writable area";
        }
    if (f.read_only())
        return "the image has a pending log (it was not closed cleanly); open it read-write "
               "once to replay the log";
    for (const Entry *e : seq) {
        for (const auto &d : e->descriptors) {
            const int32_t err = d.zero ? f.write_zeroes(d.file_offset, d.zero_length)
                                       : f.write(d.file_offset, d.data);
            if (err) return "cannot write while replaying the log";
        }
        ++applied;
    }
    if (f.size() < head->last && f.truncate(head->last) != 0)
        return "cannot extend the file while replaying the log";
    if (f.sync() != 0) return "cannot sync after replaying the log";
    return {};
}

size_t LogWriter::max_sectors() const noexcept
{
    // Header sectors plus data sectors must fit in the log; keep entries modest.
    return std::min<size_t>(126, log_.length / kLogSector - 2);
}

int32_t LogWriter::write_entry(std::span<const LogSector> sectors, uint64_t file_size)
{
    const uint64_t hs = header_sectors(sectors.size());
    const uint64_t length = (hs + sectors.size()) * kLogSector;
    if (length > log_.length) return -SATORI_EINVAL;
    if (head_ + length > log_.length) head_ = 0; // entries never wrap
    std::vector<std::byte> buf(length);
    std::byte *h = buf.data();
    std::memcpy(h + kLeSignature, "loge", 4);
    store_le(h + kLeLength, 4, length);
    store_le(h + kLeTail, 4, head_);
    store_le(h + kLeSequence, 8, sequence_);
    store_le(h + kLeDescCount, 4, sectors.size());
    write_guid(h + kLeGuid, guid_);
    store_le(h + kLeFlushed, 8, file_size);
    store_le(h + kLeLast, 8, file_size);
    for (size_t i = 0; i < sectors.size(); ++i) {
        const auto &s = sectors[i];
        if (s.data.size() != kLogSector || s.file_offset % kLogSector != 0) return -SATORI_EINVAL;
        std::byte *d = h + kLeHeaderSize + i * kDescSize;
        std::memcpy(d, "desc", 4);
        std::memcpy(d + 4, s.data.data() + kLogSector - 4, 4);
        std::memcpy(d + 8, s.data.data(), 8);
        store_le(d + 16, 8, s.file_offset);
        store_le(d + 24, 8, sequence_);
        std::byte *p = h + (hs + i) * kLogSector;
        std::memcpy(p, s.data.data(), kLogSector);
        std::memcpy(p, "data", 4);
        store_le(p + 4, 4, sequence_ >> 32);
        store_le(p + kLogSector - 4, 4, sequence_ & 0xffffffffu);
    }
    store_le(h + kLeChecksum, 4, crc32c(buf));
    if (int32_t err = f_.write(log_.offset + head_, buf); err) return err;
    if (int32_t err = f_.sync(); err) return err;
    head_ += length;
    ++sequence_;
    return 0;
}

} // namespace satori::sim::disk::vhdx
