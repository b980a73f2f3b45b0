// SPDX-License-Identifier: MIT
// tests/support/ring_threads.hpp — one ring, two threads: a producer using the writer
// API and a consumer using the reader API, each with its own struct ring over the same
// memory, as the guest and the host would be. The only wake sources are the rings'
// signal decisions (ring_write's *signal, ring_read_commit's result), delivered through
// RingWake; a wait that times out means a lost wakeup and fails the run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "ring.h"
#include "support/ring_fixture.hpp"

namespace satori::test {

// A sticky event: a signal raised before the wait is not lost.
class RingWake {
  public:
    void signal()
    {
        std::lock_guard<std::mutex> guard(mutex_);
        raised_ = true;
        cond_.notify_one();
    }
    // true when signalled (and consumes it), false on timeout
    bool wait(std::chrono::milliseconds timeout)
    {
        std::unique_lock<std::mutex> lock(mutex_);
        bool ok = cond_.wait_for(lock, timeout, [this] { return raised_; });
        raised_ = false;
        return ok;
    }

  private:
    std::mutex mutex_;
    std::condition_variable cond_;
    bool raised_ = false;
};

struct RingThreadsConfig {
    uint32_t ring_total = 3 * 4096;
    uint32_t max_payload = 2000; // payloads are 16 .. max_payload bytes
    uint64_t packets = 200000;
    uint32_t seed = 1;
    std::chrono::milliseconds timeout{20000};
};

struct RingThreadsResult {
    std::string error; // empty on success
    uint64_t received = 0;
    uint64_t producer_waits = 0; // times the producer slept on a full ring
    uint64_t consumer_waits = 0; // times the consumer slept on an empty ring
    ring_stats writer{}, reader{};
};

class RingThreadsFixture {
  public:
    RingThreadsResult run(const RingThreadsConfig &cfg)
    {
        cfg_ = cfg;
        mem_ = std::make_unique<RingMemory>(cfg.ring_total);
        // Both set up before the threads start; the second init only zeroes it again.
        REQUIRE(ring_init(&writer_, mem_->get(), cfg.ring_total) == 0);
        REQUIRE(ring_init(&reader_, mem_->get(), cfg.ring_total) == 0);
        REQUIRE(cfg.max_payload + 16 <= ring_max_packet(&writer_));

        std::thread producer([this] { produce(); });
        std::thread consumer([this] { consume(); });
        producer.join();
        consumer.join();

        result_.writer = writer_.stats;
        result_.reader = reader_.stats;
        return result_;
    }

  private:
    // payload: [u64 seq][u32 length][u32 checksum of the rest][pattern bytes]
    static constexpr uint32_t kHeader = 16;

    static uint32_t checksum(const uint8_t *p, uint32_t n)
    {
        uint32_t h = 2166136261u; // FNV-1a
        for (uint32_t i = 0; i < n; ++i)
            h = (h ^ p[i]) * 16777619u;
        return h;
    }

    void fail(const std::string &what)
    {
        {
            std::lock_guard<std::mutex> guard(error_mutex_);
            if (result_.error.empty()) result_.error = what;
        }
        stop_ = true;
        reader_wake_.signal();
        writer_wake_.signal();
    }

    Bytes build(uint64_t seq, uint32_t payload_len)
    {
        Bytes body = pattern_bytes(payload_len, static_cast<uint32_t>(seq));
        std::memcpy(body.data(), &seq, 8);
        std::memcpy(body.data() + 8, &payload_len, 4);
        uint32_t sum = checksum(body.data() + kHeader, payload_len - kHeader);
        std::memcpy(body.data() + 12, &sum, 4);
        return make_packet(body, {.trans_id = seq ^ 0x5a5a5a5a00000000ull});
    }

