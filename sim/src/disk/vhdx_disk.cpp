// SPDX-License-Identifier: MIT
// VHDX images: headers, region table, metadata, BAT; payload blocks allocated on write;
// BAT updates made crash-safe through the log.
#include <satori/sim/disk.hpp>

#include <algorithm>
#include <cstring>
#include <set>

#include <satori/errno.h>

#include "crc32c.hpp"
#include "image_file.hpp"
#include "vhdx_format.hpp"
#include "vhdx_hooks.hpp"
#include "vhdx_log.hpp"

namespace satori::sim {

namespace disk::vhdx {
void (*test_crash_hook)(const char *point) = nullptr;
} // namespace disk::vhdx

using namespace disk;
using namespace disk::vhdx;

namespace {

constexpr uint64_t kMaxBatBytes = 256 * kMiB;

void crash_point(const char *point)
{
    if (test_crash_hook) test_crash_hook(point);
}

class VhdxDisk final : public DiskBackend {
  public:
    ImageFile file_;
    Header hdr_;
    int slot_ = 0; // which header is current
    LogRegion log_;
    uint64_t bat_offset_ = 0, bat_length_ = 0, meta_offset_ = 0, meta_length_ = 0;
    uint32_t block_size_ = 0, logical_ = 512, physical_ = 512;
    uint64_t size_ = 0, chunk_ratio_ = 0, blocks_ = 0, entries_ = 0;
    bool fixed_ = false;
    std::vector<std::byte> bat_; // the BAT's used 4 KiB sectors, as on disk
    uint64_t file_end_ = 0;

    ~VhdxDisk() override
    {
        // A clean close: everything in place is durable, the log is no longer needed.
        if (log_writer_ && file_.sync() == 0) {
            Header h = hdr_;
            h.log_guid = Guid{};
            (void)write_header(h);
        }
    }

    uint64_t size_bytes() const noexcept override { return size_; }
    uint32_t logical_sector_size() const noexcept override { return logical_; }
    uint32_t physical_sector_size() const noexcept override { return physical_; }
    bool read_only() const noexcept override { return file_.read_only(); }

    int32_t read(uint64_t offset, std::span<std::byte> dst) override
    {
        if (!valid_range(offset, dst.size())) return -SATORI_EIO;
        std::lock_guard lock(mutex_);
        return for_blocks(offset, dst.size(), [&](uint64_t blk, uint64_t in, size_t pos, size_t n) {
            const uint64_t e = entry(blk);
            if (bat_state(e) != kPayloadFullyPresent) {
                std::memset(dst.data() + pos, 0, n);
                return 0;
            }
            return file_.read(bat_offset(e) + in, dst.subspan(pos, n));
        });
    }

    int32_t write(uint64_t offset, std::span<const std::byte> src) override
    {
        if (read_only()) return -SATORI_EPERM;
        if (!valid_range(offset, src.size())) return -SATORI_EIO;
        std::lock_guard lock(mutex_);
        return for_blocks(offset, src.size(), [&](uint64_t blk, uint64_t in, size_t pos, size_t n) {
            if (bat_state(entry(blk)) != kPayloadFullyPresent)
                if (int32_t err = allocate(blk); err) return err;
            return file_.write(bat_offset(entry(blk)) + in, src.subspan(pos, n));
        });
    }

    int32_t flush() override
    {
        std::lock_guard lock(mutex_);
        const int32_t err = file_.sync();
        if (!err) inplace_pending_ = false;
        return err;
    }

    bool supports_discard() const noexcept override { return !read_only(); }
    bool discard_zeroes() const noexcept override { return supports_discard(); }

