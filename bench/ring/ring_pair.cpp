// SPDX-License-Identifier: MIT
// bench/ring/ring_pair.cpp — the two-thread ring and spsc_queue transfers of ring_pair.hpp.
#include "ring/ring_pair.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include <boost/lockfree/spsc_queue.hpp>
#include <satori/errno.h>

#include "common/bench_util.hpp"
#include "ring.h"
#include "vmbus_proto.h"

namespace satori::bench {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t now_ns()
{
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count());
}

uint32_t round_up8(uint32_t n)
{
    return (n + 7u) & ~7u;
}

struct FreeDeleter {
    void operator()(void *p) const { std::free(p); }
};

/// Spins (yielding) until @p deadline_ns.
void pace_until(uint64_t deadline_ns)
{
    while (now_ns() < deadline_ns)
        std::this_thread::yield();
}

/// Both sides of one ring over the same memory, each with its own struct ring.
class RingPair {
  public:
    RingPair(uint32_t payload, uint64_t packets, uint64_t gap_ns)
        : payload_(payload), packets_(packets), gap_ns_(gap_ns),
          mem_(static_cast<uint8_t *>(std::aligned_alloc(4096, kRingTotal)))
    {
    }

    PairResult run()
    {
        if (!mem_) return fail_now("out of memory");
        std::memset(mem_.get(), 0, kRingTotal);
        if (ring_init(&writer_, mem_.get(), kRingTotal) != 0 ||
            ring_init(&reader_, mem_.get(), kRingTotal) != 0)
            return fail_now("ring_init failed");
        if (16 + payload_ > ring_max_packet(&writer_)) return fail_now("payload too large");
        if (gap_ns_) result_.latency_ns.reserve(packets_);

        std::atomic<int> pinned{0};
        std::thread consumer([&] {
            pinned += pin_self(1) ? 1 : 0;
            consume();
        });
        std::thread producer([&] {
            pinned += pin_self(0) ? 1 : 0;
            produce();
        });
        producer.join();
        consumer.join();
        result_.pinned = pinned == 2 && allowed_cpu(0) != allowed_cpu(1);
        result_.writer_signals = writer_.stats.signals;
        result_.reader_signals = reader_.stats.signals;
        result_.seconds = static_cast<double>(end_ns_ - start_ns_) * 1e-9;
        return result_;
    }

  private:
    PairResult fail_now(const std::string &what)
    {
        result_.error = what;
        return result_;
    }

    void fail(const std::string &what)
    {
        if (!stop_.exchange(true)) result_.error = what;
        consumer_wake_.notify();
        producer_wake_.notify();
    }

    void produce()
    {
        std::vector<uint8_t> body(payload_, 0x5a);
        vmpacket_desc desc{};
        desc.type = VM_PKT_DATA_INBAND;
        desc.offset8 = 2;
        desc.len8 = static_cast<uint16_t>(round_up8(16 + payload_) / 8);
        const uint32_t need = ring_packet_bytes(16 + payload_);
        bool pending = false;
        start_ns_ = now_ns();
        uint64_t next_send = start_ns_;
        for (uint64_t seq = 0; seq < packets_ && !stop_; ++seq) {
            if (gap_ns_) {
                // at least gap_ns_ after the previous send: no catch-up bursts after a delay
                pace_until(next_send);
                uint64_t t = now_ns();
                next_send = t + gap_ns_;
                std::memcpy(body.data(), &t, sizeof(t));
            }
            desc.trans_id = seq;
            ring_iov iov[2] = {{&desc, 16}, {body.data(), payload_}};
            for (;;) {
                bool sig = false;
                int32_t rc = ring_write(&writer_, iov, 2, &sig);
                if (rc == 0) {
                    if (sig) consumer_wake_.notify();
                    if (pending) ring_set_pending_send(&writer_, 0);
                    pending = false;
                    break;
                }
                if (rc != -SATORI_EAGAIN) return fail("ring_write: " + std::to_string(rc));
                // Full: announce the size we wait for, re-check, then sleep until the
                // reader's commit says there is room (spec §1.4).
                ring_set_pending_send(&writer_, need);
                pending = true;
                if (ring_can_write(&writer_, need)) continue;
                ++result_.producer_sleeps;
                producer_wake_.wait();
                if (stop_) return;
            }
        }
    }

    void consume()
    {
        std::vector<uint8_t> buf(reader_.data_size);
        uint64_t expected = 0;
        ring_read_mask(&reader_);
        while (expected < packets_ && !stop_) {
            uint32_t len = 0;
            int32_t rc;
            while ((rc = ring_read(&reader_, buf.data(), reader_.data_size, &len)) == 0) {
                vmpacket_desc d;
                std::memcpy(&d, buf.data(), sizeof(d));
                if (d.trans_id != expected || len < 16 + payload_)
                    return fail("packet " + std::to_string(expected) + " out of order or short");
                if (gap_ns_) {
                    uint64_t t;
                    std::memcpy(&t, buf.data() + 16, sizeof(t));
                    result_.latency_ns.push_back(now_ns() - t);
                }
                ++expected;
            }
            if (rc != -SATORI_EAGAIN) return fail("ring_read: " + std::to_string(rc));
            // Drained: publish read_index, wake a blocked writer if the rule says so, then
            // unmask and re-check before sleeping, as the shim's channel poll does.
            if (ring_read_commit(&reader_)) producer_wake_.notify();
            if (ring_read_unmask(&reader_)) {
                ring_read_mask(&reader_);
                continue;
            }
            if (expected == packets_) break;
            ++result_.consumer_sleeps;
            consumer_wake_.wait();
            ring_read_mask(&reader_);
        }
        end_ns_ = now_ns();
        result_.packets = expected;
    }

