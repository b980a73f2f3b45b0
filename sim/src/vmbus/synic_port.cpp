// SPDX-License-Identifier: MIT
#include "vmbus/synic_port.hpp"

#include <exception>

namespace satori::sim::detail {

SynicPort::SynicPort(const GuestLink &guest, const Logger &log, Counters &counters,
                     std::chrono::milliseconds delay)
    : guest_(guest), log_(log), counters_(counters), delay_(delay)
{
    thread_ = std::thread([this] { run(); });
}

SynicPort::~SynicPort()
{
    stop();
}

void SynicPort::send(OutboundMessage msg)
{
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(msg));
    cv_.notify_all();
}

void SynicPort::pause()
{
    std::lock_guard lock(mutex_);
    paused_ = true;
}

void SynicPort::resume()
{
    std::lock_guard lock(mutex_);
    paused_ = false;
    cv_.notify_all();
}

void SynicPort::set_delay(std::chrono::milliseconds delay)
{
    std::lock_guard lock(mutex_);
    delay_ = delay;
    cv_.notify_all();
}

void SynicPort::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
        cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
}

void SynicPort::run()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [&] { return stopping_ || (!paused_ && !queue_.empty()); });
        if (stopping_) return;
        if (delay_.count() > 0) {
            const auto until = std::chrono::steady_clock::now() + delay_;
            cv_.wait_until(lock, until, [&] { return stopping_; });
            if (stopping_) return;
            if (paused_ || queue_.empty()) continue;
        }
        OutboundMessage msg = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        // No host lock is held here: the guest may call post_message from this callback.
        guest_.deliver_message(msg.vp, msg.sint, msg.bytes.data(),
                               static_cast<uint32_t>(msg.bytes.size()));
        Counters::bump(counters_.messages_sent);
        if (msg.after) {
            try {
                msg.after();
            } catch (const std::exception &e) {
                log_.error("after-delivery action threw: ", e.what());
            }
        }
        lock.lock();
    }
}

} // namespace satori::sim::detail
