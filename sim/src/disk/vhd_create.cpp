// SPDX-License-Identifier: MIT
// create_vhd(): new fixed, dynamic and differencing VHD images.
#include <satori/sim/disk.hpp>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>

#include <fcntl.h>
#include <unistd.h>

#include <satori/errno.h>

#include "image_file.hpp"
#include "parent_path.hpp"
#include "vhd_format.hpp"

namespace satori::sim {

using namespace disk;
using namespace disk::vhd;

namespace {

std::array<std::byte, 16> random_id()
{
    std::random_device rd;
    std::array<std::byte, 16> id{};
    for (auto &b : id)
        b = static_cast<std::byte>(rd() & 0xff);
    id[6] = (id[6] & std::byte{0x0f}) | std::byte{0x40}; // version 4
    id[8] = (id[8] & std::byte{0x3f}) | std::byte{0x80};
    return id;
}

uint32_t vhd_time_now()
{
    const auto now = static_cast<uint64_t>(std::time(nullptr));
    return now > 946684800u ? static_cast<uint32_t>(now - 946684800u) : 0; // since 2000-01-01
}

/// The parent's path relative to the child's directory when they share one, else its name.
std::string relative_to(const std::string &child, const std::string &parent_abs)
{
    const std::string cdir = canonical_path(child.substr(0, child.rfind('/') + 1).empty()
                                                ? "."
                                                : child.substr(0, child.rfind('/') + 1));
    if (parent_abs.rfind(cdir + "/", 0) == 0) return ".\\" + parent_abs.substr(cdir.size() + 1);
    return parent_abs;
}

} // namespace

int32_t create_vhd(const std::string &path, const VhdCreateOptions &opt, std::string &message)
{
    Footer ft;
    ft.current_size = opt.size_bytes;
    ft.unique_id = random_id();
    ft.timestamp = vhd_time_now();
    std::array<std::byte, 16> parent_id{};
    std::string parent_abs;
    if (opt.type == VhdCreateOptions::Type::differencing) {
        auto parent = open_vhd_disk(opt.parent, true);
        if (!parent) {
            message = path + ": cannot use the parent: " + parent.message;
            return parent.error;
        }
        std::vector<std::byte> raw(kFooterSize);
        ImageFile pf;
        std::string ignore;
        if (pf.open(opt.parent, true, ignore) != 0 || pf.read(pf.size() - kFooterSize, raw) != 0) {
            message = opt.parent + ": cannot read its footer";
            return -SATORI_EIO;
        }
        Footer pft;
        parse_footer(std::span<const std::byte, kFooterSize>(raw.data(), kFooterSize), pft);
        parent_id = pft.unique_id;
        ft.current_size = parent.disk->size_bytes();
        parent_abs = canonical_path(opt.parent);
    }
    if (ft.current_size == 0 || ft.current_size % kSector != 0 ||
        ft.current_size > kMaxVirtualSize) {
        message = path + ": size must be a non-zero multiple of 512 bytes up to 2 TiB";
        return -SATORI_EINVAL;
    }
    if (!is_pow2(opt.block_size) || opt.block_size < 4096 || opt.block_size > (256u << 20)) {
        message = path + ": block size must be a power of two from 4 KiB to 256 MiB";
        return -SATORI_EINVAL;
    }
    const auto chs = geometry_for(ft.current_size);
    ft.cylinders = static_cast<uint16_t>(chs[0]);
    ft.heads = static_cast<uint8_t>(chs[1]);
    ft.sectors_per_track = static_cast<uint8_t>(chs[2]);

    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        message = path + ": cannot create: " + std::strerror(errno);
        return errno == EEXIST ? -SATORI_EEXIST : -SATORI_EIO;
    }
    ::close(fd);
    ImageFile f;
    if (int32_t err = f.open(path, false, message); err) return err;

    std::array<std::byte, kFooterSize> footer{};
    if (opt.type == VhdCreateOptions::Type::fixed) {
        ft.disk_type = kTypeFixed;
        build_footer(ft, footer);
        if (f.truncate(ft.current_size) != 0 || f.write(ft.current_size, footer) != 0 ||
            f.sync() != 0) {
            message = path + ": cannot write the image";
            return -SATORI_EIO;
        }
        return 0;
    }
    const bool diff = opt.type == VhdCreateOptions::Type::differencing;
    ft.disk_type = diff ? kTypeDifferencing : kTypeDynamic;
    ft.data_offset = kFooterSize;
    const uint64_t entries = div_round_up(ft.current_size, opt.block_size);
    const uint64_t bat_off = kFooterSize + kDynHeaderSize;
    const uint64_t bat_bytes = div_round_up(entries * 4, kSector) * kSector;
    uint64_t end = bat_off + bat_bytes;

    std::vector<std::byte> dh(kDynHeaderSize);
    std::byte *p = dh.data();
    std::memcpy(p + kDhCookie, "cxsparse", 8);
    store_be(p + kDhDataOffset, 8, kNoDataOffset);
    store_be(p + kDhTableOffset, 8, bat_off);
    store_be(p + kDhVersion, 4, 0x00010000);
    store_be(p + kDhMaxEntries, 4, entries);
    store_be(p + kDhBlockSize, 4, opt.block_size);
    std::vector<std::pair<uint64_t, std::vector<std::byte>>> locator_data;
    if (diff) {
        std::memcpy(p + kDhParentId, parent_id.data(), 16);
        const std::string name = parent_abs.substr(parent_abs.rfind('/') + 1);
        auto uname = utf8_to_utf16(name, true);
        std::memcpy(p + kDhParentName, uname.data(), std::min<size_t>(uname.size(), 510));
        const std::string rel = relative_to(path, parent_abs);
        const std::pair<uint32_t, std::string> locs[] = {{kPlatW2ru, rel}, {kPlatW2ku, parent_abs}};
        for (size_t i = 0; i < 2; ++i) {
            auto data = utf8_to_utf16(locs[i].second, false);
            const uint64_t space = div_round_up(data.size(), kSector) * kSector;
            std::byte *l = p + kDhLocators + i * kLocatorSize;
            store_be(l, 4, locs[i].first);
            store_be(l + 4, 4, space);
            store_be(l + 8, 4, data.size());
            store_be(l + 16, 8, end);
            locator_data.emplace_back(end, std::move(data));
            end += space;
        }
    }
    store_be(p + kDhChecksum, 4, checksum(dh, kDhChecksum));
    build_footer(ft, footer);
    const std::vector<std::byte> bat(bat_bytes, std::byte{0xff});
    int32_t err = f.write(0, footer);
    if (!err) err = f.write(kFooterSize, dh);
    if (!err) err = f.write(bat_off, bat);
    for (auto &[at, data] : locator_data)
        if (!err) err = f.write(at, data);
    if (!err) err = f.write(end, footer);
    if (!err) err = f.sync();
    if (err) message = path + ": cannot write the image";
    return err;
}

} // namespace satori::sim
