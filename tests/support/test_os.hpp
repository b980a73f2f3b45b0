// SPDX-License-Identifier: MIT
// tests/support/test_os.hpp — a malloc/pthread-backed struct os_ops for unit tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "os.h"

namespace satori::test {

// Fills a struct os_ops with plain user-space services: calloc/free (counted, with an
// optional injected failure), pthread mutexes, completions as mutex + condvar on
// CLOCK_MONOTONIC, clock_gettime for now_ns, log lines kept for inspection.
// gmem_alloc returns -SATORI_ENOSYS. Safe to call from any thread.
class TestOs {
  public:
    TestOs();
    ~TestOs() = default;
    TestOs(const TestOs &) = delete;
    TestOs &operator=(const TestOs &) = delete;

    const os_ops *ops() const { return &ops_; }

    // The n-th zalloc from now (0 = the next one) returns NULL, once; -1 = never.
    void fail_alloc(int n) { fail_countdown_ = n; }
    // zalloc calls not yet matched by a free.
    long live_allocations() const { return live_; }
    std::vector<std::string> logs() const;

  private:
    static void *zalloc(void *ctx, size_t bytes);
    static void free_mem(void *ctx, void *p);
    static void vlog(void *ctx, uint32_t level, const char *fmt, va_list ap);

    os_ops ops_{};
    std::atomic<long> live_{0};
    std::atomic<int> fail_countdown_{-1};
    mutable std::mutex log_mutex_;
    std::vector<std::string> logs_;
};

} // namespace satori::test
