// SPDX-License-Identifier: MIT
// tests/core/test_ring_signal.cpp — when the guest signals (spec §1.3), and the reader's
// interrupt_mask handshake.
#include "support/ring_fixture.hpp"

using namespace satori::test;

TEST_CASE_METHOD(RingFixture, "write signals only on empty to non-empty", "[ring][signal]")
{
    REQUIRE(write_packet(64) == 0);
    CHECK(last_signal);
    CHECK(host.signals() == 1);

    REQUIRE(write_packet(64) == 0);
    CHECK_FALSE(last_signal);
    REQUIRE(write_packet(8) == 0);
    CHECK(host.signals() == 1);
    CHECK(rb.stats.signals == 1);

    SECTION("once the host has read and published everything, the next write signals")
    {
        host.drain();
        REQUIRE(write_packet(64) == 0);
        CHECK(last_signal);
        CHECK(host.signals() == 2);
    }
    SECTION("host read but has not published read_index: no signal")
    {
        while (host.read()) {
        }
        REQUIRE(write_packet(64) == 0);
        CHECK(host.signals() == 1);
    }
    SECTION("host published only part: no signal")
    {
        REQUIRE(host.read());
        host.publish();
        REQUIRE(write_packet(64) == 0);
        CHECK(host.signals() == 1);
    }
    SECTION("host masked interrupts: no signal even from empty")
    {
        host.drain();
        host.set_interrupt_mask(1);
        REQUIRE(write_packet(64) == 0);
        REQUIRE(write_packet(64) == 0);
        CHECK(host.signals() == 1);
        host.drain();
        host.set_interrupt_mask(0);
        REQUIRE(write_packet(64) == 0);
        CHECK(host.signals() == 2);
    }
}

TEST_CASE_METHOD(RingFixture, "the empty-to-non-empty rule holds at every position",
                 "[ring][signal][wrap]")
{
    const uint32_t start = GENERATE(range(0u, 8192u, 8u * 61));
    place_at(start);
    REQUIRE(write_packet(100) == 0);
    CHECK(last_signal);
    REQUIRE(write_packet(100) == 0);
    CHECK_FALSE(last_signal);
}

TEST_CASE_METHOD(RingFixture, "a failed write never signals", "[ring][signal]")
{
    while (write_packet(500) == 0) {
    }
    const uint64_t before = host.signals();
    bool sig = true;
    Bytes packet = make_inband(500);
    ring_iov iov{packet.data(), static_cast<uint32_t>(packet.size())};
    CHECK(ring_write(&rb, &iov, 1, &sig) == -SATORI_EAGAIN);
    CHECK(sig); // untouched
    CHECK(host.signals() == before);
}

TEST_CASE_METHOD(RingFixture, "the reader's mask and unmask drive interrupt_mask", "[ring][signal]")
{
    ring_read_mask(&rb);
    CHECK(host.interrupt_mask() == 1);
    CHECK_FALSE(ring_read_unmask(&rb));
    CHECK(host.interrupt_mask() == 0);
}

TEST_CASE_METHOD(RingFixture, "the host does not signal a masked reader and unmask finds the data",
                 "[ring][signal][read]")
{
    // A drain: mask, read to EAGAIN, commit, unmask.
    REQUIRE(host.write(make_inband(32)));
    CHECK(host.guest_signals() == 1);
    ring_read_mask(&rb);
    REQUIRE(read_packet().error() == 0);
    REQUIRE(read_packet().error() == -SATORI_EAGAIN);
    ring_read_commit(&rb);

    SECTION("a packet arriving before unmask raises no signal; unmask reports it")
    {
        REQUIRE(host.write(make_inband(32)));
        CHECK(host.guest_signals() == 1);
        CHECK(ring_read_unmask(&rb));
        ring_read_mask(&rb);
        CHECK(read_packet().error() == 0);
        ring_read_commit(&rb);
        CHECK_FALSE(ring_read_unmask(&rb));
    }
    SECTION("a packet arriving after unmask signals")
    {
        CHECK_FALSE(ring_read_unmask(&rb));
        REQUIRE(host.write(make_inband(32)));
        CHECK(host.guest_signals() == 2);
    }
}

TEST_CASE_METHOD(RingFixture, "unmask keeps the reader going while a batch is not committed",
                 "[ring][signal][read]")
{
    REQUIRE(host.write(make_inband(32)));
    ring_read_mask(&rb);
    REQUIRE(read_packet().error() == 0);
    // The host judges "empty" by the published read_index: it would not signal now...
    CHECK(ring_read_unmask(&rb));
    REQUIRE(host.write(make_inband(32)));
    CHECK(host.guest_signals() == 1);
    // ...so the reader must go on, commit, and only then may it rest.
    ring_read_mask(&rb);
    REQUIRE(read_packet().error() == 0);
    ring_read_commit(&rb);
    CHECK_FALSE(ring_read_unmask(&rb));
    REQUIRE(host.write(make_inband(32)));
    CHECK(host.guest_signals() == 2);
}
