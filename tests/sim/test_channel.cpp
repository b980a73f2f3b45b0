// SPDX-License-Identifier: MIT
// tests/sim/test_channel.cpp — OPENCHANNEL, CLOSECHANNEL, rescind while open, UNLOAD,
// MODIFYCHANNEL and the data path through a VSP (vmbus.md §8.3–§8.5).
#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

namespace {
constexpr uint32_t kFail = 0xC0000001u;
}

TEST_CASE_METHOD(SimFixture, "open initialises the host view of the rings, close stops it",
                 "[sim][channel]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0xE1E10, 4, 6);
    ch.in().word(TestChannel::kPendingSendSize).store(1234); // stale value the host clears
    ch.in().word(TestChannel::kFeatureBits).store(0);
    // Seen at delivery time, before the VSP starts: the host is not waiting yet.
    std::atomic<uint32_t> mask_at_result{99};
    guest->on_deliver = [&](const Delivered &d) {
        if (d.msgtype() == msg::kOpenResult)
            mask_at_result = ch.out().word(TestChannel::kInterruptMask).load();
    };
    REQUIRE(ch.open() == 0);
    CHECK(mask_at_result == 1);
    CHECK(ch.in().word(TestChannel::kFeatureBits).load() == 1);
    CHECK(ch.in().word(TestChannel::kPendingSendSize).load() == 0);
    REQUIRE(vsp->wait_opens(1));
    // The VSP received the OPENCHANNEL user data.
    auto ud = vsp->user_data();
    REQUIRE(ud.size() == 120);
    CHECK(ud[5] == std::byte{5});
    host->sync();
    CHECK(host->offers().at(0).state == OfferState::open);

    // Once idle the host unmasks and waits for signals.
    REQUIRE(ch.send_inband(Bytes(24, std::byte{1}), 1));
    REQUIRE(ch.recv().has_value());
    for (int i = 0; i < 300 && ch.out().word(TestChannel::kInterruptMask).load() != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(ch.out().word(TestChannel::kInterruptMask).load() == 0);

    ch.close();
    CHECK(vsp->wait_closes(1));
    host->sync();
    CHECK(host->offers().at(0).state == OfferState::offered);
    CHECK(host->counters().channels_opened == 1);
    CHECK(host->counters().channels_closed == 1);

    SECTION("and the channel can be opened again")
    {
        TestChannel again(*guest, offers[0], 0xE1E11);
        REQUIRE(again.open() == 0);
        REQUIRE(vsp->wait_opens(2));
    }
}

TEST_CASE_METHOD(SimFixture, "OPENCHANNEL with an unusable ring GPADL fails", "[sim][channel]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    const uint64_t gpa = guest->memory().alloc_pages(8);
    uint32_t handle = 0x70;
    uint32_t downstream = 4;
    SECTION("unknown GPADL")
    {
        handle = 0x99;
    }
    SECTION("downstream offset 0")
    {
        downstream = 0;
    }
    SECTION("downstream offset = pages")
    {
        downstream = 8;
    }
    SECTION("one-page ring")
    {
        downstream = 1;
    }
    SECTION("ring indices out of range")
    {
        // read_index of the guest->host ring beyond its 3-page data area
        std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(guest->memory().at(gpa + 4)))
            .store(4 * 4096);
    }
    REQUIRE(guest->create_gpadl(1, 0x70, {{8 * 4096, 0, GuestMemfd::pfns(gpa, 8)}}) == 0);
    REQUIRE(guest->post(msg::open_channel(1, 77, handle, 0, downstream)) == 0);
    auto r = guest->expect(msg::kOpenResult);
    CHECK(r.at<uint32_t>(8) == 1);
    CHECK(r.at<uint32_t>(12) == 77);
    CHECK(r.at<uint32_t>(16) == kFail);
    CHECK(guest->quiet());
    CHECK(vsp->opens() == 0);
}

