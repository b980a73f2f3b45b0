// SPDX-License-Identifier: MIT
// The primary channel and its sub-channels: per-channel send queues, in-flight counts and
// the choice of a channel for new I/O (fewest requests in hand; round-robin among equals).
//
// Queue depth (shared/spec/storvsc.md §12): a channel carries at most
//   (ring_bytes - 4096) / align8(MAX_MULTIPAGE_BUFFER_PACKET + sizeof(vstor_packet) + 8)
// I/O requests at once (352 for a 128 KiB ring). Control packets (handshake, resets) have a
// small reserve of their own on top. Requests beyond that wait in the channel's queue and
// go out as completions free room; a full ring (-EAGAIN) puts the request back at the head
// of its queue until on_send_space.
//
// Not thread-safe except where noted: the Device's mutex protects the pool. The drain
// flags are atomics so that exactly one thread sends on a channel at a time without a lock
// (Device::kick), which also makes completions delivered from inside a send safe.
#ifndef SATORI_STORVSC_CHANNEL_POOL_HPP
#define SATORI_STORVSC_CHANNEL_POOL_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include <satori/sdk/channel.hpp>

#include "protocol.hpp"
#include "request_tracker.hpp"

namespace satori::storvsc {

/// §12: MAX_MULTIPAGE_BUFFER_PACKET (0x18 + 8 + 32 * 8).
inline constexpr uint32_t kMaxMultipageBufferPacket = 0x120;
/// I/O requests one channel with a guest->host ring of @p ring_bytes may carry (§12).
constexpr uint32_t io_depth_for_ring(uint32_t ring_bytes) noexcept
{
    constexpr uint32_t per_request =
        (kMaxMultipageBufferPacket + static_cast<uint32_t>(proto::kPacketSizeWin8) + 8 + 7) & ~7u;
    if (ring_bytes <= 4096 + per_request) return 1;
    return (ring_bytes - 4096) / per_request;
}
static_assert(io_depth_for_ring(128 * 1024) == 352, "§12: 352 for 128 KiB rings");

/// Control packets (handshake, resets, sub-channel requests) allowed in flight on top of I/O.
inline constexpr uint32_t kControlReserve = 16;

struct ChannelSlot {
    enum class State : uint8_t {
        kAbsent,  ///< not offered or not opened (yet)
        kOpening, ///< channel_open running
        kOpen,    ///< usable
        kClosing, ///< remove() is closing it: no new sends
        kDead,    ///< closed by the host, aborted, or closed by remove()
    };

    uint16_t index = 0;
    State state = State::kAbsent;
    int32_t dead_reason = 0;
    /// The owning handle. Written only under the Device mutex while not kOpen; read without
    /// the lock by the one draining thread, and only after it saw kOpen under the lock.
    satori::Channel channel;
    std::deque<Request *> control_queue;
    std::deque<Request *> io_queue;
    uint32_t io_inflight = 0;      ///< kSent + kAbandoned I/O requests on this channel
    uint32_t control_inflight = 0; ///< the same for control requests
    uint64_t packets_sent = 0;

    /// Device::kick: one thread drains at a time; others leave a note and return. [any]
    std::atomic<bool> draining{false};
    std::atomic<bool> kick_pending{false};

    bool open() const noexcept { return state == State::kOpen; }
    uint32_t io_load() const noexcept
    {
        return io_inflight + static_cast<uint32_t>(io_queue.size());
    }
};

class ChannelPool {
  public:
    /// Empties the pool and makes @p slots slots (primary + sub-channels), all kAbsent.
    void reset(uint16_t slots, uint32_t io_depth, uint32_t control_reserve = kControlReserve);

    uint16_t size() const noexcept { return static_cast<uint16_t>(slots_.size()); }
    ChannelSlot *at(uint16_t index) noexcept
    {
        return index < slots_.size() ? slots_[index].get() : nullptr;
    }
    const ChannelSlot *at(uint16_t index) const noexcept
    {
        return index < slots_.size() ? slots_[index].get() : nullptr;
    }
    uint32_t io_depth() const noexcept { return io_depth_; }
    uint32_t control_reserve() const noexcept { return control_reserve_; }
    uint16_t open_count() const noexcept;

    /// The open channel with the fewest I/O requests in hand (in flight + queued); equals
    /// are taken in turn. nullopt when no channel is open.
    std::optional<uint16_t> pick() noexcept;

    /// Room for one more I/O request in flight on @p slot.
    bool can_send_io(const ChannelSlot &slot) const noexcept
    {
        return slot.io_inflight < io_depth_;
    }
    /// Room for one more control request (I/O and control share the ring).
    bool can_send_control(const ChannelSlot &slot) const noexcept
    {
        return slot.io_inflight + slot.control_inflight < io_depth_ + control_reserve_;
    }

    /// Takes @p req out of its channel's queue (it must be kQueued there).
    void unqueue(Request &req) noexcept;
    /// Appends @p req to the queue of channel req.channel (back, or front after -EAGAIN).
    void enqueue(Request &req, bool front = false);

  private:
    std::vector<std::unique_ptr<ChannelSlot>> slots_;
    uint32_t io_depth_ = 1;
    uint32_t control_reserve_ = kControlReserve;
    uint16_t next_ = 0;
};

} // namespace satori::storvsc

#endif // SATORI_STORVSC_CHANNEL_POOL_HPP
