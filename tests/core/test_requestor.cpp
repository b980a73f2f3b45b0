// SPDX-License-Identifier: MIT
// tests/core/test_requestor.cpp — transaction ids for completion-requested packets.
#include <map>
#include <random>
#include <set>
#include <vector>

#include <catch2/catch.hpp>
#include <satori/errno.h>

#include "requestor.h"
#include "support/test_os.hpp"

using satori::test::TestOs;

namespace {

class RequestorFixture {
  public:
    ~RequestorFixture()
    {
        requestor_destroy(&req);
        CHECK(os.live_allocations() == 0);
    }
    void init(uint32_t size) { REQUIRE(requestor_init(&req, os.ops(), size) == 0); }
    uint64_t get(uint64_t user_id)
    {
        uint64_t wire = 0;
        REQUIRE(requestor_get(&req, user_id, &wire) == 0);
        return wire;
    }
    int32_t put(uint64_t wire, uint64_t *user_id = nullptr)
    {
        uint64_t dummy = 0;
        return requestor_put(&req, wire, user_id ? user_id : &dummy);
    }

    TestOs os;
    requestor req{};
};

} // namespace

TEST_CASE_METHOD(RequestorFixture, "init allocates through the os table and destroy frees it",
                 "[requestor]")
{
    init(64);
    CHECK(os.live_allocations() > 0);
    CHECK(req.size == 64);
    CHECK(req.in_use == 0);
    requestor_destroy(&req);
    CHECK(os.live_allocations() == 0);
    requestor_destroy(&req); // twice is harmless
}

TEST_CASE_METHOD(RequestorFixture, "init refuses bad sizes and unwinds a failed allocation",
                 "[requestor]")
{
    SECTION("no slots, too many slots, no os")
    {
        CHECK(requestor_init(&req, os.ops(), 0) == -SATORI_EINVAL);
        CHECK(requestor_init(&req, os.ops(), REQUESTOR_IN_USE) == -SATORI_EINVAL);
        CHECK(requestor_init(&req, nullptr, 8) == -SATORI_EINVAL);
    }
    SECTION("each allocation failing in turn")
    {
        const int which = GENERATE(0, 1, 2);
        os.fail_alloc(which);
        CHECK(requestor_init(&req, os.ops(), 16) == -SATORI_ENOMEM);
        CHECK(os.live_allocations() == 0);
    }
    // a failed init leaves an inert table
    uint64_t wire = 0;
    CHECK(requestor_get(&req, 1, &wire) == -SATORI_ENOSPC);
    CHECK(put(1) == -SATORI_EPROTO);
}

TEST_CASE_METHOD(RequestorFixture,
                 "get hands out distinct non-zero ids and put returns the caller's id",
                 "[requestor]")
{
    init(8);
    std::map<uint64_t, uint64_t> ids; // wire -> user
    for (uint64_t user = 100; user < 108; ++user) {
        uint64_t wire = get(user);
        CHECK(wire != 0);
        CHECK((wire & 0xffffffffu) >= 1);
        CHECK((wire & 0xffffffffu) <= 8);
        CHECK(ids.count(wire) == 0);
        ids[wire] = user;
    }
    CHECK(req.in_use == 8);
    for (auto [wire, user] : ids) {
        uint64_t got = 0;
        REQUIRE(put(wire, &got) == 0);
        CHECK(got == user);
    }
    CHECK(req.in_use == 0);
}

TEST_CASE_METHOD(RequestorFixture, "an exhausted table returns ENOSPC until a slot is freed",
                 "[requestor]")
{
    const uint32_t size = GENERATE(1u, 2u, 31u);
    init(size);
    std::vector<uint64_t> wires;
    for (uint32_t i = 0; i < size; ++i)
        wires.push_back(get(i));

    uint64_t wire = 0xfeed;
    CHECK(requestor_get(&req, 99, &wire) == -SATORI_ENOSPC);
    CHECK(wire == 0xfeed); // not written on failure

    REQUIRE(put(wires.back()) == 0);
    CHECK(requestor_get(&req, 99, &wire) == 0);
    CHECK(requestor_get(&req, 100, &wire) == -SATORI_ENOSPC);
}

