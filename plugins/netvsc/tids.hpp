// SPDX-License-Identifier: MIT
// Transaction ids of the guest's sends: the top byte says what is waiting for the completion.
#ifndef SATORI_NETVSC_TIDS_HPP
#define SATORI_NETVSC_TIDS_HPP

#include <cstdint>

namespace satori::netvsc::tid {
inline constexpr uint64_t kKindShift = 56;
inline constexpr uint64_t kControl = 1ull << kKindShift;   ///< NVSP request waited for in probe
inline constexpr uint64_t kRndisSend = 2ull << kKindShift; ///< RNDIS control message sent
inline constexpr uint64_t kTx = 3ull << kKindShift;        ///< data frame in a send section
inline constexpr uint64_t kind(uint64_t t)
{
    return t & (0xFFull << kKindShift);
}
inline constexpr uint64_t value(uint64_t t)
{
    return t & ((1ull << kKindShift) - 1);
}
} // namespace satori::netvsc::tid

#endif // SATORI_NETVSC_TIDS_HPP
