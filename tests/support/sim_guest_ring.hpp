// SPDX-License-Identifier: MIT
// tests/support/sim_guest_ring.hpp — the test guest's own ring code (guest->host writer,
// host->guest reader) and an opened channel built on it. Independent of sim/src/ring.
#pragma once

#include <atomic>
#include <cstring>
#include <optional>

#include "support/sim_test_guest.hpp"

namespace satori::sim::testing {

/// One ring as the guest sees it: 4 KiB header, then the data area.
class GuestRingView {
  public:
    GuestRingView(std::byte *base, uint32_t bytes) : base_(base), size_(bytes - 4096) {}
    std::atomic_ref<uint32_t> word(size_t off) const
    {
        return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(base_ + off));
    }
    uint32_t size() const { return size_; }
    void put(uint32_t off, const void *src, uint32_t n)
    {
        for (uint32_t i = 0; i < n; ++i)
            base_[4096 + (off + i) % size_] = static_cast<const std::byte *>(src)[i];
    }
    void take(uint32_t off, void *dst, uint32_t n) const
    {
        for (uint32_t i = 0; i < n; ++i)
            static_cast<std::byte *>(dst)[i] = base_[4096 + (off + i) % size_];
    }

  private:
    std::byte *base_;
    uint32_t size_;
};

struct RxPacket {
    uint16_t type = 0, offset8 = 0, len8 = 0, flags = 0;
    uint64_t transaction_id = 0;
    Bytes bytes; ///< descriptor .. len8*8
    Bytes payload() const { return Bytes(bytes.begin() + offset8 * 8, bytes.end()); }
};

/// A channel the test guest opened: GPADL over both rings + OPENCHANNEL.
class TestChannel {
  public:
    static constexpr uint32_t kWriteIndex = 0, kReadIndex = 4, kInterruptMask = 8,
                              kPendingSendSize = 12, kFeatureBits = 0x40;

    ~TestChannel() { CHECK(violations_ == 0); }

    TestChannel(TestGuest &guest, const Offer &offer, uint32_t gpadl_handle, uint32_t out_pages = 4,
                uint32_t in_pages = 4)
        : guest_(guest), offer_(offer), handle_(gpadl_handle), out_pages_(out_pages),
          in_pages_(in_pages)
    {
        gpa_ = guest.memory().alloc_pages(out_pages + in_pages);
        std::byte *base = guest.memory().at(gpa_);
        out_.emplace(base, out_pages * 4096);
        in_.emplace(base + out_pages * 4096, in_pages * 4096);
        out_->word(kFeatureBits).store(1); // this guest signals freed space
        in_->word(kFeatureBits).store(1);
    }

    /// GPADL + OPENCHANNEL; returns OPENCHANNEL_RESULT's status.
    uint32_t open(uint32_t target_vp = 0)
    {
        REQUIRE(guest_.create_gpadl(offer_.relid, handle_,
                                    {{(out_pages_ + in_pages_) * 4096, 0,
                                      GuestMemfd::pfns(gpa_, out_pages_ + in_pages_)}}) == 0);
        REQUIRE(guest_.post(msg::open_channel(offer_.relid, offer_.relid, handle_, target_vp,
                                              out_pages_)) == SATORI_HV_STATUS_SUCCESS);
        auto r = guest_.expect(msg::kOpenResult);
        CHECK(r.at<uint32_t>(8) == offer_.relid);
        CHECK(r.at<uint32_t>(12) == offer_.relid);
        return r.at<uint32_t>(16);
    }
    void close()
    {
        REQUIRE(guest_.post(msg::relid_only(msg::kClose, offer_.relid)) == 0);
        REQUIRE(guest_.post(msg::gpadl_teardown(offer_.relid, handle_)) == 0);
        auto t = guest_.expect(msg::kGpadlTorndown);
        CHECK(t.at<uint32_t>(8) == handle_);
    }

    uint32_t relid() const { return offer_.relid; }
    /// Host packets this guest found malformed (bad descriptor or trailer).
    int violations() const { return violations_; }
    GuestRingView &out() { return *out_; }
    GuestRingView &in() { return *in_; }

