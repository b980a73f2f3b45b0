// SPDX-License-Identifier: MIT
// The host's writer of the host->guest ring.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ring/ring_layout.hpp"

namespace satori::sim::detail::ring {

class OutgoingRing {
  public:
    enum class Status { ok, full, too_big, corrupt };

    OutgoingRing(std::byte *ring, uint32_t ring_bytes) : mem_(ring, ring_bytes) {}

    /// Takes the guest's initial write_index; sets feature_bits = 1 (the host honours
    /// pending_send_sz) and pending_send_sz = 0 (vmbus.md §8.3). Empty string = fine.
    std::string attach();

    /// Largest packet (descriptor .. padding, without trailer) that can ever fit.
    uint32_t max_packet_bytes() const noexcept { return mem_.data_size() - 2 * kTrailerBytes; }

    /**
     * Writes @p packet (a multiple of 8 bytes) plus its trailer and publishes it.
     * @param signal  set when the guest must be signalled (empty -> non-empty, unmasked).
     */
    Status write(std::span<const std::byte> packet, bool &signal, std::string &why);

    /// Flow control: announce that @p bytes (packet + trailer) are needed, then re-check.
    /// True if the space is already there (no need to wait).
    bool announce_pending(uint32_t bytes) noexcept;
    void clear_pending() noexcept;

    RingMemory &memory() noexcept { return mem_; }

  private:
    bool read_index(uint32_t &r, std::string &why) const;

    RingMemory mem_;
    uint32_t write_ = 0;
};

} // namespace satori::sim::detail::ring
