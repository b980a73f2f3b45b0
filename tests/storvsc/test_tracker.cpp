// SPDX-License-Identifier: MIT
// tests/storvsc/test_tracker.cpp — transaction ids (unique, never 0, stale and repeated ids
// not found) and the channel pool (queue depth, choice of channel).
#include "request_tracker.hpp"
#include "channel_pool.hpp"

#include <set>
#include <vector>

#include <catch2/catch.hpp>

using satori::DmaBuffer;
using satori::storvsc::ChannelPool;
using satori::storvsc::ChannelSlot;
using satori::storvsc::io_depth_for_ring;
using satori::storvsc::Request;
using satori::storvsc::RequestState;
using satori::storvsc::RequestTracker;

TEST_CASE("transaction ids are unique, non-zero, and die with their request", "[storvsc][tracker]")
{
    RequestTracker t(4);
    std::vector<DmaBuffer> graveyard;
    std::set<uint64_t> ids;
    std::vector<Request *> reqs;
    for (int i = 0; i < 4; ++i) {
        Request *r = t.allocate();
        REQUIRE(r);
        CHECK(r->state == RequestState::kQueued);
        CHECK(r->id() != 0);
        ids.insert(r->id());
        reqs.push_back(r);
    }
    CHECK(ids.size() == 4);
    CHECK(t.allocate() == nullptr); // full
    CHECK(t.active() == 4);

    const uint64_t old_id = reqs[1]->id();
    CHECK(t.find(old_id) == reqs[1]);
    t.release(*reqs[1], graveyard);
    CHECK(t.find(old_id) == nullptr); // released: unknown
    Request *again = t.allocate();
    REQUIRE(again == reqs[1]);        // the slot comes back...
    CHECK(again->id() != old_id);     // ...under a new generation
    CHECK(t.find(old_id) == nullptr); // a repeated completion for the old id is not found
    CHECK(t.find(again->id()) == again);

    SECTION("ids that name no slot")
    {
        CHECK(t.find(0) == nullptr);
        CHECK(t.find(uint64_t{1} << 32) == nullptr);          // slot 0 field empty
        CHECK(t.find((uint64_t{1} << 32) | 999) == nullptr);  // beyond the slots
        CHECK(t.find(~uint64_t{0}) == nullptr);
    }
    SECTION("release hands DMA buffers back instead of freeing them")
    {
        t.release(*reqs[0], graveyard);
        CHECK(graveyard.empty()); // it had none
        CHECK(t.active() == 3);
        t.release(*reqs[0], graveyard); // twice: no effect
        CHECK(t.active() == 3);
    }
}

TEST_CASE("§12 queue depth from the ring size", "[storvsc][pool]")
{
    CHECK(io_depth_for_ring(128 * 1024) == 352);
    CHECK(io_depth_for_ring(256 * 4096) == 2901); // 1 MiB rings (old Linux)
    CHECK(io_depth_for_ring(8192) == 11);
    CHECK(io_depth_for_ring(4096) == 1);
}

TEST_CASE("the pool picks the least loaded open channel, in turn among equals", "[storvsc][pool]")
{
    ChannelPool pool;
    pool.reset(3, 2);
    CHECK_FALSE(pool.pick()); // nothing open
    for (uint16_t i = 0; i < 3; ++i)
        pool.at(i)->state = ChannelSlot::State::kOpen;
    CHECK(pool.open_count() == 3);

    std::vector<uint16_t> picks;
    for (int i = 0; i < 3; ++i)
        picks.push_back(*pool.pick());
    std::sort(picks.begin(), picks.end());
    CHECK(picks == std::vector<uint16_t>{0, 1, 2}); // round-robin while all are idle

    pool.at(0)->io_inflight = 2;
    pool.at(2)->io_inflight = 1;
    CHECK(*pool.pick() == 1);
    pool.at(1)->state = ChannelSlot::State::kDead;
    CHECK(*pool.pick() == 2);

    SECTION("depth limits")
    {
        ChannelSlot &slot = *pool.at(0);
        CHECK_FALSE(pool.can_send_io(slot)); // 2 of 2
        CHECK(pool.can_send_control(slot));  // the reserve is on top
        slot.control_inflight = pool.control_reserve();
        CHECK_FALSE(pool.can_send_control(slot));
    }
    SECTION("queues")
    {
        RequestTracker t;
        Request *a = t.allocate();
        Request *b = t.allocate();
        a->channel = b->channel = 2;
        pool.enqueue(*a);
        pool.enqueue(*b, true);
        CHECK(pool.at(2)->io_queue.front() == b);
        CHECK(pool.at(2)->io_load() == 3);
        pool.unqueue(*b);
        CHECK(pool.at(2)->io_queue.size() == 1);
        b->control_queue = true;
        pool.enqueue(*b);
        CHECK(pool.at(2)->control_queue.size() == 1);
    }
}
