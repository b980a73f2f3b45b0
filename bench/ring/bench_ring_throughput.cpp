// SPDX-License-Identifier: MIT
// bench/ring/bench_ring_throughput.cpp — packets/s and GB/s through the VMBus ring for
// 64 B .. 64 KiB payloads on two pinned threads, next to the same-run baselines: memcpy of
// the same bytes (one thread) and boost::lockfree::spsc_queue of the same packet count.
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/bench_util.hpp"
#include "ring/ring_pair.hpp"

namespace satori::bench {
namespace {

const std::vector<int64_t> kPayloads = {64, 256, 1500, 4096, 65536};

/// Packets per repetition: about 64 MiB of payload (full scale), 2 k .. 300 k packets.
uint64_t packets_for(uint32_t payload)
{
    uint64_t n = (64ull << 20) / payload;
    n = std::min<uint64_t>(std::max<uint64_t>(n, 2000), 300000);
    return scaled(n, 100);
}

void report(benchmark::State &state, const PairResult &r, uint32_t payload)
{
    if (!r.error.empty()) {
        state.SkipWithError(r.error.c_str());
        return;
    }
    state.SetIterationTime(r.seconds);
    const double pkts = static_cast<double>(r.packets);
    state.counters["pkts_per_s"] = pkts / r.seconds;
    state.counters["GB_per_s"] = pkts * payload / r.seconds * 1e-9;
    state.counters["pinned"] = r.pinned ? 1 : 0;
    state.counters["signals_per_pkt"] =
        static_cast<double>(r.writer_signals + r.reader_signals) / pkts;
    state.counters["writer_signals_per_pkt"] = static_cast<double>(r.writer_signals) / pkts;
    state.counters["wakeups_per_pkt"] =
        static_cast<double>(r.consumer_sleeps + r.producer_sleeps) / pkts;
}

void BM_RingThroughput(benchmark::State &state)
{
    const auto payload = static_cast<uint32_t>(state.range(0));
    for (auto _ : state)
        report(state, ring_throughput(payload, packets_for(payload)), payload);
}

void BM_SpscThroughput(benchmark::State &state)
{
    const auto payload = static_cast<uint32_t>(state.range(0));
    for (auto _ : state)
        report(state, spsc_throughput(payload, packets_for(payload)), payload);
}

/// One thread copies each packet's payload into a ring-sized buffer (wrapping), as many
/// packets as the ring benchmark moves: the bandwidth ceiling of one copy.
void BM_MemcpyThroughput(benchmark::State &state)
{
    const auto payload = static_cast<uint32_t>(state.range(0));
    const uint64_t packets = packets_for(payload);
    std::vector<uint8_t> src(payload, 0x5a), dst(kRingData + payload);
    for (auto _ : state) {
        double secs = 0;
        // on the producer's CPU, in its own thread: the main thread's affinity stays as is
        std::thread copier([&] {
            pin_self(0);
            auto t0 = std::chrono::steady_clock::now();
            size_t off = 0;
            for (uint64_t i = 0; i < packets; ++i) {
                src[0] = static_cast<uint8_t>(i);
                std::memcpy(dst.data() + off, src.data(), payload);
                benchmark::DoNotOptimize(dst.data());
                off += payload;
                if (off >= kRingData) off = 0;
            }
            benchmark::ClobberMemory();
            secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        });
        copier.join();
        state.SetIterationTime(secs);
        state.counters["pkts_per_s"] = static_cast<double>(packets) / secs;
        state.counters["GB_per_s"] = static_cast<double>(packets) * payload / secs * 1e-9;
    }
}

void payload_args(benchmark::internal::Benchmark *b)
{
    b->ArgName("payload");
    for (int64_t p : kPayloads)
        b->Arg(p);
    b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_RingThroughput)->Name("ring_throughput")->Apply(payload_args);
BENCHMARK(BM_SpscThroughput)->Name("spsc_throughput")->Apply(payload_args);
BENCHMARK(BM_MemcpyThroughput)->Name("memcpy_throughput")->Apply(payload_args);

} // namespace
} // namespace satori::bench
