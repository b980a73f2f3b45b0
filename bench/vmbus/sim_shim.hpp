// SPDX-License-Identifier: MIT
// bench/vmbus/sim_shim.hpp — a simulated host (heartbeat IC, optionally a storvsp with a
// memory disk) and a shim in one process, as tests/support/shim_fixture.hpp has it, for the
// control-plane benchmarks. Like the tests, it looks inside the shim (GPL side's own user).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <satori/embed.h>
#include <satori/sim/host.hpp>
#include <satori/sim/storvsp.hpp>

extern "C" {
#include "runtime/shim.h"
}

namespace satori::bench {

struct SimShimConfig {
    bool storage = false;             ///< also offer a storvsp with one memory-disk LUN
    uint64_t disk_bytes = 64 << 20;   ///< its size
    uint64_t guest_memory_bytes = 0;  ///< 0 = the shim's default (1 GiB)
    std::vector<std::string> plugins; ///< plugin .so paths to load before start
    std::string nbd_socket;           ///< blk.nbd_socket; empty = the shim's default
};

class SimShim {
  public:
    explicit SimShim(const SimShimConfig &cfg);
    ~SimShim();
    SimShim(const SimShim &) = delete;
    SimShim &operator=(const SimShim &) = delete;

    /// satori_shim_start (connect, offers, probes). 0 or negative.
    int32_t start();
    /// Waits until an event of @p kind was seen (counting from construction).
    bool wait_event(uint32_t kind, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// The shim's device for the heartbeat offer, or nullptr.
    shim_device *heartbeat_device();
    satori_shim *shim() { return shim_; }
    /// Last error/warning log line (for a failed benchmark's message).
    std::string last_log();

  private:
    std::unique_ptr<sim::Host> host_;
    satori_shim *shim_ = nullptr;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<uint32_t> events_;
    std::string last_log_;
};

/// A per-process scratch directory under /tmp (created once, removed at exit).
std::string scratch_dir();

} // namespace satori::bench
