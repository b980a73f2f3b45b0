// SPDX-License-Identifier: MIT
// VHD images: fixed (data then footer), dynamic (BAT of blocks, each a sector bitmap and
// data, allocated on first write) and differencing (dynamic, reading through to a parent).
#include <satori/sim/disk.hpp>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include <unistd.h>

#include <satori/errno.h>

#include "image_file.hpp"
#include "parent_path.hpp"
#include "vhd_format.hpp"

namespace satori::sim {

namespace disk {
DiskOpenResult detail_open_vhd(const std::string &path, bool read_only, ParentChain &chain);
} // namespace disk

using namespace disk;
using namespace disk::vhd;

namespace {

DiskOpenResult fail(const std::string &path, const std::string &what)
{
    return {nullptr, -SATORI_EINVAL, path + ": " + what};
}

class VhdDisk final : public DiskBackend {
  public:
    std::unique_ptr<ImageFile> file_;
    Footer footer_{};
    DynHeader dyn_{};
    uint64_t size_ = 0;
    bool sparse_ = false; // dynamic or differencing
    bool diff_ = false;
    std::vector<uint32_t> bat_;
    uint32_t bitmap_bytes_ = 0;
    uint64_t footer_pos_ = 0; // where the footer is now; new blocks start here
    std::shared_ptr<DiskBackend> parent_;

    uint64_t size_bytes() const noexcept override { return size_; }
    bool read_only() const noexcept override { return file_->read_only(); }

    int32_t read(uint64_t offset, std::span<std::byte> dst) override
    {
        if (!aligned(offset, dst.size())) return -SATORI_EIO;
        std::lock_guard lock(mutex_);
        if (!sparse_) return file_->read(offset, dst);
        return for_blocks(offset, dst.size(), [&](uint32_t blk, uint32_t in, size_t pos, size_t n) {
            return read_block(blk, in, dst.subspan(pos, n));
        });
    }

    int32_t write(uint64_t offset, std::span<const std::byte> src) override
    {
        if (read_only()) return -SATORI_EPERM;
        if (!aligned(offset, src.size())) return -SATORI_EIO;
        std::lock_guard lock(mutex_);
        if (!sparse_) return file_->write(offset, src);
        return for_blocks(offset, src.size(), [&](uint32_t blk, uint32_t in, size_t pos, size_t n) {
            return write_block(blk, in, src.subspan(pos, n));
        });
    }

    int32_t flush() override { return file_->sync(); }

    bool supports_discard() const noexcept override { return !read_only() && !diff_; }
    bool discard_zeroes() const noexcept override { return supports_discard(); }

    int32_t discard(uint64_t offset, uint64_t len) override
    {
        if (!supports_discard()) return read_only() ? -SATORI_EPERM : -SATORI_EOPNOTSUPP;
        if (!aligned(offset, len)) return -SATORI_EIO;
        std::lock_guard lock(mutex_);
        if (!sparse_) return file_->punch_hole(offset, len) ? 0 : file_->write_zeroes(offset, len);
        return for_blocks(offset, len, [&](uint32_t blk, uint32_t in, size_t, size_t n) {
            return discard_block(blk, in, n);
        });
    }

    std::string description() const override
    {
        std::string d = std::string("vhd ") +
                        (diff_     ? "differencing "
                         : sparse_ ? "dynamic "
                                   : "fixed ") +
                        file_->path();
        if (parent_) d += " (parent " + parent_->description() + ")";
        return d + (read_only() ? " (ro)" : "");
    }

  private:
    bool aligned(uint64_t offset, uint64_t len) const noexcept
    {
        return offset % kSector == 0 && len % kSector == 0 && range_inside(offset, len, size_);
    }

    template <class F> int32_t for_blocks(uint64_t offset, uint64_t len, F &&fn)
    {
        const uint64_t bs = dyn_.block_size;
        for (uint64_t pos = 0; pos < len;) {
            const uint64_t at = offset + pos;
            const auto blk = static_cast<uint32_t>(at / bs);
            const auto in = static_cast<uint32_t>(at % bs);
            const auto n = static_cast<size_t>(std::min<uint64_t>(bs - in, len - pos));
            if (const int32_t err = fn(blk, in, static_cast<size_t>(pos), n); err) return err;
            pos += n;
        }
        return 0;
    }

    uint64_t block_data(uint32_t blk) const noexcept
    {
        return uint64_t{bat_[blk]} * kSector + bitmap_bytes_;
    }