TEST_CASE_METHOD(SimFixture, "ring GPADLs must be one page-aligned range", "[sim][channel]")
{
    auto offers = start_with({std::make_shared<EchoVsp>(1)});
    const uint64_t gpa = guest->memory().alloc_pages(8);
    SECTION("two ranges")
    {
        REQUIRE(guest->create_gpadl(1, 0x70,
                                    {{4 * 4096, 0, GuestMemfd::pfns(gpa, 4)},
                                     {4 * 4096, 0, GuestMemfd::pfns(gpa + 4 * 4096, 4)}}) == 0);
    }
    SECTION("byte offset")
    {
        REQUIRE(guest->create_gpadl(1, 0x70, {{7 * 4096, 8, GuestMemfd::pfns(gpa, 8)}}) == 0);
    }
    REQUIRE(guest->post(msg::open_channel(1, 1, 0x70, 0, 4)) == 0);
    CHECK(guest->expect(msg::kOpenResult).at<uint32_t>(16) == kFail);
}

TEST_CASE_METHOD(SimFixture, "a second OPENCHANNEL is ignored", "[sim][channel][untrusted]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(guest->post(msg::open_channel(1, 1, 0x10, 0, 4)) == 0);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 1);
    REQUIRE(ch.send_inband(Bytes(8), 3));
    CHECK(ch.recv().has_value());
}

TEST_CASE_METHOD(SimFixture, "tearing down an open ring GPADL waits for the close",
                 "[sim][channel][gpadl]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(vsp->wait_opens(1));
    REQUIRE(guest->post(msg::gpadl_teardown(1, 0x10)) == 0);
    CHECK(guest->quiet());
    REQUIRE(guest->post(msg::relid_only(msg::kClose, 1)) == 0);
    CHECK(guest->expect(msg::kGpadlTorndown).at<uint32_t>(8) == 0x10);
    CHECK(vsp->wait_closes(1));
}

TEST_CASE_METHOD(SimFixture, "CLOSECHANNEL of a closed or unknown channel is ignored",
                 "[sim][channel][untrusted]")
{
    auto offers = start_with({std::make_shared<EchoVsp>(1)});
    REQUIRE(guest->post(msg::relid_only(msg::kClose, 1)) == 0);
    REQUIRE(guest->post(msg::relid_only(msg::kClose, 42)) == 0);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == 2);
}

TEST_CASE_METHOD(SimFixture, "rescind while open: close, rescind reply rules, RELID_RELEASED",
                 "[sim][channel][rescind]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(vsp->wait_opens(1));
    const uint64_t gpa = guest->memory().alloc_pages(40);
    // A GPADL still being assembled when the rescind comes fails.
    auto partial = msg::gpadl_messages(1, 0x11, {{40 * 4096, 0, GuestMemfd::pfns(gpa, 40)}});
    REQUIRE(guest->post(partial[0]) == 0);
    host->sync();

    REQUIRE(host->rescind(vsp));
    CHECK(guest->expect(msg::kRescind).at<uint32_t>(8) == 1);
    auto failed = guest->expect(msg::kGpadlCreated);
    CHECK(failed.at<uint32_t>(12) == 0x11);
    CHECK(failed.at<uint32_t>(16) == kFail);
    CHECK(vsp->wait_closes(1));

    // The guest may still close and tear down; both are answered without fuss.
    REQUIRE(guest->post(msg::relid_only(msg::kClose, 1)) == 0);
    REQUIRE(guest->post(msg::gpadl_teardown(1, 0x10)) == 0);
    CHECK(guest->expect(msg::kGpadlTorndown).at<uint32_t>(8) == 0x10);
    // New GPADLs and opens on a rescinded channel fail.
    CHECK(guest->create_gpadl(1, 0x12, {{4096, 0, GuestMemfd::pfns(gpa, 1)}}) == kFail);
    REQUIRE(guest->post(msg::open_channel(1, 1, 0x10, 0, 4)) == 0);
    CHECK(guest->expect(msg::kOpenResult).at<uint32_t>(16) == kFail);

    REQUIRE(guest->post(msg::relid_only(msg::kRelidReleased, 1)) == 0);
    host->sync();
    CHECK(host->offers().empty());
    CHECK(host->counters().rescinds_sent == 1);
}

