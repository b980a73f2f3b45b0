// SPDX-License-Identifier: MIT
// bench/ring/ring_pair.hpp — one VMBus ring (shim_gpl/core) between a producer and a consumer
// thread, pinned to two CPUs, woken only by the ring's own signal decisions, as a channel's
// guest and host sides would be. Also the same transfer through boost::lockfree::spsc_queue.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace satori::bench {

/// Ring size used by every ring benchmark: a 4 KiB control page + 256 KiB of data.
inline constexpr uint32_t kRingData = 256 * 1024;
inline constexpr uint32_t kRingTotal = 4096 + kRingData;

struct PairResult {
    std::string error;                ///< empty on success
    double seconds = 0;               ///< first write .. last packet read
    uint64_t packets = 0;             ///< received, in order
    uint64_t writer_signals = 0;      ///< ring_write asked to signal the consumer
    uint64_t reader_signals = 0;      ///< ring_read_commit asked to signal the producer
    uint64_t consumer_sleeps = 0;     ///< consumer found the ring empty and slept
    uint64_t producer_sleeps = 0;     ///< producer found the ring full and slept
    bool pinned = false;              ///< both threads were pinned to distinct CPUs
    std::vector<uint64_t> latency_ns; ///< one-way latencies (latency mode only)
};

/// Moves @p packets packets of @p payload bytes (descriptor not counted) through the ring
/// as fast as the producer can write them.
PairResult ring_throughput(uint32_t payload, uint64_t packets);

/// Sends @p packets 64-byte packets, one every @p gap_ns, and records each one-way latency
/// (producer's clock before the write .. consumer's clock after the read).
PairResult ring_latency(uint64_t packets, uint64_t gap_ns);

/// The same transfers through boost::lockfree::spsc_queue of @p payload-byte elements, with
/// as many slots as the ring holds packets of that size. The consumer polls (yield) while
/// the queue is empty; in latency mode it sleeps on the same futex wake as the ring's.
PairResult spsc_throughput(uint32_t payload, uint64_t packets);
PairResult spsc_latency(uint64_t packets, uint64_t gap_ns);

/// Bytes one packet of @p payload bytes occupies in the ring (descriptor, padding, trailer).
uint32_t ring_footprint(uint32_t payload);

} // namespace satori::bench
