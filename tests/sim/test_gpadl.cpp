// SPDX-License-Identifier: MIT
// tests/sim/test_gpadl.cpp — GPADL assembly, validation and teardown (vmbus.md §4).
#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

namespace {

constexpr uint32_t kFail = 0xC0000001u;

std::vector<msg::Range> one_range(uint64_t gpa, size_t pages)
{
    return {{static_cast<uint32_t>(pages * 4096), 0, GuestMemfd::pfns(gpa, pages)}};
}

/// A VSP that checks what the host mapped for a GPADL.
class GpadlProbeVsp : public EchoVsp {
  public:
    GpadlProbeVsp() : EchoVsp(1) {}
    void on_packet(HostChannel &ch, const HostPacket &pkt) override
    {
        uint32_t handle = 0;
        std::memcpy(&handle, pkt.payload.data(), 4);
        auto m = ch.gpadl(handle);
        Bytes reply(16);
        if (m) {
            put<uint64_t>(reply, 0, m->buffer().size());
            std::byte first = m->buffer().front(), last = m->buffer().back();
            put<uint8_t>(reply, 8, static_cast<uint8_t>(first));
            put<uint8_t>(reply, 9, static_cast<uint8_t>(last));
            put<uint8_t>(reply, 10, static_cast<uint8_t>(m->range_count()));
        }
        ch.send_inband(reply, pkt.transaction_id);
    }
};

} // namespace

TEST_CASE_METHOD(SimFixture, "GPADLs of any size assemble from header and body messages",
                 "[sim][gpadl]")
{
    HostConfig cfg;
    auto offers = start_with({std::make_shared<EchoVsp>(1)}, cfg);
    // 26 PFNs fit the header; 27 needs one body; 8190 is the most range_buflen (u16) allows.
    const size_t pages = GENERATE(1, 26, 27, 28 + 26, 1000, 8190);
    const uint64_t gpa = guest->memory().alloc_pages(pages);
    const auto msgs = msg::gpadl_messages(1, 0xE1E10, one_range(gpa, pages));
    CHECK(msgs.size() == (pages <= 26 ? 1 : 1 + (pages - 26 + 27) / 28));
    for (const auto &m : msgs)
        REQUIRE(guest->post(m) == 0);
    auto c = guest->expect(msg::kGpadlCreated);
    CHECK(c.at<uint32_t>(8) == 1);
    CHECK(c.at<uint32_t>(12) == 0xE1E10);
    CHECK(c.at<uint32_t>(16) == 0);
    CHECK(host->counters().gpadls_created == 1);
}

TEST_CASE_METHOD(SimFixture, "multi-range GPADLs and scattered pages", "[sim][gpadl]")
{
    auto probe = std::make_shared<GpadlProbeVsp>();
    auto offers = start_with({probe});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);

    // Three ranges with byte offsets; the second one's pages are in reverse order.
    const uint64_t a = guest->memory().alloc_pages(3);
    const uint64_t b = guest->memory().alloc_pages(4);
    const uint64_t c = guest->memory().alloc_pages(1);
    std::vector<uint64_t> reversed = GuestMemfd::pfns(b, 4);
    std::reverse(reversed.begin(), reversed.end());
    *guest->memory().at(a + 100) = std::byte{0xA1};
    *guest->memory().at(a + 100 + 3 * 4096 - 200 - 1) = std::byte{0xA2};
    REQUIRE(guest->create_gpadl(1, 0x20,
                                {{3 * 4096 - 200, 100, GuestMemfd::pfns(a, 3)},
                                 {4 * 4096, 0, reversed},
                                 {10, 4000, GuestMemfd::pfns(c, 1)}}) == 0);
    Bytes req(8);
    put<uint32_t>(req, 0, 0x20);
    REQUIRE(ch.send_inband(req, 9));
    auto r = ch.recv();
    REQUIRE(r.has_value());
    auto p = r->payload();
    CHECK(get<uint64_t>(p, 0) == 3 * 4096 - 200);
    CHECK(get<uint8_t>(p, 8) == 0xA1);
    CHECK(get<uint8_t>(p, 9) == 0xA2);
    CHECK(get<uint8_t>(p, 10) == 3);

    SECTION("an unknown handle gives the VSP nothing")
    {
        put<uint32_t>(req, 0, 0x21);
        REQUIRE(ch.send_inband(req, 10));
        auto none = ch.recv();
        REQUIRE(none.has_value());
        CHECK(get<uint64_t>(none->payload(), 0) == 0);
    }
}

