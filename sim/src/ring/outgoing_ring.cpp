// SPDX-License-Identifier: MIT
// Host guarantees as the writer of the host->guest ring:
//  1. A packet's bytes and trailer are written before write_index moves past them (release).
//  2. The guest is signalled only when the ring went from empty to non-empty and the guest's
//     interrupt_mask is 0 (vmbus.md §1.3): never more, since real hosts throttle guests that
//     over-signal and a correct guest re-checks after unmasking.
//  3. A blocked host stores the size it needs in pending_send_sz and waits for the guest's
//     signal; it clears the field once the packet is written.
//  4. read_index is the guest's: loaded once per decision and validated.
#include "ring/outgoing_ring.hpp"

#include <sstream>

namespace satori::sim::detail::ring {

std::string OutgoingRing::attach()
{
    const uint32_t w = mem_.word(kWriteIndex).load(std::memory_order_relaxed);
    const uint32_t r = mem_.word(kReadIndex).load(std::memory_order_relaxed);
    if (!mem_.index_valid(w) || !mem_.index_valid(r)) {
        std::ostringstream why;
        why << "host->guest ring indices write " << w << " / read " << r << " invalid (data area "
            << mem_.data_size() << " bytes)";
        return why.str();
    }
    write_ = w;
    mem_.word(kPendingSendSize).store(0, std::memory_order_relaxed);
    mem_.word(kFeatureBits).store(kFeaturePendingSendSize, std::memory_order_relaxed);
    return {};
}

bool OutgoingRing::read_index(uint32_t &r, std::string &why) const
{
    // Acquire: the guest finished reading the bytes it released before we overwrite them.
    // Pairs with the guest reader's release store of read_index.
    r = mem_.word(kReadIndex).load(std::memory_order_acquire);
    if (mem_.index_valid(r)) return true;
    std::ostringstream msg;
    msg << "guest set host->guest read_index to " << r << " (data area " << mem_.data_size()
        << " bytes)";
    why = msg.str();
    return false;
}

OutgoingRing::Status OutgoingRing::write(std::span<const std::byte> packet, bool &signal,
                                         std::string &why)
{
    signal = false;
    const uint64_t total = uint64_t{packet.size()} + kTrailerBytes;
    if (packet.size() % 8 != 0 || packet.size() > max_packet_bytes()) return Status::too_big;
    uint32_t r;
    if (!read_index(r, why)) return Status::corrupt;
    // Strictly greater: a ring filled to the last byte would look empty.
    if (mem_.free_bytes(write_, r) <= total) return Status::full;

    const uint32_t start = write_;
    mem_.copy_in(start, packet.data(), static_cast<uint32_t>(packet.size()));
    const uint64_t trailer = uint64_t{start} << 32;
    mem_.copy_in(mem_.advance(start, static_cast<uint32_t>(packet.size())), &trailer,
                 sizeof(trailer));
    write_ = mem_.advance(start, static_cast<uint32_t>(total));
    // seq_cst store (a release store and more): packet and trailer are visible before the
    // index that covers them (pairs with the guest reader's acquire load of write_index), and
    // the store is ordered before the seq_cst load of interrupt_mask below. That store->load
    // order pairs with the guest reader's "unmask, full barrier, re-check"; without it we
    // could read a stale mask of 1 after the guest unmasked and went idle: a lost wakeup.
    mem_.word(kWriteIndex).store(write_, std::memory_order_seq_cst);
    if (mem_.word(kInterruptMask).load(std::memory_order_seq_cst) != 0) return Status::ok;
    // The guest had consumed everything before this packet: empty -> non-empty.
    signal = mem_.word(kReadIndex).load(std::memory_order_acquire) == start;
    return Status::ok;
}

bool OutgoingRing::announce_pending(uint32_t bytes) noexcept
{
    // seq_cst store then seq_cst load: pending_send_sz is visible before read_index is
    // re-checked. Pairs with the guest reader's full barrier between its read_index store and
    // its pending_send_sz load; without it the guest may free the space, see pending 0 and
    // never signal, while we go to sleep on the stale read_index.
    mem_.word(kPendingSendSize).store(bytes, std::memory_order_seq_cst);
    const uint32_t r = mem_.word(kReadIndex).load(std::memory_order_seq_cst);
    return mem_.index_valid(r) && mem_.free_bytes(write_, r) > bytes;
}

void OutgoingRing::clear_pending() noexcept
{
    mem_.word(kPendingSendSize).store(0, std::memory_order_relaxed);
}

} // namespace satori::sim::detail::ring
