// SPDX-License-Identifier: MIT
// A fake shim for SDK unit tests: the C tables of <satori/satori.h> implemented in memory.
// Bus calls are recorded; channels queue what the plugin sends and deliver packets to its
// callbacks on request; DMA memory comes from aligned_alloc with made-up PFNs; timers fire
// when the test says so. Only unit tests use it.
#ifndef SATORI_TESTS_SUPPORT_SDK_FAKE_HOST_HPP
#define SATORI_TESTS_SUPPORT_SDK_FAKE_HOST_HPP

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <satori/satori.h>

namespace satori::test {
class FakeHost;
struct FakeChannel;
struct FakeTimer;
} // namespace satori::test

// The ABI's opaque handles, completed for the fake.
struct satori_device {
    satori::test::FakeHost *host;
};
struct satori_channel {
    satori::test::FakeChannel *fake;
};
struct satori_timer {
    satori::test::FakeTimer *fake;
};

namespace satori::test {

/// The bytes of @p text (no terminator), for payloads in tests.
inline std::vector<std::byte> bytes_of(std::string_view text)
{
    std::vector<std::byte> out(text.size());
    if (!text.empty()) std::memcpy(out.data(), text.data(), out.size());
    return out;
}

/// What the plugin passed to satori_bus_ops::send, copied.
struct SentPacket {
    uint16_t type = 0;
    uint16_t flags = 0;
    uint64_t trans_id = 0;
    uint32_t send_flags = 0;
    std::vector<std::byte> data;
    std::vector<satori_gpa_range> ranges; ///< pfns pointers as given (valid while the buffer is)
};

struct FakeChannel {
    satori_channel handle{};
    FakeHost *host = nullptr;
    uint16_t sub_index = 0;
    satori_channel_open_params params{};
    std::vector<std::byte> user_data;
    bool open = true;
    int close_calls = 0;
    int signals = 0;
    int32_t send_result = 0; ///< Returned by send when not 0 (nothing recorded then).
    std::vector<SentPacket> sent;
};

struct FakeTimer {
    satori_timer handle{};
    satori_timer_fn fn = nullptr;
    void *cookie = nullptr;
    bool armed = false;
    bool destroyed = false;
    int arm_calls = 0;
    int cancel_calls = 0;
    int destroy_calls = 0;
    uint64_t delay_ns = 0;
    uint64_t period_ns = 0;
};

struct LogLine {
    uint32_t level;
    std::string text;
    bool with_device;
};

class FakeHost {
  public:
    explicit FakeHost(uint32_t abi_version = SATORI_ABI_VERSION_CURRENT)
    {
        device_.host = this;
        tables_.self = this;
        satori_host &h = tables_.host;
        h.struct_size = sizeof(satori_host);
        h.abi_version = abi_version;
        h.name = "fake-shim";
        h.version = "0.0.1";
        h.get_service = &FakeHost::get_service;
        h.log = &FakeHost::log;
        h.strerror = &FakeHost::strerror;
        h.now_ns = &FakeHost::now_ns;
        h.bus = &bus_;

        bus_.struct_size = sizeof(bus_);
        bus_.channel_open = &FakeHost::channel_open;
        bus_.channel_close = &FakeHost::channel_close;
        bus_.send = &FakeHost::send;
        bus_.signal = &FakeHost::signal;
        bus_.dma_alloc = &FakeHost::dma_alloc;
        bus_.dma_free = &FakeHost::dma_free;
        bus_.gpadl_create = &FakeHost::gpadl_create;
        bus_.gpadl_teardown = &FakeHost::gpadl_teardown;
        bus_.channel_info = &FakeHost::channel_info;

        timers_.self = this;
        timers_.svc.struct_size = sizeof(satori_timer_service);
        timers_.svc.create = &FakeHost::timer_create;
        timers_.svc.arm = &FakeHost::timer_arm;
        timers_.svc.cancel = &FakeHost::timer_cancel;
        timers_.svc.destroy = &FakeHost::timer_destroy;
    }
    FakeHost(const FakeHost &) = delete;
    FakeHost &operator=(const FakeHost &) = delete;
    ~FakeHost()
    {
        for (auto &[handle, alloc] : dma_)
            std::free(alloc.va);
    }

