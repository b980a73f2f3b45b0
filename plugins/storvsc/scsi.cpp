// SPDX-License-Identifier: MIT
// SCSI CDB builders and response parsers (see scsi.hpp).
#include "scsi.hpp"

#include <algorithm>
#include <limits>

namespace satori::storvsc::scsi {

namespace {

void put_be16(uint8_t *p, uint16_t v) noexcept
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
void put_be32(uint8_t *p, uint32_t v) noexcept
{
    for (int i = 0; i < 4; ++i)
        p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
void put_be64(uint8_t *p, uint64_t v) noexcept
{
    for (int i = 0; i < 8; ++i)
        p[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}
uint16_t be16(std::span<const uint8_t> d, std::size_t off) noexcept
{
    return static_cast<uint16_t>((d[off] << 8) | d[off + 1]);
}
uint32_t be32(std::span<const uint8_t> d, std::size_t off) noexcept
{
    uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v = (v << 8) | d[off + i];
    return v;
}
uint64_t be64(std::span<const uint8_t> d, std::size_t off) noexcept
{
    uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i)
        v = (v << 8) | d[off + i];
    return v;
}
/// True when @p d holds bytes [off, off + len).
bool has(std::span<const uint8_t> d, std::size_t off, std::size_t len) noexcept
{
    return off <= d.size() && len <= d.size() - off;
}

Cdb make(uint8_t opcode, uint8_t length) noexcept
{
    Cdb c;
    c.bytes[0] = opcode;
    c.length = length;
    return c;
}

Cdb rw16(uint8_t opcode, uint64_t lba, uint32_t blocks, bool fua) noexcept
{
    Cdb c = make(opcode, 16);
    if (fua) c.bytes[1] = 0x08;
    put_be64(&c.bytes[2], lba);
    put_be32(&c.bytes[10], blocks);
    return c;
}

} // namespace

Cdb test_unit_ready() noexcept { return make(op::kTestUnitReady, 6); }

Cdb inquiry(uint16_t alloc_len) noexcept
{
    Cdb c = make(op::kInquiry, 6);
    put_be16(&c.bytes[3], alloc_len);
    return c;
}

Cdb inquiry_vpd(uint8_t page, uint16_t alloc_len) noexcept
{
    Cdb c = make(op::kInquiry, 6);
    c.bytes[1] = 0x01; // EVPD
    c.bytes[2] = page;
    put_be16(&c.bytes[3], alloc_len);
    return c;
}

Cdb report_luns(uint32_t alloc_len) noexcept
{
    Cdb c = make(op::kReportLuns, 12);
    put_be32(&c.bytes[6], alloc_len);
    return c;
}

Cdb read_capacity10() noexcept { return make(op::kReadCapacity10, 10); }

Cdb read_capacity16(uint32_t alloc_len) noexcept
{
    Cdb c = make(op::kServiceActionIn16, 16);
    c.bytes[1] = kSaReadCapacity16;
    put_be32(&c.bytes[10], alloc_len);
    return c;
}

Cdb mode_sense6(uint8_t page, uint8_t alloc_len, bool dbd) noexcept
{
    Cdb c = make(op::kModeSense6, 6);
    if (dbd) c.bytes[1] = 0x08;
    c.bytes[2] = page & 0x3f; // PC 00b: current values
    c.bytes[4] = alloc_len;
    return c;
}

Cdb read16(uint64_t lba, uint32_t blocks, bool fua) noexcept
{
    return rw16(op::kRead16, lba, blocks, fua);
}

Cdb write16(uint64_t lba, uint32_t blocks, bool fua) noexcept
{
    return rw16(op::kWrite16, lba, blocks, fua);
}

Cdb synchronize_cache10() noexcept { return make(op::kSynchronizeCache10, 10); }

Cdb unmap(uint16_t param_len) noexcept
{
    Cdb c = make(op::kUnmap, 10);
    put_be16(&c.bytes[7], param_len);
    return c;
}

Cdb write_same16(uint64_t lba, uint32_t blocks, bool unmap_bit) noexcept
{
    Cdb c = rw16(op::kWriteSame16, lba, blocks, false);
    if (unmap_bit) c.bytes[1] = 0x08;
    return c;
}

std::size_t build_unmap_list(std::span<uint8_t> out, std::span<const UnmapExtent> extents) noexcept
{
    if (extents.empty()) return 0;
    const std::size_t size = unmap_list_size(extents.size());
    if (size > out.size() || size > std::numeric_limits<uint16_t>::max()) return 0;
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size), uint8_t{0});
    put_be16(&out[0], static_cast<uint16_t>(size - 2));
    put_be16(&out[2], static_cast<uint16_t>(size - 8));
    for (std::size_t i = 0; i < extents.size(); ++i) {
        uint8_t *d = &out[8 + 16 * i];
        put_be64(d, extents[i].lba);
        put_be32(d + 8, extents[i].blocks);
    }
    return size;
}

