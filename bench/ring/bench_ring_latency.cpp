// SPDX-License-Identifier: MIT
// bench/ring/bench_ring_latency.cpp — one-way latency (p50/p99) at low load: one 64-byte
// packet every 20 us, the consumer asleep between packets and woken by the ring's signal;
// the baseline is boost::lockfree::spsc_queue with the same sleep/wake rule.
#include <benchmark/benchmark.h>

#include "common/bench_util.hpp"
#include "ring/ring_pair.hpp"

namespace satori::bench {
namespace {

constexpr uint64_t kGapNs = 20000;

void report(benchmark::State &state, PairResult r)
{
    if (!r.error.empty()) {
        state.SkipWithError(r.error.c_str());
        return;
    }
    state.SetIterationTime(r.seconds);
    state.counters["p50_ns"] = quantile(r.latency_ns, 0.50);
    state.counters["p99_ns"] = quantile(r.latency_ns, 0.99);
    state.counters["wakeups_per_pkt"] =
        static_cast<double>(r.consumer_sleeps) / static_cast<double>(r.packets);
    state.counters["pinned"] = r.pinned ? 1 : 0;
}

void BM_RingLatency(benchmark::State &state)
{
    for (auto _ : state)
        report(state, ring_latency(scaled(10000, 100), kGapNs));
}

void BM_SpscLatency(benchmark::State &state)
{
    for (auto _ : state)
        report(state, spsc_latency(scaled(10000, 100), kGapNs));
}

BENCHMARK(BM_RingLatency)
    ->Name("ring_latency")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SpscLatency)
    ->Name("spsc_latency")
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

} // namespace
} // namespace satori::bench
