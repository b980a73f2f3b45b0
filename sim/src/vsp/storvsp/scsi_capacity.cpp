// SPDX-License-Identifier: MIT
// READ CAPACITY(10) and SERVICE ACTION IN(16) / READ CAPACITY(16) (§13.4).
#include <array>
#include <bit>

#include "vsp/storvsp/scsi_disk.hpp"

namespace satori::sim::detail::storvsp {

ScsiResult cmd_read_capacity10(ScsiDisk &disk, const Command &c)
{
    (void)disk;
    if (c.buf.size() < 8) return data_overrun();
    const uint64_t last = c.geo.sectors == 0 ? 0 : c.geo.sectors - 1;
    std::array<uint8_t, 8> d{};
    scsi::put_be32(d, 0, last > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(last));
    scsi::put_be32(d, 4, c.geo.block);
    return reply(c.buf, d, d.size());
}

ScsiResult cmd_service_action_in16(ScsiDisk &disk, const Command &c)
{
    (void)disk;
    if ((c.cdb[1] & 0x1F) != scsi::kSaReadCapacity16) return invalid_cdb();
    if (c.buf.size() < 12) return data_overrun();
    std::array<uint8_t, 32> d{};
    scsi::put_be64(d, 0, c.geo.sectors == 0 ? 0 : c.geo.sectors - 1);
    scsi::put_be32(d, 8, c.geo.block);
    // Logical blocks per physical block exponent (low nibble of byte 13).
    d[13] = static_cast<uint8_t>(std::countr_zero(c.geo.physical / c.geo.block) & 0x0F);
    d[14] = static_cast<uint8_t>((c.geo.thin ? 0x80 : 0) | (c.geo.lbprz ? 0x40 : 0));
    return reply(c.buf, d, scsi::be32(c.cdb, 10));
}

} // namespace satori::sim::detail::storvsp
