// SPDX-License-Identifier: MIT
// INQUIRY: standard data, the VPD pages, and the answer for an absent LUN (§13.1, §13.3).
#include <algorithm>
#include <bit>
#include <optional>
#include <vector>

#include "vsp/storvsp/scsi_disk.hpp"

namespace satori::sim::detail::storvsp {

namespace {

using Page = std::vector<uint8_t>;

constexpr uint8_t kEvpd = 0x01;
constexpr uint8_t kCmdDt = 0x02;
constexpr uint32_t kMaxUnmapDescriptors = 4096;

// Microsoft virtual device properties signature 89a98f15-c928-4d8b-94cd-ef51faa99d33.
constexpr Guid kMsftSignature =
    Guid::from_fields(0x89a98f15, 0xc928, 0x4d8b, {0x94, 0xcd, 0xef, 0x51, 0xfa, 0xa9, 0x9d, 0x33});

/// Header (peripheral 0, page code, page length) + @p length zero bytes.
Page vpd(uint8_t code, uint16_t length)
{
    Page p(4 + size_t{length});
    p[1] = code;
    scsi::put_be16(p, 2, length);
    return p;
}

Page device_identification(const LunIdentity &id)
{
    Page p = vpd(0x83, (4 + 24) + (4 + 16));
    size_t at = 4;
    // T10 vendor id designator: code set 1 (binary), type 1, vendor id + disk GUID.
    p[at] = 0x01;
    p[at + 1] = 0x01;
    p[at + 3] = 24;
    std::copy(id.vendor.begin(), id.vendor.end(), p.begin() + static_cast<long>(at + 4));
    std::copy(id.disk_id.bytes.begin(), id.disk_id.bytes.end(),
              p.begin() + static_cast<long>(at + 12));
    at += 4 + 24;
    // NAA 6 designator, Microsoft OUI 00-22-48: 60 02 24 80, GUID head and tail.
    p[at] = 0x01;
    p[at + 1] = 0x03;
    p[at + 3] = 16;
    const uint8_t naa[4] = {0x60, 0x02, 0x24, 0x80};
    std::copy(std::begin(naa), std::end(naa), p.begin() + static_cast<long>(at + 4));
    std::copy_n(id.disk_id.bytes.begin(), 6, p.begin() + static_cast<long>(at + 8));
    std::copy_n(id.disk_id.bytes.end() - 6, 6, p.begin() + static_cast<long>(at + 14));
    return p;
}

Page block_limits(const Geometry &geo, const ExecEnv &env)
{
    Page p = vpd(0xB0, 0x3C);
    scsi::put_be32(p, 20, 0xFFFFFFFFu);                            // maximum unmap LBA count
    scsi::put_be32(p, 24, kMaxUnmapDescriptors);                   // maximum unmap descriptors
    scsi::put_be32(p, 28, std::max(1u, geo.physical / geo.block)); // optimal granularity
    scsi::put_be32(p, 32, 0x80000000u);                            // UGAVALID, alignment 0
    scsi::put_be64(p, 36, geo.max_write_same_blocks(env.max_transfer_bytes));
    return p;
}

Page block_characteristics(const LunIdentity &id)
{
    Page p = vpd(0xB1, 0x3C);
    scsi::put_be16(p, 4, id.rotation_rate);
    return p;
}

Page logical_block_provisioning(const Geometry &geo)
{
    Page p = vpd(0xB2, 4);
    const uint64_t high = geo.sectors >> 32;
    const uint64_t pow2 = high == 0 ? 1 : std::bit_ceil(high);
    p[4] =
        static_cast<uint8_t>(std::max<uint64_t>(1, std::bit_width(pow2) - 1)); // threshold exponent
    p[5] = static_cast<uint8_t>(0x80 | (geo.lbprz ? 0x04 : 0));                // LBPU, LBPRZ
    p[6] = 0x02;                                                               // thin provisioned
    return p;
}

std::vector<uint8_t> supported_pages(const ScsiDisk &disk, const Geometry &geo)
{
    std::vector<uint8_t> codes = {0x00};
    if (!disk.identity().serial.empty()) codes.push_back(0x80);
    codes.push_back(0x83);
    if (geo.thin) codes.insert(codes.end(), {0xB0, 0xB1, 0xB2});
    codes.insert(codes.end(), {0xCE, 0xCF});
    return codes;
}

std::optional<Page> vpd_page(const ScsiDisk &disk, const Command &c, uint8_t code)
{
    const auto codes = supported_pages(disk, c.geo);
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) return std::nullopt;
    const LunIdentity &id = disk.identity();
    switch (code) {
    case 0x00: {
        Page p = vpd(0x00, static_cast<uint16_t>(codes.size()));
        std::copy(codes.begin(), codes.end(), p.begin() + 4);
        return p;
    }
    case 0x80: {
        const size_t n = std::min<size_t>(id.serial.size(), 251);
        Page p = vpd(0x80, static_cast<uint16_t>(n));
        std::copy_n(id.serial.begin(), n, p.begin() + 4);
        return p;
    }
    case 0x83:
        return device_identification(id);
    case 0xB0:
        return block_limits(c.geo, c.env);
    case 0xB1:
        return block_characteristics(id);
    case 0xB2:
        return logical_block_provisioning(c.geo);
    case 0xCE: { // Microsoft paging extent properties
        Page p = vpd(0xCE, 4);
        p[4] = 1; // version
        p[5] = 1; // mode select extension
        return p;
    }
    case 0xCF: { // Microsoft virtual device properties
        Page p = vpd(0xCF, 20);
        p[4] = 1; // version
        std::copy(kMsftSignature.bytes.begin(), kMsftSignature.bytes.end(), p.begin() + 8);
        return p;
    }
    default:
        return std::nullopt;
    }
}

} // namespace

