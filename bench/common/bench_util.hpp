// SPDX-License-Identifier: MIT
// bench/common/bench_util.hpp — what every Satori benchmark shares: the run scale
// (SATORI_BENCH_SCALE), thread pinning, a sticky wake event and percentiles.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <pthread.h>
#include <sched.h>

namespace satori::bench {

/// How much work one repetition does: smoke (ctest, milliseconds), quick, full.
enum class Scale { smoke, quick, full };

inline Scale scale()
{
    const char *s = std::getenv("SATORI_BENCH_SCALE");
    std::string v = s ? s : "full";
    if (v == "smoke") return Scale::smoke;
    if (v == "quick") return Scale::quick;
    return Scale::full;
}

/// @p full, divided by 10 for quick and by 100 for smoke, never below @p floor.
inline uint64_t scaled(uint64_t full, uint64_t floor = 1)
{
    uint64_t v = full;
    switch (scale()) {
    case Scale::smoke:
        v = full / 100;
        break;
    case Scale::quick:
        v = full / 10;
        break;
    case Scale::full:
        break;
    }
    return std::max(v, floor);
}

/// The @p index-th CPU this process could run on when it started (wrapping), or -1 if
/// unknown. Read once, so a thread that pinned itself does not shrink the list for others.
inline int allowed_cpu(unsigned index)
{
    static const std::vector<int> cpus = [] {
        std::vector<int> out;
        cpu_set_t set;
        CPU_ZERO(&set);
        if (sched_getaffinity(0, sizeof(set), &set) == 0)
            for (int c = 0; c < CPU_SETSIZE; ++c)
                if (CPU_ISSET(c, &set)) out.push_back(c);
        return out;
    }();
    if (cpus.empty()) return -1;
    return cpus[index % cpus.size()];
}

/// Pins the calling thread to the @p index-th allowed CPU; false if it could not.
inline bool pin_self(unsigned index)
{
    int cpu = allowed_cpu(index);
    if (cpu < 0) return false;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

/// A sticky event on a futex (std::atomic wait/notify): a notify before the wait is kept.
class Wake {
  public:
    void notify()
    {
        raised_.store(1, std::memory_order_release);
        raised_.notify_one();
    }
    /// Sleeps until notified (returns at once if already notified) and consumes it.
    void wait()
    {
        while (raised_.exchange(0, std::memory_order_acquire) == 0)
            raised_.wait(0, std::memory_order_relaxed);
    }

  private:
    std::atomic<uint32_t> raised_{0};
};

/// The @p q quantile (0..1) of @p v (reordered); 0 if empty.
inline double quantile(std::vector<uint64_t> &v, double q)
{
    if (v.empty()) return 0;
    size_t k = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return static_cast<double>(v[k]);
}

} // namespace satori::bench
