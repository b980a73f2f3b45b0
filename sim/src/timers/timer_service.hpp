// SPDX-License-Identifier: MIT
// One timer thread serving Timers for the VSPs of a guest connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include <satori/sim/timers.hpp>

#include "common/logger.hpp"

namespace satori::sim::detail {

class TimerService final : public Timers {
  public:
    explicit TimerService(const Logger &log);
    ~TimerService();

    Id start(std::chrono::nanoseconds delay, std::chrono::nanoseconds period,
             std::function<void()> fn) override;
    void cancel(Id id) override;

    /// Drops every timer and joins the thread; later start() calls are ignored.
    void stop();
    bool on_timer_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

  private:
    using Clock = std::chrono::steady_clock;
    struct Timer {
        Clock::time_point due;
        std::chrono::nanoseconds period;
        std::function<void()> fn;
    };

    void run();

    const Logger &log_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<Id, Timer> timers_;
    Id next_id_ = 1;
    Id running_ = kNone; ///< Timer whose callback runs now.
    bool cancel_running_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace satori::sim::detail