TEST_CASE_METHOD(SimFixture, "10 000 pages cannot be described by one GPADL",
                 "[sim][gpadl][limits]")
{
    // range_buflen is 16 bits for the whole range list, so the most any GPADL can carry is
    // (65535 - 8) / 8 = 8190 PFNs, however it is split into ranges. A guest that truncates the
    // length (as Linux would) gets a failure; the bodies that follow are dropped.
    auto offers = start_with({std::make_shared<EchoVsp>(1)});
    const size_t pages = 10000;
    const uint64_t gpa = guest->memory().alloc_pages(pages);
    SECTION("one range")
    {
        const auto msgs = msg::gpadl_messages(1, 0x30, one_range(gpa, pages));
        for (const auto &m : msgs)
            REQUIRE(guest->post(m) == 0);
    }
    SECTION("two ranges of 5000 pages")
    {
        const auto msgs =
            msg::gpadl_messages(1, 0x30,
                                {{5000 * 4096, 0, GuestMemfd::pfns(gpa, 5000)},
                                 {5000 * 4096, 0, GuestMemfd::pfns(gpa + 5000 * 4096, 5000)}});
        for (const auto &m : msgs)
            REQUIRE(guest->post(m) == 0);
    }
    auto c = guest->expect(msg::kGpadlCreated, std::chrono::seconds(10));
    CHECK(c.at<uint32_t>(16) == kFail);
    CHECK(guest->quiet());
    CHECK(host->counters().protocol_errors > 0); // the orphaned bodies
    // The host still works: split over two GPADLs, it is fine.
    CHECK(guest->create_gpadl(1, 0x31, one_range(gpa, 5000)) == 0);
    CHECK(guest->create_gpadl(1, 0x32, one_range(gpa + 5000 * 4096, 5000)) == 0);
}

TEST_CASE_METHOD(SimFixture, "bad GPADLs are refused with a failure status",
                 "[sim][gpadl][untrusted]")
{
    auto offers = start_with({std::make_shared<EchoVsp>(1)});
    const uint64_t gpa = guest->memory().alloc_pages(4);
    const size_t mem_pages = guest->memory().size() / 4096;
    std::vector<Bytes> msgs;
    SECTION("PFN beyond guest memory")
    {
        msgs = msg::gpadl_messages(1, 0x40, {{2 * 4096, 0, {gpa >> 12, mem_pages}}});
    }
    SECTION("PFN far beyond guest memory, in a body")
    {
        auto pfns = GuestMemfd::pfns(gpa, 4);
        pfns.resize(40, gpa >> 12);
        pfns[39] = ~uint64_t{0};
        msgs = msg::gpadl_messages(1, 0x40, {{40 * 4096, 0, pfns}});
    }
    SECTION("range_buflen not a multiple of 8")
    {
        msgs = msg::gpadl_messages(1, 0x40, one_range(gpa, 2), 8 + 16 - 4);
    }
    SECTION("range_buflen too small for the range")
    {
        msgs = msg::gpadl_messages(1, 0x40, one_range(gpa, 4), 8 + 2 * 8);
    }
    SECTION("range_buflen larger than the ranges")
    {
        msgs = msg::gpadl_messages(1, 0x40, one_range(gpa, 2), 8 + 3 * 8);
        msgs[0].resize(msgs[0].size() + 8); // supply the extra value
    }
    SECTION("rangecount 0")
    {
        msgs = msg::gpadl_messages(1, 0x40, one_range(gpa, 1), -1, 0);
    }
    SECTION("rangecount larger than the list")
    {
        msgs = msg::gpadl_messages(1, 0x40, one_range(gpa, 1), -1, 2);
    }
    SECTION("byte_offset above 0xfff")
    {
        msgs = msg::gpadl_messages(1, 0x40, {{100, 0x1000, {gpa >> 12, (gpa >> 12) + 1}}});
    }
    SECTION("byte_count 0")
    {
        msgs = msg::gpadl_messages(1, 0x40, {{0, 0, {gpa >> 12}}});
    }
    SECTION("unknown relid")
    {
        msgs = msg::gpadl_messages(9, 0x40, one_range(gpa, 1));
    }
    for (const auto &m : msgs)
        REQUIRE(guest->post(m) == 0);
    auto c = guest->expect(msg::kGpadlCreated);
    CHECK(c.at<uint32_t>(12) == 0x40);
    CHECK(c.at<uint32_t>(16) == kFail);
    CHECK(guest->quiet());
    CHECK(host->counters().gpadls_failed == 1);
    // The handle was not consumed.
    CHECK(guest->create_gpadl(1, 0x40, one_range(gpa, 1)) == 0);
}