    void produce()
    {
        std::mt19937 rng(cfg_.seed);
        std::uniform_int_distribution<uint32_t> size_dist(kHeader, cfg_.max_payload);
        std::uniform_int_distribution<int> pause_dist(0, 4000);
        bool pending = false;

        for (uint64_t seq = 0; seq < cfg_.packets && !stop_; ++seq) {
            Bytes packet = build(seq, size_dist(rng));
            // descriptor and body as two iovs, as a channel would send them
            ring_iov iov[2] = {{packet.data(), 16},
                               {packet.data() + 16, static_cast<uint32_t>(packet.size() - 16)}};
            const uint32_t need = ring_packet_bytes(static_cast<uint32_t>(packet.size()));
            for (;;) {
                bool sig = false;
                int32_t rc = ring_write(&writer_, iov, 2, &sig);
                if (rc == 0) {
                    if (sig) reader_wake_.signal();
                    if (pending) ring_set_pending_send(&writer_, 0);
                    pending = false;
                    break;
                }
                if (rc != -SATORI_EAGAIN) return fail("ring_write: " + std::to_string(rc));
                // Blocked: announce the size, re-check, then sleep until the reader says so.
                ring_set_pending_send(&writer_, need);
                pending = true;
                if (ring_can_write(&writer_, need)) continue;
                ++result_.producer_waits;
                if (!writer_wake_.wait(cfg_.timeout))
                    return fail("producer lost its wakeup at packet " + std::to_string(seq));
                if (stop_) return;
            }
            // Now and then let the consumer catch up and go to sleep.
            if (pause_dist(rng) == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }

    bool verify(const Bytes &buf, uint32_t len, uint64_t expected)
    {
        vmpacket_desc d;
        std::memcpy(&d, buf.data(), sizeof(d));
        uint64_t seq;
        uint32_t payload_len, sum;
        std::memcpy(&seq, buf.data() + 16, 8);
        std::memcpy(&payload_len, buf.data() + 24, 4);
        std::memcpy(&sum, buf.data() + 28, 4);
        std::string where = " at packet " + std::to_string(expected);
        if (seq != expected) return fail("out of order: got " + std::to_string(seq) + where), false;
        if (d.type != VM_PKT_DATA_INBAND || d.offset8 != 2 ||
            d.trans_id != (seq ^ 0x5a5a5a5a00000000ull))
            return fail("descriptor" + where), false;
        if (payload_len < kHeader || payload_len > cfg_.max_payload ||
            len != round_up8(16 + payload_len) || d.len8 * 8u != len)
            return fail("length" + where), false;
        if (checksum(buf.data() + 16 + kHeader, payload_len - kHeader) != sum)
            return fail("checksum" + where), false;
        for (uint32_t i = 16 + payload_len; i < len; ++i)
            if (buf[i] != 0) return fail("padding" + where), false;
        return true;
    }

    void consume()
    {
        std::mt19937 rng(cfg_.seed + 1);
        std::uniform_int_distribution<int> commit_dist(1, 8);
        std::uniform_int_distribution<int> pause_dist(0, 4000);
        Bytes buf(reader_.data_size);
        uint64_t expected = 0;
        int commit_every = commit_dist(rng);
        int since_commit = 0;

        ring_read_mask(&reader_);
        while (expected < cfg_.packets && !stop_) {
            uint32_t len = 0;
            int32_t rc;
            while ((rc = ring_read(&reader_, buf.data(), reader_.data_size, &len)) == 0) {
                if (!verify(buf, len, expected)) return;
                ++expected;
                // Commit mid-drain now and then, so a blocked producer is woken while
                // the ring is still far from empty.
                if (++since_commit == commit_every) {
                    if (ring_read_commit(&reader_)) writer_wake_.signal();
                    since_commit = 0;
                    commit_every = commit_dist(rng);
                }
                // Now and then fall behind, so the producer fills the ring and blocks.
                if (pause_dist(rng) == 0)
                    std::this_thread::sleep_for(std::chrono::microseconds(50));
            }
            if (rc != -SATORI_EAGAIN) return fail("ring_read: " + std::to_string(rc));
            if (ring_read_commit(&reader_)) writer_wake_.signal();
            since_commit = 0;
            if (ring_read_unmask(&reader_)) {
                ring_read_mask(&reader_);
                continue;
            }
            if (expected == cfg_.packets) break;
            ++result_.consumer_waits;
            if (!reader_wake_.wait(cfg_.timeout))
                return fail("consumer lost its wakeup after packet " + std::to_string(expected));
            ring_read_mask(&reader_);
        }
        result_.received = expected;
    }

    RingThreadsConfig cfg_;
    std::unique_ptr<RingMemory> mem_;
    ring writer_{}, reader_{};
    RingWake reader_wake_, writer_wake_;
    std::atomic<bool> stop_{false};
    std::mutex error_mutex_;
    RingThreadsResult result_;
};

} // namespace satori::test
