// SPDX-License-Identifier: MIT
// The simulator's learning virtual switch.
#include <catch2/catch.hpp>

#include <vector>

#include <satori/sim/netvsp.hpp>

using satori::sim::VirtualSwitch;

namespace {
std::vector<std::byte> frame(uint8_t dst, uint8_t src, bool broadcast = false)
{
    std::vector<std::byte> f(60);
    for (int i = 0; i < 6; ++i) {
        f[i] = broadcast ? std::byte{0xFF} : std::byte{0};
        f[6 + i] = std::byte{0};
    }
    if (!broadcast) f[5] = std::byte{dst};
    f[11] = std::byte{src};
    return f;
}
} // namespace

TEST_CASE("the switch floods unknown destinations and learns sources", "[net][vswitch]")
{
    VirtualSwitch sw;
    int got[4] = {};
    auto a = sw.attach([&](auto) { ++got[1]; }, "a");
    auto b = sw.attach([&](auto) { ++got[2]; }, "b");
    auto c = sw.attach([&](auto) { ++got[3]; }, "c");
    sw.send(a, frame(2, 1)); // 2 unknown: flood to b and c
    CHECK(got[2] == 1);
    CHECK(got[3] == 1);
    CHECK(got[1] == 0);
    sw.send(b, frame(1, 2)); // 1 learned on a: unicast
    CHECK(got[1] == 1);
    CHECK(got[3] == 1);
    sw.send(a, frame(2, 1)); // 2 learned on b now
    CHECK(got[2] == 2);
    CHECK(got[3] == 1);
    sw.send(c, frame(0, 3, true)); // broadcast: everyone but c
    CHECK(got[1] == 2);
    CHECK(got[2] == 3);
    CHECK(got[3] == 1);
    auto st = sw.stats();
    CHECK(st.unicast == 2);
    CHECK(st.flooded == 2);
    CHECK(st.learned == 3);
    sw.detach(b);
    sw.send(a, frame(2, 1)); // b gone: its entry is forgotten, flood to c
    CHECK(got[2] == 3);
    CHECK(got[3] == 2);
}

TEST_CASE("the switch drops runt frames", "[net][vswitch]")
{
    VirtualSwitch sw;
    int got = 0;
    auto a = sw.attach([&](auto) {}, "a");
    sw.attach([&](auto) { ++got; }, "b");
    std::vector<std::byte> runt(10);
    sw.send(a, runt);
    CHECK(got == 0);
    CHECK(sw.stats().dropped == 1);
}
