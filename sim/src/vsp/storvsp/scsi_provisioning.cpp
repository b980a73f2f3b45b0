// SPDX-License-Identifier: MIT
// UNMAP (§13.7) and WRITE SAME(10/16) with the UNMAP and NDOB bits (§13.2).
#include <algorithm>
#include <vector>

#include <satori/errno.h>

#include "vsp/storvsp/scsi_disk.hpp"

namespace satori::sim::detail::storvsp {

namespace {

constexpr uint8_t kAnchor = 0x01;
constexpr uint8_t kUnmapBit = 0x08;
constexpr uint8_t kNdob = 0x01;
constexpr size_t kUnmapHeader = 8;
constexpr size_t kUnmapDescriptor = 16;
constexpr size_t kMaxUnmapDescriptors = 4096;

struct Extent {
    uint64_t lba;
    uint32_t count;
};

ScsiResult invalid_parameter()
{
    return illegal_request(scsi::kAscInvalidFieldInParameterList);
}

/// Parses and range-checks the whole list before anything is discarded.
ScsiResult parse_unmap_list(const Command &c, size_t len, std::vector<Extent> &out)
{
    std::vector<uint8_t> p(len);
    if (c.buf.from_guest(0, std::as_writable_bytes(std::span(p))) != 0) return malformed_request();
    const size_t data_len = scsi::be16(p, 0);
    const size_t bd_len = scsi::be16(p, 2);
    if (bd_len > len - kUnmapHeader || data_len < bd_len + 6 ||
        bd_len / kUnmapDescriptor > kMaxUnmapDescriptors)
        return invalid_parameter();
    for (size_t at = kUnmapHeader; at + kUnmapDescriptor <= kUnmapHeader + bd_len;
         at += kUnmapDescriptor) {
        const Extent e{scsi::be64(p, at), scsi::be32(p, at + 8)};
        if (!c.geo.in_range(e.lba, e.count)) return lba_out_of_range();
        if (e.count != 0) out.push_back(e);
    }
    return good(static_cast<uint32_t>(len));
}

bool all_zero(std::span<const std::byte> b)
{
    return std::all_of(b.begin(), b.end(), [](std::byte x) { return x == std::byte{0}; });
}

ScsiResult write_pattern(DiskBackend &disk, std::span<const std::byte> block, uint64_t offset,
                         uint64_t bytes)
{
    const size_t per_chunk = std::max<size_t>(1, kChunkBytes / block.size()) * block.size();
    std::vector<std::byte> chunk(std::min<uint64_t>(bytes, per_chunk));
    for (size_t at = 0; at < chunk.size(); at += block.size())
        std::copy(block.begin(), block.end(), chunk.begin() + static_cast<long>(at));
    for (uint64_t done = 0; done < bytes;) {
        const auto n = static_cast<size_t>(std::min<uint64_t>(bytes - done, chunk.size()));
        const int32_t err = disk.write(offset + done, std::span(chunk.data(), n));
        if (err == -SATORI_EPERM) return data_protect();
        if (err != 0) return medium_error(scsi::kAscWriteFault);
        done += n;
    }
    ScsiResult r;
    r.bytes_written = bytes;
    return r;
}

} // namespace

ScsiResult cmd_unmap(ScsiDisk &disk, const Command &c)
{
    if (c.geo.read_only) return data_protect();
    if (!c.geo.thin || (c.cdb[1] & kAnchor) != 0) return invalid_cdb();
    const size_t len = scsi::be16(c.cdb, 7);
    if (len == 0) return good();
    if (len < kUnmapHeader) return illegal_request(scsi::kAscParameterListLength);
    if (len != c.buf.size()) return invalid_cdb();
    std::vector<Extent> extents;
    ScsiResult r = parse_unmap_list(c, len, extents);
    if (r.srb_status != vstor::kSrbSuccess) return r;
    const uint32_t block = c.geo.block;
    for (const Extent &e : extents) {
        // Failures are not reported: UNMAP is advisory (OpenVMM ignores them too).
        (void)disk.backend().discard(e.lba * block, uint64_t{e.count} * block);
        r.unmapped_blocks += e.count;
    }
    return r;
}

ScsiResult cmd_write_same(ScsiDisk &disk, const Command &c)
{
    const bool sixteen = c.opcode() == scsi::kWriteSame16;
    const uint64_t lba = sixteen ? scsi::be64(c.cdb, 2) : scsi::be32(c.cdb, 2);
    const uint32_t count = sixteen ? scsi::be32(c.cdb, 10) : scsi::be16(c.cdb, 7);
    const bool unmap = (c.cdb[1] & kUnmapBit) != 0;
    const bool ndob = sixteen && (c.cdb[1] & kNdob) != 0;
    const uint32_t block = c.geo.block;
    if (c.geo.read_only) return data_protect();
    if (count == 0 || count > c.geo.max_write_same_blocks(c.env.max_transfer_bytes) ||
        (unmap && !c.geo.thin))
        return invalid_cdb();
    if (!c.geo.in_range(lba, count)) return lba_out_of_range();
    std::vector<std::byte> pattern(block);
    if (!ndob) {
        if (c.buf.size() < block) return lba_out_of_range();
        if (c.buf.from_guest(0, pattern) != 0) return malformed_request();
    }
    const uint64_t offset = lba * block;
    const uint64_t bytes = uint64_t{count} * block;
    ScsiResult r;
    // Unmapping is only a faithful WRITE SAME when the blocks then read as this pattern.
    if (unmap && c.geo.lbprz && all_zero(pattern) && disk.backend().discard(offset, bytes) == 0) {
        r.unmapped_blocks = count;
    } else {
        r = write_pattern(disk.backend(), pattern, offset, bytes);
        if (r.srb_status != vstor::kSrbSuccess) return r;
    }
    r.bytes = ndob ? 0 : block;
    return r;
}

} // namespace satori::sim::detail::storvsp
