// SPDX-License-Identifier: MIT
// Host guarantees as the reader of the guest->host ring:
//  1. The shared read_index only moves forward over packets the host has fully copied out
//     (release store after the copies).
//  2. interrupt_mask is 1 while the host drains; after setting it back to 0 the host
//     re-checks the ring before sleeping, so a packet published meanwhile is not lost.
//  3. If the guest set feat_pending_send_sz on this ring and is blocked waiting for N bytes,
//     the host signals once when a batch of reads takes the free space from <= N to > N.
#include "ring/incoming_ring.hpp"

#include <sstream>

namespace satori::sim::detail::ring {

namespace {

bool type_allowed(uint16_t type) noexcept
{
    return type == kTypeInband || type == kTypeXferPages || type == kTypeGpaDirect ||
           type == kTypeCompletion;
}

} // namespace

std::string IncomingRing::attach()
{
    const uint32_t r = mem_.word(kReadIndex).load(std::memory_order_relaxed);
    if (!mem_.index_valid(r)) {
        std::ostringstream why;
        why << "guest->host ring read_index " << r << " invalid (data area " << mem_.data_size()
            << " bytes)";
        return why.str();
    }
    read_ = r;
    mask();
    return {};
}

IncomingRing::Status IncomingRing::read(std::vector<std::byte> &packet, std::string &why)
{
    std::ostringstream msg;
    // Acquire: the guest's packet bytes are visible once its write_index is. Pairs with the
    // guest's release store of write_index after writing the packet.
    const uint32_t w = mem_.word(kWriteIndex).load(std::memory_order_acquire);
    if (!mem_.index_valid(w)) {
        msg << "write_index " << w << " outside the " << mem_.data_size() << "-byte data area";
        why = msg.str();
        return Status::corrupt;
    }
    const uint32_t avail = mem_.distance(read_, w);
    if (avail == 0) return Status::empty;
    if (avail < kDescriptorBytes) {
        msg << avail << " bytes available, less than a descriptor";
        why = msg.str();
        return Status::corrupt;
    }
    Descriptor d;
    mem_.copy_out(read_, &d, sizeof(d));
    const uint32_t len = uint32_t{d.len8} * 8;
    if (!type_allowed(d.type))
        msg << "packet type " << d.type << " not allowed";
    else if (d.offset8 < 2)
        msg << "offset8 " << d.offset8 << " < 2";
    else if (d.len8 < d.offset8)
        msg << "len8 " << d.len8 << " < offset8 " << d.offset8;
    else if (uint64_t{len} + kTrailerBytes > avail)
        msg << "packet of " << len << " bytes + trailer exceeds the " << avail
            << " bytes available";
    else if ((d.flags & ~kFlagCompletionRequested) != 0)
        msg << "flags " << d.flags << " has unknown bits";
    if (!msg.str().empty()) {
        why = msg.str();
        return Status::corrupt;
    }
    // One copy of the descriptor is used: the validated one, not a second read of the ring.
    packet.resize(len);
    std::memcpy(packet.data(), &d, sizeof(d));
    mem_.copy_out(mem_.advance(read_, kDescriptorBytes), packet.data() + sizeof(d),
                  len - kDescriptorBytes);
    read_ = mem_.advance(read_, len + kTrailerBytes);
    bytes_read_since_publish_ += len + kTrailerBytes;
    return Status::packet;
}

bool IncomingRing::publish_and_check_writer(std::string &why)
{
    const uint32_t bytes_read = bytes_read_since_publish_;
    bytes_read_since_publish_ = 0;
    // seq_cst store (a release store and more): every copy out of the ring above completes
    // before the guest may reuse the space (pairs with the guest writer's acquire load of
    // read_index), and the store is ordered before the seq_cst load of pending_send_sz below.
    // That store->load order pairs with the guest's "store pending_send_sz, full barrier,
    // re-check free space"; without it both sides can miss each other and the blocked writer
    // never wakes. (seq_cst operations instead of a fence: ThreadSanitizer models no fences.)
    mem_.word(kReadIndex).store(read_, std::memory_order_seq_cst);
    if (bytes_read == 0) return false;
    if ((mem_.word(kFeatureBits).load(std::memory_order_relaxed) & kFeaturePendingSendSize) == 0)
        return false;
    uint32_t pending = mem_.word(kPendingSendSize).load(std::memory_order_seq_cst);
    if (pending == 0) return false;
    // Some writers store ring-size - 1: compare in whole 8-byte units.
    pending &= ~uint32_t{7};
    const uint32_t w = mem_.word(kWriteIndex).load(std::memory_order_acquire);
    if (!mem_.index_valid(w)) {
        why = "write_index invalid while checking pending_send_sz";
        return false;
    }
    const uint32_t now_free = mem_.free_bytes(w, read_);
    const uint32_t before_free = now_free >= bytes_read ? now_free - bytes_read : 0;
    if (before_free > pending) // the writer was not blocked before this batch
        return false;
    return now_free > pending;
}

void IncomingRing::mask() noexcept
{
    // Only an optimisation for the guest (it may skip signals while we drain); the drain
    // loop re-checks after unmasking, so no ordering is needed here.
    mem_.word(kInterruptMask).store(1, std::memory_order_relaxed);
}

bool IncomingRing::unmask_and_check_empty() noexcept
{
    // seq_cst store then seq_cst load: the unmask is visible before write_index is re-read.
    // Pairs with the guest writer's full barrier between publishing write_index and loading
    // interrupt_mask; without it a packet published just now could go unsignalled and
    // unread (a lost wakeup).
    mem_.word(kInterruptMask).store(0, std::memory_order_seq_cst);
    return mem_.word(kWriteIndex).load(std::memory_order_seq_cst) == read_;
}

} // namespace satori::sim::detail::ring
