// SPDX-License-Identifier: MIT
// tests/support/ring_fixture.hpp — one guest ring (core/ring*.c) over page-aligned memory,
// plus the host's view of the same memory (HostRing).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>
#include <satori/errno.h>

#include "ring.h"
#include "support/ring_host.hpp"
#include "support/ring_packet.hpp"

namespace satori::test {

// Page-aligned ring memory: control page + data area.
class RingMemory {
  public:
    explicit RingMemory(uint32_t total_bytes)
        : bytes_(total_bytes), mem_(static_cast<uint8_t *>(std::aligned_alloc(4096, total_bytes)))
    {
        REQUIRE(mem_ != nullptr);
        std::memset(mem_.get(), 0xA5, total_bytes); // no test may rely on zeroed memory
    }
    uint8_t *get() const { return mem_.get(); }
    uint32_t size() const { return bytes_; }
    Bytes snapshot() const { return Bytes(mem_.get(), mem_.get() + bytes_); }

  private:
    struct Free {
        void operator()(uint8_t *p) const { std::free(p); }
    };
    uint32_t bytes_;
    std::unique_ptr<uint8_t, Free> mem_;
};

class RingFixture {
  public:
    static constexpr uint32_t kDefaultTotal = 3 * 4096; // 8 KiB of data

    RingFixture() { reset(kDefaultTotal); }

    // A fresh ring of @total_bytes (control page included).
    void reset(uint32_t total_bytes)
    {
        mem_ = std::make_unique<RingMemory>(total_bytes);
        REQUIRE(ring_init(&rb, mem_->get(), total_bytes) == 0);
        host.attach(rb.ctl, rb.data, rb.data_size);
    }

    uint32_t data_size() const { return rb.data_size; }
    RingMemory &memory() { return *mem_; }

    // An empty ring whose indices both sit at @off, for the guest and the host.
    void place_at(uint32_t off)
    {
        REQUIRE(off % 8 == 0);
        REQUIRE(off < rb.data_size);
        host.set_write_index(off);
        host.set_read_index(off);
        host.sync();
        rb.priv_read = off;
        rb.batch_bytes = 0;
    }

    void fill_data(uint8_t value) { std::memset(rb.data, value, rb.data_size); }

    // ---- the guest as writer ----
    // Writes @packet through ring_write, cut into iovs at @cuts (ascending offsets);
    // a signal decision is delivered to the host.
    int32_t write_raw(const Bytes &packet, const std::vector<uint32_t> &cuts = {})
    {
        std::vector<ring_iov> iov;
        uint32_t from = 0;
        for (uint32_t cut : cuts) {
            iov.push_back({packet.data() + from, cut - from});
            from = cut;
        }
        iov.push_back({packet.data() + from, static_cast<uint32_t>(packet.size()) - from});
        last_signal = false;
        int32_t rc = ring_write(&rb, iov.data(), static_cast<uint32_t>(iov.size()), &last_signal);
        if (rc == 0 && last_signal) host.note_signal();
        return rc;
    }
    // An in-band packet of @payload_len bytes, descriptor and payload as two iovs.
    int32_t write_packet(uint32_t payload_len, uint32_t seed = 1)
    {
        last_written = make_inband(payload_len, seed);
        return write_raw(last_written, {static_cast<uint32_t>(sizeof(vmpacket_desc))});
    }

    // ---- the guest as reader ----
    struct ReadResult {
        int32_t rc;
        uint32_t len;
        Bytes bytes;
        int32_t error() const { return rc; }
    };
    static constexpr uint32_t kCapDataSize = UINT32_MAX; // "as large as the data area"
    ReadResult read_packet(uint32_t cap = kCapDataSize)
    {
        if (cap == kCapDataSize) cap = rb.data_size;
        ReadResult r{0, 0xdeadbeef, Bytes(cap, 0xEE)};
        r.rc = ring_read(&rb, r.bytes.data(), cap, &r.len);
        r.bytes.resize(r.rc == 0 ? r.len : 0);
        return r;
    }

    ring rb{};
    HostRing host;
    bool last_signal = false;
    Bytes last_written;

  private:
    std::unique_ptr<RingMemory> mem_;
};

} // namespace satori::test
