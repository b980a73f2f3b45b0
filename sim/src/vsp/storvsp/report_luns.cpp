// SPDX-License-Identifier: MIT
// REPORT LUNS (§13.1): answered by the controller for any address.
#include <vector>

#include "vsp/storvsp/scsi_disk.hpp"

namespace satori::sim::detail::storvsp {

ScsiResult report_luns(std::span<const uint8_t> luns, std::span<const uint8_t> cdb,
                       const DataBuffer &buf)
{
    if (cdb.size() < 12) return invalid_cdb();
    if (buf.size() < 8) return good();
    std::vector<uint8_t> d(8 + 8 * luns.size());
    scsi::put_be32(d, 0, static_cast<uint32_t>(8 * luns.size()));
    for (size_t i = 0; i < luns.size(); ++i)
        scsi::put_be16(d, 8 + 8 * i, luns[i]); // peripheral device addressing
    return reply(buf, d, scsi::be32(cdb, 6));
}

} // namespace satori::sim::detail::storvsp
