// SPDX-License-Identifier: MIT
// tests/sim/test_offers.cpp — OFFERCHANNEL, ALLOFFERS_DELIVERED, hot-add, sub-channels,
// rescind and RELID_RELEASED (vmbus.md §3.3, §8.2, §8.4).
#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

TEST_CASE_METHOD(SimFixture, "offers every device, then ALLOFFERS_DELIVERED", "[sim][offers]")
{
    auto a = std::make_shared<EchoVsp>(1);
    auto b = std::make_shared<EchoVsp>(2);
    auto offers = start_with({a, b});
    REQUIRE(offers.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
        const Offer &o = offers[i];
        const VspInfo &info = (i == 0 ? a : b)->info();
        CHECK(o.relid == i + 1);
        CHECK(o.connection_id == (o.relid | 0x2000u));
        CHECK(o.class_id == info.class_id.bytes);
        CHECK(o.instance_id == info.instance_id.bytes);
        CHECK(o.flags == info.offer_flags);
        CHECK(o.user_defined == info.user_defined);
        CHECK(o.sub_channel_index == 0);
        CHECK(o.monitor_id == 0xFF);
        CHECK(o.monitor_allocated == 0);
        CHECK(o.dedicated_interrupt == 1);
    }
    host->sync();
    auto list = host->offers();
    REQUIRE(list.size() == 2);
    CHECK(list[0].name == "echo1");
    CHECK(list[0].relid == 1);
    CHECK(list[0].state == OfferState::offered);
    CHECK(host->counters().offers_sent == 2);
}

TEST_CASE_METHOD(SimFixture, "GUIDs travel in mixed-endian wire order", "[sim][offers]")
{
    auto hb = std::make_shared<HeartbeatVsp>();
    auto offers = start_with({hb});
    REQUIRE(offers.size() == 1);
    const std::array<uint8_t, 16> wire = {0x39, 0x4f, 0x16, 0x57, 0x15, 0x91, 0x78, 0x4e,
                                          0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d};
    CHECK(offers[0].class_id == wire);
    CHECK(kHeartbeatClassId.to_string() == "57164f39-9115-4e78-ab55-382f3bd5422d");
    CHECK(Guid::parse("{57164F39-9115-4E78-AB55-382F3BD5422D}") == kHeartbeatClassId);
    CHECK_FALSE(Guid::parse("57164f39-9115-4e78-ab55-382f3bd5422").has_value());
    // Heartbeat is a message-mode pipe.
    CHECK(offers[0].flags == 0x10);
    CHECK(offers[0].user_defined[0] == 4);
}

TEST_CASE_METHOD(SimFixture, "devices added later are offered at once", "[sim][offers]")
{
    auto a = std::make_shared<EchoVsp>(1);
    auto offers = start_with({a});
    REQUIRE(offers.size() == 1);
    auto b = std::make_shared<EchoVsp>(2);
    host->add_device(b);
    auto o = guest->expect(msg::kOffer);
    CHECK(Offer::parse(o.bytes).relid == 2);
    CHECK(guest->quiet()); // no second ALLOFFERS_DELIVERED
}

TEST_CASE_METHOD(SimFixture, "devices added before the guest asks wait for REQUESTOFFERS",
                 "[sim][offers]")
{
    start();
    host->add_device(std::make_shared<EchoVsp>(1));
    host->sync();
    auto list = host->offers();
    REQUIRE(list.size() == 1);
    CHECK(list[0].relid == 0);
    CHECK(list[0].state == OfferState::not_offered);
    guest->negotiate();
    CHECK(guest->quiet());
    CHECK(guest->request_offers().size() == 1);
}

TEST_CASE_METHOD(SimFixture, "a second REQUESTOFFERS is ignored", "[sim][offers]")
{
    auto offers = start_with({std::make_shared<EchoVsp>(1)});
    REQUIRE(guest->post(msg::header(msg::kRequestOffers, 8)) == 0);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 1);
}

TEST_CASE_METHOD(SimFixture, "rescind, RELID_RELEASED, then the relid is free again",
                 "[sim][offers][rescind]")
{
    auto a = std::make_shared<EchoVsp>(1);
    auto offers = start_with({a});
    REQUIRE(host->rescind(a));
    CHECK_FALSE(host->rescind(a));
    auto r = guest->expect(msg::kRescind);
    CHECK(r.at<uint32_t>(8) == 1);
    host->sync();
    auto list = host->offers();
    REQUIRE(list.size() == 1);
    CHECK(list[0].state == OfferState::rescinded);

    // Until RELID_RELEASED the relid stays taken.
    auto b = std::make_shared<EchoVsp>(2);
    host->add_device(b);
    CHECK(Offer::parse(guest->expect(msg::kOffer).bytes).relid == 2);
    REQUIRE(guest->post(msg::relid_only(msg::kRelidReleased, 1)) == 0);
    host->sync();
    CHECK(host->offers().size() == 1);
    auto c = std::make_shared<EchoVsp>(3);
    host->add_device(c);
    CHECK(Offer::parse(guest->expect(msg::kOffer).bytes).relid == 1);
}

TEST_CASE_METHOD(SimFixture, "RELID_RELEASED for a live channel is refused",
                 "[sim][offers][rescind]")
{
    auto offers = start_with({std::make_shared<EchoVsp>(1)});
    REQUIRE(guest->post(msg::relid_only(msg::kRelidReleased, 1)) == 0);
    REQUIRE(guest->post(msg::relid_only(msg::kRelidReleased, 77)) == 0);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 2);
    CHECK(host->offers().at(0).state == OfferState::offered);
}

TEST_CASE_METHOD(SimFixture, "a VSP offers sub-channels of its device", "[sim][offers][subchannel]")
{
    auto vsp = std::make_shared<EchoVsp>(1, /*subchannels_on_open*/ 2);
    auto offers = start_with({vsp});
    TestChannel primary(*guest, offers[0], 0x100);
    REQUIRE(primary.open() == 0);
    std::vector<Offer> subs;
    for (uint16_t i = 1; i <= 2; ++i) {
        subs.push_back(Offer::parse(guest->expect(msg::kOffer).bytes));
        const Offer &o = subs.back();
        CHECK(o.sub_channel_index == i);
        CHECK(o.relid == 1u + i);
        CHECK(o.class_id == offers[0].class_id);
        CHECK(o.instance_id == offers[0].instance_id);
    }
    for (const Offer &o : subs) {
        TestChannel sub(*guest, o, 0x200 + o.relid);
        REQUIRE(sub.open() == 0);
        REQUIRE(sub.send_inband(Bytes(8, std::byte{0x42}), 7));
        auto echo = sub.recv();
        REQUIRE(echo.has_value());
        CHECK(echo->transaction_id == 7);
    }
    host->sync();
    auto list = host->offers();
    REQUIRE(list.size() == 3);
    CHECK(list[2].sub_channel_index == 2);
    CHECK(list[2].state == OfferState::open);

    SECTION("rescinding the device rescinds every channel, sub-channels first")
    {
        REQUIRE(host->rescind(vsp));
        CHECK(guest->expect(msg::kRescind).at<uint32_t>(8) == 3);
        CHECK(guest->expect(msg::kRescind).at<uint32_t>(8) == 2);
        CHECK(guest->expect(msg::kRescind).at<uint32_t>(8) == 1);
        CHECK(vsp->wait_closes(3));
    }
}
