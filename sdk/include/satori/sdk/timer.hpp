// SPDX-License-Identifier: MIT
// satori::Timer: a one-shot or periodic timer from the `satori.timer/1` service.
#ifndef SATORI_SDK_TIMER_HPP
#define SATORI_SDK_TIMER_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <thread>
#include <utility>

#include <satori/errno.h>
#include <satori/timer.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

namespace detail {
/// The timer's callback cookie: heap-allocated so that Timer handles can move.
struct TimerCore {
    const satori_timer_service *service = nullptr;
    satori_timer *timer = nullptr;
    std::function<void()> callback;
    Logger log;
    std::atomic<std::thread::id> running{};
    bool orphaned = false; ///< Its Timer let go of it inside the callback; fire() frees it.

    static void fire(void *cookie, satori_timer *) noexcept
    {
        auto *core = static_cast<TimerCore *>(cookie);
        if (!core) return;
        const std::thread::id previous = core->running.exchange(std::this_thread::get_id());
        try {
            if (core->callback) core->callback();
        } catch (const std::exception &e) {
            core->log.error("timer callback threw: ", e.what());
        } catch (...) {
            core->log.error("timer callback threw a non-std exception");
        }
        core->running.store(previous);
        if (core->orphaned) delete core; // cancelled, so the shim will not use the cookie again
    }
};
} // namespace detail

/**
 * A timer owned by this handle: destroyed (satori_timer_service::destroy) exactly once by
 * the destructor or destroy(). Move-only. The callback runs in [timer] context: serialized
 * per timer, must not block; exceptions it throws are logged and swallowed.
 */
class Timer {
  public:
    /// What a timer calls when it fires. [timer]
    using Callback = std::function<void()>;

    Timer() noexcept = default;
    /// Takes over another timer.
    Timer(Timer &&) noexcept = default;
    /// Destroys the current timer, then takes over @p other.
    Timer &operator=(Timer &&other) noexcept
    {
        if (this != &other) {
            destroy();
            core_ = std::move(other.core_);
        }
        return *this;
    }
    Timer(const Timer &) = delete;
    Timer &operator=(const Timer &) = delete;
    ~Timer() { destroy(); }

    /// A disarmed timer calling @p callback. -SATORI_EOPNOTSUPP when the shim has no timer
    /// service. @context [any]
    static Result<Timer> create(const Host &host, satori_device *dev, Callback callback) noexcept
    {
        const satori_timer_service *svc = host.timer_service();
        if (!SATORI_SDK_HAS(satori_timer_service, svc, destroy) || !svc->create || !svc->arm ||
            !svc->cancel || !svc->destroy)
            return Status(-SATORI_EOPNOTSUPP);
        Timer out;
        try {
            out.core_ = std::make_unique<detail::TimerCore>();
        } catch (...) {
            return Status(-SATORI_ENOMEM);
        }
        out.core_->service = svc;
        out.core_->callback = std::move(callback);
        out.core_->log = host.log(dev);
        if (Status st(svc->create(svc, dev, &detail::TimerCore::fire, out.core_.get(),
                                  &out.core_->timer));
            !st) {
            out.core_->timer = nullptr;
            return st;
        }
        return out;
    }
    /// Calls `(object->*method)()` on expiry.
    template <class T>
    static Result<Timer> create(const Host &host, satori_device *dev, T *object,
                                void (T::*method)()) noexcept
    {
        try {
            return create(host, dev, Callback([object, method] { (object->*method)(); }));
        } catch (...) {
            return Status(-SATORI_ENOMEM);
        }
    }

    /// True while a timer exists.
    bool valid() const noexcept { return core_ && core_->timer; }
    /// Same as valid().
    explicit operator bool() const noexcept { return valid(); }

    /// (Re)arms: first expiry after @p delay, then every @p period (0 = one-shot). [any]
    Status arm(std::chrono::nanoseconds delay, std::chrono::nanoseconds period = {}) noexcept
    {
        if (!valid()) return Status(-SATORI_EBADF);
        if (delay.count() < 0 || period.count() < 0) return Status(-SATORI_EINVAL);
        return Status(core_->service->arm(core_->timer, static_cast<uint64_t>(delay.count()),
                                          static_cast<uint64_t>(period.count())));
    }

    /// Disarms; outside the callback, the callback is not running when this returns. [any]
    void cancel() noexcept
    {
        if (valid()) core_->service->cancel(core_->timer);
    }

    /**
     * Cancels and frees the timer; the handle is empty afterwards. [any] From the timer's own
     * callback, where the service forbids destroy, it only cancels: the shim frees the timer
     * with its device, and the callback block is freed when the callback returns.
     */
    void destroy() noexcept
    {
        if (!valid()) {
            core_.reset();
            return;
        }
        if (core_->running.load() == std::this_thread::get_id()) {
            core_->service->cancel(core_->timer);
            core_->log.warn(
                "timer destroyed from its own callback: cancelled, freed with the device");
            core_.release()->orphaned = true; // the running callback still uses it
            return;
        }
        core_->service->destroy(core_->timer);
        core_.reset();
    }

  private:
    std::unique_ptr<detail::TimerCore> core_;
};

} // namespace satori

#endif // SATORI_SDK_TIMER_HPP