std::string trimmed_ascii(std::span<const uint8_t> bytes)
{
    std::string s;
    s.reserve(bytes.size());
    for (uint8_t b : bytes) {
        if (b == 0) break;
        s.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '?');
    }
    const auto first = s.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(' ');
    return s.substr(first, last - first + 1);
}

std::optional<StandardInquiry> parse_inquiry(std::span<const uint8_t> data)
{
    if (data.empty()) return std::nullopt;
    StandardInquiry inq;
    inq.qualifier = static_cast<uint8_t>(data[0] >> 5);
    inq.device_type = data[0] & 0x1f;
    if (has(data, 1, 1)) inq.removable = (data[1] & 0x80) != 0;
    if (has(data, 2, 1)) inq.version = data[2];
    if (has(data, 3, 1)) inq.response_format = data[3] & 0x0f;
    if (has(data, 7, 1)) inq.cmdque = (data[7] & 0x02) != 0;
    if (has(data, 8, 8)) inq.vendor = trimmed_ascii(data.subspan(8, 8));
    if (has(data, 16, 16)) inq.product = trimmed_ascii(data.subspan(16, 16));
    if (has(data, 32, 4)) inq.revision = trimmed_ascii(data.subspan(32, 4));
    return inq;
}

std::optional<std::span<const uint8_t>> vpd_body(std::span<const uint8_t> data, uint8_t page) noexcept
{
    if (!has(data, 0, 4) || data[1] != page) return std::nullopt;
    const std::size_t claimed = be16(data, 2);
    return data.subspan(4, std::min(claimed, data.size() - 4));
}

std::optional<std::vector<uint8_t>> parse_supported_pages(std::span<const uint8_t> data)
{
    const auto body = vpd_body(data, vpd::kSupportedPages);
    if (!body) return std::nullopt;
    std::vector<uint8_t> pages(body->begin(), body->end());
    std::sort(pages.begin(), pages.end());
    pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
    return pages;
}

std::optional<std::string> parse_unit_serial(std::span<const uint8_t> data)
{
    const auto body = vpd_body(data, vpd::kUnitSerial);
    if (!body) return std::nullopt;
    return trimmed_ascii(*body);
}

std::optional<std::vector<Designator>> parse_device_id(std::span<const uint8_t> data)
{
    const auto body = vpd_body(data, vpd::kDeviceId);
    if (!body) return std::nullopt;
    std::vector<Designator> out;
    std::size_t off = 0;
    while (has(*body, off, 4)) {
        const std::size_t len = (*body)[off + 3];
        if (!has(*body, off + 4, len)) break; // runs past the page: stop, keep what was whole
        Designator d;
        d.code_set = (*body)[off] & 0x0f;
        d.association = static_cast<uint8_t>(((*body)[off + 1] >> 4) & 0x03);
        d.type = (*body)[off + 1] & 0x0f;
        d.id.assign(body->begin() + static_cast<std::ptrdiff_t>(off + 4),
                    body->begin() + static_cast<std::ptrdiff_t>(off + 4 + len));
        out.push_back(std::move(d));
        off += 4 + len;
    }
    return out;
}

