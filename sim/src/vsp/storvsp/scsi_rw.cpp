// SPDX-License-Identifier: MIT
// READ/WRITE(6/10/12/16), VERIFY and WRITE AND VERIFY (§13.2). Data moves in chunks of
// kChunkBytes between the backend and guest memory.
#include <algorithm>
#include <vector>

#include <satori/errno.h>

#include "vsp/storvsp/scsi_disk.hpp"

namespace satori::sim::detail::storvsp {

namespace {

constexpr uint8_t kRelAdr = 0x01;
constexpr uint8_t kFua = 0x08;

struct Transfer {
    uint64_t lba = 0;
    uint32_t count = 0;
    bool write = false;
    bool fua = false;
    bool reladr = false;
};

Transfer decode(std::span<const uint8_t> cdb)
{
    using namespace scsi;
    Transfer t;
    const uint8_t op = cdb[0];
    t.write = op == kWrite6 || op == kWrite10 || op == kWrite12 || op == kWrite16;
    switch (op) {
    case kRead6:
    case kWrite6:
        t.lba = uint64_t{cdb[1] & 0x1Fu} << 16 | uint64_t{be16(cdb, 2)};
        t.count = cdb[4];
        break;
    case kRead10:
    case kWrite10:
        t.lba = be32(cdb, 2);
        t.count = be16(cdb, 7);
        t.reladr = (cdb[1] & kRelAdr) != 0;
        t.fua = (cdb[1] & kFua) != 0;
        break;
    case kRead12:
    case kWrite12:
        t.lba = be32(cdb, 2);
        t.count = be32(cdb, 6);
        t.reladr = (cdb[1] & kRelAdr) != 0;
        t.fua = (cdb[1] & kFua) != 0;
        break;
    default: // READ/WRITE(16)
        t.lba = be64(cdb, 2);
        t.count = be32(cdb, 10);
        t.fua = (cdb[1] & kFua) != 0;
        break;
    }
    return t;
}

ScsiResult do_read(DiskBackend &disk, const DataBuffer &buf, uint64_t offset, uint64_t bytes)
{
    std::vector<std::byte> chunk(std::min<uint64_t>(bytes, kChunkBytes));
    for (uint64_t done = 0; done < bytes;) {
        const auto n = static_cast<size_t>(std::min<uint64_t>(bytes - done, chunk.size()));
        const std::span<std::byte> piece(chunk.data(), n);
        if (disk.read(offset + done, piece) != 0) return medium_error(scsi::kAscUnrecoveredRead);
        if (buf.to_guest(done, piece) != 0) return malformed_request();
        done += n;
    }
    ScsiResult r = good(static_cast<uint32_t>(bytes));
    r.bytes_read = bytes;
    return r;
}

ScsiResult do_write(DiskBackend &disk, const DataBuffer &buf, uint64_t offset, uint64_t bytes,
                    bool fua)
{
    std::vector<std::byte> chunk(std::min<uint64_t>(bytes, kChunkBytes));
    for (uint64_t done = 0; done < bytes;) {
        const auto n = static_cast<size_t>(std::min<uint64_t>(bytes - done, chunk.size()));
        const std::span<std::byte> piece(chunk.data(), n);
        if (buf.from_guest(done, piece) != 0) return malformed_request();
        const int32_t err = disk.write(offset + done, piece);
        if (err == -SATORI_EPERM) return data_protect();
        if (err != 0) return medium_error(scsi::kAscWriteFault);
        done += n;
    }
    ScsiResult r = good(static_cast<uint32_t>(bytes));
    r.bytes_written = bytes;
    if (fua) {
        if (disk.flush() != 0) return medium_error(scsi::kAscWriteFault);
        r.flushes = 1;
    }
    return r;
}

} // namespace

ScsiResult cmd_read_write(ScsiDisk &disk, const Command &c)
{
    const Transfer t = decode(c.cdb);
    if (t.reladr) return invalid_cdb();
    if (t.write && c.geo.read_only) return data_protect();
    const uint64_t bytes = uint64_t{t.count} * c.geo.block;
    // OpenVMM's rules: a zero count (even for READ(6), where SCSI means 256) and a buffer
    // shorter than the transfer are both "LBA out of range".
    if (t.count == 0 || bytes > c.buf.size() || !c.geo.in_range(t.lba, t.count))
        return lba_out_of_range();
    const uint64_t offset = t.lba * c.geo.block;
    return t.write ? do_write(disk.backend(), c.buf, offset, bytes, t.fua)
                   : do_read(disk.backend(), c.buf, offset, bytes);
}

ScsiResult cmd_verify(ScsiDisk &disk, const Command &c)
{
    (void)disk;
    using namespace scsi;
    uint64_t lba;
    uint32_t count;
    switch (c.opcode()) {
    case kVerify10:
    case kWriteAndVerify10:
        lba = be32(c.cdb, 2);
        count = be16(c.cdb, 7);
        break;
    case kVerify12:
    case kWriteAndVerify12:
        lba = be32(c.cdb, 2);
        count = be32(c.cdb, 6);
        break;
    default:
        lba = be64(c.cdb, 2);
        count = be32(c.cdb, 10);
        break;
    }
    const bool write = c.opcode() == kWriteAndVerify10 || c.opcode() == kWriteAndVerify12 ||
                       c.opcode() == kWriteAndVerify16;
    if (write && c.geo.read_only) return data_protect();
    if (!c.geo.in_range(lba, count)) return lba_out_of_range();
    return good();
}

} // namespace satori::sim::detail::storvsp