    uint32_t payload_;
    uint64_t packets_;
    uint64_t gap_ns_;
    std::unique_ptr<uint8_t, FreeDeleter> mem_;
    ring writer_{}, reader_{};
    Wake consumer_wake_, producer_wake_;
    std::atomic<bool> stop_{false};
    uint64_t start_ns_ = 0, end_ns_ = 0;
    PairResult result_;
};

/// The same transfer through boost::lockfree::spsc_queue of N-byte elements.
template <size_t N> class SpscPair {
  public:
    struct Slot {
        std::array<uint8_t, N> bytes;
    };

    SpscPair(uint64_t packets, uint64_t gap_ns)
        : packets_(packets), gap_ns_(gap_ns),
          queue_(std::max<uint32_t>(2, kRingData / ring_footprint(static_cast<uint32_t>(N))))
    {
    }

    PairResult run()
    {
        if (gap_ns_) result_.latency_ns.reserve(packets_);
        std::atomic<int> pinned{0};
        std::thread consumer([&] {
            pinned += pin_self(1) ? 1 : 0;
            consume();
        });
        std::thread producer([&] {
            pinned += pin_self(0) ? 1 : 0;
            produce();
        });
        producer.join();
        consumer.join();
        result_.pinned = pinned == 2 && allowed_cpu(0) != allowed_cpu(1);
        result_.seconds = static_cast<double>(end_ns_ - start_ns_) * 1e-9;
        return result_;
    }

  private:
    void produce()
    {
        auto slot = std::make_unique<Slot>();
        slot->bytes.fill(0x5a);
        start_ns_ = now_ns();
        uint64_t next_send = start_ns_;
        for (uint64_t seq = 0; seq < packets_; ++seq) {
            uint64_t stamp = seq;
            if (gap_ns_) {
                pace_until(next_send);
                stamp = now_ns();
                next_send = stamp + gap_ns_;
            }
            std::memcpy(slot->bytes.data(), &stamp, sizeof(stamp));
            std::memcpy(slot->bytes.data() + 8, &seq, sizeof(seq));
            while (!queue_.push(*slot))
                std::this_thread::yield();
            // Same rule as the ring's interrupt mask: wake the consumer only if it said it
            // is going to sleep. A seq_cst read-modify-write (not a fence: TSan cannot model
            // fences) orders the push before the read of sleeping_; pairs with the exchange
            // in consume(). Without it both sides may miss each other: a lost wakeup.
            if (gap_ns_ && sleeping_.fetch_or(0, std::memory_order_seq_cst) != 0) {
                ++result_.writer_signals;
                wake_.notify();
            }
        }
    }

    void consume()
    {
        auto slot = std::make_unique<Slot>();
        uint64_t expected = 0;
        while (expected < packets_) {
            if (!queue_.pop(*slot)) {
                if (!gap_ns_) {
                    std::this_thread::yield();
                    continue;
                }
                // Announce, then re-check (pairs with the fetch_or in produce()).
                sleeping_.exchange(1, std::memory_order_seq_cst);
                if (queue_.read_available() == 0) {
                    ++result_.consumer_sleeps;
                    wake_.wait();
                }
                sleeping_.store(0, std::memory_order_relaxed);
                continue;
            }
            uint64_t stamp, seq;
            std::memcpy(&stamp, slot->bytes.data(), sizeof(stamp));
            std::memcpy(&seq, slot->bytes.data() + 8, sizeof(seq));
            if (seq != expected) {
                result_.error = "spsc element " + std::to_string(expected) + " out of order";
                break;
            }
            if (gap_ns_) result_.latency_ns.push_back(now_ns() - stamp);
            ++expected;
        }
        end_ns_ = now_ns();
        result_.packets = expected;
    }

    uint64_t packets_;
    uint64_t gap_ns_;
    boost::lockfree::spsc_queue<Slot> queue_;
    Wake wake_;
    std::atomic<uint32_t> sleeping_{0};
    uint64_t start_ns_ = 0, end_ns_ = 0;
    PairResult result_;
};

template <size_t N> PairResult run_spsc(uint64_t packets, uint64_t gap_ns)
{
    auto pair = std::make_unique<SpscPair<N>>(packets, gap_ns);
    return pair->run();
}

} // namespace

uint32_t ring_footprint(uint32_t payload)
{
    return ring_packet_bytes(16 + payload);
}

PairResult ring_throughput(uint32_t payload, uint64_t packets)
{
    return RingPair(payload, packets, 0).run();
}

PairResult ring_latency(uint64_t packets, uint64_t gap_ns)
{
    return RingPair(64, packets, gap_ns ? gap_ns : 1).run();
}

PairResult spsc_throughput(uint32_t payload, uint64_t packets)
{
    switch (payload) {
    case 64:
        return run_spsc<64>(packets, 0);
    case 256:
        return run_spsc<256>(packets, 0);
    case 1500:
        return run_spsc<1500>(packets, 0);
    case 4096:
        return run_spsc<4096>(packets, 0);
    case 65536:
        return run_spsc<65536>(packets, 0);
    default: {
        PairResult r;
        r.error = "spsc_throughput: no queue for " + std::to_string(payload) + " bytes";
        return r;
    }
    }
}

PairResult spsc_latency(uint64_t packets, uint64_t gap_ns)
{
    return run_spsc<64>(packets, gap_ns ? gap_ns : 1);
}

} // namespace satori::bench
