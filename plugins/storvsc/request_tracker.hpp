// SPDX-License-Identifier: MIT
// Requests the driver has in hand, and the transaction ids that name them.
//
// Every packet that wants a completion (handshake steps, resets, scan commands, block I/O)
// is a Request in a slot of the RequestTracker. Its transaction id is
// (generation << 32) | (slot + 1): never 0, and a stale or repeated id (the slot was freed
// and its generation bumped) is not found. A Request lives through
//
//   kQueued -> kSent -> (completion) -> freed
//      ^         |-> kRetryWait -> kQueued           (BUSY: resend after a delay)
//      |         |-> kAbandoned -> (completion) -> freed
//      |                        (timed out or failed for its owner; the id stays reserved
//      |                         until the host answers or the channel dies)
//      '-- EAGAIN (ring full) puts a kSent request back at the head of its queue
//
// Not thread-safe: the Device's mutex protects the tracker and everything in it.
#ifndef SATORI_STORVSC_REQUEST_TRACKER_HPP
#define SATORI_STORVSC_REQUEST_TRACKER_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <satori/blk.h>
#include <satori/channel.h>
#include <satori/sdk/dma.hpp>

#include "protocol.hpp"
#include "scsi.hpp"

namespace satori::storvsc {

enum class RequestState : uint8_t { kFree, kQueued, kSent, kRetryWait, kAbandoned };
enum class RequestKind : uint8_t {
    kControl,  ///< handshake, resets, CREATE_SUB_CHANNELS: a raw vstor reply is wanted
    kInternal, ///< a SCSI command of the driver's own (scan): parsed reply + data copy
    kBlk,      ///< one piece of a block request (BlkOp)
};

/// What a waiting thread gets back for a kControl or kInternal request.
struct Waiter {
    bool done = false;
    int32_t error = 0;   ///< 0, or why there is no reply (-ETIMEDOUT, -ENODEV, -EPROTO, ...)
    std::array<std::byte, proto::kPacketSizeWin8> reply{}; ///< kControl: raw completion payload
    uint32_t reply_size = 0;
    uint32_t vstor_status = 0; ///< kInternal: vstor_packet.status
    uint8_t srb_status = 0;
    uint8_t scsi_status = 0;
    scsi::Sense sense;
    uint32_t transferred = 0;  ///< kInternal: valid bytes in data
    std::vector<uint8_t> data; ///< kInternal data-in, copied out of DMA memory
};

/// One block request from satori.blk/1, done as one or more SRBs ("children").
struct BlkOp {
    satori_blk_disk *disk = nullptr;
    uint64_t tag = 0;
    uint32_t op = 0;
    uint32_t flags = 0;
    uint8_t lun = 0;
    uint32_t block_size = 0;
    // Chunking (discard / write-zeroes): children cover [next_lba, end_lba) in chunks of
    // chunk_blocks; up to a small window of them in flight at once.
    uint64_t next_lba = 0;
    uint64_t end_lba = 0;
    uint64_t chunk_blocks = 0;
    uint32_t unmap_max_blocks = 0;   ///< per UNMAP descriptor
    uint32_t unmap_descriptors = 0;  ///< per UNMAP command
    bool write_same = false;         ///< write-zeroes as WRITE SAME(16), else zero-buffer writes
    uint32_t active = 0;  ///< children queued, sent or waiting to retry
    uint32_t zombies = 0; ///< children abandoned but still holding a transaction id
    int32_t error = 0;    ///< first error
    bool completed = false;
};

/// A packet the driver sent or will send, and what to do with its completion.
struct Request {
    uint32_t index = 0;      ///< slot
    uint32_t generation = 1; ///< bumped on every release
    RequestState state = RequestState::kFree;
    RequestKind kind = RequestKind::kControl;

    // Routing
    uint16_t channel = 0;     ///< sub-channel index it is queued or sent on
    bool pinned = false;      ///< must stay on `channel` (control and scan traffic)
    bool control_queue = false; ///< served before I/O and outside the I/O depth

    // The packet
    proto::VstorPacket packet{};
    uint32_t packet_size = 0;
    bool has_range = false;
    satori_gpa_range range{};
    std::vector<uint64_t> pfns;  ///< owned PFNs when the range spans several segments
    DmaBuffer buffer;            ///< driver-owned data (scan data, UNMAP list, bounce)
    uint32_t requested = 0;      ///< data_transfer_length asked for
    uint8_t lun = 0;
    uint8_t opcode = 0;          ///< SCSI opcode (EXECUTE_SRB) for logs and policy
    bool data_in = false;

    // Timing and retries
    uint64_t deadline_ns = 0;
    uint64_t retry_at_ns = 0;
    uint8_t busy_retries = 0;
    bool attention_retried = false;

    // Owner
    BlkOp *op = nullptr;             ///< kBlk
    std::shared_ptr<Waiter> waiter;  ///< kControl / kInternal (may be null: fire and forget)
    bool bounce_copy_back = false;   ///< kBlk read through `buffer`: copy into op's segments
    std::vector<satori_blk_segment> segments; ///< for bounce copies (pointers valid until complete)

    uint64_t id() const noexcept { return (uint64_t{generation} << 32) | (uint64_t{index} + 1); }
};

class RequestTracker {
  public:
    /// At most @p max_requests slots ever exist.
    explicit RequestTracker(uint32_t max_requests = 65536) : max_(max_requests) {}
    RequestTracker(const RequestTracker &) = delete;
    RequestTracker &operator=(const RequestTracker &) = delete;

    /// A free slot in state kQueued, or nullptr when all max_requests are in use.
    Request *allocate();
    /// The request named by @p id in any state but kFree; nullptr for unknown, stale or
    /// repeated ids.
    Request *find(uint64_t id) noexcept;
    /// Frees @p req (bumps the generation). Its DMA buffer is moved into @p graveyard so that
    /// the caller can free it after dropping its lock.
    void release(Request &req, std::vector<DmaBuffer> &graveyard);

    /// Requests not kFree.
    uint32_t active() const noexcept { return active_; }
    uint32_t capacity() const noexcept { return static_cast<uint32_t>(slots_.size()); }

    /// Calls @p fn(Request&) for every request not kFree.
    template <class Fn> void for_each_active(Fn &&fn)
    {
        for (auto &slot : slots_)
            if (slot->state != RequestState::kFree) fn(*slot);
    }
    template <class Fn> void for_each_active(Fn &&fn) const
    {
        for (const auto &slot : slots_)
            if (slot->state != RequestState::kFree) fn(static_cast<const Request &>(*slot));
    }

  private:
    std::vector<std::unique_ptr<Request>> slots_;
    std::vector<uint32_t> free_;
    uint32_t max_;
    uint32_t active_ = 0;
};

} // namespace satori::storvsc

#endif // SATORI_STORVSC_REQUEST_TRACKER_HPP
