// SPDX-License-Identifier: MIT
// fuzz/common/fake_host_channel.hpp — a sim::HostChannel over a flat "guest memory" buffer for
// driving a VSP directly: sends are counted (and their sizes checked), GPA copies are
// bounds-checked against the buffer, timers never fire, reading pauses are recorded.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include <satori/errno.h>
#include <satori/sim/host_channel.hpp>
#include <satori/sim/vsp.hpp>

#include "fuzz_check.hpp"

namespace satori::fuzz {

class NullTimers final : public sim::Timers {
  public:
    Id start(std::chrono::nanoseconds, std::chrono::nanoseconds, std::function<void()>) override
    {
        return ++next_;
    }
    void cancel(Id) override {}

  private:
    std::atomic<Id> next_{0};
};

class FakeHostChannel final : public sim::HostChannel {
  public:
    FakeHostChannel(sim::Vsp &vsp, std::byte *mem, size_t mem_bytes, uint16_t sub_index = 0)
        : vsp_(vsp), mem_(mem), mem_bytes_(mem_bytes), sub_(sub_index)
    {
    }

    uint32_t relid() const noexcept override { return 7 + sub_; }
    uint16_t sub_channel_index() const noexcept override { return sub_; }
    sim::Vsp &vsp() const noexcept override { return vsp_; }
    std::span<const std::byte> open_user_data() const noexcept override { return {user_, 120}; }
    uint32_t vmbus_version() const noexcept override { return 0x00050003; }

    int32_t send_inband(std::span<const std::byte> p, uint64_t, bool) override { return sent(p); }
    int32_t send_completion(uint64_t, std::span<const std::byte> p) override { return sent(p); }
    int32_t send_xfer_pages(uint16_t, std::span<const sim::XferPageRange>,
                            std::span<const std::byte> p, uint64_t, bool) override
    {
        return sent(p);
    }
    int32_t read_gpa(const sim::HostPacket &pkt, uint64_t offset, std::span<std::byte> dst) const override
    {
        return copy(pkt, offset, dst.size(), [&](std::byte *g, size_t done, size_t n) {
            std::memcpy(dst.data() + done, g, n);
        });
    }
    int32_t write_gpa(const sim::HostPacket &pkt, uint64_t offset,
                      std::span<const std::byte> src) const override
    {
        return copy(pkt, offset, src.size(), [&](std::byte *g, size_t done, size_t n) {
            std::memcpy(g, src.data() + done, n);
        });
    }
    std::shared_ptr<const sim::GpadlMapping> gpadl(uint32_t) const override { return nullptr; }
    void offer_subchannels(uint16_t) override {}
    void ensure_subchannels(uint16_t) override {}
    void pause_reading() override { paused_ = true; }
    void resume_reading() override { paused_ = false; }
    sim::Timers &timers() noexcept override { return timers_; }
    void log(sim::LogLevel, std::string_view) const override {}
    bool is_open() const noexcept override { return open_; }

    void close() { open_ = false; }
    uint64_t sends() const { return sends_; }
    bool paused() const { return paused_; }

  private:
    int32_t sent(std::span<const std::byte> p)
    {
        if (!open_) return -SATORI_ENODEV;
        FUZZ_CHECK(p.size() <= 64 * 1024); // a VSP never builds a packet a ring cannot hold
        volatile std::byte sink{};
        for (std::byte b : p)
            sink = sink ^ b; // every byte handed to the ring must be initialized (MSan/UBSan)
        ++sends_;
        return 0;
    }

    template <class Fn>
    int32_t copy(const sim::HostPacket &pkt, uint64_t offset, size_t len, Fn &&fn) const
    {
        if (offset + len < offset || offset + len > pkt.gpa_bytes()) return -SATORI_ERANGE;
        size_t done = 0;
        uint64_t skip = offset;
        for (const auto &r : pkt.gpa_ranges) {
            uint64_t at = r.byte_offset;
            uint64_t left = r.byte_count;
            if (skip >= left) {
                skip -= left;
                continue;
            }
            at += skip;
            left -= skip;
            skip = 0;
            while (left > 0 && done < len) {
                const uint64_t page = at / 4096;
                FUZZ_CHECK(page < r.pfns.size());
                const uint64_t gpa = r.pfns[page] * 4096 + at % 4096;
                const size_t n = static_cast<size_t>(
                    std::min<uint64_t>({left, 4096 - at % 4096, len - done}));
                FUZZ_CHECK(gpa + n <= mem_bytes_); // the parser checked every PFN
                fn(mem_ + gpa, done, n);
                done += n;
                at += n;
                left -= n;
            }
            if (done == len) break;
        }
        return done == len ? 0 : -SATORI_ERANGE;
    }

    sim::Vsp &vsp_;
    std::byte *mem_;
    size_t mem_bytes_;
    uint16_t sub_;
    std::byte user_[120]{};
    NullTimers timers_;
    std::atomic<bool> open_{true};
    std::atomic<bool> paused_{false};
    std::atomic<uint64_t> sends_{0};
};

} // namespace satori::fuzz
