// SPDX-License-Identifier: MIT
// bench/vmbus/bench_channel.cpp — channel open + close through the shim's runtime (rings,
// ring GPADL, OPENCHANNEL, channel thread; CLOSECHANNEL, teardown) against the simulated
// heartbeat device. Its baseline is gpadl_create_teardown/pages:1 of the same run: one
// control-plane round trip pair.
#include <string>

#include <benchmark/benchmark.h>

#include "vmbus/sim_shim.hpp"

namespace satori::bench {
namespace {

void on_packet(void *, satori_channel *, const satori_packet *) {}
void on_send_space(void *, satori_channel *) {}
void on_closed(void *, satori_channel *, int32_t) {}

void BM_ChannelOpenClose(benchmark::State &state)
{
    const auto ring_bytes = static_cast<uint32_t>(state.range(0));
    SimShim sim({});
    shim_device *dev = sim.start() == 0 ? sim.heartbeat_device() : nullptr;
    if (!dev)
        return state.SkipWithError(("simulated VMBus did not start: " + sim.last_log()).c_str());

    satori_channel_callbacks cb{};
    cb.struct_size = sizeof(cb);
    cb.on_packet = on_packet;
    cb.on_send_space = on_send_space;
    cb.on_closed = on_closed;
    satori_channel_open_params p{};
    p.struct_size = sizeof(p);
    p.ring_bytes_out = ring_bytes;
    p.ring_bytes_in = ring_bytes;
    p.target_vcpu = SATORI_VCPU_ANY;
    p.callbacks = &cb;
    for (auto _ : state) {
        satori_channel *ch = nullptr;
        if (int32_t rc = channels_open(dev, 0, &p, &ch); rc != 0)
            return state.SkipWithError(("channel open: " + std::to_string(rc)).c_str());
        channels_close(channels_from_handle(ch));
    }
}

BENCHMARK(BM_ChannelOpenClose)
    ->Name("channel_open_close")
    ->ArgName("ring_bytes")
    ->Arg(16384)
    ->Arg(262144)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

} // namespace
} // namespace satori::bench
