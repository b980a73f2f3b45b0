// SPDX-License-Identifier: MIT
#include "vmbus/guest_link.hpp"

#include <cstring>

namespace satori::sim::detail {

bool GuestLink::attach(const satori_hvlink_guest *g) noexcept
{
    if (!g ||
        g->struct_size < offsetof(satori_hvlink_guest, signal_event) + sizeof(g->signal_event))
        return false;
    if (g->version < SATORI_HVLINK_VERSION || !g->deliver_message || !g->signal_event) return false;
    std::memcpy(&table_, g, sizeof(table_));
    table_.struct_size = sizeof(table_);
    return true;
}

} // namespace satori::sim::detail
