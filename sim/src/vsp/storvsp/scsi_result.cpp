// SPDX-License-Identifier: MIT
#include "vsp/storvsp/scsi_result.hpp"

namespace satori::sim::detail::storvsp {

std::array<uint8_t, kFixedSenseBytes> fixed_sense(const Sense &s) noexcept
{
    std::array<uint8_t, kFixedSenseBytes> b{};
    b[0] = 0x70; // current error, fixed format
    b[2] = s.key & 0x0F;
    b[7] = kFixedSenseBytes - 8; // additional sense length: 10
    b[12] = s.asc;
    b[13] = s.ascq;
    return b;
}

} // namespace satori::sim::detail::storvsp