    /// The block's sector bitmap (cached). Null on a read error.
    const std::vector<std::byte> *bitmap(uint32_t blk)
    {
        if (auto it = bitmaps_.find(blk); it != bitmaps_.end()) return &it->second;
        if (bitmaps_.size() >= 65536) bitmaps_.clear();
        std::vector<std::byte> bm(bitmap_bytes_);
        if (file_->read(uint64_t{bat_[blk]} * kSector, bm) != 0) return nullptr;
        return &bitmaps_.emplace(blk, std::move(bm)).first->second;
    }

    static bool bit(const std::vector<std::byte> &bm, uint32_t sector)
    {
        return (static_cast<uint8_t>(bm[sector / 8]) >> (7 - sector % 8)) & 1;
    }

    /// Bytes not stored in this file: zeros, or the parent's.
    int32_t read_absent(uint64_t disk_offset, std::span<std::byte> dst)
    {
        if (parent_) return parent_->read(disk_offset, dst);
        std::memset(dst.data(), 0, dst.size());
        return 0;
    }

    int32_t read_block(uint32_t blk, uint32_t in, std::span<std::byte> dst)
    {
        const uint64_t disk_off = uint64_t{blk} * dyn_.block_size + in;
        if (bat_[blk] == kBatUnused) return read_absent(disk_off, dst);
        const auto *bm = bitmap(blk);
        if (!bm) return -SATORI_EIO;
        // Runs of sectors with the same bitmap bit: one read each.
        const uint32_t first = in / kSector, count = static_cast<uint32_t>(dst.size() / kSector);
        for (uint32_t s = 0; s < count;) {
            const bool present = bit(*bm, first + s);
            uint32_t e = s + 1;
            while (e < count && bit(*bm, first + e) == present)
                ++e;
            auto part = dst.subspan(size_t{s} * kSector, size_t{e - s} * kSector);
            const uint64_t rel = uint64_t{first + s} * kSector;
            const int32_t err = present ? file_->read(block_data(blk) + rel, part)
                                        : read_absent(uint64_t{blk} * dyn_.block_size + rel, part);
            if (err) return err;
            s = e;
        }
        return 0;
    }

    int32_t write_bat_entry(uint32_t blk)
    {
        std::byte be[4];
        store_be(be, 4, bat_[blk]);
        return file_->write(dyn_.table_offset + uint64_t{blk} * 4, be);
    }

    /// Appends a block where the footer is: the footer moves first (so the file always
    /// ends in a valid footer), then the bitmap, then the BAT entry points at it.
    int32_t allocate(uint32_t blk)
    {
        const uint64_t start = footer_pos_;
        const uint64_t end = start + bitmap_bytes_ + dyn_.block_size;
        if (start / kSector > 0xfffffffeull) return -SATORI_ENOSPC; // BAT entries are 32-bit
        std::byte ft[kFooterSize];
        build_footer_copy(ft);
        if (int32_t err = file_->write(end, ft); err) return err;
        // Dynamic disks mark every sector present (unwritten ones are zeros in the file);
        // differencing disks mark only what the child wrote.
        std::vector<std::byte> bm(bitmap_bytes_, diff_ ? std::byte{0} : std::byte{0xff});
        if (int32_t err = file_->write(start, bm); err) return err;
        footer_pos_ = end;
        bat_[blk] = static_cast<uint32_t>(start / kSector);
        bitmaps_[blk] = std::move(bm);
        return write_bat_entry(blk);
    }

    void build_footer_copy(std::byte *out) { std::memcpy(out, footer_raw_.data(), kFooterSize); }

    int32_t write_block(uint32_t blk, uint32_t in, std::span<const std::byte> src)
    {
        if (bat_[blk] == kBatUnused)
            if (int32_t err = allocate(blk); err) return err;
        if (int32_t err = file_->write(block_data(blk) + in, src); err) return err;
        if (!diff_) return 0;
        auto *bm = const_cast<std::vector<std::byte> *>(bitmap(blk));
        if (!bm) return -SATORI_EIO;
        const uint32_t first = in / kSector, count = static_cast<uint32_t>(src.size() / kSector);
        bool changed = false;
        for (uint32_t s = first; s < first + count; ++s) {
            auto &byte = (*bm)[s / 8];
            const auto mask = static_cast<std::byte>(0x80 >> (s % 8));
            if ((byte & mask) == std::byte{0}) {
                byte |= mask;
                changed = true;
            }
        }
        if (!changed) return 0;
        // Only the bitmap sectors this write touched.
        const uint32_t b0 = first / 8 / kSector * kSector;
        const uint32_t b1 = (first + count - 1) / 8 / kSector * kSector + kSector;
        return file_->write(uint64_t{bat_[blk]} * kSector + b0,
                            std::span<const std::byte>(bm->data() + b0, b1 - b0));
    }

