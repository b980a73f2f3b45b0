// SPDX-License-Identifier: MIT
#include "vhd_format.hpp"

#include <algorithm>
#include <cstring>

#include "image_file.hpp"

namespace satori::sim::disk::vhd {

uint32_t checksum(std::span<const std::byte> data, size_t skip) noexcept
{
    uint32_t sum = 0;
    for (size_t i = 0; i < data.size(); ++i)
        if (i < skip || i >= skip + 4) sum += static_cast<uint8_t>(data[i]);
    return ~sum;
}

std::string parse_footer(std::span<const std::byte, kFooterSize> raw, Footer &out)
{
    const std::byte *p = raw.data();
    if (!bytes_equal(p + kFtCookie, "conectix", 8)) return "no VHD footer (cookie 'conectix')";
    const uint32_t stored = be32(p + kFtChecksum);
    const uint32_t want = checksum(raw, kFtChecksum);
    if (stored != want)
        return "VHD footer checksum mismatch (stored 0x" + to_hex(stored) + ", computed 0x" +
               to_hex(want) + ")";
    if ((be32(p + kFtVersion) >> 16) != 1)
        return "VHD file format version " + std::to_string(be32(p + kFtVersion) >> 16) +
               " is not 1";
    out.data_offset = be64(p + kFtDataOffset);
    out.current_size = be64(p + kFtCurrentSize);
    out.cylinders = static_cast<uint16_t>(load_be(p + kFtGeometry, 2));
    out.heads = static_cast<uint8_t>(p[kFtGeometry + 2]);
    out.sectors_per_track = static_cast<uint8_t>(p[kFtGeometry + 3]);
    out.disk_type = be32(p + kFtDiskType);
    std::memcpy(out.creator.data(), p + kFtCreatorApp, 4);
    std::memcpy(out.unique_id.data(), p + kFtUniqueId, 16);
    out.timestamp = be32(p + kFtTimestamp);
    if (out.disk_type != kTypeFixed && out.disk_type != kTypeDynamic &&
        out.disk_type != kTypeDifferencing)
        return "VHD disk type " + std::to_string(out.disk_type) +
               " is not fixed (2), dynamic (3) or differencing (4)";
    return {};
}

std::string parse_dyn_header(std::span<const std::byte, kDynHeaderSize> raw, DynHeader &out)
{
    const std::byte *p = raw.data();
    if (!bytes_equal(p + kDhCookie, "cxsparse", 8))
        return "no VHD dynamic disk header (cookie 'cxsparse') at the footer's data offset";
    const uint32_t stored = be32(p + kDhChecksum);
    const uint32_t want = checksum(raw, kDhChecksum);
    if (stored != want)
        return "VHD dynamic header checksum mismatch (stored 0x" + to_hex(stored) +
               ", computed 0x" + to_hex(want) + ")";
    if ((be32(p + kDhVersion) >> 16) != 1) return "VHD dynamic header version is not 1.0";
    out.table_offset = be64(p + kDhTableOffset);
    out.max_entries = be32(p + kDhMaxEntries);
    out.block_size = be32(p + kDhBlockSize);
    std::memcpy(out.parent_id.data(), p + kDhParentId, 16);
    for (size_t i = 0; i < kLocatorCount; ++i) {
        const std::byte *l = p + kDhLocators + i * kLocatorSize;
        out.locators[i] = {be32(l), be32(l + 8), be64(l + 16)};
    }
    if (!is_pow2(out.block_size) || out.block_size < 4096 || out.block_size > (256u << 20))
        return "VHD block size " + std::to_string(out.block_size) +
               " is not a power of two from 4 KiB to 256 MiB";
    if (out.table_offset % kSector != 0)
        return "VHD BAT offset " + std::to_string(out.table_offset) + " is not sector aligned";
    return {};
}

uint64_t virtual_size(const Footer &f) noexcept
{
    const uint64_t chs = uint64_t{f.cylinders} * f.heads * f.sectors_per_track;
    const bool chs_tool = std::memcmp(f.creator.data(), "vpc ", 4) == 0 ||
                          std::memcmp(f.creator.data(), "qemu", 4) == 0;
    const bool max_chs = f.cylinders == 65535 && f.heads == 16 && f.sectors_per_track == 255;
    if (chs_tool && !max_chs) return chs * kSector;
    return f.current_size - f.current_size % kSector;
}

std::array<uint32_t, 3> geometry_for(uint64_t size_bytes) noexcept
{
    uint64_t total = std::min<uint64_t>(size_bytes / kSector, 65535ull * 16 * 255);
    uint64_t spt, heads, cth;
    if (total >= 65535ull * 16 * 63) {
        spt = 255;
        heads = 16;
        cth = total / spt;
    } else {
        spt = 17;
        cth = total / spt;
        heads = std::max<uint64_t>((cth + 1023) / 1024, 4);
        if (cth >= heads * 1024 || heads > 16) {
            spt = 31;
            heads = 16;
            cth = total / spt;
        }
        if (cth >= heads * 1024) {
            spt = 63;
            heads = 16;
            cth = total / spt;
        }
    }
    return {static_cast<uint32_t>(cth / heads), static_cast<uint32_t>(heads),
            static_cast<uint32_t>(spt)};
}

void build_footer(const Footer &f, std::span<std::byte, kFooterSize> out) noexcept
{
    std::byte *p = out.data();
    std::memset(p, 0, kFooterSize);
    std::memcpy(p + kFtCookie, "conectix", 8);
    store_be(p + kFtFeatures, 4, 2);
    store_be(p + kFtVersion, 4, 0x00010000);
    store_be(p + kFtDataOffset, 8, f.data_offset);
    store_be(p + kFtTimestamp, 4, f.timestamp);
    std::memcpy(p + kFtCreatorApp, "win ", 4);
    store_be(p + kFtCreatorVer, 4, 0x000a0000);
    store_be(p + kFtCreatorOs, 4, 0x5769326b); // "Wi2k"
    store_be(p + kFtOriginalSize, 8, f.current_size);
    store_be(p + kFtCurrentSize, 8, f.current_size);
    store_be(p + kFtGeometry, 2, f.cylinders);
    p[kFtGeometry + 2] = static_cast<std::byte>(f.heads);
    p[kFtGeometry + 3] = static_cast<std::byte>(f.sectors_per_track);
    store_be(p + kFtDiskType, 4, f.disk_type);
    std::memcpy(p + kFtUniqueId, f.unique_id.data(), 16);
    store_be(p + kFtChecksum, 4, checksum(out, kFtChecksum));
}

} // namespace satori::sim::disk::vhd