    int32_t discard(uint64_t offset, uint64_t len) override
    {
        if (read_only()) return -SATORI_EPERM;
        if (!valid_range(offset, len)) return -SATORI_EIO;
        std::lock_guard lock(mutex_);
        std::vector<uint64_t> changed, freed;
        int32_t err = for_blocks(offset, len, [&](uint64_t blk, uint64_t in, size_t, size_t n) {
            const uint64_t e = entry(blk);
            if (bat_state(e) != kPayloadFullyPresent) return 0;
            // The last block may be shorter than block_size: it is whole if the range
            // reaches the end of the disk.
            const bool whole = in == 0 && (n == block_size_ || blk * block_size_ + n == size_);
            // Fixed images (leave-blocks-allocated) keep their blocks: punch the file only.
            if (!whole || fixed_)
                return file_.punch_hole(bat_offset(e) + in, n)
                           ? 0
                           : file_.write_zeroes(bat_offset(e) + in, n);
            freed.push_back(bat_offset(e));
            set_entry(blk, bat_entry(kPayloadZero, 0));
            changed.push_back(index_of(blk));
            return 0;
        });
        if (!changed.empty()) {
            if (int32_t e2 = update_bat(changed); e2) return e2;
            for (uint64_t at : freed)
                file_.punch_hole(at, block_size_); // space only; best effort
        }
        return err;
    }

    std::string description() const override
    {
        return std::string("vhdx ") + (fixed_ ? "fixed " : "dynamic ") + file_.path() +
               (read_only() ? " (ro)" : "");
    }

    int32_t write_header(Header h)
    {
        h.sequence = hdr_.sequence + 1;
        std::vector<std::byte> raw(kHeaderSize);
        build_header(h, raw);
        const int next = 1 - slot_;
        if (int32_t err = file_.write(kHeaderOffset[next], raw); err) return err;
        if (int32_t err = file_.sync(); err) return err;
        slot_ = next;
        hdr_ = h;
        return 0;
    }

    uint64_t index_of(uint64_t blk) const noexcept { return blk + blk / chunk_ratio_; }
    uint64_t entry(uint64_t blk) const noexcept { return le64(bat_.data() + index_of(blk) * 8); }

  private:
    bool valid_range(uint64_t offset, uint64_t len) const noexcept
    {
        return offset % logical_ == 0 && len % logical_ == 0 && range_inside(offset, len, size_);
    }

    void set_entry(uint64_t blk, uint64_t e) noexcept
    {
        store_le(bat_.data() + index_of(blk) * 8, 8, e);
    }

    template <class F> int32_t for_blocks(uint64_t offset, uint64_t len, F &&fn)
    {
        for (uint64_t pos = 0; pos < len;) {
            const uint64_t at = offset + pos;
            const uint64_t blk = at / block_size_, in = at % block_size_;
            const auto n = static_cast<size_t>(std::min<uint64_t>(block_size_ - in, len - pos));
            if (int32_t err = fn(blk, in, static_cast<size_t>(pos), n); err) return err;
            pos += n;
        }
        return 0;
    }

    /// A new payload block at the end of the file (1 MiB aligned), zero-filled by extending
    /// the file, then published through the log.
    int32_t allocate(uint64_t blk)
    {
        const uint64_t at = div_round_up(file_end_, kMiB) * kMiB;
        if (int32_t err = file_.truncate(at + block_size_); err) return err;
        file_end_ = at + block_size_;
        set_entry(blk, bat_entry(kPayloadFullyPresent, at));
        const uint64_t idx = index_of(blk);
        return update_bat(std::span(&idx, 1));
    }

    /// Writes the BAT sectors holding entries @p indices: log entry first (durable), then
    /// in place.
    int32_t update_bat(std::span<const uint64_t> indices)
    {
        std::set<uint64_t> sectors;
        for (uint64_t i : indices)
            sectors.insert(i * 8 / kLogSector * kLogSector);
        if (!log_writer_) {
            Header h = hdr_;
            h.log_guid = random_guid();
            if (int32_t err = write_header(h); err) return err;
            log_writer_ = std::make_unique<LogWriter>(file_, log_, h.log_guid);
        }
        std::vector<LogSector> batch;
        auto commit = [&]() -> int32_t {
            if (batch.empty()) return 0;
            // The previous entry's in-place writes must be durable before a new entry
            // replaces it as the one a replay would apply.
            if (inplace_pending_)
                if (int32_t err = file_.sync(); err) return err;
            if (int32_t err = log_writer_->write_entry(batch, file_end_); err) return err;
            crash_point("log-written");
            for (const auto &s : batch)
                if (int32_t err = file_.write(s.file_offset, s.data); err) return err;
            inplace_pending_ = true;
            crash_point("bat-written");
            batch.clear();
            return 0;
        };
        for (uint64_t s : sectors) {
            batch.push_back(
                {bat_offset_ + s, std::span<const std::byte>(bat_.data() + s, kLogSector)});
            if (batch.size() == log_writer_->max_sectors())
                if (int32_t err = commit(); err) return err;
        }
        return commit();
    }

