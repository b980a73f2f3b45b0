// SPDX-License-Identifier: MIT
// tests/sim/test_ring.cpp — the host's ring reader and writer against a raw guest: hostile
// descriptors, signalling rules, pending_send_sz flow control, ring test hooks.
#include <satori/errno.h>

#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

namespace {

/// On a packet {count u32, size u32, hold u32}: sends `count` in-band packets of `size` bytes
/// (transaction ids 1..count). Records every send result.
class BurstVsp : public EchoVsp {
  public:
    BurstVsp() : EchoVsp(1) {}
    void on_packet(HostChannel &ch, const HostPacket &pkt) override
    {
        Bytes p(pkt.payload.begin(), pkt.payload.end());
        const uint32_t count = get<uint32_t>(p, 0), size = get<uint32_t>(p, 4);
        if (get<uint32_t>(p, 8) != 0) {
            std::unique_lock lock(m_);
            holding_ = true;
            cv_.notify_all();
            cv_.wait(lock, [&] { return released_; });
        }
        for (uint32_t i = 1; i <= count; ++i) {
            const int32_t st = ch.send_inband(Bytes(size, std::byte(i)), i);
            std::lock_guard lock(m_);
            results_.push_back(st);
            cv_.notify_all();
        }
        EchoVsp::on_packet(ch, pkt); // record it (the base does not echo: set_echo(false))
    }
    bool wait_results(size_t n, std::chrono::milliseconds t = std::chrono::seconds(5))
    {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, t, [&] { return results_.size() >= n; });
    }
    std::vector<int32_t> results()
    {
        std::lock_guard lock(m_);
        return results_;
    }
    bool wait_holding()
    {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, std::chrono::seconds(3), [&] { return holding_; });
    }
    void release()
    {
        std::lock_guard lock(m_);
        released_ = true;
        cv_.notify_all();
    }

  private:
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<int32_t> results_;
    bool released_ = false;
    bool holding_ = false;
};

Bytes burst(uint32_t count, uint32_t size, bool hold = false)
{
    Bytes p(12);
    put<uint32_t>(p, 0, count);
    put<uint32_t>(p, 4, size);
    put<uint32_t>(p, 8, hold ? 1 : 0);
    return p;
}

struct BadDescriptor {
    const char *what;
    uint16_t type, offset8, len8, flags;
};

} // namespace