TEST_CASE_METHOD(RequestorFixture, "ids that name no request in flight are a protocol error",
                 "[requestor][untrusted]")
{
    init(4);
    const uint64_t live = get(7);
    const uint64_t gen = live >> 32;
    uint64_t user = 0x1234;

    SECTION("0, reserved for unsolicited messages")
    {
        CHECK(put(0, &user) == -SATORI_EPROTO);
    }
    SECTION("a slot past the table")
    {
        const uint64_t low = GENERATE(5ull, 6ull, 0xffffffffull);
        CHECK(put((gen << 32) | low, &user) == -SATORI_EPROTO);
    }
    SECTION("a slot that was never handed out")
    {
        CHECK(put((gen << 32) | 4, &user) == -SATORI_EPROTO);
    }
    SECTION("the right slot with a wrong generation")
    {
        const uint64_t bad_gen =
            GENERATE_COPY(values<uint64_t>({gen + 1, gen + 0xffff, gen ^ 0x80000000u}));
        CHECK(put((bad_gen << 32) | (live & 0xffffffffu), &user) == -SATORI_EPROTO);
    }
    CHECK(user == 0x1234); // not written on failure
    CHECK(req.in_use == 1);
    CHECK(put(live) == 0); // the real one still completes
}

TEST_CASE_METHOD(RequestorFixture, "duplicate and stale completions are rejected",
                 "[requestor][untrusted]")
{
    init(1); // one slot: every get reuses it
    const uint64_t first = get(1);
    REQUIRE(put(first) == 0);

    SECTION("the same completion twice")
    {
        CHECK(put(first) == -SATORI_EPROTO);
    }
    SECTION("an old id after its slot was reused")
    {
        const uint64_t second = get(2);
        CHECK((second & 0xffffffffu) == (first & 0xffffffffu));
        CHECK(second != first);
        CHECK(put(first) == -SATORI_EPROTO);
        uint64_t user = 0;
        CHECK(put(second, &user) == 0);
        CHECK(user == 2);
    }
}

TEST_CASE_METHOD(RequestorFixture, "drain reports every id in flight once and frees all slots",
                 "[requestor]")
{
    init(16);
    std::vector<uint64_t> wires;
    for (uint64_t user = 0; user < 10; ++user)
        wires.push_back(get(1000 + user));
    REQUIRE(put(wires[2]) == 0);
    REQUIRE(put(wires[7]) == 0);

    std::multiset<uint64_t> drained;
    requestor_drain(
        &req,
        [](void *ctx, uint64_t user) { static_cast<std::multiset<uint64_t> *>(ctx)->insert(user); },
        &drained);

    CHECK(drained == std::multiset<uint64_t>{1000, 1001, 1003, 1004, 1005, 1006, 1008, 1009});
    CHECK(req.in_use == 0);
    for (uint64_t wire : wires)
        CHECK(put(wire) == -SATORI_EPROTO); // all retired
    for (uint32_t i = 0; i < 16; ++i)
        get(i); // every slot free again

    SECTION("a NULL callback just frees")
    {
        requestor_drain(&req, nullptr, nullptr);
        CHECK(req.in_use == 0);
    }
}

TEST_CASE_METHOD(RequestorFixture, "random get/put sequences match a simple model", "[requestor]")
{
    const uint32_t size = 32;
    init(size);
    std::mt19937 rng(GENERATE(1u, 2u, 3u));
    std::map<uint64_t, uint64_t> live; // wire -> user
    std::set<uint64_t> retired;
    uint64_t next_user = 1;

    for (int step = 0; step < 20000; ++step) {
        if (rng() % 2 == 0) {
            uint64_t wire = 0;
            int32_t rc = requestor_get(&req, next_user, &wire);
            if (live.size() == size) {
                REQUIRE(rc == -SATORI_ENOSPC);
                continue;
            }
            REQUIRE(rc == 0);
            REQUIRE(wire != 0);
            REQUIRE(live.count(wire) == 0);
            REQUIRE(retired.count(wire) == 0); // an id is never reused
            live[wire] = next_user++;
        } else if (!live.empty() && rng() % 4 != 0) {
            auto it = std::next(live.begin(), static_cast<long>(rng() % live.size()));
            uint64_t user = 0;
            REQUIRE(put(it->first, &user) == 0);
            REQUIRE(user == it->second);
            retired.insert(it->first);
            live.erase(it);
        } else if (!retired.empty()) {
            auto it = std::next(retired.begin(), static_cast<long>(rng() % retired.size()));
            REQUIRE(put(*it) == -SATORI_EPROTO);
        }
        REQUIRE(req.in_use == live.size());
    }
}