TEST_CASE_METHOD(SimFixture, "UNLOAD closes everything and answers UNLOAD_RESPONSE",
                 "[sim][channel][unload]")
{
    auto a = std::make_shared<EchoVsp>(1);
    auto b = std::make_shared<EchoVsp>(2);
    auto offers = start_with({a, b});
    TestChannel ca(*guest, offers[0], 0x10);
    TestChannel cb(*guest, offers[1], 0x20);
    REQUIRE(ca.open() == 0);
    REQUIRE(cb.open() == 0);
    // (A channel closed before its VSP started gets neither on_open nor on_close.)
    REQUIRE(a->wait_opens(1));
    REQUIRE(b->wait_opens(1));
    REQUIRE(guest->post(msg::header(msg::kUnload, 8)) == 0);
    guest->expect(msg::kUnloadResponse);
    CHECK(a->wait_closes(1));
    CHECK(b->wait_closes(1));
    host->sync();
    CHECK(host->negotiated_version() == 0);
    CHECK(host->offers().at(0).state == OfferState::not_offered);
    // Disconnected at the VMBus level: only INITIATE_CONTACT is heard.
    REQUIRE(guest->post(msg::header(msg::kRequestOffers, 8)) == 0);
    CHECK(guest->quiet());
    guest->negotiate();
    auto again = guest->request_offers();
    CHECK(again.size() == 2);
}

TEST_CASE_METHOD(SimFixture, "MODIFYCHANNEL moves interrupts, answered from 5.3 on",
                 "[sim][channel][modify]")
{
    start();
    auto vsp = std::make_shared<EchoVsp>(1);
    host->add_device(vsp);
    const uint32_t version = GENERATE(kVmbusWin10, kVmbusWin10V4_1, kVmbusWin10V5_3);
    guest->negotiate(version);
    auto offers = guest->request_offers();
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(guest->post(msg::modify_channel(1, 3)) == 0);
    if (version >= kVmbusWin10V5_3) {
        auto r = guest->expect(msg::kModifyResponse);
        CHECK(r.at<uint32_t>(8) == 1);
        CHECK(r.at<uint32_t>(12) == 0);
        REQUIRE(guest->post(msg::modify_channel(1, 0xFFFFFFFFu)) == 0);
        CHECK(guest->expect(msg::kModifyResponse).at<uint32_t>(12) == kFail);
        REQUIRE(guest->post(msg::modify_channel(9, 1)) == 0);
        CHECK(guest->expect(msg::kModifyResponse).at<uint32_t>(12) == kFail);
    }
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors == (version >= kVmbusWin10V5_3  ? 2u
                                               : version < kVmbusWin10V4_1 ? 1u
                                                                           : 0u));
    // Signals now go to the new VP.
    REQUIRE(ch.send_inband(Bytes(8), 1));
    CHECK(ch.recv().has_value());
    const auto [vp, sint] = guest->last_signal(1);
    CHECK(vp == (version >= kVmbusWin10V4_1 ? 3u : 0u));
    CHECK(sint == 2);
}

