// SPDX-License-Identifier: MIT
// StorvscFixture: the storvsc Device in the SDK's FakeHost, with the fake storvsp answering
// on its channels, the fake block service, fake guest memory, a test-controlled clock and
// a thread-safe log. Probe and remove go through the plugin descriptor as the shim calls
// them. One fixture at a time per process (the hooks are plain C functions).
#ifndef SATORI_TESTS_SUPPORT_STORVSC_FIXTURE_HPP
#define SATORI_TESTS_SUPPORT_STORVSC_FIXTURE_HPP

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <satori/satori.h>

#include "device.hpp"
#include "support/sdk_fake_host.hpp"
#include "support/sdk_plugin_fixture.hpp"
#include "support/storvsc_fake_blk.hpp"
#include "support/storvsc_fake_vsp.hpp"
#include "support/storvsc_guest_memory.hpp"

namespace satori::test::stv {

/// A data buffer in fake guest memory, cut into blk segments.
struct TestBuffer {
    satori_dma_buffer dma{};
    std::byte *bytes() const { return static_cast<std::byte *>(dma.va); }
    /// One segment over [offset, offset + len).
    satori_blk_segment segment(uint32_t offset, uint32_t len) const
    {
        satori_blk_segment s{};
        s.va = bytes() + offset;
        s.byte_offset = offset % SATORI_PAGE_SIZE;
        s.len = len;
        s.pfn_count = static_cast<uint32_t>((s.byte_offset + len + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE);
        s.pfns = dma.pfns + offset / SATORI_PAGE_SIZE;
        return s;
    }
    /// One segment per page touched by [offset, offset + len).
    std::vector<satori_blk_segment> pages(uint32_t offset, uint32_t len) const
    {
        std::vector<satori_blk_segment> out;
        while (len > 0) {
            const uint32_t in_page = offset % SATORI_PAGE_SIZE;
            const uint32_t n = std::min<uint32_t>(len, SATORI_PAGE_SIZE - in_page);
            out.push_back(segment(offset, n));
            offset += n;
            len -= n;
        }
        return out;
    }
};

struct LogEntry {
    uint32_t level;
    std::string text;
};

class StorvscFixture {
  public:
    StorvscFixture() : vsp(mem)
    {
        instance() = this;
        ::setenv("SATORI_STORVSC_TIMEOUT_MS", "500", 1);
        ::unsetenv("SATORI_STORVSC_SUBCHANNELS");
        ::unsetenv("SATORI_STORVSC_RING_KB");
        FakeHost &h = pf.host;
        orig_get_service_ = h.table()->get_service;
        h.mutable_table().get_service = &StorvscFixture::hook_get_service;
        h.mutable_table().log = &StorvscFixture::hook_log;
        h.mutable_table().now_ns = &StorvscFixture::hook_now;
        h.mutable_bus().send = &StorvscFixture::hook_send;
        h.mutable_bus().channel_abort = &StorvscFixture::hook_abort;
        h.mutable_bus().dma_alloc = &StorvscFixture::hook_dma_alloc;
        h.mutable_bus().dma_free = &StorvscFixture::hook_dma_free;
    }
    StorvscFixture(const StorvscFixture &) = delete;
    StorvscFixture &operator=(const StorvscFixture &) = delete;
    ~StorvscFixture()
    {
        if (pf.device_cookie) pf.remove();
        instance() = nullptr;
    }

    // --- driving the plugin ---
    int32_t probe() { return pf.probe(); }
    void remove() { pf.remove(); }
    storvsc::Device &device() { return pf.device(); }
    storvsc::Device::Snapshot snap() { return device().snapshot(); }
    FakeChannel &channel(std::size_t i = 0) { return *pf.host.channels.at(i); }
    /// Offers sub-channel @p index as the shim would (on_subchannel, [probe]).
    void offer_subchannel(uint16_t index) { pf.desc.on_subchannel(pf.device_cookie, pf.host.device(), index); }

    /// Sends ENUMERATE_BUS on the primary channel, as an unsolicited host message.
    void enumerate_bus(uint32_t operation = storvsc::proto::kOpEnumerateBus)
    {
        std::vector<std::byte> pkt(storvsc::proto::kPacketSizeWin8);
        std::memcpy(pkt.data(), &operation, sizeof(operation));
        pf.host.deliver(channel(0), pkt, 0, SATORI_PKT_DATA_INBAND);
    }
    /// Delivers a completion payload for @p trans_id on @p ch.
    void deliver_completion(FakeChannel &ch, std::vector<std::byte> payload, uint64_t trans_id)
    {
        pf.host.deliver(ch, payload, trans_id, SATORI_PKT_COMP);
    }
    /// Answers every request the fake VSP held back.
    std::size_t release_held() { return vsp.release_held(deliverer()); }

