// SPDX-License-Identifier: MIT
// tests/core/test_ring_read.cpp — the guest reading its "in" ring and committing.
#include "support/ring_fixture.hpp"

using namespace satori::test;

TEST_CASE_METHOD(RingFixture, "an empty ring reads EAGAIN and consumes nothing", "[ring][read]")
{
    auto r = read_packet();
    CHECK(r.error() == -SATORI_EAGAIN);
    CHECK(r.len == 0xdeadbeef); // not written on failure
    CHECK(rb.priv_read == 0);
    CHECK_FALSE(ring_read_commit(&rb));
    CHECK(host.read_index() == 0);
}

TEST_CASE_METHOD(RingFixture,
                 "a packet is copied out with descriptor and padding but not the trailer",
                 "[ring][read]")
{
    uint32_t payload = GENERATE(0u, 5u, 8u, 100u, 1000u);
    CAPTURE(payload);
    const Bytes packet = make_inband(payload, 7, 0xabcdef);
    REQUIRE(host.write(packet));

    auto r = read_packet();
    REQUIRE(r.error() == 0);
    CHECK(r.len == desc_of(packet).len8 * 8u);
    CHECK(r.bytes == padded(packet));
    CHECK(rb.priv_read == ring_footprint(packet));
    CHECK(rb.batch_bytes == ring_footprint(packet));
    CHECK(rb.stats.packets == 1);
    CHECK(host.read_index() == 0); // consumed locally only

    ring_read_commit(&rb);
    CHECK(host.read_index() == ring_footprint(packet));
    CHECK(rb.batch_bytes == 0);
}

TEST_CASE_METHOD(RingFixture, "packets are read in order and committed as one batch",
                 "[ring][read]")
{
    std::vector<Bytes> sent;
    for (uint32_t i = 0; i < 6; ++i) {
        sent.push_back(make_inband(i * 37, i, i));
        REQUIRE(host.write(sent.back()));
    }
    for (const Bytes &packet : sent) {
        auto r = read_packet();
        REQUIRE(r.error() == 0);
        CHECK(r.bytes == padded(packet));
    }
    CHECK(read_packet().error() == -SATORI_EAGAIN);
    CHECK(host.read_index() == 0);
    ring_read_commit(&rb);
    CHECK(host.read_index() == host.write_index());
    CHECK(ring_bytes_to_read(&rb) == 0);
}

TEST_CASE_METHOD(RingFixture,
                 "a short buffer gets ENOBUFS with the needed length and nothing is consumed",
                 "[ring][read]")
{
    const Bytes packet = make_inband(100); // 116 -> 120 bytes
    REQUIRE(host.write(packet));
    const uint32_t cap = GENERATE(0u, 16u, 116u, 119u);
    CAPTURE(cap);

    auto r = read_packet(cap);
    CHECK(r.error() == -SATORI_ENOBUFS);
    CHECK(r.len == 120);
    CHECK(rb.priv_read == 0);
    CHECK(rb.batch_bytes == 0);
    CHECK(rb.stats.packets == 0);

    auto again = read_packet(120);
    REQUIRE(again.error() == 0);
    CHECK(again.bytes == padded(packet));
}

TEST_CASE_METHOD(RingFixture, "a NULL buffer with no capacity asks for the length", "[ring][read]")
{
    REQUIRE(host.write(make_inband(9)));
    uint32_t len = 0;
    CHECK(ring_read(&rb, nullptr, 0, &len) == -SATORI_ENOBUFS);
    CHECK(len == 32);
}

TEST_CASE_METHOD(RingFixture, "a packet of exactly the descriptor is valid", "[ring][read]")
{
    const Bytes packet = make_inband(0); // len8 = offset8 = 2
    REQUIRE(host.write(packet));
    auto r = read_packet(16);
    REQUIRE(r.error() == 0);
    CHECK(r.bytes == packet);
}

TEST_CASE_METHOD(RingFixture, "the reader never reads its read_index back from shared memory",
                 "[ring][read][untrusted]")
{
    REQUIRE(host.write(make_inband(24, 1)));
    REQUIRE(host.write(make_inband(24, 2)));
    REQUIRE(read_packet().error() == 0);
    host.set_read_index(4); // scribbled by the host: garbage, and ours anyway
    auto r = read_packet();
    REQUIRE(r.error() == 0);
    CHECK(r.bytes == padded(make_inband(24, 2)));
    ring_read_commit(&rb);
    CHECK(host.read_index() == host.write_index());
}

TEST_CASE_METHOD(RingFixture, "the largest packet a ring holds round-trips", "[ring][read][size]")
{
    reset(1024 * 1024);
    const Bytes packet = make_inband(ring_max_packet(&rb) - 16);
    REQUIRE(host.write(packet));
    auto r = read_packet();
    REQUIRE(r.error() == 0);
    CHECK(r.len == 0xffffu * 8u);
    CHECK(r.bytes == padded(packet));
}
