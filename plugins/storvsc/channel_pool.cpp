// SPDX-License-Identifier: MIT
// Channels: the pool's queues and choice of channel, and the Device's plumbing around them
// (open, send queue draining, close, death).
#include "channel_pool.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "device.hpp"

namespace satori::storvsc {

// ---------------------------------------------------------------------------------------------
// ChannelPool
// ---------------------------------------------------------------------------------------------

void ChannelPool::reset(uint16_t slots, uint32_t io_depth, uint32_t control_reserve)
{
    slots_.clear();
    for (uint16_t i = 0; i < slots; ++i) {
        slots_.push_back(std::make_unique<ChannelSlot>());
        slots_.back()->index = i;
    }
    io_depth_ = std::max<uint32_t>(io_depth, 1);
    control_reserve_ = std::max<uint32_t>(control_reserve, 1);
    next_ = 0;
}

uint16_t ChannelPool::open_count() const noexcept
{
    uint16_t n = 0;
    for (const auto &slot : slots_)
        n += slot->open() ? 1 : 0;
    return n;
}

std::optional<uint16_t> ChannelPool::pick() noexcept
{
    std::optional<uint16_t> best;
    uint32_t best_load = 0;
    const auto count = static_cast<uint16_t>(slots_.size());
    for (uint16_t k = 0; k < count; ++k) {
        const auto i = static_cast<uint16_t>((next_ + k) % count);
        const ChannelSlot &slot = *slots_[i];
        if (!slot.open()) continue;
        if (!best || slot.io_load() < best_load) {
            best = i;
            best_load = slot.io_load();
        }
    }
    if (best) next_ = static_cast<uint16_t>((*best + 1) % count);
    return best;
}

void ChannelPool::unqueue(Request &req) noexcept
{
    ChannelSlot *slot = at(req.channel);
    if (!slot) return;
    auto &queue = req.control_queue ? slot->control_queue : slot->io_queue;
    auto it = std::find(queue.begin(), queue.end(), &req);
    if (it != queue.end()) queue.erase(it);
}

void ChannelPool::enqueue(Request &req, bool front)
{
    ChannelSlot *slot = at(req.channel);
    if (!slot) return;
    auto &queue = req.control_queue ? slot->control_queue : slot->io_queue;
    if (front)
        queue.push_front(&req);
    else
        queue.push_back(&req);
    req.state = RequestState::kQueued;
}

// ---------------------------------------------------------------------------------------------
// Device: opening, draining, closing
// ---------------------------------------------------------------------------------------------

OpenParams Device::open_params() const
{
    // 24 zero bytes of OPENCHANNEL user data: a zeroed vmstorage_channel_properties (§2.4).
    static constexpr std::array<std::byte, sizeof(proto::ChannelProperties)> kUserData{};
    OpenParams p;
    p.ring_bytes_out = config_.ring_bytes;
    p.ring_bytes_in = config_.ring_bytes;
    // Completions and unsolicited packets are 16 + 0x40 bytes; leave room for padding.
    p.max_packet_bytes = 512;
    p.max_outstanding = pool_.io_depth() + pool_.control_reserve();
    p.user_data = kUserData;
    return p;
}

Status Device::open_slot(uint16_t index)
{
    OpenParams params;
    {
        std::lock_guard lock(mu_);
        ChannelSlot *slot = pool_.at(index);
        if (!slot) return Status(-SATORI_ENOENT);
        if (stopping_ || dead_) return Status(-SATORI_ESHUTDOWN);
        if (slot->state != ChannelSlot::State::kAbsent) return Status(-SATORI_EBUSY);
        slot->state = ChannelSlot::State::kOpening;
        params = open_params();
    }
    // Callbacks may run before this returns; nothing is sent on the channel until kOpen.
    Result<Channel> ch = open_channel(params, index);
    std::lock_guard lock(mu_);
    ChannelSlot &slot = *pool_.at(index);
    if (!ch) {
        slot.state = ChannelSlot::State::kAbsent;
        return ch.error();
    }
    slot.channel = std::move(*ch);
    // A close reported while opening (rescind) wins.
    if (slot.state == ChannelSlot::State::kOpening) slot.state = ChannelSlot::State::kOpen;
    return Status::ok();
}

void Device::Deferred::kick(uint16_t channel)
{
    if (std::find(kicks.begin(), kicks.end(), channel) == kicks.end()) kicks.push_back(channel);
}

void Device::kick(uint16_t channel) noexcept
{
    ChannelSlot *slot = nullptr;
    {
        std::lock_guard lock(mu_);
        slot = pool_.at(channel);
    }
    if (!slot) return;
    // Combining: whoever holds `draining` drains; everyone else leaves kick_pending, which
    // the drainer re-checks after letting go. A kick from inside a send (a completion
    // delivered synchronously) therefore never recurses into send.
    slot->kick_pending.store(true);
    for (;;) {
        bool expected = false;
        if (!slot->draining.compare_exchange_strong(expected, true)) return;
        while (slot->kick_pending.exchange(false))
            drain_once(*slot);
        slot->draining.store(false);
        if (!slot->kick_pending.load()) return;
    }
}

void Device::drain_once(ChannelSlot &slot)
{
    for (;;) {
        proto::VstorPacket packet{};
        uint32_t size = 0;
        satori_gpa_range range{};
        bool has_range = false;
        bool control = false;
        uint64_t id = 0;
        {
            std::lock_guard lock(mu_);
            if (!slot.open()) return;
            Request *req = nullptr;
            if (!slot.control_queue.empty() && pool_.can_send_control(slot)) {
                req = slot.control_queue.front();
                slot.control_queue.pop_front();
                control = true;
                ++slot.control_inflight;
            } else if (!slot.io_queue.empty() && pool_.can_send_io(slot)) {
                req = slot.io_queue.front();
                slot.io_queue.pop_front();
                ++slot.io_inflight;
            }
            if (!req) return;
            req->state = RequestState::kSent;
            packet = req->packet;
            size = req->packet_size;
            has_range = req->has_range;
            range = req->range;
            if (has_range && !req->pfns.empty()) range.pfns = req->pfns.data();
            id = req->id();
        }

        // The packet bytes and PFN list are copied into the ring by send; the pfns pointer
        // stays valid because nothing completes a request before its packet is in the ring.
        const std::span<const std::byte> bytes = proto::packet_bytes(packet, size);
        const Status st = has_range
                              ? slot.channel.send_gpa_direct(bytes, std::span(&range, 1), id)
                              : slot.channel.send_inband(bytes, id, true);
        if (st) {
            std::lock_guard lock(mu_);
            ++slot.packets_sent;
            continue;
        }

        Deferred d;
        const bool retry_later = st.code() == -SATORI_EAGAIN || st.code() == -SATORI_ENOSPC;
        {
            std::lock_guard lock(mu_);
            Request *req = tracker_.find(id);
            if (req && (req->state == RequestState::kSent || req->state == RequestState::kAbandoned)) {
                uint32_t &inflight = control ? slot.control_inflight : slot.io_inflight;
                if (inflight > 0) --inflight;
                if (req->state == RequestState::kAbandoned) {
                    // Timed out while we were sending: nothing reached the host, so its id
                    // need not stay reserved.
                    release_request(*req, d);
                } else if (retry_later) {
                    pool_.enqueue(*req, true); // head of the queue: order is kept
                } else {
                    int32_t err = st.code();
                    if (err == -SATORI_EINVAL || err == -SATORI_EMSGSIZE || err == -SATORI_E2BIG)
                        err = -SATORI_EIO; // our packet was refused: not the caller's fault
                    else if (err == -SATORI_EBADF || err == -SATORI_ESHUTDOWN)
                        err = -SATORI_ENODEV;
                    d.warnings.push_back("storvsc: send on channel " + std::to_string(slot.index) +
                                         " failed: " + std::string(st.message()));
                    fail_request(*req, err, false, d);
                }
            }
        }
        run(d);
        // Ring full: on_send_space kicks again. Too many in flight: the next completion does.
        // Other errors: the channel is failing; on_channel_closed will sweep it.
        return;
    }
}

void Device::close_channels()
{
    // Sub-channels first, the primary last.
    for (int i = static_cast<int>(pool_.size()) - 1; i >= 0; --i) {
        ChannelSlot *slot = nullptr;
        {
            std::lock_guard lock(mu_);
            slot = pool_.at(static_cast<uint16_t>(i));
            if (!slot) continue;
            if (slot->state == ChannelSlot::State::kOpen ||
                slot->state == ChannelSlot::State::kOpening)
                slot->state = ChannelSlot::State::kClosing;
        }
        // A drainer that saw kOpen may be inside send: wait until it lets go (sends never
        // block, so this is short). Later drainers see kClosing and do not send.
        while (slot->draining.load())
            std::this_thread::yield();
        slot->channel.close();
        std::lock_guard lock(mu_);
        slot->state = ChannelSlot::State::kDead;
        if (slot->dead_reason == 0) slot->dead_reason = -SATORI_ENODEV;
    }
}

void Device::channel_died(uint16_t index, int32_t reason, Deferred &d)
{
    ChannelSlot *slot = pool_.at(index);
    if (!slot) return;
    if (slot->state != ChannelSlot::State::kDead && slot->state != ChannelSlot::State::kClosing)
        slot->state = ChannelSlot::State::kDead;
    if (slot->dead_reason == 0) slot->dead_reason = reason;

    if (index == 0) {
        // Without the primary the controller is gone: fail everything, everywhere.
        if (!dead_) {
            dead_ = true;
            dead_error_ = reason;
        }
        fail_all(reason, false, d);
        d.wake_worker = true;
        return;
    }

    // A sub-channel: what was sent on it is lost; what only waited there moves on.
    std::vector<Request *> sent;
    std::vector<Request *> waiting;
    tracker_.for_each_active([&](Request &req) {
        if (req.channel != index) return;
        if (req.state == RequestState::kSent || req.state == RequestState::kAbandoned)
            sent.push_back(&req);
        else
            waiting.push_back(&req);
    });
    for (Request *req : sent) {
        if (req->state == RequestState::kAbandoned)
            release_request(*req, d);
        else
            fail_request(*req, reason, false, d);
    }
    slot->io_inflight = 0;
    slot->control_inflight = 0;
    for (Request *req : waiting) {
        if (req->state == RequestState::kQueued) pool_.unqueue(*req);
        const std::optional<uint16_t> other = req->pinned ? std::nullopt : pool_.pick();
        if (!other) {
            fail_request(*req, reason, false, d);
            continue;
        }
        req->channel = *other;
        if (req->state == RequestState::kQueued) {
            pool_.enqueue(*req);
            d.kick(*other);
        }
    }
}

void Device::abort_channel(uint16_t index, int32_t reason) noexcept
{
    satori_channel *ch = nullptr;
    {
        std::lock_guard lock(mu_);
        if (ChannelSlot *slot = pool_.at(index); slot && slot->open())
            ch = slot->channel.c_channel();
    }
    const satori_bus_ops *bus = host().bus();
    if (ch && SATORI_SDK_HAS(satori_bus_ops, bus, channel_abort) && bus->channel_abort &&
        bus->channel_abort(ch, reason) == 0)
        return; // on_channel_closed follows, in channel context (perhaps already ran)
    // No abort in this shim (or it refused): stop using the channel ourselves.
    Deferred d;
    {
        std::lock_guard lock(mu_);
        channel_died(index, reason, d);
    }
    run(d);
}

} // namespace satori::storvsc
