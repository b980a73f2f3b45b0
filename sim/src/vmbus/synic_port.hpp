// SPDX-License-Identifier: MIT
// Host->guest control messages: a queue and one delivery thread, so messages reach the
// guest strictly in order and never while a host lock is held (the guest may post from
// inside deliver_message).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/counters.hpp"
#include "common/logger.hpp"
#include "vmbus/guest_link.hpp"

namespace satori::sim::detail {

struct OutboundMessage {
    std::vector<std::byte> bytes;
    uint32_t vp = 0;
    uint32_t sint = 2;
    /// Runs on the delivery thread right after the guest took the message.
    std::function<void()> after;
};

class SynicPort {
  public:
    SynicPort(const GuestLink &guest, const Logger &log, Counters &counters,
              std::chrono::milliseconds delay);
    ~SynicPort();

    void send(OutboundMessage msg);
    void pause();
    void resume();
    void set_delay(std::chrono::milliseconds delay);
    /// Drops undelivered messages and joins the thread (after a delivery in progress).
    void stop();
    bool on_delivery_thread() const noexcept
    {
        return std::this_thread::get_id() == thread_.get_id();
    }

  private:
    void run();

    const GuestLink &guest_;
    const Logger &log_;
    Counters &counters_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<OutboundMessage> queue_;
    std::chrono::milliseconds delay_;
    bool paused_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace satori::sim::detail
