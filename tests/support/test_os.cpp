// SPDX-License-Identifier: MIT
#include "support/test_os.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <pthread.h>

#include <satori/errno.h>

namespace satori::test {
namespace {

// os.h keeps struct os_lock / os_completion opaque; these are what the pointers hold.
struct Lock {
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
};

struct Completion {
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    bool done = false;

    Completion()
    {
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&cond, &attr);
        pthread_condattr_destroy(&attr);
    }
    ~Completion()
    {
        pthread_cond_destroy(&cond);
        pthread_mutex_destroy(&mutex);
    }
};

Lock *as_lock(os_lock *l)
{
    return reinterpret_cast<Lock *>(l);
}
Completion *as_completion(os_completion *c)
{
    return reinterpret_cast<Completion *>(c);
}

uint64_t monotonic_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

os_lock *lock_create(void *)
{
    return reinterpret_cast<os_lock *>(new Lock);
}

void lock_destroy(void *, os_lock *l)
{
    if (!l) return;
    pthread_mutex_destroy(&as_lock(l)->mutex);
    delete as_lock(l);
}

void lock(os_lock *l)
{
    pthread_mutex_lock(&as_lock(l)->mutex);
}
void unlock(os_lock *l)
{
    pthread_mutex_unlock(&as_lock(l)->mutex);
}

os_completion *completion_create(void *)
{
    return reinterpret_cast<os_completion *>(new Completion);
}

void completion_destroy(void *, os_completion *c)
{
    delete as_completion(c);
}

void completion_reset(os_completion *c)
{
    Completion *cp = as_completion(c);
    pthread_mutex_lock(&cp->mutex);
    cp->done = false;
    pthread_mutex_unlock(&cp->mutex);
}

void complete(os_completion *c)
{
    Completion *cp = as_completion(c);
    pthread_mutex_lock(&cp->mutex);
    cp->done = true;
    pthread_cond_broadcast(&cp->cond);
    pthread_mutex_unlock(&cp->mutex);
}

int32_t completion_wait(os_completion *c, uint64_t timeout_ns)
{
    Completion *cp = as_completion(c);
    uint64_t deadline = monotonic_ns() + timeout_ns;
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(deadline / 1000000000u);
    ts.tv_nsec = static_cast<long>(deadline % 1000000000u);

    int32_t rc = 0;
    pthread_mutex_lock(&cp->mutex);
    while (!cp->done) {
        int err = timeout_ns ? pthread_cond_timedwait(&cp->cond, &cp->mutex, &ts)
                             : pthread_cond_wait(&cp->cond, &cp->mutex);
        if (err == ETIMEDOUT && !cp->done) {
            rc = -SATORI_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&cp->mutex);
    return rc;
}

uint64_t now_ns(void *)
{
    return monotonic_ns();
}

int32_t gmem_alloc(void *, uint32_t, uint32_t, void **, uint64_t *, void **)
{
    return -SATORI_ENOSYS;
}

void gmem_free(void *, void *) {}

} // namespace

TestOs::TestOs()
{
    ops_.ctx = this;
    ops_.zalloc = &TestOs::zalloc;
    ops_.free = &TestOs::free_mem;
    ops_.lock_create = lock_create;
    ops_.lock_destroy = lock_destroy;
    ops_.lock = lock;
    ops_.unlock = unlock;
    ops_.completion_create = completion_create;
    ops_.completion_destroy = completion_destroy;
    ops_.completion_reset = completion_reset;
    ops_.complete = complete;
    ops_.completion_wait = completion_wait;
    ops_.now_ns = now_ns;
    ops_.vlog = &TestOs::vlog;
    ops_.gmem_alloc = gmem_alloc;
    ops_.gmem_free = gmem_free;
}

void *TestOs::zalloc(void *ctx, size_t bytes)
{
    auto *self = static_cast<TestOs *>(ctx);
    // Counts down to 0, fails that call, then stays at -1.
    if (self->fail_countdown_.load() >= 0 && self->fail_countdown_.fetch_sub(1) == 0)
        return nullptr;
    void *p = std::calloc(1, bytes ? bytes : 1);
    if (p) ++self->live_;
    return p;
}

void TestOs::free_mem(void *ctx, void *p)
{
    if (!p) return;
    --static_cast<TestOs *>(ctx)->live_;
    std::free(p);
}

void TestOs::vlog(void *ctx, uint32_t level, const char *fmt, va_list ap)
{
    auto *self = static_cast<TestOs *>(ctx);
    char line[512];
    std::vsnprintf(line, sizeof(line), fmt, ap);
    std::lock_guard<std::mutex> guard(self->log_mutex_);
    self->logs_.push_back(std::to_string(level) + ": " + line);
}

std::vector<std::string> TestOs::logs() const
{
    std::lock_guard<std::mutex> guard(log_mutex_);
    return logs_;
}

} // namespace satori::test