TEST_CASE_METHOD(SimFixture, "packets reach the VSP and its answers reach the guest",
                 "[sim][channel][data]")
{
    auto vsp = std::make_shared<EchoVsp>(1);
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);

    SECTION("in-band, echoed")
    {
        Bytes payload{std::byte{1}, std::byte{2}, std::byte{3}};
        REQUIRE(ch.send_inband(payload, 5));
        auto r = ch.recv();
        REQUIRE(r.has_value());
        CHECK(r->type == 6);
        CHECK(r->transaction_id == 5);
        CHECK(r->offset8 == 2);
        CHECK(r->len8 == 3);
        CHECK(r->payload()[2] == std::byte{3});
        REQUIRE(vsp->wait_packets(1));
        CHECK(vsp->packet(0).size() == 8); // padded payload
    }
    SECTION("completion requested")
    {
        REQUIRE(ch.send_inband(Bytes(16, std::byte{7}), 0x1234, true));
        auto r = ch.recv();
        REQUIRE(r.has_value());
        CHECK(r->type == 0xB);
        CHECK(r->flags == 0);
        CHECK(r->transaction_id == 0x1234);
    }
    SECTION("GPA direct over scattered pages")
    {
        const uint64_t a = guest->memory().alloc_pages(1);
        const uint64_t b = guest->memory().alloc_pages(2);
        for (int i = 0; i < 100; ++i)
            guest->memory().at(a + 4000)[i] = std::byte(i);
        // One range: 100 bytes starting 4000 bytes into page a, continuing on page b+1.
        Bytes hdr(8 + 8 + 16);
        put<uint32_t>(hdr, 4, 1);     // range_cnt
        put<uint32_t>(hdr, 8, 100);   // byte_count
        put<uint32_t>(hdr, 12, 4000); // byte_offset
        put<uint64_t>(hdr, 16, a >> 12);
        put<uint64_t>(hdr, 24, (b >> 12) + 1);
        for (int i = 96; i < 100; ++i)
            guest->memory().at(b + 4096)[i - 96] = std::byte(i);
        REQUIRE(ch.write_raw(TestChannel::packet(9, 1, 77, hdr, Bytes(8))));
        auto r = ch.recv();
        REQUIRE(r.has_value());
        CHECK(r->type == 0xB);
        CHECK(r->transaction_id == 77);
        CHECK(get<uint64_t>(r->payload(), 0) == 100);
        CHECK(vsp->last_gpa_status() == 0);
        // Reversed in place by the VSP.
        CHECK(guest->memory().at(a + 4000)[0] == std::byte(99));
        CHECK(guest->memory().at(b + 4096)[3] == std::byte(0));
    }
    SECTION("GPA direct with a PFN outside guest memory is dropped")
    {
        Bytes hdr(8 + 8 + 8);
        put<uint32_t>(hdr, 4, 1);
        put<uint32_t>(hdr, 8, 16);
        put<uint32_t>(hdr, 12, 0);
        put<uint64_t>(hdr, 16, uint64_t{1} << 40);
        REQUIRE(ch.write_raw(TestChannel::packet(9, 1, 78, hdr, Bytes(8))));
        REQUIRE(ch.send_inband(Bytes(8), 79));
        auto r = ch.recv();
        REQUIRE(r.has_value());
        CHECK(r->transaction_id == 79);
        CHECK(host->counters().packets_dropped == 1);
    }
}

TEST_CASE_METHOD(SimFixture, "a VSP sends transfer-page packets", "[sim][channel][data]")
{
    struct XferVsp : EchoVsp {
        XferVsp() : EchoVsp(1) {}
        void on_packet(HostChannel &ch, const HostPacket &pkt) override
        {
            const XferPageRange ranges[] = {{100, 0}, {200, 4096}};
            ch.send_xfer_pages(0xCAFE, ranges, pkt.payload, pkt.transaction_id, true);
        }
    };
    auto vsp = std::make_shared<XferVsp>();
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(ch.send_inband(Bytes(8, std::byte{9}), 3));
    auto r = ch.recv();
    REQUIRE(r.has_value());
    CHECK(r->type == 7);
    CHECK(r->flags == 1);
    CHECK(r->offset8 == (24 + 16) / 8);
    CHECK(get<uint16_t>(r->bytes, 16) == 0xCAFE);
    CHECK(get<uint32_t>(r->bytes, 20) == 2);
    CHECK(get<uint32_t>(r->bytes, 32) == 200);
    CHECK(get<uint32_t>(r->bytes, 36) == 4096);
    CHECK(r->payload()[0] == std::byte{9});
}