    int32_t discard_block(uint32_t blk, uint32_t in, size_t n)
    {
        if (bat_[blk] == kBatUnused) return 0;
        if (in == 0 && n == dyn_.block_size) {
            const uint64_t at = uint64_t{bat_[blk]} * kSector;
            bat_[blk] = kBatUnused;
            bitmaps_.erase(blk);
            if (int32_t err = write_bat_entry(blk); err) return err;
            file_->punch_hole(at, bitmap_bytes_ + dyn_.block_size); // space only; best effort
            return 0;
        }
        return file_->write_zeroes(block_data(blk) + in, n);
    }

  public:
    std::vector<std::byte> footer_raw_;
    std::mutex mutex_;
    std::unordered_map<uint32_t, std::vector<std::byte>> bitmaps_;
};

std::string locator_text(const ImageFile &f, const Locator &l, std::string &err)
{
    std::vector<std::byte> buf(l.data_length);
    if (f.read(l.data_offset, buf) != 0) {
        err = "cannot read parent locator data";
        return {};
    }
    if (l.code == kPlatMacX)
        return std::string(reinterpret_cast<const char *>(buf.data()),
                           strnlen(reinterpret_cast<const char *>(buf.data()), buf.size()));
    return utf16_to_utf8(buf, false);
}

/// Opens the parent of a differencing disk through its locators: relative first.
std::string open_parent(VhdDisk &d, ParentChain &chain)
{
    const ImageFile &f = *d.file_;
    const uint64_t size = f.size();
    std::vector<std::string> tried;
    for (uint32_t code : {kPlatW2ru, kPlatW2ku, kPlatMacX}) {
        for (const auto &l : d.dyn_.locators) {
            if (l.code != code) continue;
            if (l.data_length == 0 || l.data_length > 65536 ||
                !range_inside(l.data_offset, l.data_length, size))
                return "parent locator data (offset " + std::to_string(l.data_offset) +
                       ", length " + std::to_string(l.data_length) + ") lies outside the file";
            std::string err;
            const std::string text = locator_text(f, l, err);
            if (!err.empty()) return err;
            const std::string path = resolve_parent_path(f.path(), text);
            if (::access(path.c_str(), F_OK) != 0) {
                tried.push_back(path);
                continue;
            }
            if (chain.canonical.size() >= ParentChain::kMaxDepth)
                return "differencing chain is deeper than " +
                       std::to_string(ParentChain::kMaxDepth) + " images";
            const std::string canon = canonical_path(path);
            if (std::find(chain.canonical.begin(), chain.canonical.end(), canon) !=
                chain.canonical.end())
                return "the parent chain loops back to " + canon;
            chain.canonical.push_back(canon);
            auto parent = detail_open_vhd(path, true, chain);
            if (!parent) return "parent " + path + ": " + parent.message;
            auto *p = dynamic_cast<VhdDisk *>(parent.disk.get());
            if (!p) return "parent " + path + " is not a VHD";
            if (p->footer_.unique_id != d.dyn_.parent_id)
                return "parent " + path +
                       " has a different unique id than the child recorded (the parent was "
                       "replaced or modified)";
            if (p->size_ != d.size_)
                return "parent " + path + " is " + std::to_string(p->size_) +
                       " bytes but the child is " + std::to_string(d.size_);
            d.parent_ = parent.disk;
            return {};
        }
    }
    std::string msg = "parent image not found";
    for (size_t i = 0; i < tried.size(); ++i)
        msg += (i ? ", " : " (tried ") + tried[i];
    return msg + (tried.empty() ? " (no usable parent locator)" : ")");
}

} // namespace

namespace disk {

DiskOpenResult detail_open_vhd(const std::string &path, bool read_only, ParentChain &chain)
{
    auto d = std::make_shared<VhdDisk>();
    d->file_ = std::make_unique<ImageFile>();
    std::string msg;
    if (int32_t err = d->file_->open(path, read_only, msg); err) return {nullptr, err, msg};
    const uint64_t fsize = d->file_->size();
    if (fsize < kFooterSize)
        return fail(path, "too small for a VHD (" + std::to_string(fsize) + " bytes)");
    d->footer_raw_.resize(kFooterSize);
    const uint64_t fpos = fsize - kFooterSize;
    if (d->file_->read(fpos, d->footer_raw_) != 0) return fail(path, "cannot read the footer");
    if (auto why = parse_footer(
            std::span<const std::byte, kFooterSize>(d->footer_raw_.data(), kFooterSize),
            d->footer_);
        !why.empty())
        return fail(path, why + " in the last 512 bytes");
    Footer &ft = d->footer_;
    d->size_ = virtual_size(ft);
    d->footer_pos_ = fpos;
    if (d->size_ == 0) return fail(path, "VHD virtual size is 0");
    if (d->size_ > kMaxVirtualSize)
        return fail(path, "VHD virtual size " + std::to_string(d->size_) +
                              " bytes is larger than the format's 2 TiB");
    if (ft.disk_type == kTypeFixed) {
        if (d->size_ > fpos)
            return fail(path, "fixed VHD claims " + std::to_string(d->size_) +
                                  " bytes but holds only " + std::to_string(fpos) +
                                  " (truncated?)");
        return {d, 0, {}};
    }
    d->sparse_ = true;
    d->diff_ = ft.disk_type == kTypeDifferencing;
    if (fpos % kSector != 0) return fail(path, "dynamic VHD size is not a multiple of 512");
    if (ft.data_offset < kFooterSize || !range_inside(ft.data_offset, kDynHeaderSize, fpos))
        return fail(path, "dynamic header offset " + std::to_string(ft.data_offset) +
                              " lies outside the file");
    std::vector<std::byte> dh(kDynHeaderSize);
    if (d->file_->read(ft.data_offset, dh) != 0)
        return fail(path, "cannot read the dynamic header");
    if (auto why = parse_dyn_header(
            std::span<const std::byte, kDynHeaderSize>(dh.data(), kDynHeaderSize), d->dyn_);
        !why.empty())
        return fail(path, why);
    DynHeader &h = d->dyn_;
    const uint64_t blocks = div_round_up(d->size_, h.block_size);
    if (h.max_entries < blocks)
        return fail(path, "BAT has " + std::to_string(h.max_entries) + " entries but " +
                              std::to_string(blocks) + " blocks are needed for the disk size");
    if (h.max_entries > blocks + 65536)
        return fail(path, "BAT has " + std::to_string(h.max_entries) +
                              " entries, far more than the disk size needs");
    const uint64_t bat_bytes = div_round_up(uint64_t{h.max_entries} * 4, kSector) * kSector;
    if (bat_bytes > (uint64_t{256} << 20))
        return fail(path,
                    "BAT of " + std::to_string(h.max_entries) + " entries is larger than 256 MiB");
    if (h.table_offset < kFooterSize || !range_inside(h.table_offset, bat_bytes, fpos))
        return fail(path, "BAT (offset " + std::to_string(h.table_offset) + ", " +
                              std::to_string(bat_bytes) + " bytes) lies outside the file");
    if (ranges_overlap(h.table_offset, bat_bytes, ft.data_offset, kDynHeaderSize))
        return fail(path, "BAT overlaps the dynamic header");
    std::vector<std::byte> raw(bat_bytes);
    if (d->file_->read(h.table_offset, raw) != 0) return fail(path, "cannot read the BAT");
    d->bitmap_bytes_ = static_cast<uint32_t>(
        div_round_up(div_round_up(h.block_size / kSector, 8), kSector) * kSector);
    d->bat_.resize(blocks);
    std::vector<std::pair<uint64_t, uint32_t>> used;
    const uint64_t span = uint64_t{d->bitmap_bytes_} + h.block_size;
    for (uint32_t i = 0; i < blocks; ++i) {
        const uint32_t e = be32(raw.data() + uint64_t{i} * 4);
        d->bat_[i] = e;
        if (e == kBatUnused) continue;
        const uint64_t at = uint64_t{e} * kSector;
        if (!range_inside(at, span, fpos) || at < kFooterSize)
            return fail(path, "BAT entry " + std::to_string(i) + " points at offset " +
                                  std::to_string(at) + ", past the end of the file's data (" +
                                  std::to_string(fpos) + ")");
        if (ranges_overlap(at, span, h.table_offset, bat_bytes) ||
            ranges_overlap(at, span, ft.data_offset, kDynHeaderSize))
            return fail(path, "BAT entry " + std::to_string(i) +
                                  " points into the VHD headers or the BAT");
        used.emplace_back(at, i);
    }
    std::sort(used.begin(), used.end());
    for (size_t i = 1; i < used.size(); ++i)
        if (used[i].first < used[i - 1].first + span)
            return fail(path, "BAT entries " + std::to_string(used[i - 1].second) + " and " +
                                  std::to_string(used[i].second) + " overlap");
    if (d->diff_) {
        if (auto why = open_parent(*d, chain); !why.empty()) return fail(path, why);
    }
    return {d, 0, {}};
}

} // namespace disk

DiskOpenResult open_vhd_disk(const std::string &path, bool read_only)
{
    ParentChain chain;
    chain.canonical.push_back(canonical_path(path));
    return detail_open_vhd(path, read_only, chain);
}

} // namespace satori::sim