std::optional<BlockLimits> parse_block_limits(std::span<const uint8_t> data)
{
    const auto body = vpd_body(data, vpd::kBlockLimits);
    if (!body) return std::nullopt;
    // Offsets below are page offsets; the body starts at page byte 4.
    const std::span<const uint8_t> b = *body;
    auto u32_at = [&](std::size_t page_off) -> uint32_t {
        return has(b, page_off - 4, 4) ? be32(b, page_off - 4) : 0;
    };
    BlockLimits bl;
    bl.max_transfer_blocks = u32_at(8);
    bl.optimal_transfer_blocks = u32_at(12);
    bl.max_unmap_lba_count = u32_at(20);
    bl.max_unmap_descriptors = u32_at(24);
    bl.optimal_unmap_granularity = u32_at(28);
    const uint32_t align = u32_at(32);
    bl.ugavalid = (align & 0x80000000u) != 0;
    bl.unmap_alignment = align & 0x7fffffffu;
    if (has(b, 36 - 4, 8)) bl.max_write_same_blocks = be64(b, 36 - 4);
    return bl;
}

std::optional<uint16_t> parse_rotation_rate(std::span<const uint8_t> data)
{
    const auto body = vpd_body(data, vpd::kBlockCharacteristics);
    if (!body || !has(*body, 0, 2)) return std::nullopt;
    return be16(*body, 0);
}

std::optional<Provisioning> parse_logical_block_provisioning(std::span<const uint8_t> data)
{
    const auto body = vpd_body(data, vpd::kLogicalBlockProvisioning);
    if (!body || !has(*body, 0, 2)) return std::nullopt;
    const std::span<const uint8_t> b = *body;
    Provisioning p;
    p.threshold_exponent = b[0];
    p.lbpu = (b[1] & 0x80) != 0;
    p.lbpws = (b[1] & 0x40) != 0;
    p.lbpws10 = (b[1] & 0x20) != 0;
    p.lbprz = (b[1] & 0x04) != 0;
    p.anc_sup = (b[1] & 0x02) != 0;
    p.dp = (b[1] & 0x01) != 0;
    if (has(b, 2, 1)) p.provisioning_type = b[2] & 0x07;
    return p;
}

std::optional<Capacity> parse_read_capacity10(std::span<const uint8_t> data)
{
    if (!has(data, 0, 8)) return std::nullopt;
    Capacity c;
    c.last_lba = be32(data, 0);
    c.block_length = be32(data, 4);
    return c;
}

std::optional<Capacity> parse_read_capacity16(std::span<const uint8_t> data)
{
    if (!has(data, 0, 12)) return std::nullopt;
    Capacity c;
    c.last_lba = be64(data, 0);
    c.block_length = be32(data, 8);
    if (has(data, 13, 1)) c.lbppbe = data[13] & 0x0f;
    if (has(data, 14, 1)) {
        c.lbpme = (data[14] & 0x80) != 0;
        c.lbprz = (data[14] & 0x40) != 0;
    }
    return c;
}