    // --- time ---
    void advance(std::chrono::nanoseconds d) { now_ns() += static_cast<uint64_t>(d.count()); }
    /// The deadline timer (created first in probe), and the BUSY retry timer.
    FakeTimer &tick_timer() { return *pf.host.timers.at(0); }
    FakeTimer &retry_timer() { return *pf.host.timers.at(1); }
    void fire_tick() { pf.host.fire(tick_timer()); }
    void fire_retry() { pf.host.fire(retry_timer()); }

    // --- memory and disks ---
    TestBuffer buffer(uint64_t bytes)
    {
        TestBuffer b;
        b.dma.struct_size = sizeof(b.dma);
        mem.alloc(bytes, &b.dma);
        buffers_.push_back(b.dma);
        return b;
    }
    FakeDisk &disk(std::size_t i = 0)
    {
        auto live = blk.live();
        REQUIRE(i < live.size());
        return *live[i];
    }

    // --- logs ---
    bool logged(std::string_view needle, int level = -1) const
    {
        std::lock_guard lock(log_mu_);
        for (const LogEntry &e : logs_)
            if ((level < 0 || static_cast<int>(e.level) == level) &&
                e.text.find(needle) != std::string::npos)
                return true;
        return false;
    }
    std::string all_logs() const
    {
        std::lock_guard lock(log_mu_);
        std::string out;
        for (const LogEntry &e : logs_)
            out += std::to_string(e.level) + ": " + e.text + "\n";
        return out;
    }

    /// Polls @p pred for up to @p timeout (for the driver's worker thread).
    static bool eventually(const std::function<bool()> &pred,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(5000))
    {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (pred()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return pred();
    }

    std::vector<int32_t> aborts() const
    {
        std::lock_guard lock(log_mu_);
        return aborts_;
    }

    GuestMemory mem;
    FakeVsp vsp;
    FakeBlk blk;
    PluginFixture<storvsc::Device> pf; // last: removed first

  private:
    static StorvscFixture *&instance()
    {
        static StorvscFixture *self = nullptr;
        return self;
    }
    static std::atomic<uint64_t> &now_ns()
    {
        static std::atomic<uint64_t> clock{1'000'000'000};
        return clock;
    }
    FakeVsp::Deliver deliverer()
    {
        return [this](satori_channel *ch, std::vector<std::byte> payload, uint64_t id) {
            if (ch->fake->open) pf.host.deliver(*ch->fake, payload, id, SATORI_PKT_COMP);
        };
    }

    static const void *hook_get_service(const satori_host *h, const char *id)
    {
        StorvscFixture &self = *instance();
        if (std::string_view(id) == SATORI_SERVICE_BLK) return self.blk.table();
        return self.orig_get_service_(h, id);
    }
    static void hook_log(const satori_host *, satori_device *, uint32_t level, const char *msg)
    {
        StorvscFixture &self = *instance();
        std::lock_guard lock(self.log_mu_);
        self.logs_.push_back({level, msg});
    }
    static uint64_t hook_now(const satori_host *) { return now_ns().load(); }
    static int32_t hook_send(satori_channel *ch, const satori_send *pkt)
    {
        StorvscFixture &self = *instance();
        {
            std::lock_guard lock(self.log_mu_);
            if (self.dead_.count(ch)) return self.dead_[ch];
        }
        if (!ch->fake->open) return -SATORI_ENODEV;
        return self.vsp.on_send(ch, ch->fake->sub_index, pkt, self.deliverer());
    }
    static int32_t hook_abort(satori_channel *ch, int32_t reason)
    {
        StorvscFixture &self = *instance();
        {
            std::lock_guard lock(self.log_mu_);
            self.aborts_.push_back(reason);
            self.dead_[ch] = reason;
        }
        // The shim runs on_closed in channel context; here, at once on this thread.
        self.pf.host.deliver_closed(*ch->fake, reason);
        return 0;
    }
    static int32_t hook_dma_alloc(satori_device *, uint64_t bytes, uint32_t, satori_dma_buffer *out)
    {
        return instance()->mem.alloc(bytes, out);
    }
    static void hook_dma_free(satori_device *, satori_dma_buffer *buf) { instance()->mem.free(buf); }

    const void *(*orig_get_service_)(const satori_host *, const char *) = nullptr;
    mutable std::mutex log_mu_;
    std::vector<LogEntry> logs_;
    std::vector<int32_t> aborts_;
    std::map<satori_channel *, int32_t> dead_;
    std::vector<satori_dma_buffer> buffers_;
};

} // namespace satori::test::stv

#endif // SATORI_TESTS_SUPPORT_STORVSC_FIXTURE_HPP
