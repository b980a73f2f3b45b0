// SPDX-License-Identifier: MIT
#include "vhdx_format.hpp"

#include <cstring>
#include <random>

#include "crc32c.hpp"
#include "image_file.hpp"

namespace satori::sim::disk::vhdx {

Guid read_guid(const std::byte *p) noexcept
{
    Guid g;
    std::memcpy(g.bytes.data(), p, 16);
    return g;
}

void write_guid(std::byte *p, const Guid &g) noexcept
{
    std::memcpy(p, g.bytes.data(), 16);
}

Guid random_guid()
{
    std::random_device rd;
    Guid g;
    for (auto &b : g.bytes)
        b = static_cast<uint8_t>(rd() & 0xff);
    g.bytes[7] = static_cast<uint8_t>((g.bytes[7] & 0x0f) | 0x40);
    g.bytes[8] = static_cast<uint8_t>((g.bytes[8] & 0x3f) | 0x80);
    return g;
}

std::string parse_header(std::span<const std::byte> raw, Header &out)
{
    const std::byte *p = raw.data();
    if (!bytes_equal(p + kHdSignature, "head", 4)) return "no 'head' signature";
    const uint32_t stored = le32(p + kHdChecksum);
    const uint32_t want = crc32c_without_field(raw.first(kHeaderSize), kHdChecksum);
    if (stored != want)
        return "CRC-32C mismatch (stored 0x" + to_hex(stored) + ", computed 0x" + to_hex(want) +
               ")";
    if (le16(p + kHdVersion) != 1)
        return "version " + std::to_string(le16(p + kHdVersion)) + " is not 1";
    if (le16(p + kHdLogVersion) != 0)
        return "log version " + std::to_string(le16(p + kHdLogVersion)) + " is not 0";
    out.sequence = le64(p + kHdSequence);
    out.file_write_guid = read_guid(p + kHdFileWriteGuid);
    out.data_write_guid = read_guid(p + kHdDataWriteGuid);
    out.log_guid = read_guid(p + kHdLogGuid);
    out.log_length = le32(p + kHdLogLength);
    out.log_offset = le64(p + kHdLogOffset);
    if (out.log_length == 0 || out.log_length % kMiB != 0 || out.log_offset % kMiB != 0 ||
        out.log_offset < kMiB)
        return "log region (offset " + std::to_string(out.log_offset) + ", length " +
               std::to_string(out.log_length) + ") is not 1 MiB aligned past the headers";
    if (out.log_length > 256 * kMiB)
        return "log length " + std::to_string(out.log_length) + " is larger than 256 MiB";
    return {};
}

void build_header(const Header &h, std::span<std::byte> out)
{
    std::byte *p = out.data();
    std::memset(p, 0, kHeaderSize);
    std::memcpy(p + kHdSignature, "head", 4);
    store_le(p + kHdSequence, 8, h.sequence);
    write_guid(p + kHdFileWriteGuid, h.file_write_guid);
    write_guid(p + kHdDataWriteGuid, h.data_write_guid);
    write_guid(p + kHdLogGuid, h.log_guid);
    store_le(p + kHdLogVersion, 2, 0);
    store_le(p + kHdVersion, 2, 1);
    store_le(p + kHdLogLength, 4, h.log_length);
    store_le(p + kHdLogOffset, 8, h.log_offset);
    store_le(p + kHdChecksum, 4, crc32c(out.first(kHeaderSize)));
}

} // namespace satori::sim::disk::vhdx
