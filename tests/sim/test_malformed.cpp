// SPDX-License-Identifier: MIT
// tests/sim/test_malformed.cpp — a hostile guest's control messages: the host logs, answers
// or ignores as vmbus.md §8 says, and keeps working.
#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

namespace {

/// After the abuse: the host still negotiates, offers and opens.
void host_still_works(TestGuest &guest, EchoVsp &vsp)
{
    guest.negotiate();
    auto offers = guest.request_offers();
    REQUIRE(offers.size() == 1);
    TestChannel ch(guest, offers[0], 0xABC);
    REQUIRE(ch.open() == 0);
    REQUIRE(ch.send_inband(Bytes(8), 1));
    REQUIRE(ch.recv().has_value());
    (void)vsp;
}

} // namespace

TEST_CASE_METHOD(SimFixture, "short messages of every type are dropped",
                 "[sim][malformed][untrusted]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    const uint64_t before = host->counters().protocol_errors;
    uint64_t expected = 0;
    // Every guest->host type with its minimum size: one byte short of it.
    const std::pair<uint32_t, size_t> mins[] = {
        {msg::kOpen, 148},     {msg::kClose, 12},         {msg::kGpadlHeader, 20},
        {msg::kGpadlBody, 16}, {msg::kGpadlTeardown, 16}, {msg::kRelidReleased, 12},
        {msg::kModify, 16},    {msg::kTlConnect, 40},
    };
    for (const auto &[type, size] : mins) {
        Bytes m = msg::header(type, size - 1);
        put<uint32_t>(m, 8, 1); // relid 1, so only the length is wrong
        REQUIRE(guest->post(m) == 0);
        ++expected;
    }
    for (size_t n : {0u, 3u, 7u}) {
        REQUIRE(guest->post(Bytes(n)) == 0);
        ++expected;
    }
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors - before == expected);
    // An INITIATE_CONTACT that is too short is ignored too; the connection stays as it was.
    REQUIRE(guest->post(msg::header(msg::kInitiateContact, 39), 4) == 0);
    CHECK(guest->quiet());
    host->sync();
    CHECK(host->negotiated_version() == kV5_3);
    host_still_works(*guest, *vsp);
}

TEST_CASE_METHOD(SimFixture, "unknown and host-to-guest message types are ignored",
                 "[sim][malformed][untrusted]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    const uint32_t type =
        GENERATE(0u, msg::kOffer, msg::kRescind, msg::kAllOffers, msg::kOpenResult,
                 msg::kGpadlCreated, msg::kGpadlTorndown, msg::kVersionResponse,
                 msg::kUnloadResponse, 18u, 19u, 20u, 23u, 24u, 25u, 29u, 30u, 0xFFFFFFFFu);
    Bytes m = msg::header(type, 240);
    put<uint32_t>(m, 8, 1);
    REQUIRE(guest->post(m) == 0);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 1);
    host_still_works(*guest, *vsp);
}

TEST_CASE_METHOD(SimFixture, "messages for unknown relids are ignored or refused",
                 "[sim][malformed][untrusted]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    for (uint32_t relid : {0u, 2u, 2047u, 0xFFFFFFFFu}) {
        REQUIRE(guest->post(msg::open_channel(relid, 1, 1, 0, 2)) == 0);
        REQUIRE(guest->post(msg::relid_only(msg::kClose, relid)) == 0);
        REQUIRE(guest->post(msg::gpadl_teardown(relid, 5)) == 0);
        REQUIRE(guest->post(msg::relid_only(msg::kRelidReleased, relid)) == 0);
        REQUIRE(guest->post(msg::modify_channel(relid, 0)) == 0);
        auto mr = guest->expect(msg::kModifyResponse);
        CHECK(mr.at<uint32_t>(12) != 0);
    }
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 20);
    host_still_works(*guest, *vsp);
}

TEST_CASE_METHOD(SimFixture, "GPADL_BODY without a header is dropped", "[sim][malformed]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    Bytes body = msg::header(msg::kGpadlBody, 240);
    put<uint32_t>(body, 12, 0x1234);
    REQUIRE(guest->post(body) == 0);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 1);
}

TEST_CASE_METHOD(SimFixture, "a flood of garbage is bounded and survived",
                 "[sim][malformed][untrusted]")
{
    HostConfig cfg;
    cfg.max_queued_messages = 64;
    cfg.max_gpadls_in_progress = 8;
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp}, cfg);
    // Half-built GPADLs up to the limit, then more: refused, not hoarded.
    const uint64_t gpa = guest->memory().alloc_pages(1);
    for (uint32_t h = 1; h <= 12; ++h) {
        auto m = msg::gpadl_messages(1, h, {{60 * 4096, 0, std::vector<uint64_t>(60, gpa >> 12)}});
        REQUIRE(guest->post(m[0]) == 0);
    }
    for (int i = 0; i < 4; ++i) {
        auto c = guest->expect(msg::kGpadlCreated);
        CHECK(c.at<uint32_t>(16) != 0);
    }
    // Random bytes while the host's answers are held back.
    uint32_t seed = 12345;
    host->test_hooks().pause_responses();
    for (int i = 0; i < 2000; ++i) {
        Bytes m(8 + (seed % 232));
        for (auto &b : m) {
            seed = seed * 1103515245u + 12345u;
            b = std::byte(seed >> 24);
        }
        put<uint32_t>(m, 0, seed % 40);
        if (get<uint32_t>(m, 0) == msg::kInitiateContact || get<uint32_t>(m, 0) == msg::kUnload)
            put<uint32_t>(m, 0, 99);
        const uint32_t st = guest->post(m);
        CHECK((st == SATORI_HV_STATUS_SUCCESS || st == SATORI_HV_STATUS_INSUFFICIENT_BUFFERS));
    }
    host->test_hooks().resume_responses();
    host->sync();
    while (guest->next(std::chrono::milliseconds(200))) {
    }
    host_still_works(*guest, *vsp);
}

TEST_CASE_METHOD(SimFixture, "a busy control thread pushes back with INSUFFICIENT_BUFFERS",
                 "[sim][malformed][transport]")
{
    // A VSP whose on_close blocks keeps the control thread busy closing its channel.
    struct StuckVsp : EchoVsp {
        StuckVsp() : EchoVsp(1) {}
        void on_close(HostChannel &ch) override
        {
            std::unique_lock lock(m);
            cv.wait(lock, [&] { return released; });
            EchoVsp::on_close(ch);
        }
        void release()
        {
            std::lock_guard lock(m);
            released = true;
            cv.notify_all();
        }
        std::mutex m;
        std::condition_variable cv;
        bool released = false;
    };
    HostConfig cfg;
    cfg.max_queued_messages = 16;
    auto vsp = std::make_shared<StuckVsp>();
    auto offers = start_with({vsp}, cfg);
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(vsp->wait_opens(1));
    REQUIRE(guest->post(msg::relid_only(msg::kClose, 1)) == 0);
    uint32_t accepted = 0, refused = 0;
    for (int i = 0; i < 40; ++i) {
        const uint32_t st = guest->post(msg::header(99, 8));
        accepted += st == SATORI_HV_STATUS_SUCCESS;
        refused += st == SATORI_HV_STATUS_INSUFFICIENT_BUFFERS;
    }
    CHECK(accepted <= 16);
    CHECK(refused >= 24);
    vsp->release();
    CHECK(vsp->wait_closes(1));
    host->sync();
    CHECK(guest->post(msg::header(99, 8)) == SATORI_HV_STATUS_SUCCESS);
}