    /// Writes raw packet bytes (+ trailer) into the guest->host ring and signals like Linux.
    bool write_raw(const Bytes &packet, bool signal = true)
    {
        const uint32_t total = static_cast<uint32_t>(packet.size()) + 8;
        const uint32_t w = out_->word(kWriteIndex).load(std::memory_order_relaxed);
        const uint32_t r = out_->word(kReadIndex).load(std::memory_order_acquire);
        const uint32_t free = w >= r ? out_->size() - (w - r) : r - w;
        if (free <= total) return false;
        out_->put(w, packet.data(), static_cast<uint32_t>(packet.size()));
        const uint64_t trailer = uint64_t{w} << 32;
        out_->put((w + static_cast<uint32_t>(packet.size())) % out_->size(), &trailer, 8);
        // seq_cst store then seq_cst loads: publish before looking at the host's mask.
        out_->word(kWriteIndex).store((w + total) % out_->size(), std::memory_order_seq_cst);
        if (signal && out_->word(kInterruptMask).load(std::memory_order_seq_cst) == 0 &&
            out_->word(kReadIndex).load(std::memory_order_acquire) == w)
            guest_.signal_host(offer_.connection_id);
        return true;
    }
    static Bytes packet(uint16_t type, uint16_t flags, uint64_t tid, const Bytes &header,
                        const Bytes &payload)
    {
        const size_t hdr_end = 16 + header.size();
        const size_t total = (hdr_end + payload.size() + 7) & ~size_t{7};
        Bytes p(total);
        put<uint16_t>(p, 0, type);
        put<uint16_t>(p, 2, static_cast<uint16_t>(hdr_end / 8));
        put<uint16_t>(p, 4, static_cast<uint16_t>(total / 8));
        put<uint16_t>(p, 6, flags);
        put<uint64_t>(p, 8, tid);
        std::copy(header.begin(), header.end(), p.begin() + 16);
        std::copy(payload.begin(), payload.end(), p.begin() + static_cast<long>(hdr_end));
        return p;
    }
    bool send_inband(const Bytes &payload, uint64_t tid = 0, bool want_completion = false)
    {
        return write_raw(packet(6, want_completion ? 1 : 0, tid, {}, payload));
    }

    /// Next host->guest packet, waiting for the host's signal if the ring is empty.
    /// recv/try_recv/write_raw/send_inband may run on a helper thread.
    std::optional<RxPacket> recv(std::chrono::milliseconds timeout = 3s)
    {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const uint64_t seen = guest_.signals(offer_.relid);
            if (auto p = try_recv()) return p;
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return std::nullopt;
            guest_.wait_signal(
                offer_.relid, seen,
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        }
    }
    std::optional<RxPacket> try_recv()
    {
        const uint32_t w = in_->word(kWriteIndex).load(std::memory_order_acquire);
        const uint32_t r = in_->word(kReadIndex).load(std::memory_order_relaxed);
        if (w == r) return std::nullopt;
        RxPacket p;
        uint8_t desc[16];
        in_->take(r, desc, 16);
        std::memcpy(&p.type, desc, 2);
        std::memcpy(&p.offset8, desc + 2, 2);
        std::memcpy(&p.len8, desc + 4, 2);
        std::memcpy(&p.flags, desc + 6, 2);
        std::memcpy(&p.transaction_id, desc + 8, 8);
        // No Catch assertions here: this may run on a helper thread. Problems are counted.
        if (p.len8 < p.offset8 || p.offset8 < 2 || p.len8 * 8u + 8 > in_->size()) {
            ++violations_;
            return std::nullopt;
        }
        p.bytes.resize(p.len8 * 8u);
        in_->take(r, p.bytes.data(), p.len8 * 8u);
        uint64_t trailer = 0;
        in_->take((r + p.len8 * 8u) % in_->size(), &trailer, 8);
        if ((trailer >> 32) != r) ++violations_;
        const uint32_t next = (r + p.len8 * 8u + 8) % in_->size();
        in_->word(kReadIndex).store(next, std::memory_order_seq_cst);
        // pending_send_sz: tell the host when it can write again (over-signalling is fine here).
        const uint32_t pending = in_->word(kPendingSendSize).load(std::memory_order_seq_cst);
        if (pending != 0) {
            const uint32_t w2 = in_->word(kWriteIndex).load(std::memory_order_acquire);
            const uint32_t free = w2 >= next ? in_->size() - (w2 - next) : next - w2;
            if (free > pending) guest_.signal_host(offer_.connection_id);
        }
        return p;
    }

  private:
    TestGuest &guest_;
    Offer offer_;
    uint32_t handle_;
    uint32_t out_pages_, in_pages_;
    uint64_t gpa_ = 0;
    std::optional<GuestRingView> out_, in_;
    std::atomic<int> violations_{0};
};

} // namespace satori::sim::testing
