// SPDX-License-Identifier: MIT
// tests/core/test_ring_untrusted.cpp — hostile values in the shared ring are refused
// with -SATORI_EPROTO, and nothing is consumed or written.
#include "support/ring_fixture.hpp"

using namespace satori::test;

namespace {

// What must not change when a read is refused.
struct ReaderState {
    uint32_t priv_read, batch_bytes;
    uint64_t packets;
    explicit ReaderState(const ring &rb)
        : priv_read(rb.priv_read), batch_bytes(rb.batch_bytes), packets(rb.stats.packets)
    {
    }
    bool operator==(const ReaderState &) const = default;
};

} // namespace

TEST_CASE_METHOD(RingFixture, "a write_index outside the data area or not 8-aligned is refused",
                 "[ring][untrusted][read]")
{
    const uint32_t size = data_size();
    const uint32_t bad =
        GENERATE_COPY(values<uint32_t>({size, size + 8, 0xfffffff8u, UINT32_MAX, 4u, 12u, 1u}));
    CAPTURE(bad);
    REQUIRE(host.write(make_inband(40)));
    host.set_write_index(bad);
    const ReaderState before(rb);

    CHECK(read_packet().error() == -SATORI_EPROTO);
    CHECK(read_packet().error() == -SATORI_EPROTO); // and stays refused
    CHECK(ReaderState(rb) == before);
    CHECK(ring_bytes_to_read(&rb) == 0);
    CHECK(ring_read_unmask(&rb)); // "go on reading": the read reports it
}

TEST_CASE_METHOD(RingFixture, "fewer than 16 bytes available is corruption",
                 "[ring][untrusted][read]")
{
    const uint32_t start = GENERATE_COPY(values<uint32_t>({0u, 64u, data_size() - 8}));
    CAPTURE(start);
    place_at(start);
    host.set_write_index((start + 8) % data_size());
    const ReaderState before(rb);
    CHECK(read_packet().error() == -SATORI_EPROTO);
    CHECK(ReaderState(rb) == before);
}

TEST_CASE_METHOD(RingFixture, "descriptors that do not frame a packet are refused",
                 "[ring][untrusted][read]")
{
    Bytes packet = make_inband(40); // 56 bytes: offset8 2, len8 7; occupies 64
    vmpacket_desc d = desc_of(packet);
    const uint32_t start =
        GENERATE_COPY(values<uint32_t>({0u, data_size() - 8})); // descriptor straddles too
    place_at(start);

    SECTION("offset8 below the descriptor")
    {
        d.offset8 = GENERATE(0, 1);
    }
    SECTION("len8 below offset8")
    {
        d.offset8 = 4;
        d.len8 = GENERATE(0, 1, 3);
    }
    SECTION("len8 past the bytes written")
    {
        // occupies 64 bytes: len8 * 8 + 8 must stay <= 64
        d.len8 = GENERATE(8, 9, 100, 0xffff);
    }
    CAPTURE(start, d.offset8, d.len8);
    Bytes raw = packet;
    set_desc(raw, d);
    host.poke(start, padded(raw));
    host.set_write_index((start + 64) % data_size());

    const ReaderState before(rb);
    CHECK(read_packet().error() == -SATORI_EPROTO);
    CHECK(ReaderState(rb) == before);
}

TEST_CASE_METHOD(RingFixture, "a length ending exactly at write_index is accepted",
                 "[ring][untrusted][read]")
{
    // Two packets written, the first descriptor claiming both: len8 * 8 + 8 == available.
    REQUIRE(host.write(make_inband(40)));  // 64 bytes
    REQUIRE(host.write(make_inband(104))); // 128 bytes
    Bytes d = host.peek(0, 16);
    vmpacket_desc desc = desc_of(d);
    desc.len8 = (192 - 8) / 8;
    set_desc(d, desc);
    host.poke(0, d);
    auto r = read_packet();
    REQUIRE(r.error() == 0);
    CHECK(r.len == 184);
    CHECK(read_packet().error() == -SATORI_EAGAIN);
}

TEST_CASE_METHOD(RingFixture, "corrupt indices fail the writer with EPROTO and write nothing",
                 "[ring][untrusted][write]")
{
    const uint32_t size = data_size();
    const uint32_t bad = GENERATE_COPY(values<uint32_t>({size, size + 8, 0xfffffff8u, 4u, 3u}));
    CAPTURE(bad);
    REQUIRE(write_packet(8) == 0);

    SECTION("read_index, written by the host")
    {
        host.set_read_index(bad);
    }
    SECTION("our own write_index, scribbled by the host")
    {
        host.set_write_index(bad);
    }

    const Bytes before = memory().snapshot();
    CHECK(write_packet(8) == -SATORI_EPROTO);
    CHECK(memory().snapshot() == before);
    CHECK(rb.stats.packets == 1);
    CHECK(ring_bytes_to_write(&rb) == 0);
    CHECK(ring_can_write(&rb, 16)); // so a blocked caller retries and sees the error
}

TEST_CASE_METHOD(RingFixture, "commit ignores a corrupt write_index and does not signal",
                 "[ring][untrusted][flow]")
{
    REQUIRE(host.write(make_inband(40)));
    REQUIRE(read_packet().error() == 0);
    host.set_pending_send_sz(8);
    host.set_write_index(data_size() + 64);
    CHECK_FALSE(ring_read_commit(&rb));
    CHECK(host.read_index() == 64); // published all the same
}

TEST_CASE_METHOD(RingFixture, "a hostile pending_send_sz never makes the reader signal",
                 "[ring][untrusted][flow]")
{
    host.set_pending_send_sz(GENERATE(UINT32_MAX, 0x80000000u));
    while (host.write(make_inband(200))) {
    }
    while (read_packet().error() == 0)
        CHECK_FALSE(ring_read_commit(&rb));
    CHECK(rb.stats.signals == 0);
}
