// SPDX-License-Identifier: MIT
// tests/core/test_ring_write.cpp — the guest writing packets into its "out" ring.
#include "support/ring_fixture.hpp"

using namespace satori::test;

TEST_CASE_METHOD(RingFixture,
                 "a packet is laid out as descriptor then payload then zero padding then trailer",
                 "[ring][write]")
{
    uint32_t payload = GENERATE(0u, 1u, 7u, 8u, 13u, 100u, 1001u);
    CAPTURE(payload);
    fill_data(0xCC); // padding must be written as zeros, not left over

    REQUIRE(write_packet(payload) == 0);

    const Bytes expected = padded(last_written);
    const uint32_t footprint = ring_footprint(last_written);
    CHECK(host.write_index() == footprint);
    CHECK(host.peek(0, static_cast<uint32_t>(expected.size())) == expected);
    CHECK(host.trailer_at(static_cast<uint32_t>(expected.size())) == 0); // start 0 << 32
    CHECK(host.peek(footprint, 16) == Bytes(16, 0xCC));                  // nothing beyond
    CHECK(rb.stats.packets == 1);
    CHECK(rb.stats.full == 0);
}

TEST_CASE_METHOD(RingFixture, "packets follow each other and each trailer names its start",
                 "[ring][write]")
{
    const std::vector<uint32_t> sizes{3, 64, 0, 200, 17, 8, 500};
    std::vector<Bytes> sent;
    for (size_t i = 0; i < sizes.size(); ++i) {
        REQUIRE(write_packet(sizes[i], static_cast<uint32_t>(i)) == 0);
        sent.push_back(last_written);
    }
    CHECK(rb.stats.packets == sizes.size());

    uint32_t start = 0;
    for (const Bytes &packet : sent) {
        auto got = host.read();
        REQUIRE(got);
        CHECK(got->start == start);
        CHECK(got->bytes == padded(packet));
        CHECK(got->trailer == uint64_t{start} << 32);
        start += ring_footprint(packet);
    }
    CHECK_FALSE(host.read());
    CHECK(host.write_index() == start);
}

TEST_CASE_METHOD(RingFixture, "iov pieces are gathered even a descriptor split across them",
                 "[ring][write]")
{
    const Bytes packet = make_inband(45, 9, 0x1122334455667788ull);
    const std::vector<uint32_t> cuts =
        GENERATE(std::vector<uint32_t>{}, std::vector<uint32_t>{16}, std::vector<uint32_t>{7},
                 std::vector<uint32_t>{1, 2, 3, 15, 16, 17},
                 std::vector<uint32_t>{0, 0, 16, 16, 61}, std::vector<uint32_t>{8, 30, 60});
    CAPTURE(cuts);

    REQUIRE(write_raw(packet, cuts) == 0);

    auto got = host.read();
    REQUIRE(got);
    CHECK(got->bytes == padded(packet));
}

TEST_CASE_METHOD(RingFixture, "the largest packet fits an empty ring and one byte more never fits",
                 "[ring][write][size]")
{
    uint32_t total = GENERATE(8192u, 12288u, 1024u * 1024u);
    reset(total);
    const uint32_t max = ring_max_packet(&rb);
    CAPTURE(total, max);

    SECTION("max fits, leaving 8 bytes or more")
    {
        REQUIRE(write_raw(make_inband(max - 16)) == 0);
        CHECK(ring_bytes_to_write(&rb) >= 8);
        auto got = host.read();
        REQUIRE(got);
        CHECK(got->bytes.size() == max);
    }
    SECTION("max + 1 is EMSGSIZE and writes nothing")
    {
        Bytes big = make_inband(max - 16 + 1);
        if (max + 1 <= 0xffffu * 8u) REQUIRE(desc_of(big).len8 * 8u == max + 8);
        const Bytes before = memory().snapshot();
        CHECK(write_raw(big) == -SATORI_EMSGSIZE);
        CHECK(memory().snapshot() == before);
        CHECK(rb.stats.full == 0);
    }
    SECTION("EMSGSIZE even on a ring that is not empty")
    {
        REQUIRE(write_packet(8) == 0);
        CHECK(write_raw(make_inband(max)) == -SATORI_EMSGSIZE);
    }
}

