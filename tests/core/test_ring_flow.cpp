// SPDX-License-Identifier: MIT
// tests/core/test_ring_flow.cpp — flow control through pending_send_sz (spec §1.4): the
// reader wakes a blocked writer only when its commit makes "not enough" room "enough".
#include "support/ring_fixture.hpp"

using namespace satori::test;

namespace {

constexpr uint32_t kPayload = 200; // 216 bytes, occupies 224

class FlowFixture : public RingFixture {
  public:
    // The host writes until the ring refuses the next packet.
    int fill_from_host()
    {
        int n = 0;
        while (host.write(make_inband(kPayload, static_cast<uint32_t>(n))))
            ++n;
        return n;
    }

    // Reads @per_batch packets (fewer if the ring runs dry) and commits; returns the
    // commit's decision, and whether it matched "free went from <= want to > want".
    struct Step {
        bool signalled, expected, read_any;
    };
    Step read_batch_and_commit(int per_batch, uint32_t want)
    {
        const uint32_t before = host.free_bytes();
        bool any = false;
        for (int i = 0; i < per_batch && read_packet().error() == 0; ++i)
            any = true;
        const bool got = ring_read_commit(&rb);
        const uint32_t after = host.free_bytes();
        return {got, after > want && before <= want, any};
    }
};

} // namespace

TEST_CASE_METHOD(FlowFixture, "commit wakes a blocked writer once when free space crosses its size",
                 "[ring][flow]")
{
    const uint32_t want = GENERATE(224u, 232u, 448u, 1000u, 4096u, 8184u);
    const int per_batch = GENERATE(1, 3);
    CAPTURE(want, per_batch);
    REQUIRE(fill_from_host() > 0);
    REQUIRE(host.free_bytes() <= want); // the writer really is blocked
    host.set_pending_send_sz(want);

    int wakeups = 0;
    for (;;) {
        Step s = read_batch_and_commit(per_batch, want);
        if (!s.read_any) break;
        CHECK(s.signalled == s.expected);
        wakeups += s.signalled;
    }
    CHECK(wakeups == 1);
    CHECK(rb.stats.signals == 1);
}

TEST_CASE_METHOD(FlowFixture, "no wakeup when the writer did not ask for one", "[ring][flow]")
{
    REQUIRE(fill_from_host() > 0);

    SECTION("feature bit clear: the writer polls")
    {
        host.set_feature_bits(0);
        host.set_pending_send_sz(448);
    }
    SECTION("pending_send_sz is 0: the writer is not blocked")
    {
        host.set_pending_send_sz(0);
    }

    while (read_packet().error() == 0)
        CHECK_FALSE(ring_read_commit(&rb));
    CHECK(rb.stats.signals == 0);
}

TEST_CASE_METHOD(FlowFixture, "no wakeup when the writer had room before the batch", "[ring][flow]")
{
    REQUIRE(host.write(make_inband(kPayload)));
    REQUIRE(host.write(make_inband(kPayload)));
    host.set_pending_send_sz(224); // stale: 8192 - 448 free already exceeds it
    REQUIRE(read_packet().error() == 0);
    CHECK_FALSE(ring_read_commit(&rb));
}

TEST_CASE_METHOD(FlowFixture, "no wakeup while the room is still not enough", "[ring][flow]")
{
    REQUIRE(fill_from_host() > 0);
    host.set_pending_send_sz(data_size()); // can never be satisfied
    while (read_packet().error() == 0)
        CHECK_FALSE(ring_read_commit(&rb));
}

TEST_CASE("a guest writer blocked on a full ring is woken by the reader's commit",
          "[ring][flow][write]")
{
    const uint32_t payload = GENERATE(100u, 1000u, 4000u);
    CAPTURE(payload);
    RingMemory mem(3 * 4096);
    ring writer{}, reader{};
    REQUIRE(ring_init(&writer, mem.get(), mem.size()) == 0);
    REQUIRE(ring_init(&reader, mem.get(), mem.size()) == 0);

    Bytes packet = make_inband(payload);
    ring_iov iov{packet.data(), static_cast<uint32_t>(packet.size())};
    const uint32_t need = ring_packet_bytes(static_cast<uint32_t>(packet.size()));
    int32_t rc;
    while ((rc = ring_write(&writer, &iov, 1, nullptr)) == 0) {
    }
    REQUIRE(rc == -SATORI_EAGAIN);

    // blocked: announce, re-check, wait
    ring_set_pending_send(&writer, need);
    REQUIRE_FALSE(ring_can_write(&writer, need));

    Bytes buf(reader.data_size);
    uint32_t len;
    int wakeups = 0;
    while (ring_read(&reader, buf.data(), reader.data_size, &len) == 0) {
        bool wake = ring_read_commit(&reader);
        CHECK(wake == (wakeups == 0 && ring_can_write(&writer, need)));
        if (wake) {
            ++wakeups;
            REQUIRE(ring_write(&writer, &iov, 1, nullptr) == 0);
            ring_set_pending_send(&writer, 0);
        }
    }
    CHECK(wakeups == 1);
}
