// SPDX-License-Identifier: MIT
// tests/sim/test_host.cpp — attaching and detaching guests, and pre-2.4 guests that signal
// through the shared interrupt page (vmbus.md §5.5).
#include <satori/errno.h>

#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

TEST_CASE("connect checks the guest table and its memory", "[sim][host]")
{
    LogCapture logs;
    HostConfig cfg;
    cfg.log = logs.sink();
    Host host(cfg);
    const satori_hvlink_host *link = host.hvlink();
    REQUIRE(link->struct_size == sizeof(satori_hvlink_host));
    REQUIRE(link->version == SATORI_HVLINK_VERSION);
    GuestMemfd mem(1 << 20);
    satori_hvlink_guest g{};
    g.struct_size = sizeof(g);
    g.version = SATORI_HVLINK_VERSION;
    CHECK(link->connect(link->host, &g, mem.fd(), mem.size()) == -SATORI_EINVAL); // no callbacks
    CHECK(link->connect(link->host, nullptr, mem.fd(), mem.size()) == -SATORI_EINVAL);
    g.deliver_message = [](void *, uint32_t, uint32_t, uint32_t, const void *, uint32_t) {};
    g.signal_event = [](void *, uint32_t, uint32_t, uint32_t) {};
    CHECK(link->connect(link->host, &g, -1, mem.size()) == -SATORI_EBADF);
    CHECK(link->connect(link->host, &g, mem.fd(), 0) == -SATORI_EINVAL);
    CHECK(link->connect(link->host, &g, mem.fd(), mem.size() * 2) == -SATORI_EINVAL);
    CHECK_FALSE(host.guest_attached());
    REQUIRE(link->connect(link->host, &g, mem.fd(), mem.size()) == 0);
    CHECK(host.guest_attached());
    CHECK(link->connect(link->host, &g, mem.fd(), mem.size()) == -SATORI_EBUSY);
    link->disconnect(link->host);
    CHECK_FALSE(host.guest_attached());
    link->disconnect(link->host); // harmless
    CHECK(link->post_message(link->host, 1, 1, "12345678", 8) ==
          SATORI_HV_STATUS_INVALID_CONNECTION_ID);
    CHECK(link->signal_event(link->host, 0x2001, 0) == SATORI_HV_STATUS_INVALID_CONNECTION_ID);
}

TEST_CASE_METHOD(SimFixture, "disconnect closes every channel and a new guest starts afresh",
                 "[sim][host]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    {
        TestChannel ch(*guest, offers[0], 0x10);
        REQUIRE(ch.open() == 0);
        REQUIRE(vsp->wait_opens(1));
        guest->disconnect();
        CHECK(vsp->closes() == 1);
        CHECK_FALSE(host->guest_attached());
        CHECK(host->negotiated_version() == 0);
        CHECK(host->offers().at(0).relid == 0);
    }
    guest = std::make_unique<TestGuest>(*host);
    REQUIRE(guest->connect() == 0);
    guest->negotiate();
    auto again = guest->request_offers();
    REQUIRE(again.size() == 1);
    TestChannel ch(*guest, again[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(ch.send_inband(Bytes(8), 1));
    CHECK(ch.recv().has_value());
}

TEST_CASE_METHOD(SimFixture, "pre-2.4 guests use the shared interrupt page", "[sim][host][legacy]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    start();
    host->add_device(vsp);
    guest->negotiate(kVmbusWin7);
    auto offers = guest->request_offers();
    REQUIRE(offers.size() == 1);
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open(/*target_vp*/ 5) == 0); // ignored before 2.4
    REQUIRE(vsp->wait_opens(1));

    std::byte *page = guest->memory().at(guest->interrupt_page());
    auto bit_word = [&](size_t half) {
        return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(page + half));
    };
    // Guest -> host: bit relid in the second half, then the shared event connection 2.
    REQUIRE(ch.write_raw(TestChannel::packet(6, 0, 9, {}, Bytes(8)), /*signal*/ false));
    bit_word(2048).fetch_or(1u << ch.relid());
    const uint64_t before = guest->signals(0);
    REQUIRE(guest->signal_host(2) == SATORI_HV_STATUS_SUCCESS);
    // Host -> guest: bit relid in the first half, then event flag 0 on VP 0.
    REQUIRE(guest->wait_signal(0, before));
    CHECK(guest->last_signal(0).first == 0);
    CHECK((bit_word(0).load() & (1u << ch.relid())) != 0);
    CHECK(bit_word(2048).load() == 0); // the host took the bit
    auto p = ch.try_recv();
    REQUIRE(p.has_value());
    CHECK(p->transaction_id == 9);

    SECTION("UNLOAD_RESPONSE exists since 1.1")
    {
        REQUIRE(guest->post(msg::header(msg::kUnload, 8)) == 0);
        guest->expect(msg::kUnloadResponse);
    }
}

TEST_CASE_METHOD(SimFixture, "a 0.13 guest gets no UNLOAD_RESPONSE", "[sim][host][legacy]")
{
    start();
    guest->negotiate(kVmbusWs2008);
    REQUIRE(guest->post(msg::header(msg::kUnload, 8)) == 0);
    CHECK(guest->quiet());
    host->sync();
    CHECK(host->negotiated_version() == 0);
}

TEST_CASE_METHOD(SimFixture, "a pre-2.4 guest must give a valid interrupt page",
                 "[sim][host][legacy]")
{
    start();
    const uint64_t bad = GENERATE(uint64_t{0}, uint64_t{123}, uint64_t{1} << 40);
    REQUIRE(guest->post(msg::initiate_contact(kVmbusWin7, bad)) == 0);
    auto r = guest->expect(msg::kVersionResponse);
    CHECK(r.at<uint8_t>(8) == 0);
}

TEST_CASE_METHOD(SimFixture, "hv_sock connect requests are refused", "[sim][host]")
{
    start();
    guest->negotiate();
    Bytes req = msg::header(msg::kTlConnect, 40);
    req[8] = std::byte{0xAB};
    REQUIRE(guest->post(req) == 0);
    auto r = guest->expect(msg::kTlConnectResult);
    CHECK(r.at<uint8_t>(8) == 0xAB);
    CHECK(r.at<uint32_t>(40) == 0xC0000236u);
}
