// SPDX-License-Identifier: MIT
// The attached guest's hvlink table, copied at connect.
#pragma once

#include <cstddef>
#include <cstdint>

#include <satori/hvlink.h>

namespace satori::sim::detail {

class GuestLink {
  public:
    /// Copies the fields @p g was built with. False if required fields are missing.
    bool attach(const satori_hvlink_guest *g) noexcept;

    void deliver_message(uint32_t vp, uint32_t sint, const void *payload, uint32_t size) const
    {
        table_.deliver_message(table_.guest, vp, sint, 1, payload, size);
    }
    void signal_event(uint32_t vp, uint32_t sint, uint32_t flag) const
    {
        table_.signal_event(table_.guest, vp, sint, flag);
    }

  private:
    satori_hvlink_guest table_{};
};

} // namespace satori::sim::detail
