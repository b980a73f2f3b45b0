// SPDX-License-Identifier: MIT
// Work for the control thread: guest messages and API requests, handled in arrival order.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

#include <satori/sim/vsp.hpp>

namespace satori::sim::detail {

struct GuestMessage {
    uint32_t connection_id;
    std::vector<std::byte> bytes;
};
struct AddDevice {
    std::shared_ptr<Vsp> vsp;
};
struct RescindDevice {
    std::shared_ptr<Vsp> vsp;
};
struct OfferSubchannels {
    uint32_t primary_relid;
    uint16_t count;
    bool up_to_total; ///< count is the total wanted, not how many more
};
/// Test hook: a host->guest control message sent unchecked, in order with the others.
struct RawMessage {
    std::vector<std::byte> bytes;
};
struct Barrier {
    std::shared_ptr<std::promise<void>> done;
};
using Command =
    std::variant<GuestMessage, AddDevice, RescindDevice, OfferSubchannels, RawMessage, Barrier>;

class InboundQueue {
  public:
    /// False when closed, or when @p c is a guest message and @p guest_limit are queued.
    bool push(Command c, size_t guest_limit = SIZE_MAX)
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        const bool from_guest = std::holds_alternative<GuestMessage>(c);
        if (from_guest && guest_queued_ >= guest_limit) return false;
        guest_queued_ += from_guest ? 1 : 0;
        queue_.push_back(std::make_unique<Command>(std::move(c)));
        cv_.notify_one();
        return true;
    }

    /// Blocks; nullptr once closed.
    std::unique_ptr<Command> pop()
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (closed_) return nullptr;
        std::unique_ptr<Command> c = std::move(queue_.front());
        queue_.pop_front();
        guest_queued_ -= std::holds_alternative<GuestMessage>(*c) ? 1 : 0;
        return c;
    }

    void close()
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        queue_.clear(); // drops pending barriers too: their futures see broken_promise
        cv_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<Command>> queue_; // boxed: GCC 12 misreports moved variants
    size_t guest_queued_ = 0;
    bool closed_ = false;
};

} // namespace satori::sim::detail