    std::unique_ptr<LogWriter> log_writer_;
    bool inplace_pending_ = false;
    std::mutex mutex_;
};

DiskOpenResult fail(const std::string &path, const std::string &what)
{
    return {nullptr, -SATORI_EINVAL, path + ": " + what};
}

/// Picks the current header: the valid one with the larger sequence number.
std::string load_headers(VhdxDisk &d)
{
    Header h[2];
    std::string why[2];
    for (int i = 0; i < 2; ++i) {
        std::vector<std::byte> raw(kHeaderSize);
        if (d.file_.read(kHeaderOffset[i], raw) != 0)
            why[i] = "unreadable";
        else
            why[i] = parse_header(raw, h[i]);
    }
    if (!why[0].empty() && !why[1].empty())
        return "both VHDX headers are invalid (header 1: " + why[0] + "; header 2: " + why[1] + ")";
    d.slot_ = why[0].empty() && (!why[1].empty() || h[0].sequence >= h[1].sequence) ? 0 : 1;
    d.hdr_ = h[d.slot_];
    return {};
}

struct Region {
    Guid guid;
    uint64_t offset = 0;
    uint32_t length = 0;
};

std::string load_region_table(VhdxDisk &d, uint64_t fsize)
{
    std::string first_problem;
    for (uint64_t at : kRegionOffset) {
        std::vector<std::byte> raw(kRegionTableSize);
        std::string why;
        if (d.file_.read(at, raw) != 0)
            why = "unreadable";
        else if (!bytes_equal(raw.data(), "regi", 4))
            why = "no 'regi' signature";
        else if (crc32c_without_field(raw, 4) != le32(raw.data() + 4))
            why = "CRC-32C mismatch";
        else if (le32(raw.data() + 8) > kMaxRegionEntries)
            why = "too many entries";
        if (!why.empty()) {
            if (first_problem.empty()) first_problem = why;
            continue;
        }
        const uint32_t count = le32(raw.data() + 8);
        bool have_bat = false, have_meta = false;
        std::vector<Region> all;
        for (uint32_t i = 0; i < count; ++i) {
            const std::byte *e = raw.data() + 16 + size_t{i} * 32;
            Region r{read_guid(e), le64(e + 16), le32(e + 24)};
            const bool required = le32(e + 28) & 1;
            if (r.offset % kMiB || r.length % kMiB || r.length == 0 || r.offset < kMiB ||
                !range_inside(r.offset, r.length, fsize))
                return "region " + r.guid.to_string() + " (offset " + std::to_string(r.offset) +
                       ", length " + std::to_string(r.length) +
                       ") is not 1 MiB aligned inside the file";
            if (r.guid == kRegionBat) {
                have_bat = true;
                d.bat_offset_ = r.offset;
                d.bat_length_ = r.length;
            } else if (r.guid == kRegionMetadata) {
                have_meta = true;
                d.meta_offset_ = r.offset;
                d.meta_length_ = r.length;
            } else if (required) {
                return "unknown required region " + r.guid.to_string();
            }
            all.push_back(r);
        }
        if (!have_bat || !have_meta) return "region table lacks the BAT or the metadata region";
        all.push_back({Guid{}, d.hdr_.log_offset, d.hdr_.log_length});
        for (size_t i = 0; i < all.size(); ++i)
            for (size_t j = i + 1; j < all.size(); ++j)
                if (ranges_overlap(all[i].offset, all[i].length, all[j].offset, all[j].length))
                    return "regions overlap (offsets " + std::to_string(all[i].offset) + " and " +
                           std::to_string(all[j].offset) + ")";
        return {};
    }
    return "both region tables are invalid (" + first_problem + ")";
}

std::string load_metadata(VhdxDisk &d)
{
    std::vector<std::byte> table(kMetadataTableSize);
    if (d.meta_length_ < kMetadataTableSize || d.file_.read(d.meta_offset_, table) != 0)
        return "metadata table unreadable";
    if (!bytes_equal(table.data(), "metadata", 8)) return "metadata table has no signature";
    const uint16_t count = le16(table.data() + 10);
    if (count > 2047) return "metadata table has too many entries";
    bool got[5] = {};
    uint32_t flags = 0;
    for (uint16_t i = 0; i < count; ++i) {
        const std::byte *e = table.data() + 32 + size_t{i} * 32;
        const Guid id = read_guid(e);
        const uint32_t off = le32(e + 16), len = le32(e + 20);
        const bool required = le32(e + 24) & 4;
        if (len != 0 && (off < kMetadataTableSize || !range_inside(off, len, d.meta_length_)))
            return "metadata item " + id.to_string() + " lies outside the metadata region";
        std::vector<std::byte> v(std::min<uint32_t>(len, 64));
        if (!v.empty() && d.file_.read(d.meta_offset_ + off, v) != 0)
            return "metadata item unreadable";
        auto need = [&](uint32_t n) { return len >= n; };
        if (id == kMetaFileParameters && need(8)) {
            d.block_size_ = le32(v.data());
            flags = le32(v.data() + 4);
            got[0] = true;
        } else if (id == kMetaVirtualDiskSize && need(8)) {
            d.size_ = le64(v.data());
            got[1] = true;
        } else if (id == kMetaLogicalSector && need(4)) {
            d.logical_ = le32(v.data());
            got[2] = true;
        } else if (id == kMetaPhysicalSector && need(4)) {
            d.physical_ = le32(v.data());
            got[3] = true;
        } else if (id == kMetaPage83 && need(16)) {
            got[4] = true;
        } else if (id == kMetaParentLocator) {
            // Only meaningful with has-parent, which is refused below.
        } else if (required) {
            return "unknown required metadata item " + id.to_string();
        }
    }
    static const char *names[] = {"file parameters", "virtual disk size", "logical sector size",
                                  "physical sector size", "page 83 data"};
    for (int i = 0; i < 5; ++i)
        if (!got[i]) return std::string("metadata lacks the ") + names[i] + " item";
    if (flags & 2)
        return "differencing VHDX (has-parent) is not supported; merge it first "
               "(qemu-img convert)";
    d.fixed_ = flags & 1;
    if (!is_pow2(d.block_size_) || d.block_size_ < kMiB || d.block_size_ > 256 * kMiB)
        return "block size " + std::to_string(d.block_size_) +
               " is not a power of two from 1 MiB to 256 MiB";
    if (d.logical_ != 512 && d.logical_ != 4096)
        return "logical sector size " + std::to_string(d.logical_) + " is not 512 or 4096";
    if (d.physical_ != 512 && d.physical_ != 4096)
        return "physical sector size " + std::to_string(d.physical_) + " is not 512 or 4096";
    if (d.physical_ < d.logical_) d.physical_ = d.logical_;
    if (d.size_ == 0 || d.size_ % d.logical_ != 0 || d.size_ > kMaxVirtualSize)
        return "virtual disk size " + std::to_string(d.size_) +
               " is not a non-zero multiple of the sector size up to 64 TiB";
    return {};
}

std::string load_bat(VhdxDisk &d, uint64_t fsize)
{
    d.chunk_ratio_ = (uint64_t{1} << 23) * d.logical_ / d.block_size_;
    d.blocks_ = div_round_up(d.size_, d.block_size_);
    d.entries_ = d.blocks_ + (d.blocks_ - 1) / d.chunk_ratio_;
    const uint64_t bytes = div_round_up(d.entries_ * 8, kLogSector) * kLogSector;
    if (bytes > d.bat_length_)
        return "BAT region (" + std::to_string(d.bat_length_) + " bytes) is too small for " +
               std::to_string(d.entries_) + " entries";
    if (bytes > kMaxBatBytes) return "BAT is larger than 256 MiB";
    d.bat_.resize(bytes);
    if (d.file_.read(d.bat_offset_, d.bat_) != 0) return "BAT unreadable";
    std::vector<std::pair<uint64_t, uint64_t>> used;
    for (uint64_t b = 0; b < d.blocks_; ++b) {
        const uint64_t e = d.entry(b), st = bat_state(e), at = bat_offset(e);
        if (st == kPayloadPartiallyPresent)
            return "BAT entry for block " + std::to_string(b) +
                   " is partially present, but the image has no parent";
        if (st == 4 || st == 5)
            return "BAT entry for block " + std::to_string(b) + " has invalid state " +
                   std::to_string(st);
        if (st != kPayloadFullyPresent) continue;
        if (at < kMiB || !range_inside(at, d.block_size_, fsize))
            return "BAT entry for block " + std::to_string(b) + " points at offset " +
                   std::to_string(at) + ", past the end of the file (" + std::to_string(fsize) +
                   " bytes)";
        if (ranges_overlap(at, d.block_size_, d.bat_offset_, d.bat_length_) ||
            ranges_overlap(at, d.block_size_, d.meta_offset_, d.meta_length_) ||
            ranges_overlap(at, d.block_size_, d.log_.offset, d.log_.length))
            return "BAT entry for block " + std::to_string(b) +
                   " points into the BAT, metadata or log region";
        used.emplace_back(at, b);
    }
    std::sort(used.begin(), used.end());
    for (size_t i = 1; i < used.size(); ++i)
        if (used[i].first < used[i - 1].first + d.block_size_)
            return "BAT entries for blocks " + std::to_string(used[i - 1].second) + " and " +
                   std::to_string(used[i].second) + " overlap";
    return {};
}

} // namespace

DiskOpenResult open_vhdx_disk(const std::string &path, bool read_only)
{
    auto d = std::make_shared<VhdxDisk>();
    std::string msg;
    if (int32_t err = d->file_.open(path, read_only, msg); err) return {nullptr, err, msg};
    uint64_t fsize = d->file_.size();
    std::byte sig[8];
    if (fsize < 1 * kMiB || d->file_.read(0, sig) != 0)
        return fail(path, "too small for a VHDX (" + std::to_string(fsize) + " bytes)");
    if (!bytes_equal(sig, "vhdxfile", 8)) return fail(path, "no VHDX file identifier");
    if (auto why = load_headers(*d); !why.empty()) return fail(path, why);
    d->log_ = {d->hdr_.log_offset, d->hdr_.log_length};
    if (!range_inside(d->log_.offset, d->log_.length, fsize))
        return fail(path, "log region lies outside the file");
    if (auto why = load_region_table(*d, fsize); !why.empty()) return fail(path, why);
    if (!d->hdr_.log_guid.is_zero()) {
        uint64_t applied = 0;
        if (auto why = replay_log(d->file_, d->log_, d->hdr_.log_guid, kMiB, applied); !why.empty())
            return fail(path, why);
        fsize = d->file_.size();
    }
    if (auto why = load_metadata(*d); !why.empty()) return fail(path, why);
    if (auto why = load_bat(*d, fsize); !why.empty()) return fail(path, why);
    d->file_end_ = fsize;
    if (!read_only) {
        // A new session: new write GUIDs, and no pending log any more.
        Header h = d->hdr_;
        h.file_write_guid = random_guid();
        h.data_write_guid = random_guid();
        h.log_guid = Guid{};
        if (d->write_header(h) != 0)
            return {nullptr, -SATORI_EIO, path + ": cannot update the header"};
    }
    return {d, 0, {}};
}

} // namespace satori::sim
