// SPDX-License-Identifier: MIT
// tests/support/shim_internals.hpp — reach inside a running shim (tests of the GPL side).
#pragma once

#include <cstring>

extern "C" {
#include "runtime/shim.h"
}

namespace satori::test {

/// The primary offer of the device of class @p cls, or nullptr.
inline vmbus_offer *find_offer(satori_shim *shim, const uint8_t *cls)
{
    for (shim_device *d = shim->devices; d; d = d->next)
        if (std::memcmp(d->offer->class_id, cls, 16) == 0)
            return d->offer;
    return nullptr;
}

inline shim_device *find_device(satori_shim *shim, const uint8_t *cls)
{
    for (shim_device *d = shim->devices; d; d = d->next)
        if (std::memcmp(d->offer->class_id, cls, 16) == 0)
            return d;
    return nullptr;
}

} // namespace satori::test