    const satori_host *table() const noexcept { return &tables_.host; }
    satori_host &mutable_table() noexcept { return tables_.host; }
    satori_bus_ops &mutable_bus() noexcept { return bus_; }
    satori_device *device() noexcept { return &device_; }

    // --- knobs ---
    bool provide_timer = true;
    int32_t open_result = 0;
    /// Packet delivered from inside channel_open, before the handle is returned.
    std::vector<std::byte> packet_during_open;

    // --- records ---
    std::vector<LogLine> logs;
    std::vector<std::unique_ptr<FakeChannel>> channels;
    std::vector<std::unique_ptr<FakeTimer>> timers;
    int channel_opens = 0;
    int channel_closes = 0;
    int dma_allocs = 0;
    int dma_frees = 0;
    int bad_dma_frees = 0;
    int gpadl_creates = 0;
    int gpadl_teardowns = 0;
    int bad_gpadl_teardowns = 0;
    std::vector<uint32_t> gpadl_sizes;

    bool logged(std::string_view needle) const
    {
        for (const LogLine &line : logs)
            if (line.text.find(needle) != std::string::npos) return true;
        return false;
    }
    std::size_t live_dma() const noexcept { return dma_.size(); }
    std::size_t live_gpadls() const noexcept { return gpadls_.size(); }
    FakeChannel &last_channel() { return *channels.back(); }

    /// Hands a packet to the plugin's on_packet, as the shim would after reading the ring.
    void deliver(FakeChannel &ch, std::span<const std::byte> data, uint64_t trans_id = 0,
                 uint16_t type = SATORI_PKT_DATA_INBAND, uint16_t flags = 0,
                 std::span<const satori_xfer_range> ranges = {})
    {
        std::vector<std::byte> raw(16 + data.size());
        if (!data.empty()) std::memcpy(raw.data() + 16, data.data(), data.size());
        satori_packet pkt{};
        pkt.struct_size = sizeof(pkt);
        pkt.type = type;
        pkt.flags = flags;
        pkt.trans_id = trans_id;
        pkt.data = reinterpret_cast<const uint8_t *>(raw.data() + 16);
        pkt.data_len = static_cast<uint32_t>(data.size());
        pkt.range_count = static_cast<uint32_t>(ranges.size());
        pkt.ranges = ranges.empty() ? nullptr : ranges.data();
        pkt.raw = reinterpret_cast<const uint8_t *>(raw.data());
        pkt.raw_len = static_cast<uint32_t>(raw.size());
        if (ch.params.callbacks && ch.params.callbacks->on_packet)
            ch.params.callbacks->on_packet(ch.params.cookie, &ch.handle, &pkt);
    }
    void deliver_send_space(FakeChannel &ch)
    {
        if (ch.params.callbacks && ch.params.callbacks->on_send_space)
            ch.params.callbacks->on_send_space(ch.params.cookie, &ch.handle);
    }
    void deliver_closed(FakeChannel &ch, int32_t reason)
    {
        if (ch.params.callbacks && ch.params.callbacks->on_closed)
            ch.params.callbacks->on_closed(ch.params.cookie, &ch.handle, reason);
    }
    /// Echoes everything sent on @p ch back to it: a completion when one was requested,
    /// otherwise an inband copy. Returns how many packets were delivered.
    std::size_t loop_back(FakeChannel &ch)
    {
        std::vector<SentPacket> pending;
        pending.swap(ch.sent);
        for (const SentPacket &p : pending) {
            const bool completion = (p.flags & SATORI_PKT_FLAG_COMPLETION_REQUESTED) != 0;
            deliver(ch, p.data, p.trans_id, completion ? SATORI_PKT_COMP : SATORI_PKT_DATA_INBAND);
        }
        return pending.size();
    }
    void fire(FakeTimer &t) { t.fn(t.cookie, &t.handle); }

