// SPDX-License-Identifier: MIT
// tests/core/test_ring_wrap.cpp — packets that run over the end of the data area.
//
// For a packet occupying T bytes, starting k * 8 bytes before the end for k = 1 .. T/8 + 1
// covers every way the end can cut it: through the descriptor (k = 1), right after it
// (k = 2), through the payload at every 8-byte boundary, through the padding, before the
// trailer (k = 1 + trailer slot), exactly at the end so the new index wraps to 0 (k = T/8),
// and not at all (k = T/8 + 1).
#include <deque>
#include <random>

#include "support/ring_fixture.hpp"

using namespace satori::test;

TEST_CASE_METHOD(RingFixture, "a packet written at every 8-byte position near the end wraps intact",
                 "[ring][wrap][write]")
{
    const uint32_t payload = GENERATE(48u, 61u, 17u); // padding 0, 3 and 7 bytes
    const Bytes packet = make_inband(payload, payload);
    const uint32_t footprint = ring_footprint(packet);
    const uint32_t k = GENERATE_COPY(range(1u, footprint / 8 + 2));
    const uint32_t start = data_size() - 8 * k;
    CAPTURE(payload, footprint, k, start);

    fill_data(0xCC);
    place_at(start);
    REQUIRE(write_raw(packet, {16}) == 0);

    const uint32_t end = (start + footprint) % data_size();
    CHECK(host.write_index() == end);
    CHECK(host.peek(start, round_up8(packet.size())) == padded(packet));
    CHECK(host.trailer_at((start + round_up8(packet.size())) % data_size()) == uint64_t{start}
                                                                                   << 32);
    // nothing outside [start, end) was touched
    const uint32_t untouched = data_size() - footprint;
    CHECK(host.peek(end, untouched) == Bytes(untouched, 0xCC));

    auto got = host.read();
    REQUIRE(got);
    CHECK(got->bytes == padded(packet));
}

TEST_CASE_METHOD(RingFixture, "the reader reads a packet at every 8-byte position near the end",
                 "[ring][wrap][read]")
{
    const uint32_t payload = GENERATE(48u, 61u, 17u); // padding 0, 3 and 7 bytes
    const Bytes packet = make_inband(payload, payload + 100);
    const uint32_t footprint = ring_footprint(packet);
    const uint32_t k = GENERATE_COPY(range(1u, footprint / 8 + 2));
    const uint32_t start = data_size() - 8 * k;
    CAPTURE(payload, footprint, k, start);

    place_at(start);
    REQUIRE(host.write(packet));

    auto r = read_packet();
    REQUIRE(r.error() == 0);
    CHECK(r.len == round_up8(packet.size()));
    CHECK(r.bytes == padded(packet));
    CHECK(rb.priv_read == (start + footprint) % data_size());
    CHECK(read_packet().error() == -SATORI_EAGAIN);

    ring_read_commit(&rb);
    CHECK(host.read_index() == (start + footprint) % data_size());
}

TEST_CASE_METHOD(RingFixture, "a packet with a type header straddling the end keeps its offset8",
                 "[ring][wrap][read]")
{
    // GPA-direct shaped: 24-byte header (offset8 = 3) then 40 bytes of payload.
    const Bytes packet =
        make_packet(pattern_bytes(8 + 40, 3), {.type = VM_PKT_DATA_USING_GPA_DIRECT,
                                               .offset8 = 3,
                                               .flags = VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED,
                                               .trans_id = 77});
    place_at(data_size() - 16);
    REQUIRE(host.write(packet));
    auto r = read_packet();
    REQUIRE(r.error() == 0);
    CHECK(r.bytes == padded(packet));
    CHECK(desc_of(r.bytes).offset8 == 3);
    CHECK(desc_of(r.bytes).trans_id == 77);
}

TEST_CASE("the guest's writer and reader agree across thousands of wraps", "[ring][wrap]")
{
    const uint32_t total = GENERATE(8192u, 12288u);
    RingMemory mem(total);
    ring writer{}, reader{};
    REQUIRE(ring_init(&writer, mem.get(), total) == 0);
    REQUIRE(ring_init(&reader, mem.get(), total) == 0); // same memory, the other role

    std::mt19937 rng(total);
    std::uniform_int_distribution<uint32_t> size_dist(0, 1500);
    std::uniform_int_distribution<int> batch_dist(1, 6);
    std::deque<Bytes> in_flight;
    Bytes buf(reader.data_size);
    uint64_t sent = 0, received = 0;

    while (received < 20000) {
        // write a burst until full (or a random number of packets)
        for (int n = batch_dist(rng); n > 0; --n) {
            Bytes packet = make_inband(size_dist(rng), static_cast<uint32_t>(sent), sent);
            ring_iov iov{packet.data(), static_cast<uint32_t>(packet.size())};
            bool sig = false;
            int32_t rc = ring_write(&writer, &iov, 1, &sig);
            if (rc == -SATORI_EAGAIN) break;
            REQUIRE(rc == 0);
            in_flight.push_back(std::move(packet));
            ++sent;
        }
        // read some back
        for (int n = batch_dist(rng); n > 0 && !in_flight.empty(); --n) {
            uint32_t len = 0;
            REQUIRE(ring_read(&reader, buf.data(), reader.data_size, &len) == 0);
            REQUIRE(Bytes(buf.begin(), buf.begin() + len) == padded(in_flight.front()));
            in_flight.pop_front();
            ++received;
        }
        ring_read_commit(&reader);
    }
    CHECK(writer.stats.packets == sent);
    CHECK(reader.stats.packets == received);
    CHECK(writer.stats.full > 0);
}
