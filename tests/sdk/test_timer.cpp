// SPDX-License-Identifier: MIT
// tests/sdk/test_timer.cpp — Timer over satori.timer/1.
#include <satori/sdk/timer.hpp>

#include <chrono>
#include <stdexcept>
#include <utility>

#include <catch2/catch.hpp>

#include "support/sdk_fake_host.hpp"

using namespace std::chrono_literals;
using satori::Host;
using satori::Timer;
using satori::test::FakeHost;

TEST_CASE("a Timer arms, fires, cancels and is destroyed once", "[sdk][timer][raii]")
{
    FakeHost fake;
    const Host host(fake.table());
    int fired = 0;
    {
        auto timer = Timer::create(host, fake.device(), [&] { ++fired; });
        REQUIRE(timer);
        REQUIRE(fake.timers.size() == 1);
        satori::test::FakeTimer &t = *fake.timers[0];

        REQUIRE(timer->arm(5ms, 1s));
        CHECK(t.armed);
        CHECK(t.delay_ns == 5'000'000);
        CHECK(t.period_ns == 1'000'000'000);
        fake.fire(t);
        fake.fire(t);
        CHECK(fired == 2);

        timer->cancel();
        CHECK_FALSE(t.armed);
        CHECK(timer->arm(-1ns).code() == -SATORI_EINVAL);

        Timer moved = std::move(*timer);
        CHECK_FALSE(timer->valid());
        CHECK(moved.valid());
        fake.fire(t); // the callback block did not move
        CHECK(fired == 3);
        CHECK(t.destroy_calls == 0);
    }
    CHECK(fake.timers[0]->destroy_calls == 1);
}

TEST_CASE("Timer member callbacks and exceptions", "[sdk][timer]")
{
    FakeHost fake;
    const Host host(fake.table());
    struct Ticker {
        int ticks = 0;
        void tick()
        {
            if (++ticks == 2) throw std::runtime_error("second tick");
        }
    } ticker;
    auto timer = Timer::create(host, fake.device(), &ticker, &Ticker::tick);
    REQUIRE(timer);
    fake.fire(*fake.timers[0]);
    fake.fire(*fake.timers[0]);
    CHECK(ticker.ticks == 2);
    CHECK(fake.logged("timer callback threw: second tick"));
    timer->destroy();
    CHECK_FALSE(timer->valid());
    CHECK(timer->arm(1ms).code() == -SATORI_EBADF);
    timer->destroy();
    CHECK(fake.timers[0]->destroy_calls == 1);
}

TEST_CASE("Timer without the timer service is -SATORI_EOPNOTSUPP", "[sdk][timer]")
{
    FakeHost fake;
    fake.provide_timer = false;
    const Host host(fake.table());
    auto timer = Timer::create(host, fake.device(), [] {});
    CHECK(timer.error().code() == -SATORI_EOPNOTSUPP);
    CHECK(Timer::create(Host(), nullptr, [] {}).error().code() == -SATORI_EOPNOTSUPP);
}

TEST_CASE("destroying a Timer from its own callback only cancels it", "[sdk][timer]")
{
    FakeHost fake;
    const Host host(fake.table());
    Timer timer;
    auto created = Timer::create(host, fake.device(), [&] { timer.destroy(); });
    REQUIRE(created);
    timer = std::move(*created);
    REQUIRE(timer.arm(1ms));
    fake.fire(*fake.timers[0]);
    CHECK_FALSE(timer.valid());
    CHECK(fake.timers[0]->cancel_calls == 1);
    CHECK(fake.timers[0]->destroy_calls == 0);
    CHECK(fake.logged("destroyed from its own callback"));
}
