// SPDX-License-Identifier: MIT
// bench/vmbus/bench_bringup.cpp — full device bring-up through the simulator: from
// satori_shim_start (VMBus connect, offers) until the device is usable: the heartbeat
// plugin bound, or the storvsc plugin's disk exported over NBD (handshake, LUN scan, block
// device registered). Same-run baseline: the same host and start with no plugin (connect
// and offers only). Host and shim set-up and teardown are outside the timed span.
#include <string>

#include <benchmark/benchmark.h>

#include "common/bench_util.hpp"
#include "vmbus/sim_shim.hpp"

namespace satori::bench {
namespace {

enum Device : int64_t { kNone = 0, kHeartbeat = 1, kStorage = 2 };

void BM_Bringup(benchmark::State &state)
{
    const auto device = static_cast<Device>(state.range(0));
    SimShimConfig cfg;
    cfg.storage = true; // the same host (heartbeat + storvsp) in every variant
    cfg.disk_bytes = 16ull << 20;
    uint32_t until = SATORI_SHIM_EV_CONNECTED;
    if (device == kHeartbeat) {
        cfg.plugins = {SATORI_BENCH_HEARTBEAT_PLUGIN};
        until = SATORI_SHIM_EV_BOUND;
    } else if (device == kStorage) {
#ifdef SATORI_BENCH_STORVSC_PLUGIN
        cfg.plugins = {SATORI_BENCH_STORVSC_PLUGIN};
        cfg.nbd_socket = scratch_dir() + "/nbd.sock";
        until = SATORI_SHIM_EV_EXPORT_ADDED;
#else
        return state.SkipWithError("storvsc plugin not built");
#endif
    }
    double stop_secs = 0;
    for (auto _ : state) {
        SimShim sim(cfg);
        auto t0 = std::chrono::steady_clock::now();
        if (int32_t rc = sim.start(); rc != 0)
            return state.SkipWithError(
                ("start: " + std::to_string(rc) + " " + sim.last_log()).c_str());
        if (!sim.wait_event(until))
            return state.SkipWithError(("device not up in 10 s: " + sim.last_log()).c_str());
        auto t1 = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
        satori_shim_stop(sim.shim());
        stop_secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    }
    state.counters["stop_ms"] = stop_secs * 1e3 / static_cast<double>(state.iterations());
}

// A fixed iteration count: set-up and teardown are not timed, so a minimum time would make
// Google Benchmark run hundreds of them.
void bringup_args(benchmark::internal::Benchmark *b)
{
    b->Iterations(static_cast<int64_t>(scaled(20, 1)))
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_Bringup)->Name("bringup/bare")->Arg(kNone)->Apply(bringup_args);
BENCHMARK(BM_Bringup)->Name("bringup/heartbeat")->Arg(kHeartbeat)->Apply(bringup_args);
BENCHMARK(BM_Bringup)->Name("bringup/storage")->Arg(kStorage)->Apply(bringup_args);

} // namespace
} // namespace satori::bench
