// SPDX-License-Identifier: MIT
// netvsc's RNDIS builders and parsers: every host offset and length is checked.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "protocol.hpp"
#include "rndis.hpp"

using namespace satori::netvsc;

namespace {
std::vector<std::byte> packet_msg(uint32_t frame_len)
{
    std::vector<std::byte> m(proto::kPacketHeader + frame_len);
    rndis::write_packet_header(m, frame_len);
    for (uint32_t i = 0; i < frame_len; ++i)
        m[proto::kPacketHeader + i] = std::byte(i & 0xFF);
    return m;
}
} // namespace

TEST_CASE("a well-formed RNDIS PACKET yields its frame", "[net][rndis]")
{
    auto m = packet_msg(60);
    auto p = rndis::parse_packet(m);
    REQUIRE(p);
    CHECK(p->frame.size() == 60);
    CHECK(p->frame.data() == m.data() + proto::kPacketHeader);
    CHECK_FALSE(p->csum_ok);
}

TEST_CASE("RNDIS PACKET offsets and lengths outside the message are rejected", "[net][rndis]")
{
    auto m = packet_msg(60);
    SECTION("data offset past the end")
    {
        rndis::put32(m, 8, static_cast<uint32_t>(m.size()));
        CHECK_FALSE(rndis::parse_packet(m));
    }
    SECTION("data length past the end")
    {
        rndis::put32(m, 12, 61);
        CHECK_FALSE(rndis::parse_packet(m));
    }
    SECTION("huge length does not wrap")
    {
        rndis::put32(m, 12, 0xFFFFFFF0u);
        CHECK_FALSE(rndis::parse_packet(m));
    }
    SECTION("data offset inside the header")
    {
        rndis::put32(m, 8, 4);
        CHECK_FALSE(rndis::parse_packet(m));
    }
    SECTION("runt frame")
    {
        rndis::put32(m, 12, 10);
        CHECK_FALSE(rndis::parse_packet(m));
    }
    SECTION("PPI area past the end")
    {
        rndis::put32(m, 28, 36);
        rndis::put32(m, 32, 4096);
        CHECK_FALSE(rndis::parse_packet(m));
    }
    SECTION("truncated header")
    {
        m.resize(40);
        CHECK_FALSE(rndis::parse_packet(m));
    }
}

TEST_CASE("a checksum PPI marks the frame verified", "[net][rndis]")
{
    std::vector<std::byte> m(proto::kPacketHeader + 16 + 60);
    rndis::write_packet_header(m, 60);
    rndis::put32(m, 4, static_cast<uint32_t>(m.size()));
    rndis::put32(m, 8, 36 + 16); // frame after the PPI
    rndis::put32(m, 28, 36);     // PPI right after the header
    rndis::put32(m, 32, 16);
    rndis::put32(m, 44, 16); // PPI size
    rndis::put32(m, 48, 0);  // checksum type
    rndis::put32(m, 52, 12); // data offset
    rndis::put32(m, 56, proto::kRxCsumTcpOk);
    auto p = rndis::parse_packet(m);
    REQUIRE(p);
    CHECK(p->csum_ok);
    SECTION("a PPI claiming more than its area is rejected")
    {
        rndis::put32(m, 44, 64);
        CHECK_FALSE(rndis::parse_packet(m));
    }
}

TEST_CASE("QUERY completions are bounds-checked", "[net][rndis]")
{
    std::vector<std::byte> m(24 + 6);
    rndis::put32(m, 0, proto::kRndisQuery | proto::kRndisCompletion);
    rndis::put32(m, 4, 30);
    rndis::put32(m, 8, 7);
    rndis::put32(m, 12, 0);
    rndis::put32(m, 16, 6);
    rndis::put32(m, 20, 16);
    auto c = rndis::parse_completion(m);
    REQUIRE(c);
    CHECK(c->request_id == 7);
    CHECK(c->info.size() == 6);
    rndis::put32(m, 16, 7);
    CHECK_FALSE(rndis::parse_completion(m));
    rndis::put32(m, 16, 6);
    rndis::put32(m, 20, 8); // would overlap the header
    CHECK_FALSE(rndis::parse_completion(m));
}

TEST_CASE("guest RNDIS requests have the documented layout", "[net][rndis]")
{
    auto q = rndis::build_query(5, proto::kOidPermanentAddress);
    REQUIRE(q.size() == 28);
    CHECK(rndis::get32(q, 0) == proto::kRndisQuery);
    CHECK(rndis::get32(q, 4) == 28);
    CHECK(rndis::get32(q, 12) == proto::kOidPermanentAddress);
    CHECK(rndis::get32(q, 20) == 20);
    std::byte f[4] = {std::byte{0x0D}};
    auto s = rndis::build_set(6, proto::kOidPacketFilter, f);
    REQUIRE(s.size() == 32);
    CHECK(rndis::get32(s, 16) == 4);
    CHECK(rndis::get32(s, 28) == 0x0D);
    auto n = rndis::nvsp({proto::kInit, 0x00060001, 0x00060001});
    CHECK(n.size() == proto::kMessageBytes);
}
