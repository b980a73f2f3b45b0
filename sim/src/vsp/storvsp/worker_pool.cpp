// SPDX-License-Identifier: MIT
#include "vsp/storvsp/worker_pool.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace satori::sim::detail::storvsp {

struct WorkerPool::State {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::function<void()>> jobs;
    bool stop = false;
};

namespace {

void run(std::shared_ptr<WorkerPool::State> s)
{
    std::unique_lock lock(s->mutex);
    for (;;) {
        s->cv.wait(lock, [&] { return s->stop || !s->jobs.empty(); });
        if (s->stop) return;
        std::function<void()> job = std::move(s->jobs.front());
        s->jobs.pop_front();
        lock.unlock();
        job();
        job = nullptr; // captured state dies here, outside the lock
        lock.lock();
    }
}

} // namespace

WorkerPool::WorkerPool(unsigned threads) : state_(std::make_shared<State>())
{
    for (unsigned i = 0; i < threads; ++i)
        threads_.emplace_back(run, state_);
}

WorkerPool::~WorkerPool()
{
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(state_->mutex);
        state_->stop = true;
        dropped.swap(state_->jobs);
        state_->cv.notify_all();
    }
    dropped.clear();
    for (auto &t : threads_) {
        if (t.get_id() == std::this_thread::get_id())
            t.detach();
        else
            t.join();
    }
}

void WorkerPool::submit(std::function<void()> job)
{
    std::lock_guard lock(state_->mutex);
    if (state_->stop) return;
    state_->jobs.push_back(std::move(job));
    state_->cv.notify_one();
}

} // namespace satori::sim::detail::storvsp
