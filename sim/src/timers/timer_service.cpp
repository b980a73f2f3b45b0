// SPDX-License-Identifier: MIT
#include "timers/timer_service.hpp"

#include <exception>

namespace satori::sim::detail {

TimerService::TimerService(const Logger &log) : log_(log)
{
    thread_ = std::thread([this] { run(); });
}

TimerService::~TimerService()
{
    stop();
}

Timers::Id TimerService::start(std::chrono::nanoseconds delay, std::chrono::nanoseconds period,
                               std::function<void()> fn)
{
    std::lock_guard lock(mutex_);
    const Id id = next_id_++;
    if (stopping_) return id;
    timers_.emplace(id, Timer{Clock::now() + delay, period, std::move(fn)});
    cv_.notify_all();
    return id;
}

void TimerService::cancel(Id id)
{
    std::unique_lock lock(mutex_);
    timers_.erase(id);
    if (running_ != id) return;
    if (std::this_thread::get_id() == thread_.get_id()) {
        cancel_running_ = true; // from inside its own callback: just do not re-arm
        return;
    }
    cancel_running_ = true;
    cv_.wait(lock, [&] { return running_ != id; });
}

void TimerService::stop()
{
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        timers_.clear();
        cv_.notify_all();
    }
    if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

void TimerService::run()
{
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (timers_.empty()) {
            cv_.wait(lock);
            continue;
        }
        auto next = timers_.begin();
        for (auto it = timers_.begin(); it != timers_.end(); ++it)
            if (it->second.due < next->second.due) next = it;
        if (const auto due = next->second.due; Clock::now() < due) {
            cv_.wait_until(lock, due); // a copy: the timer may be cancelled meanwhile
            continue;                  // the set may have changed
        }
        const Id id = next->first;
        Timer timer = std::move(next->second);
        timers_.erase(next);
        running_ = id;
        cancel_running_ = false;
        lock.unlock();
        try {
            timer.fn();
        } catch (const std::exception &e) {
            log_.error("timer callback threw: ", e.what());
        } catch (...) {
            log_.error("timer callback threw a non-std exception");
        }
        lock.lock();
        if (timer.period.count() > 0 && !cancel_running_ && !stopping_) {
            timer.due += timer.period;
            const auto now = Clock::now();
            if (timer.due < now) // fell behind: skip missed ticks rather than bursting
                timer.due = now + timer.period;
            timers_.emplace(id, std::move(timer));
        }
        running_ = kNone;
        cv_.notify_all();
    }
}

} // namespace satori::sim::detail