TEST_CASE_METHOD(SimFixture, "the host reader refuses malformed descriptors",
                 "[sim][ring][untrusted]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto other = std::make_shared<EchoVsp>(2);
    auto offers = start_with({vsp, other});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(vsp->wait_opens(1));

    SECTION("descriptor fields")
    {
        const auto bad = GENERATE(
            BadDescriptor{"offset8 < 2", 6, 1, 4, 0}, BadDescriptor{"len8 < offset8", 6, 3, 2, 0},
            BadDescriptor{"len8 past the data", 6, 2, 200, 0},
            BadDescriptor{"unknown flag", 6, 2, 4, 2}, BadDescriptor{"type 0", 0, 2, 4, 0},
            BadDescriptor{"type 5 (teardown GPADL)", 5, 2, 4, 0},
            BadDescriptor{"type 8 (GPADL data)", 8, 2, 4, 0},
            BadDescriptor{"type 0xC", 0xC, 2, 4, 0});
        INFO(bad.what);
        Bytes p(32);
        put<uint16_t>(p, 0, bad.type);
        put<uint16_t>(p, 2, bad.offset8);
        put<uint16_t>(p, 4, bad.len8);
        put<uint16_t>(p, 6, bad.flags);
        REQUIRE(ch.write_raw(p));
    }
    SECTION("write_index not a multiple of 8")
    {
        ch.out().word(TestChannel::kWriteIndex).store(12);
        guest->signal_host(offers[0].connection_id);
    }
    SECTION("write_index beyond the data area")
    {
        ch.out().word(TestChannel::kWriteIndex).store(ch.out().size() + 8);
        guest->signal_host(offers[0].connection_id);
    }
    SECTION("fewer bytes than a descriptor")
    {
        ch.out().word(TestChannel::kWriteIndex).store(8);
        guest->signal_host(offers[0].connection_id);
    }
    host->sync();
    for (int i = 0; i < 100 && host->counters().ring_errors == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(host->counters().ring_errors == 1);
    CHECK(logs.contains("corrupt guest->host ring"));
    CHECK(vsp->packet_count() == 0);

    // The broken channel is no longer read; everything else still works.
    TestChannel ok(*guest, offers[1], 0x20);
    REQUIRE(ok.open() == 0);
    REQUIRE(ok.send_inband(Bytes(8), 1));
    CHECK(ok.recv().has_value());
    ch.close();
    CHECK(vsp->wait_closes(1));
}

TEST_CASE_METHOD(SimFixture, "the host signals only on empty to non-empty, unmasked",
                 "[sim][ring][signal]")
{
    auto vsp = std::make_shared<BurstVsp>();
    vsp->set_echo(false);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);

    uint64_t before = guest->signals(1);
    REQUIRE(ch.send_inband(burst(3, 40)));
    REQUIRE(vsp->wait_results(3));
    CHECK(guest->signals(1) - before == 1);
    for (int i = 1; i <= 3; ++i) {
        auto p = ch.try_recv();
        REQUIRE(p.has_value());
        CHECK(p->transaction_id == static_cast<uint64_t>(i));
    }

    // The guest masks: packets still arrive, no signal.
    ch.in().word(TestChannel::kInterruptMask).store(1);
    before = guest->signals(1);
    REQUIRE(ch.send_inband(burst(2, 40)));
    REQUIRE(vsp->wait_results(5));
    CHECK(guest->signals(1) == before);
    CHECK(ch.try_recv().has_value());
    CHECK(ch.try_recv().has_value());
    CHECK(host->counters().packets_sent == 5);
}

TEST_CASE_METHOD(SimFixture, "a full host->guest ring blocks the writer until the guest reads",
                 "[sim][ring][flow]")
{
    auto vsp = std::make_shared<BurstVsp>();
    vsp->set_echo(false);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10, 2, 2); // 4 KiB of data per direction
    REQUIRE(ch.open() == 0);
    REQUIRE(ch.send_inband(burst(100, 200)));
    // The host fills the ring and announces how much it needs.
    for (int i = 0; i < 300 && ch.in().word(TestChannel::kPendingSendSize).load() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(ch.in().word(TestChannel::kPendingSendSize).load() == 216 + 8);
    CHECK(vsp->results().size() < 100);
    for (uint64_t i = 1; i <= 100; ++i) {
        auto p = ch.recv();
        REQUIRE(p.has_value());
        CHECK(p->transaction_id == i);
    }
    REQUIRE(vsp->wait_results(100));
    for (int32_t st : vsp->results())
        CHECK(st == 0);
    CHECK(ch.in().word(TestChannel::kPendingSendSize).load() == 0);
}

TEST_CASE_METHOD(SimFixture, "a writer on a ring the guest never reads times out",
                 "[sim][ring][flow]")
{
    HostConfig cfg;
    cfg.send_timeout = std::chrono::milliseconds(100);
    auto vsp = std::make_shared<BurstVsp>();
    vsp->set_echo(false);
    auto offers = start_with({vsp}, cfg);
    TestChannel ch(*guest, offers[0], 0x10, 2, 2);
    REQUIRE(ch.open() == 0);
    REQUIRE(ch.send_inband(burst(25, 200)));
    REQUIRE(vsp->wait_results(25));
    auto results = vsp->results();
    CHECK(results.front() == 0);
    CHECK(results.back() == -SATORI_EAGAIN);
    CHECK(logs.contains("ring full"));
    CHECK(ch.in().word(TestChannel::kPendingSendSize).load() == 0);
}