std::array<uint8_t, 104> standard_inquiry(const LunIdentity &identity)
{
    std::array<uint8_t, 104> d{};
    d[0] = 0x00; // direct access; never 0x05 even when read-only (guests take it for a CD-ROM)
    d[2] = 0x05; // SPC-3
    d[3] = 0x02; // response data format 2
    d[4] = static_cast<uint8_t>(d.size() - 5);
    d[7] = 0x02; // CmdQue
    std::copy(identity.vendor.begin(), identity.vendor.end(), d.begin() + 8);
    std::copy(identity.product.begin(), identity.product.end(), d.begin() + 16);
    std::copy(identity.revision.begin(), identity.revision.end(), d.begin() + 32);
    return d;
}

ScsiResult cmd_inquiry(ScsiDisk &disk, const Command &c)
{
    const bool evpd = (c.cdb[1] & kEvpd) != 0;
    const uint8_t page = c.cdb[2];
    const uint16_t alloc = scsi::be16(c.cdb, 3);
    if (c.buf.size() < alloc || (c.cdb[1] & kCmdDt) != 0 || (!evpd && page != 0) ||
        (evpd && alloc < 4))
        return invalid_cdb();
    if (!evpd) {
        const auto data = standard_inquiry(disk.identity());
        return reply(c.buf, data, alloc);
    }
    const auto p = vpd_page(disk, c, page);
    if (!p) return invalid_cdb();
    return reply(c.buf, *p, alloc);
}

ScsiResult absent_lun_inquiry(uint8_t lun, std::span<const uint8_t> cdb, const DataBuffer &buf,
                              uint8_t data_in)
{
    if (cdb.size() < 6) return invalid_lun();
    const bool evpd = (cdb[1] & kEvpd) != 0;
    const uint16_t alloc = scsi::be16(cdb, 3);
    if (evpd) return invalid_cdb();
    if (cdb[2] != 0 || alloc < 5 || buf.size() < alloc || data_in != vstor::kDataIn)
        return invalid_lun();
    auto data = standard_inquiry(make_identity(LunConfig{}, Guid{}));
    data[0] = 0x7F; // peripheral qualifier 3, type 0x1F: no device at this LUN
    if (lun != 0) std::fill(data.begin() + 8, data.begin() + 36, uint8_t{0});
    return reply(buf, data, alloc);
}

} // namespace satori::sim::detail::storvsp
