// SPDX-License-Identifier: MIT
// tests/sim/test_heartbeat.cpp — the heartbeat IC end to end against a tiny raw guest that
// answers like Linux's hv_utils (vmbus.md §6 "Integration-Component payloads").
#include <atomic>
#include <thread>

#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

namespace {

constexpr size_t kIcBody = 28; // pipe header (8) + icmsg_hdr (20)

/// What the guest does with the host's requests.
struct GuestBehaviour {
    uint16_t framework_major = 3, message_major = 3; ///< versions the guest picks
    uint16_t chosen_count = 1;
    uint64_t seq_delta = 1;
    uint8_t flags = 0x5; ///< TRANSACTION | RESPONSE
};

/// Answers IC requests on one channel from a thread of its own, as a guest driver would.
class HeartbeatResponder {
  public:
    HeartbeatResponder(TestChannel &ch, GuestBehaviour b) : ch_(ch), b_(b)
    {
        thread_ = std::thread([this] { run(); });
    }
    ~HeartbeatResponder()
    {
        stop_ = true;
        thread_.join();
    }
    std::atomic<int> negotiations{0}, heartbeats{0};
    std::atomic<uint32_t> offered_frameworks{0}, offered_messages{0};
    std::atomic<uint16_t> request_flags{0};

  private:
    void run()
    {
        while (!stop_) {
            auto p = ch_.recv(std::chrono::milliseconds(50));
            if (!p) continue;
            Bytes msg = p->payload();
            const uint16_t type = get<uint16_t>(msg, 8 + 4);
            request_flags = get<uint8_t>(msg, 8 + 17);
            if (type == 0) {
                offered_frameworks = get<uint16_t>(msg, kIcBody);
                offered_messages = get<uint16_t>(msg, kIcBody + 2);
                // Linux keeps one of each: framework pair first, message pair second.
                put<uint16_t>(msg, kIcBody, b_.chosen_count);
                put<uint16_t>(msg, kIcBody + 2, b_.chosen_count);
                put<uint16_t>(msg, kIcBody + 8, b_.framework_major);
                put<uint16_t>(msg, kIcBody + 10, 0);
                put<uint16_t>(msg, kIcBody + 12, b_.message_major);
                put<uint16_t>(msg, kIcBody + 14, 0);
                ++negotiations;
            } else if (type == 1) {
                put<uint64_t>(msg, kIcBody, get<uint64_t>(msg, kIcBody) + b_.seq_delta);
                ++heartbeats;
            }
            put<uint8_t>(msg, 8 + 17, b_.flags);
            ch_.send_inband(msg, p->transaction_id);
        }
    }

    TestChannel &ch_;
    GuestBehaviour b_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

HeartbeatConfig fast_config(std::atomic<int> *beats = nullptr)
{
    HeartbeatConfig cfg;
    cfg.interval = std::chrono::milliseconds(20);
    cfg.first_sequence = 1000;
    if (beats) // runs on the channel thread: no Catch assertions there
        cfg.on_beat = [beats](const HeartbeatBeat &b) {
            if (b.sequence >= 1000 && b.round_trip.count() > 0) ++*beats;
        };
    return cfg;
}

template <class P> bool eventually(P pred, std::chrono::milliseconds t = std::chrono::seconds(5))
{
    const auto end = std::chrono::steady_clock::now() + t;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

} // namespace

TEST_CASE_METHOD(SimFixture, "heartbeat negotiates and counts answered heartbeats",
                 "[sim][heartbeat]")
{
    std::atomic<int> beats{0};
    HostConfig cfg;
    cfg.heartbeat = fast_config(&beats);
    start(cfg);
    auto hb = host->heartbeat();
    REQUIRE(hb);
    guest->negotiate();
    auto offers = guest->request_offers();
    REQUIRE(offers.size() == 1);
    CHECK(offers[0].class_id == kHeartbeatClassId.bytes);

    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    {
        const uint16_t fw = GENERATE(1, 3);
        GuestBehaviour b;
        b.framework_major = fw;
        b.message_major = fw;
        HeartbeatResponder guest_driver(ch, b);
        REQUIRE(eventually([&] { return beats >= 5; }));
        CHECK(guest_driver.negotiations == 1);
        CHECK(guest_driver.offered_frameworks == 2);
        CHECK(guest_driver.offered_messages == 2);
        CHECK(guest_driver.request_flags == 3); // TRANSACTION | REQUEST
        auto s = hb->stats();
        CHECK(s.channel_open);
        CHECK(s.negotiated);
        CHECK(s.framework_major == fw);
        CHECK(s.message_major == fw);
        CHECK(s.answered >= 5);
        CHECK(s.wrong == 0);
        CHECK(s.sent >= s.answered);
        CHECK(s.last_sequence >= 1004);
    }
    ch.close();
    REQUIRE(eventually([&] { return !hb->stats().channel_open; }));
    const auto sent = hb->stats().sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    CHECK(hb->stats().sent == sent); // the timer stopped with the channel
}

TEST_CASE_METHOD(SimFixture, "heartbeat notices wrong answers", "[sim][heartbeat]")
{
    HostConfig cfg;
    cfg.heartbeat = fast_config();
    start(cfg);
    auto hb = host->heartbeat();
    guest->negotiate();
    auto offers = guest->request_offers();
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    GuestBehaviour b;
    SECTION("wrong sequence number")
    {
        b.seq_delta = 2;
    }
    SECTION("wrong flags")
    {
        b.flags = 0x4;
    }
    HeartbeatResponder guest_driver(ch, b);
    REQUIRE(eventually([&] { return hb->stats().wrong >= 3; }));
    CHECK(hb->stats().answered == 0);
    CHECK(hb->stats().negotiated);
}

TEST_CASE_METHOD(SimFixture, "heartbeat refuses a bad version choice", "[sim][heartbeat]")
{
    HostConfig cfg;
    cfg.heartbeat = fast_config();
    start(cfg);
    auto hb = host->heartbeat();
    guest->negotiate();
    auto offers = guest->request_offers();
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    GuestBehaviour b;
    SECTION("a version the host did not offer")
    {
        b.framework_major = 2;
    }
    SECTION("two versions chosen")
    {
        b.chosen_count = 2;
    }
    SECTION("no RESPONSE flag")
    {
        b.flags = 0x1;
    }
    HeartbeatResponder guest_driver(ch, b);
    REQUIRE(eventually([&] { return hb->stats().negotiation_failures == 1; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    CHECK_FALSE(hb->stats().negotiated);
    CHECK(hb->stats().sent == 0);
    CHECK(guest_driver.heartbeats == 0);
}

TEST_CASE_METHOD(SimFixture, "heartbeat survives rescind and reopen", "[sim][heartbeat]")
{
    auto hb = std::make_shared<HeartbeatVsp>(fast_config());
    auto offers = start_with({hb});
    {
        TestChannel ch(*guest, offers[0], 0x10);
        REQUIRE(ch.open() == 0);
        HeartbeatResponder guest_driver(ch, {});
        REQUIRE(eventually([&] { return hb->stats().answered >= 2; }));
        ch.close();
    }
    TestChannel again(*guest, offers[0], 0x11);
    REQUIRE(again.open() == 0);
    HeartbeatResponder guest_driver(again, {});
    const auto answered = hb->stats().answered;
    REQUIRE(eventually([&] { return hb->stats().answered >= answered + 2; }));
    REQUIRE(host->rescind(hb));
    guest->expect(msg::kRescind);
    REQUIRE(eventually([&] { return !hb->stats().channel_open; }));
}