  private:
    struct HostTable {
        satori_host host{};
        FakeHost *self = nullptr;
    };
    struct TimerTable {
        satori_timer_service svc{};
        FakeHost *self = nullptr;
    };
    struct DmaAlloc {
        void *va;
        std::vector<uint64_t> pfns;
    };

    static FakeHost &from(const satori_host *h)
    {
        return *reinterpret_cast<const HostTable *>(h)->self;
    }

    static const void *get_service(const satori_host *h, const char *id)
    {
        FakeHost &self = from(h);
        if (std::string_view(id) == SATORI_SERVICE_TIMER && self.provide_timer)
            return &self.timers_.svc;
        return nullptr;
    }
    static void log(const satori_host *h, satori_device *dev, uint32_t level, const char *msg)
    {
        from(h).logs.push_back({level, msg, dev != nullptr});
    }
    static const char *strerror(int32_t) { return "fake strerror"; }
    static uint64_t now_ns(const satori_host *h) { return ++from(h).clock_; }

    static int32_t channel_open(satori_device *dev, uint16_t sub,
                                const satori_channel_open_params *params, satori_channel **out)
    {
        FakeHost &self = *dev->host;
        ++self.channel_opens;
        if (self.open_result != 0) return self.open_result;
        auto ch = std::make_unique<FakeChannel>();
        ch->handle.fake = ch.get();
        ch->host = &self;
        ch->sub_index = sub;
        ch->params = *params;
        if (params->user_data && params->user_data_len) {
            const auto *p = static_cast<const std::byte *>(params->user_data);
            ch->user_data.assign(p, p + params->user_data_len);
        }
        FakeChannel &ref = *ch;
        self.channels.push_back(std::move(ch));
        if (!self.packet_during_open.empty()) self.deliver(ref, self.packet_during_open, 42);
        *out = &ref.handle;
        return 0;
    }
    static void channel_close(satori_channel *ch)
    {
        ++ch->fake->close_calls;
        ++ch->fake->host->channel_closes;
        ch->fake->open = false;
    }
    static int32_t send(satori_channel *ch, const satori_send *pkt)
    {
        FakeChannel &fake = *ch->fake;
        if (!fake.open) return -SATORI_ENODEV;
        if (fake.send_result != 0) return fake.send_result;
        SentPacket sent;
        sent.type = pkt->type;
        sent.flags = pkt->flags;
        sent.trans_id = pkt->trans_id;
        sent.send_flags = pkt->send_flags;
        const auto *data = static_cast<const std::byte *>(pkt->data);
        if (data) sent.data.assign(data, data + pkt->data_len);
        if (pkt->ranges) sent.ranges.assign(pkt->ranges, pkt->ranges + pkt->range_count);
        fake.sent.push_back(std::move(sent));
        return 0;
    }
    static int32_t signal(satori_channel *ch)
    {
        ++ch->fake->signals;
        return 0;
    }
    static int32_t dma_alloc(satori_device *dev, uint64_t bytes, uint32_t flags,
                             satori_dma_buffer *out)
    {
        FakeHost &self = *dev->host;
        if (bytes == 0) return -SATORI_EINVAL;
        const uint64_t rounded = (bytes + SATORI_PAGE_SIZE - 1) & ~uint64_t{SATORI_PAGE_SIZE - 1};
        void *va = std::aligned_alloc(SATORI_PAGE_SIZE, rounded);
        if (!va) return -SATORI_ENOMEM;
        std::memset(va, 0, rounded);
        DmaAlloc alloc{va, {}};
        const uint64_t pages = rounded / SATORI_PAGE_SIZE;
        for (uint64_t i = 0; i < pages; ++i) // scattered unless asked for contiguous pages
            alloc.pfns.push_back((flags & SATORI_DMA_CONTIGUOUS) ? 0x1000 + i : 0x8000 + 3 * i);
        const uint64_t handle = ++self.next_dma_;
        out->page_count = static_cast<uint32_t>(pages);
        out->bytes = rounded;
        out->va = va;
        out->pfns = alloc.pfns.data(); // vector storage does not move with the map node
        out->handle = handle;
        self.dma_.emplace(handle, std::move(alloc));
        ++self.dma_allocs;
        return 0;
    }
    static void dma_free(satori_device *dev, satori_dma_buffer *buf)
    {
        FakeHost &self = *dev->host;
        auto it = self.dma_.find(buf->handle);
        if (it == self.dma_.end() || it->second.va != buf->va) {
            ++self.bad_dma_frees;
            return;
        }
        std::free(it->second.va);
        self.dma_.erase(it);
        ++self.dma_frees;
    }
    static int32_t gpadl_create(satori_channel *ch, const satori_dma_buffer *buf, uint64_t offset,
                                uint64_t bytes, satori_gpadl_t *out)
    {
        FakeHost &self = *ch->fake->host;
        if (!self.dma_.count(buf->handle) || offset % SATORI_PAGE_SIZE ||
            bytes % SATORI_PAGE_SIZE || bytes == 0 || offset + bytes > buf->bytes)
            return -SATORI_EINVAL;
        const satori_gpadl_t handle = ++self.next_gpadl_;
        self.gpadls_.emplace(handle, ch->fake);
        self.gpadl_sizes.push_back(static_cast<uint32_t>(bytes));
        ++self.gpadl_creates;
        *out = handle;
        return 0;
    }
    static int32_t gpadl_teardown(satori_channel *ch, satori_gpadl_t gpadl)
    {
        FakeHost &self = *ch->fake->host;
        auto it = self.gpadls_.find(gpadl);
        if (it == self.gpadls_.end() || it->second != ch->fake) {
            ++self.bad_gpadl_teardowns;
            return -SATORI_EINVAL;
        }
        self.gpadls_.erase(it);
        ++self.gpadl_teardowns;
        return 0;
    }
    static int32_t channel_info(satori_channel *ch, satori_channel_info *out)
    {
        out->relid = 7;
        out->sub_channel_index = ch->fake->sub_index;
        out->ring_bytes_out = ch->fake->params.ring_bytes_out;
        out->ring_bytes_in = ch->fake->params.ring_bytes_in;
        out->packets_sent = ch->fake->sent.size();
        return 0;
    }

