// SPDX-License-Identifier: MIT
// tests/sdk/test_packet.cpp — Packet never reads past data_len.
#include <satori/sdk/packet.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

using satori::Packet;

namespace {

struct Pair {
    uint32_t a;
    uint32_t b;
};

satori_packet make_packet(const std::vector<std::byte> &data)
{
    satori_packet p{};
    p.struct_size = sizeof(p);
    p.type = SATORI_PKT_DATA_INBAND;
    p.trans_id = 0x1122334455667788ull;
    p.data = reinterpret_cast<const uint8_t *>(data.data());
    p.data_len = static_cast<uint32_t>(data.size());
    return p;
}

std::vector<std::byte> counting_bytes(std::size_t n)
{
    std::vector<std::byte> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::byte>(i);
    return out;
}

} // namespace

TEST_CASE("Packet exposes the header fields", "[sdk][packet]")
{
    const auto data = counting_bytes(16);
    satori_packet raw = make_packet(data);
    raw.flags = SATORI_PKT_FLAG_COMPLETION_REQUESTED;
    const Packet pkt(raw);
    CHECK(pkt.type() == SATORI_PKT_DATA_INBAND);
    CHECK(pkt.is_inband());
    CHECK_FALSE(pkt.is_completion());
    CHECK_FALSE(pkt.is_xfer_pages());
    CHECK(pkt.completion_requested());
    CHECK(pkt.trans_id() == 0x1122334455667788ull);
    CHECK(pkt.size() == 16);
    CHECK(pkt.data().data() == data.data());
    CHECK(&pkt.c_packet() == &raw);
    CHECK(pkt.raw().empty());
}

TEST_CASE("view<T> copies a T only when all its bytes are in the packet", "[sdk][packet]")
{
    const auto data = counting_bytes(12);
    const satori_packet raw = make_packet(data);
    const Packet pkt(raw);

    auto first = pkt.view<Pair>();
    REQUIRE(first);
    uint32_t expect_a;
    std::memcpy(&expect_a, data.data(), 4);
    CHECK(first->a == expect_a);

    CHECK(pkt.view<Pair>(4)); // bytes 4..11: exactly fits
    CHECK(pkt.view<uint8_t>(11));

    const std::size_t bad_offset = GENERATE(5u, 12u, 13u, std::size_t(-1), std::size_t(-4));
    auto short_view = pkt.view<Pair>(bad_offset);
    CHECK_FALSE(short_view);
    CHECK(short_view.error().code() == -SATORI_EBADMSG);
}

TEST_CASE("view<T> works at unaligned offsets", "[sdk][packet]")
{
    const auto data = counting_bytes(24);
    const Packet pkt(make_packet(data));
    auto v = pkt.view<uint64_t>(3);
    REQUIRE(v);
    uint64_t expect;
    std::memcpy(&expect, data.data() + 3, 8);
    CHECK(*v == expect);
}

TEST_CASE("bytes() returns sub-spans inside the payload only", "[sdk][packet]")
{
    const auto data = counting_bytes(8);
    const satori_packet raw = make_packet(data);
    const Packet pkt(raw);
    auto all = pkt.bytes(0, 8);
    REQUIRE(all);
    CHECK(all->size() == 8);
    auto tail = pkt.bytes(6, 2);
    REQUIRE(tail);
    CHECK((*tail)[0] == std::byte{6});
    CHECK(pkt.bytes(8, 0)); // empty at the end is fine
    CHECK(pkt.bytes(7, 2).error().code() == -SATORI_EBADMSG);
    CHECK(pkt.bytes(9, 0).error().code() == -SATORI_EBADMSG);
    CHECK(pkt.bytes(1, std::size_t(-1)).error().code() == -SATORI_EBADMSG);
}

TEST_CASE("an empty or NULL payload gives empty views", "[sdk][packet]")
{
    satori_packet raw{};
    raw.struct_size = sizeof(raw);
    raw.data_len = 64; // but data == NULL
    const Packet pkt(raw);
    CHECK(pkt.data().empty());
    CHECK(pkt.view<uint8_t>().error().code() == -SATORI_EBADMSG);
}

TEST_CASE("transfer-page ranges and the raw packet are exposed", "[sdk][packet]")
{
    const auto data = counting_bytes(8);
    const std::array<satori_xfer_range, 2> ranges = {{{100, 0}, {200, 4096}}};
    satori_packet raw = make_packet(data);
    raw.type = SATORI_PKT_DATA_XFER_PAGES;
    raw.xfer_pageset_id = 0xcafe;
    raw.range_count = 2;
    raw.ranges = ranges.data();
    raw.raw = reinterpret_cast<const uint8_t *>(data.data());
    raw.raw_len = 8;

    const Packet pkt(raw);
    CHECK(pkt.is_xfer_pages());
    CHECK(pkt.xfer_pageset_id() == 0xcafe);
    REQUIRE(pkt.xfer_ranges().size() == 2);
    CHECK(pkt.xfer_ranges()[1].byte_offset == 4096);
    CHECK(pkt.raw().size() == 8);

    SECTION("fields beyond an older shim's struct_size are not read")
    {
        raw.struct_size = offsetof(satori_packet, ranges);
        const Packet old(raw);
        CHECK(old.xfer_ranges().empty());
        CHECK(old.raw().empty());
        CHECK(old.size() == 8);
    }
}
