// SPDX-License-Identifier: MIT
// Turns a packet copied out of the guest->host ring into a HostPacket.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include <satori/sim/host_channel.hpp>

#include "memory/guest_memory.hpp"

namespace satori::sim::detail::ring {

/// @p raw: descriptor .. len8*8, already framed by IncomingRing (offset8/len8 consistent).
/// Validates type-specific headers (GPA ranges inside guest memory, transfer-page ranges
/// inside the header). Empty string = fine; @p out's payload points into @p raw.
std::string parse_packet(std::span<const std::byte> raw, const GuestMemory &mem, HostPacket &out);

} // namespace satori::sim::detail::ring
