// SPDX-License-Identifier: MIT
// tests/sim/test_timers.cpp — the VSP timer facility: one-shot, periodic, cancel semantics.
#include <atomic>
#include <thread>

#include "support/sim_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;

namespace {

/// Exposes the channel's Timers to the test once open.
class TimerVsp : public EchoVsp {
  public:
    TimerVsp() : EchoVsp(1) {}
    void on_open(HostChannel &ch) override
    {
        timers = &ch.timers();
        EchoVsp::on_open(ch);
    }
    std::atomic<Timers *> timers{nullptr};
};

} // namespace

TEST_CASE_METHOD(SimFixture, "timers fire, repeat and cancel", "[sim][timers]")
{
    auto vsp = std::make_shared<TimerVsp>();
    auto offers = start_with({vsp});
    TestChannel ch(*guest, offers[0], 0x10);
    REQUIRE(ch.open() == 0);
    REQUIRE(vsp->wait_opens(1));
    Timers &t = *vsp->timers.load();

    std::atomic<int> once{0}, periodic{0}, cancelled{0};
    t.start(std::chrono::milliseconds(5), {}, [&] { ++once; });
    const auto id =
        t.start(std::chrono::milliseconds(1), std::chrono::milliseconds(5), [&] { ++periodic; });
    const auto never = t.start(std::chrono::seconds(10), {}, [&] { ++cancelled; });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    t.cancel(id);
    t.cancel(never);
    const int after_cancel = periodic;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    CHECK(once == 1);
    CHECK(after_cancel >= 3);
    CHECK(periodic == after_cancel);
    CHECK(cancelled == 0);

    SECTION("cancel from inside the callback stops a periodic timer")
    {
        std::atomic<int> n{0};
        std::atomic<Timers::Id> self{Timers::kNone};
        self = t.start(std::chrono::milliseconds(1), std::chrono::milliseconds(1), [&] {
            if (++n == 3) t.cancel(self);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CHECK(n == 3);
    }
    SECTION("cancel waits for a running callback")
    {
        std::atomic<bool> inside{false}, finished{false};
        const auto slow = t.start({}, {}, [&] {
            inside = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            finished = true;
        });
        while (!inside)
            std::this_thread::yield();
        t.cancel(slow);
        CHECK(finished);
    }
}
