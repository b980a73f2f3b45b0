// SPDX-License-Identifier: MIT
// The host's reader of the guest->host ring.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ring/ring_layout.hpp"

namespace satori::sim::detail::ring {

/**
 * Reads packets the guest wrote. Everything the guest controls (write_index, descriptors,
 * pending_send_sz) is loaded once into a local, validated (openvmm's rules, vmbus.md §1.2),
 * and only the private copy is used afterwards. The host's read position is kept privately;
 * the shared read_index is only ever written, never trusted.
 */
class IncomingRing {
  public:
    enum class Status { packet, empty, corrupt };

    IncomingRing(std::byte *ring, uint32_t ring_bytes) : mem_(ring, ring_bytes) {}

    /// Takes the guest's initial read_index and masks interrupts (the host is not waiting
    /// yet, vmbus.md §8.3). Empty string = fine.
    std::string attach();

    /// Copies the next packet (descriptor .. len8*8, without trailer) into @p packet.
    Status read(std::vector<std::byte> &packet, std::string &why);

    /// Publishes the read position; true if the guest writer asked (pending_send_sz) to be
    /// told when this much space became free (vmbus.md §1.4).
    bool publish_and_check_writer(std::string &why);

    void mask() noexcept;
    /// Unmasks and re-checks; true if the ring is still empty (the host may now sleep).
    bool unmask_and_check_empty() noexcept;

    RingMemory &memory() noexcept { return mem_; }

  private:
    RingMemory mem_;
    uint32_t read_ = 0;
    uint32_t bytes_read_since_publish_ = 0;
};

} // namespace satori::sim::detail::ring