TEST_CASE_METHOD(RingFixture, "descriptors that do not frame the packet are refused with EINVAL",
                 "[ring][write]")
{
    Bytes packet = make_inband(30); // 46 bytes, len8 = 6
    vmpacket_desc d = desc_of(packet);

    SECTION("len8 too small")
    {
        d.len8 = 5;
    }
    SECTION("len8 too large")
    {
        d.len8 = 7;
    }
    SECTION("offset8 below the descriptor")
    {
        d.offset8 = GENERATE(0, 1);
    }
    SECTION("offset8 past the packet")
    {
        d.offset8 = 7;
    }

    set_desc(packet, d);
    const Bytes before = memory().snapshot();
    CHECK(write_raw(packet) == -SATORI_EINVAL);
    CHECK(memory().snapshot() == before);
}

TEST_CASE_METHOD(RingFixture, "fewer than 16 bytes or no iov at all is EINVAL", "[ring][write]")
{
    Bytes tiny(15, 0);
    ring_iov iov{tiny.data(), 15};
    bool sig = true;
    CHECK(ring_write(&rb, &iov, 1, &sig) == -SATORI_EINVAL);
    CHECK(ring_write(&rb, nullptr, 0, &sig) == -SATORI_EINVAL);
    CHECK(sig); // not written on failure
    CHECK(host.write_index() == 0);
}

TEST_CASE_METHOD(RingFixture, "a full ring refuses with EAGAIN and writes nothing",
                 "[ring][write][full]")
{
    uint32_t payload = GENERATE(40u, 100u, 1000u);
    CAPTURE(payload);
    int written = 0;
    while (write_packet(payload, static_cast<uint32_t>(written)) == 0)
        ++written;
    REQUIRE(written > 0);
    CHECK(rb.stats.full == 1);

    const Bytes before = memory().snapshot();
    const uint32_t windex = host.write_index();
    CHECK(write_packet(payload) == -SATORI_EAGAIN);
    CHECK(memory().snapshot() == before);
    CHECK(host.write_index() == windex);
    CHECK(rb.stats.full == 2);
    CHECK(rb.stats.packets == static_cast<uint64_t>(written));
    CHECK(ring_bytes_to_write(&rb) <= ring_packet_bytes(16 + payload));

    SECTION("after the host reads one packet the write succeeds")
    {
        REQUIRE(host.read());
        host.publish();
        CHECK(write_packet(payload) == 0);
    }
}

TEST_CASE_METHOD(RingFixture, "a packet needs strictly more free space than it occupies",
                 "[ring][write][full]")
{
    const Bytes packet = make_inband(40); // occupies 64
    const uint32_t start = GENERATE(0u, 512u, 8192u - 32u);
    place_at(start);
    const uint32_t size = data_size();

    SECTION("free == occupied: EAGAIN, never filling the last byte")
    {
        host.set_read_index((start + 64) % size);
        REQUIRE(ring_bytes_to_write(&rb) == 64);
        CHECK_FALSE(ring_can_write(&rb, 64));
        CHECK(write_raw(packet) == -SATORI_EAGAIN);
    }
    SECTION("free == occupied + 8: fits")
    {
        host.set_read_index((start + 72) % size);
        REQUIRE(ring_bytes_to_write(&rb) == 72);
        CHECK(ring_can_write(&rb, 64));
        CHECK(write_raw(packet) == 0);
        CHECK(ring_bytes_to_write(&rb) == 8);
    }
}

TEST_CASE_METHOD(RingFixture, "pending_send_sz is stored and cleared by the writer",
                 "[ring][write][flow]")
{
    ring_set_pending_send(&rb, 4088);
    CHECK(host.pending_send_sz() == 4088);
    ring_set_pending_send(&rb, 0);
    CHECK(host.pending_send_sz() == 0);
}

TEST_CASE_METHOD(RingFixture, "a NULL signal pointer is allowed", "[ring][write]")
{
    Bytes packet = make_inband(8);
    ring_iov iov{packet.data(), static_cast<uint32_t>(packet.size())};
    CHECK(ring_write(&rb, &iov, 1, nullptr) == 0);
    CHECK(rb.stats.signals == 1);
}
