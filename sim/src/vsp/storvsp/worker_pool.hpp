// SPDX-License-Identifier: MIT
// A small FIFO thread pool: the disk I/O threads of one storvsp controller.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace satori::sim::detail::storvsp {

class WorkerPool {
  public:
    explicit WorkerPool(unsigned threads);
    /// Stops and joins the threads; jobs not started yet are dropped. Safe from inside a
    /// job (the last owner of the pool may be a job's captured state): that thread is
    /// detached and leaves once its job returns.
    ~WorkerPool();
    WorkerPool(const WorkerPool &) = delete;
    WorkerPool &operator=(const WorkerPool &) = delete;

    /// Queues @p job. @context [any]
    void submit(std::function<void()> job);

    struct State;

  private:
    std::shared_ptr<State> state_; ///< shared with the threads, so a detached one stays valid
    std::vector<std::thread> threads_;
};

} // namespace satori::sim::detail::storvsp
