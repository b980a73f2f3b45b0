// SPDX-License-Identifier: MIT
// REQUEST SENSE, START STOP UNIT, SYNCHRONIZE CACHE(10/16), SEND DIAGNOSTIC (§13.2).
#include "vsp/storvsp/scsi_disk.hpp"

namespace satori::sim::detail::storvsp {

namespace {

ScsiResult flush(DiskBackend &disk)
{
    if (disk.flush() != 0) return medium_error(scsi::kAscNone);
    ScsiResult r;
    r.flushes = 1;
    return r;
}

} // namespace

ScsiResult cmd_request_sense(ScsiDisk &disk, const Command &c)
{
    const uint8_t alloc = c.cdb[4];
    // Only fixed-format sense (DESC = 0).
    if ((c.cdb[1] & 0x01) != 0 || alloc < 8 || alloc > c.buf.size()) return invalid_cdb();
    const Sense s = disk.take_sense().value_or(Sense{scsi::kNoSense, 0, 0});
    const auto data = fixed_sense(s);
    return reply(c.buf, data, alloc);
}

ScsiResult cmd_start_stop_unit(ScsiDisk &disk, const Command &c)
{
    if ((c.cdb[1] & 0x01) != 0) return invalid_cdb(); // IMMED
    if ((c.cdb[4] & 0x01) != 0) return good();        // START
    return flush(disk.backend());                     // stop: write the cache back first
}

ScsiResult cmd_synchronize_cache(ScsiDisk &disk, const Command &c)
{
    const bool sixteen = c.opcode() == scsi::kSynchronizeCache16;
    const uint64_t lba = sixteen ? scsi::be64(c.cdb, 2) : scsi::be32(c.cdb, 2);
    const uint32_t count = sixteen ? scsi::be32(c.cdb, 10) : scsi::be16(c.cdb, 7);
    // count 0 means from lba to the end of the medium: in_range(lba, 0) checks just that.
    if (!c.geo.in_range(lba, count)) return lba_out_of_range();
    return flush(disk.backend());
}

ScsiResult cmd_send_diagnostic(ScsiDisk &disk, const Command &c)
{
    (void)disk;
    // Self-test code 0, PF 0, no parameter list; SELFTEST and the offline bits are fine.
    if ((c.cdb[1] & 0xF0) != 0 || scsi::be16(c.cdb, 3) != 0) return invalid_cdb();
    return good();
}

} // namespace satori::sim::detail::storvsp
