// SPDX-License-Identifier: MIT
// tests/sim/test_version.cpp — INITIATE_CONTACT and version negotiation (vmbus.md §3.4, §8.2).
#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

TEST_CASE_METHOD(SimFixture, "host accepts every version a WS2022 host supports", "[sim][version]")
{
    start();
    const uint32_t version = GENERATE(from_range(kSupportedVmbusVersions));
    auto r = guest->initiate(version);
    CHECK(r.bytes.size() == 16);
    CHECK(r.sint == 2);
    CHECK(r.type == 1);
    CHECK(r.at<uint8_t>(8) == 1);
    CHECK(r.at<uint8_t>(9) == 0);
    if (version >= kVmbusWin10V5) CHECK(r.at<uint32_t>(12) == 1);
    host->sync();
    CHECK(host->negotiated_version() == version);
}

TEST_CASE_METHOD(SimFixture, "host refuses versions it does not know", "[sim][version]")
{
    start();
    const uint32_t version = GENERATE(0x00060000u, 0x00050004u, 0x00020000u, 0x0u, 0xFFFFFFFFu);
    REQUIRE(guest->post(msg::initiate_contact(version), 4) == SATORI_HV_STATUS_SUCCESS);
    auto r = guest->expect(msg::kVersionResponse);
    CHECK(r.at<uint8_t>(8) == 0);
    CHECK(r.at<uint32_t>(12) == 0);
    host->sync();
    CHECK(host->negotiated_version() == 0);
    SECTION("and then accepts a supported one")
    {
        guest->negotiate(kV5_3);
        CHECK(host->negotiated_version() == kV5_3);
    }
}

TEST_CASE_METHOD(SimFixture, "a host capped at 3.0 behaves like WS2012 R2", "[sim][version]")
{
    HostConfig cfg;
    cfg.max_version = kVmbusWin8_1;
    start(cfg);
    // Linux's walk: 5.x goes to connection id 4, which an old host does not know.
    for (uint32_t v : {0x00050003u, 0x00050002u, 0x00050001u, 0x00050000u})
        CHECK(guest->post(msg::initiate_contact(v), 4) == SATORI_HV_STATUS_INVALID_CONNECTION_ID);
    CHECK(guest->quiet());
    for (uint32_t v : {kVmbusWin10V4_1, kVmbusWin10}) {
        auto r = guest->initiate(v);
        CHECK(r.at<uint8_t>(8) == 0);
    }
    auto r = guest->initiate(kVmbusWin8_1);
    CHECK(r.at<uint8_t>(8) == 1);
    CHECK(r.at<uint32_t>(12) == kVmbusWin8_1); // openvmm echoes the version below 5.0
    host->sync();
    CHECK(host->negotiated_version() == kVmbusWin8_1);
}

TEST_CASE_METHOD(SimFixture, "post_message checks connection id, type and size",
                 "[sim][version][transport]")
{
    start();
    const auto m = msg::initiate_contact(kV5_3);
    for (uint32_t conn : {0u, 2u, 3u, 5u, 0x2001u})
        CHECK(guest->post(m, conn) == SATORI_HV_STATUS_INVALID_CONNECTION_ID);
    const auto *link = guest->link();
    CHECK(link->post_message(link->host, 1, 2, m.data(), 40) == SATORI_HV_STATUS_INVALID_PARAMETER);
    Bytes big(241);
    CHECK(guest->post(big) == SATORI_HV_STATUS_INVALID_PARAMETER);
    CHECK(link->post_message(link->host, 1, 1, nullptr, 8) ==
          SATORI_HV_STATUS_INVALID_HYPERCALL_INPUT);
    CHECK(guest->quiet());
}

TEST_CASE_METHOD(SimFixture, "VERSION_RESPONSE goes to the requested VP and SINT", "[sim][version]")
{
    start();
    REQUIRE(guest->post(msg::initiate_contact(kV5_3, /*sint*/ 5, 0, 0, /*vcpu*/ 3), 4) == 0);
    auto r = guest->expect(msg::kVersionResponse);
    CHECK(r.vp == 3);
    CHECK(r.sint == 5);
    CHECK(r.at<uint8_t>(8) == 1);
}

TEST_CASE_METHOD(SimFixture, "only one monitor page is a failed connection", "[sim][version]")
{
    start();
    const uint64_t page = guest->memory().alloc_pages(1);
    REQUIRE(guest->post(msg::initiate_contact(kV5_3, 2, page, 0), 4) == 0);
    auto r = guest->expect(msg::kVersionResponse);
    CHECK(r.at<uint8_t>(8) == 1);
    CHECK(r.at<uint8_t>(9) == 2);
    host->sync();
    CHECK(host->negotiated_version() == 0);
    // Both pages given: fine (the host does not use monitored notification).
    REQUIRE(guest->post(msg::initiate_contact(kV5_3, 2, page, page + 4096), 4) == 0);
    r = guest->expect(msg::kVersionResponse);
    CHECK(r.at<uint8_t>(9) == 0);
}

TEST_CASE_METHOD(SimFixture, "messages before INITIATE_CONTACT are ignored", "[sim][version]")
{
    start();
    REQUIRE(guest->post(msg::header(msg::kRequestOffers, 8)) == 0);
    REQUIRE(guest->post(msg::header(msg::kUnload, 8)) == 0);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 2);
}

TEST_CASE_METHOD(SimFixture, "a second INITIATE_CONTACT resets the connection", "[sim][version]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    REQUIRE(offers.size() == 1);
    TestChannel ch(*guest, offers[0], 0x100);
    REQUIRE(ch.open() == 0);
    REQUIRE(vsp->wait_opens(1));
    guest->negotiate(kVmbusWin10V5_2);
    CHECK(vsp->wait_closes(1));
    host->sync();
    CHECK(host->negotiated_version() == kVmbusWin10V5_2);
    // Offers can be requested again and relids start over.
    auto again = guest->request_offers();
    REQUIRE(again.size() == 1);
    CHECK(again[0].relid == 1);
}
