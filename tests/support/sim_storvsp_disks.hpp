// SPDX-License-Identifier: MIT
// tests/support/sim_storvsp_disks.hpp — test backends: a disk whose reads wait at a gate
// until the test opens it (to hold requests in flight and finish them in any order).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include <satori/sim/disk.hpp>

namespace satori::sim::testing {

class GatedDisk final : public DiskBackend {
  public:
    explicit GatedDisk(uint64_t size) : inner_(size) {}
    ~GatedDisk() override { open_all(); }

    uint64_t size_bytes() const noexcept override { return inner_.size_bytes(); }
    bool read_only() const noexcept override { return false; }
    int32_t read(uint64_t offset, std::span<std::byte> dst) override
    {
        const uint64_t lba = offset / 512;
        {
            std::unique_lock lock(mutex_);
            waiting_.insert(lba);
            ++entered_;
            peak_ = std::max(peak_, waiting_.size());
            cv_.notify_all();
            cv_.wait(lock, [&] { return all_open_ || opened_.count(lba) != 0; });
            waiting_.erase(waiting_.find(lba));
        }
        return inner_.read(offset, dst);
    }
    int32_t write(uint64_t offset, std::span<const std::byte> src) override
    {
        return inner_.write(offset, src);
    }
    int32_t flush() override { return 0; }
    std::string description() const override { return "gated"; }

    /// Lets reads of @p lba through (now and later).
    void open(uint64_t lba)
    {
        std::lock_guard lock(mutex_);
        opened_.insert(lba);
        cv_.notify_all();
    }
    void open_all()
    {
        std::lock_guard lock(mutex_);
        all_open_ = true;
        cv_.notify_all();
    }
    /// Waits until @p n reads are blocked at the gate at the same time.
    bool wait_waiting(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(3))
    {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [&] { return waiting_.size() >= n; });
    }
    size_t waiting() const
    {
        std::lock_guard lock(mutex_);
        return waiting_.size();
    }
    size_t entered() const
    {
        std::lock_guard lock(mutex_);
        return entered_;
    }
    size_t peak() const
    {
        std::lock_guard lock(mutex_);
        return peak_;
    }

  private:
    MemoryDisk inner_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::multiset<uint64_t> waiting_;
    std::set<uint64_t> opened_;
    bool all_open_ = false;
    size_t entered_ = 0, peak_ = 0;
};

/// Opens every gate when it goes out of scope, so a failing test cannot leave workers blocked.
struct OpenGatesOnExit {
    GatedDisk &disk;
    ~OpenGatesOnExit() { disk.open_all(); }
};

} // namespace satori::sim::testing
