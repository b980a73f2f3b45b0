// SPDX-License-Identifier: MIT
// Timers for VSPs: one timer thread per guest connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace satori::sim {

class Timers {
  public:
    using Id = uint64_t;
    static constexpr Id kNone = 0;

    /**
     * Runs @p fn once after @p delay, then every @p period if @p period is non-zero.
     * @return an id for cancel(); never kNone. If the timers are already stopped (the guest
     *         disconnected) @p fn never runs.
     * @context [any]. @p fn runs on the timer thread ([timer]); it must not block for long
     *          and must not call cancel() for another timer that might be waiting on it.
     */
    virtual Id start(std::chrono::nanoseconds delay, std::chrono::nanoseconds period,
                     std::function<void()> fn) = 0;

    /**
     * Stops a timer. When this returns its callback is not running and will not run again,
     * except when called from inside that very callback (then only future runs are dropped).
     * Unknown or already finished ids are ignored.
     * @context [any]
     */
    virtual void cancel(Id id) = 0;

  protected:
    ~Timers() = default;
};

} // namespace satori::sim