    static FakeHost &timer_host(const satori_timer_service *svc)
    {
        return *reinterpret_cast<const TimerTable *>(svc)->self;
    }
    static int32_t timer_create(const satori_timer_service *svc, satori_device *,
                                satori_timer_fn fn, void *cookie, satori_timer **out)
    {
        FakeHost &self = timer_host(svc);
        auto t = std::make_unique<FakeTimer>();
        t->handle.fake = t.get();
        t->fn = fn;
        t->cookie = cookie;
        *out = &t->handle;
        self.timers.push_back(std::move(t));
        return 0;
    }
    static int32_t timer_arm(satori_timer *t, uint64_t delay, uint64_t period)
    {
        t->fake->armed = true;
        ++t->fake->arm_calls;
        t->fake->delay_ns = delay;
        t->fake->period_ns = period;
        return 0;
    }
    static void timer_cancel(satori_timer *t)
    {
        t->fake->armed = false;
        ++t->fake->cancel_calls;
    }
    static void timer_destroy(satori_timer *t)
    {
        t->fake->armed = false;
        t->fake->destroyed = true;
        ++t->fake->destroy_calls;
    }

    HostTable tables_;
    satori_bus_ops bus_{};
    TimerTable timers_;
    satori_device device_{};
    uint64_t clock_ = 0;
    uint64_t next_dma_ = 0;
    satori_gpadl_t next_gpadl_ = 0;
    std::map<uint64_t, DmaAlloc> dma_;
    std::map<satori_gpadl_t, FakeChannel *> gpadls_;
};

/// A satori_device_info for probe calls.
inline satori_device_info make_device_info(const satori_guid &class_id)
{
    satori_device_info info{};
    info.struct_size = sizeof(info);
    info.vmbus_version = (5u << 16) | 3u;
    info.class_id = class_id;
    info.instance_id.b[0] = 0xab;
    info.relid = 12;
    return info;
}

} // namespace satori::test

#endif // SATORI_TESTS_SUPPORT_SDK_FAKE_HOST_HPP
