// SPDX-License-Identifier: MIT
// bench/vmbus/bench_gpadl.cpp — GPADL create + teardown through the shim and the simulated
// host, 1 .. 262 144 pages (4 KiB .. 1 GiB). One GPADL holds at most 8190 pages (range_buflen
// is 16 bits), so a larger region is described as ceil(pages / 8190) GPADLs, as a driver
// must. Same-run baseline: writing the same pages once (memset).
#include <cstring>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/bench_util.hpp"
#include "vmbus/sim_shim.hpp"

namespace satori::bench {
namespace {

constexpr uint32_t kMaxPagesPerGpadl = 8190;

/// Guest memory of @p pages pages from the shim's allocator, freed on destruction.
struct Region {
    satori_shim *shim;
    void *va = nullptr, *handle = nullptr;
    std::vector<uint64_t> pfns;
    Region(satori_shim *s, uint32_t pages) : shim(s), pfns(pages)
    {
        if (gmem_alloc(shim->gmem, pages, &va, pfns.data(), &handle) != 0) handle = nullptr;
    }
    ~Region()
    {
        if (handle) gmem_free(shim->gmem, handle);
    }
};

SimShimConfig config_for(uint32_t pages)
{
    SimShimConfig cfg;
    cfg.guest_memory_bytes = (uint64_t{pages} * 4096 + (256ull << 20) + 0xfffff) & ~0xfffffull;
    return cfg;
}

void BM_Gpadl(benchmark::State &state)
{
    const auto pages = static_cast<uint32_t>(state.range(0));
    SimShim sim(config_for(pages));
    if (sim.start() != 0 || !sim.heartbeat_device() || !sim.shim()->gmem)
        return state.SkipWithError(("simulated VMBus did not start: " + sim.last_log()).c_str());
    vmbus_offer *offer = sim.heartbeat_device()->offer;
    Region region(sim.shim(), pages);
    if (!region.handle) return state.SkipWithError("gmem_alloc failed");

    std::vector<uint32_t> handles;
    for (auto _ : state) {
        handles.clear();
        for (uint32_t done = 0; done < pages; done += kMaxPagesPerGpadl) {
            uint32_t n = std::min(kMaxPagesPerGpadl, pages - done);
            uint32_t h = 0;
            int32_t rc =
                vmbus_gpadl_create(sim.shim()->conn, offer, region.pfns.data() + done, n, &h);
            if (rc != 0)
                return state.SkipWithError(("gpadl_create: " + std::to_string(rc)).c_str());
            handles.push_back(h);
        }
        for (uint32_t h : handles)
            if (int32_t rc = vmbus_gpadl_teardown(sim.shim()->conn, offer, h); rc != 0)
                return state.SkipWithError(("gpadl_teardown: " + std::to_string(rc)).c_str());
    }
    state.counters["gpadls"] = static_cast<double>(handles.size());
    state.counters["pages_per_s"] = benchmark::Counter(
        static_cast<double>(pages), benchmark::Counter::kIsIterationInvariantRate);
}

/// Baseline: writing every byte of the same region once.
void BM_PagesMemset(benchmark::State &state)
{
    const auto pages = static_cast<uint32_t>(state.range(0));
    SimShim sim(config_for(pages)); // the same guest memory as BM_Gpadl's
    if (sim.start() != 0 || !sim.shim()->gmem)
        return state.SkipWithError(("simulated VMBus did not start: " + sim.last_log()).c_str());
    Region region(sim.shim(), pages);
    if (!region.handle) return state.SkipWithError("gmem_alloc failed");
    uint8_t v = 0;
    std::memset(region.va, 1, size_t{pages} * 4096); // fault the pages in first
    for (auto _ : state) {
        std::memset(region.va, ++v, size_t{pages} * 4096);
        benchmark::ClobberMemory();
    }
    state.counters["pages_per_s"] = benchmark::Counter(
        static_cast<double>(pages), benchmark::Counter::kIsIterationInvariantRate);
}

void page_args(benchmark::internal::Benchmark *b)
{
    b->ArgName("pages");
    // smoke (ctest): the multi-GPADL path with 2 GPADLs instead of 1 GiB of memory
    if (scale() == Scale::smoke)
        for (int64_t p : {1, 256, 8190, 16380})
            b->Arg(p);
    else
        for (int64_t p : {1, 16, 256, 4096, 8190, 65536, 262144})
            b->Arg(p);
    b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_Gpadl)->Name("gpadl_create_teardown")->Apply(page_args);
BENCHMARK(BM_PagesMemset)->Name("pages_memset")->Apply(page_args);

} // namespace
} // namespace satori::bench