std::optional<ModeSense> parse_mode_sense6(std::span<const uint8_t> data)
{
    if (!has(data, 0, 4)) return std::nullopt;
    // Mode data length counts the bytes after itself; trust only what arrived.
    const std::span<const uint8_t> d = data.first(std::min<std::size_t>(data.size(), data[0] + 1u));
    if (d.size() < 4) return std::nullopt;
    ModeSense ms;
    ms.write_protected = (d[2] & 0x80) != 0;
    ms.dpofua = (d[2] & 0x10) != 0;
    std::size_t off = 4 + std::size_t{d[3]}; // skip block descriptors
    while (has(d, off, 2)) {
        const uint8_t code = d[off] & 0x3f;
        const bool subpage_format = (d[off] & 0x40) != 0;
        std::size_t header = 2;
        std::size_t len = d[off + 1];
        if (subpage_format) {
            if (!has(d, off, 4)) break;
            header = 4;
            len = be16(d, off + 2);
        }
        if (!has(d, off + header, len)) {
            // A page cut short by the allocation length: use the caching byte if it is there.
            if (code == 0x08 && !subpage_format && has(d, off + 2, 1)) {
                ms.has_caching_page = true;
                ms.wce = (d[off + 2] & 0x04) != 0;
            }
            break;
        }
        if (code == 0x08 && !subpage_format && len >= 1) {
            ms.has_caching_page = true;
            ms.wce = (d[off + 2] & 0x04) != 0;
        }
        off += header + len;
    }
    return ms;
}

std::optional<std::vector<uint16_t>> parse_report_luns(std::span<const uint8_t> data)
{
    if (!has(data, 0, 8)) return std::nullopt;
    const std::size_t claimed = be32(data, 0) / 8;
    const std::size_t present = (data.size() - 8) / 8;
    const std::size_t count = std::min(claimed, present);
    std::vector<uint16_t> luns;
    luns.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t off = 8 + 8 * i;
        const uint8_t method = data[off] >> 6;
        uint16_t lun = 0;
        if (method == 0) { // peripheral device addressing; bus identifier must be 0
            if ((data[off] & 0x3f) != 0) continue;
            lun = data[off + 1];
        } else if (method == 1) { // flat space addressing
            lun = static_cast<uint16_t>(((data[off] & 0x3f) << 8) | data[off + 1]);
        } else {
            continue;
        }
        bool second_level = false;
        for (std::size_t j = 2; j < 8; ++j)
            second_level = second_level || data[off + j] != 0;
        if (second_level) continue; // hierarchical addresses are not single-level LUNs
        luns.push_back(lun);
    }
    std::sort(luns.begin(), luns.end());
    luns.erase(std::unique(luns.begin(), luns.end()), luns.end());
    return luns;
}

Sense parse_sense(std::span<const uint8_t> data) noexcept
{
    Sense s;
    if (data.empty()) return s;
    const uint8_t code = data[0] & 0x7f;
    if (code == 0x70 || code == 0x71) {
        if (!has(data, 2, 1)) return s;
        s.valid = true;
        s.deferred = code == 0x71;
        s.key = data[2] & 0x0f;
        // ASC/ASCQ are at 12/13 when the additional length (byte 7) covers them.
        if (has(data, 13, 1) && has(data, 7, 1) && 8u + data[7] >= 14u) {
            s.asc = data[12];
            s.ascq = data[13];
        }
    } else if (code == 0x72 || code == 0x73) {
        if (!has(data, 1, 1)) return s;
        s.valid = true;
        s.descriptor = true;
        s.deferred = code == 0x73;
        s.key = data[1] & 0x0f;
        if (has(data, 3, 1)) {
            s.asc = data[2];
            s.ascq = data[3];
        }
    }
    return s;
}

const char *sense_key_name(uint8_t key) noexcept
{
    static constexpr const char *kNames[16] = {
        "NO SENSE",        "RECOVERED ERROR", "NOT READY",       "MEDIUM ERROR",
        "HARDWARE ERROR",  "ILLEGAL REQUEST", "UNIT ATTENTION",  "DATA PROTECT",
        "BLANK CHECK",     "VENDOR SPECIFIC", "COPY ABORTED",    "ABORTED COMMAND",
        "sense key 0xC",   "VOLUME OVERFLOW", "MISCOMPARE",      "sense key 0xF"};
    return kNames[key & 0x0f];
}

} // namespace satori::storvsc::scsi