TEST_CASE_METHOD(SimFixture, "GPADL handles must be unique", "[sim][gpadl][untrusted]")
{
    auto offers = start_with({std::make_shared<EchoVsp>(1), std::make_shared<EchoVsp>(2)});
    const uint64_t gpa = guest->memory().alloc_pages(40);
    SECTION("already created on the channel")
    {
        REQUIRE(guest->create_gpadl(1, 0x50, one_range(gpa, 1)) == 0);
        CHECK(guest->create_gpadl(1, 0x50, one_range(gpa, 1)) == kFail);
        // Another channel may reuse the handle (GPADLs are per channel once created).
        CHECK(guest->create_gpadl(2, 0x50, one_range(gpa, 1)) == 0);
    }
    SECTION("still being created, on any channel")
    {
        auto first = msg::gpadl_messages(1, 0x50, one_range(gpa, 40)); // header + 1 body
        REQUIRE(first.size() == 2);
        REQUIRE(guest->post(first[0]) == 0);
        for (const auto &m : msg::gpadl_messages(2, 0x50, one_range(gpa, 1)))
            REQUIRE(guest->post(m) == 0);
        auto dup = guest->expect(msg::kGpadlCreated);
        CHECK(dup.at<uint32_t>(8) == 2);
        CHECK(dup.at<uint32_t>(16) == kFail);
        REQUIRE(guest->post(first[1]) == 0);
        auto ok = guest->expect(msg::kGpadlCreated);
        CHECK(ok.at<uint32_t>(8) == 1);
        CHECK(ok.at<uint32_t>(16) == 0);
    }
}

TEST_CASE_METHOD(SimFixture, "GPADL_TEARDOWN answers GPADL_TORNDOWN", "[sim][gpadl]")
{
    auto offers = start_with({std::make_shared<EchoVsp>(1)});
    const uint64_t gpa = guest->memory().alloc_pages(2);
    REQUIRE(guest->create_gpadl(1, 0x60, one_range(gpa, 2)) == 0);
    REQUIRE(guest->post(msg::gpadl_teardown(1, 0x60)) == 0);
    CHECK(guest->expect(msg::kGpadlTorndown).at<uint32_t>(8) == 0x60);
    CHECK(host->counters().gpadls_torn_down == 1);

    SECTION("unknown, repeated or in-progress handles are ignored")
    {
        REQUIRE(guest->post(msg::gpadl_teardown(1, 0x60)) == 0);
        REQUIRE(guest->post(msg::gpadl_teardown(5, 0x61)) == 0);
        auto partial = msg::gpadl_messages(1, 0x62, one_range(gpa, 30));
        REQUIRE(guest->post(partial[0]) == 0);
        REQUIRE(guest->post(msg::gpadl_teardown(1, 0x62)) == 0);
        CHECK(guest->quiet());
        CHECK(host->counters().protocol_errors == 3);
    }
    SECTION("the handle can be used again")
    {
        CHECK(guest->create_gpadl(1, 0x60, one_range(gpa, 2)) == 0);
    }
}