TEST_CASE_METHOD(SimFixture, "the host signals a blocked guest writer when space frees up",
                 "[sim][ring][flow]")
{
    auto vsp = std::make_shared<BurstVsp>();
    vsp->set_echo(false);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10, 2, 2);
    REQUIRE(ch.open() == 0);
    // The VSP holds the first packet, so the host stops reading; the guest fills the ring.
    REQUIRE(ch.send_inband(burst(0, 0, /*hold*/ true)));
    REQUIRE(vsp->wait_holding());
    int written = 1;
    while (ch.send_inband(Bytes(200))) // zeros: "send nothing" for BurstVsp
        ++written;
    CHECK(written > 5);
    // Blocked: tell the host how much is needed (Linux: pending_send_sz, fence, re-check).
    ch.out().word(TestChannel::kPendingSendSize).store(216 + 8, std::memory_order_seq_cst);
    const uint64_t before = guest->signals(1);
    vsp->release();
    CHECK(guest->wait_signal(1, before));
    REQUIRE(vsp->wait_packets(static_cast<size_t>(written)));
    CHECK(host->counters().packets_received == static_cast<uint64_t>(written));
}

TEST_CASE_METHOD(SimFixture, "ring test hooks", "[sim][ring][hooks]")
{
    auto vsp = std::make_shared<BurstVsp>();
    vsp->set_echo(false);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(vsp->wait_opens(1));
    auto &hooks = host->test_hooks();

    SECTION("inject raw bytes as a host->guest packet")
    {
        Bytes raw(20, std::byte{0xEE});
        put<uint16_t>(raw, 0, 0x77); // a type the guest must reject
        put<uint16_t>(raw, 2, 2);
        put<uint16_t>(raw, 4, 3);
        const uint64_t before = guest->signals(1);
        REQUIRE(hooks.inject_packet(1, raw) == 0);
        CHECK(guest->wait_signal(1, before));
        auto p = ch.try_recv();
        REQUIRE(p.has_value());
        CHECK(p->type == 0x77);
        CHECK(p->bytes.size() == 24);
        CHECK(p->bytes[23] == std::byte{0}); // padded with zeros
    }
    SECTION("write and read ring control words")
    {
        REQUIRE(hooks.write_ring_word(1, RingSide::host_to_guest, RingWord::write_index, 0x1234) ==
                0);
        CHECK(ch.in().word(TestChannel::kWriteIndex).load() == 0x1234);
        ch.out().word(TestChannel::kPendingSendSize).store(77);
        uint32_t v = 0;
        REQUIRE(hooks.read_ring_word(1, RingSide::guest_to_host, RingWord::pending_send_sz, v) ==
                0);
        CHECK(v == 77);
        CHECK(hooks.read_ring_word(9, RingSide::guest_to_host, RingWord::read_index, v) ==
              -SATORI_ENODEV);
    }
    SECTION("signal the guest with nothing written")
    {
        const uint64_t before = guest->signals(1);
        REQUIRE(hooks.signal_guest(1) == 0);
        CHECK(guest->signals(1) == before + 1);
        CHECK_FALSE(ch.try_recv().has_value());
    }
    SECTION("a raw control message")
    {
        Bytes junk{std::byte{1}, std::byte{2}, std::byte{3}};
        REQUIRE(hooks.send_raw_message(junk) == 0);
        auto d = guest->next();
        REQUIRE(d.has_value());
        CHECK(d->bytes == junk);
    }
    SECTION("held and delayed responses")
    {
        hooks.pause_responses();
        REQUIRE(guest->post(msg::modify_channel(1, 1)) == 0);
        CHECK(guest->quiet());
        hooks.resume_responses();
        guest->expect(msg::kModifyResponse);
        hooks.set_response_delay(std::chrono::milliseconds(150));
        const auto t0 = std::chrono::steady_clock::now();
        REQUIRE(guest->post(msg::modify_channel(1, 0)) == 0);
        guest->expect(msg::kModifyResponse);
        CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(150));
    }
    SECTION("a guest that corrupts read_index stops host writes")
    {
        ch.in().word(TestChannel::kReadIndex).store(13);
        REQUIRE(ch.send_inband(burst(2, 8)));
        REQUIRE(vsp->wait_results(2));
        CHECK(vsp->results()[0] == -SATORI_EPROTO);
        CHECK(vsp->results()[1] == -SATORI_EPROTO);
        CHECK(host->counters().ring_errors == 1);
    }
}
