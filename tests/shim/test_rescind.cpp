// SPDX-License-Identifier: MIT
// tests/shim/test_rescind.cpp — the host takes a device away while its plugin has it open.
#include "support/shim_fixture.hpp"
#include "support/shim_internals.hpp"

#include <catch2/catch.hpp>

using satori::test::ShimFixture;

namespace {

satori::sim::HostConfig with_heartbeat(std::chrono::milliseconds interval)
{
    auto cfg = ShimFixture::quiet_host();
    satori::sim::HeartbeatConfig hb;
    hb.interval = interval;
    cfg.heartbeat = hb;
    return cfg;
}

bool has(const std::vector<satori::test::RecordedEvent> &ev, uint32_t kind)
{
    for (auto &e : ev)
        if (e.kind == kind)
            return true;
    return false;
}

} // namespace

TEST_CASE("rescind while open: the plugin is removed and the relid released", "[shim][rescind]")
{
    ShimFixture f(with_heartbeat(std::chrono::milliseconds(20)));
    REQUIRE(satori_shim_load_plugin(f.shim, SATORI_HEARTBEAT_PLUGIN) == 0);
    REQUIRE(f.start() == 0);
    auto hb = f.host->heartbeat();
    REQUIRE(hb);
    // wait until heartbeats flow
    for (int i = 0; i < 250 && hb->stats().answered < 3; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(hb->stats().answered >= 3);

    REQUIRE(f.host->rescind(hb));
    REQUIRE(f.wait_for([](auto &ev) { return has(ev, SATORI_SHIM_EV_REMOVED); }));
    CHECK(has(f.events, SATORI_SHIM_EV_RESCINDED));
    // the guest releases the relid right after remove: the host stops listing it as rescinded
    bool pending = true;
    for (int i = 0; i < 100 && pending; i++) {
        f.host->sync();
        pending = false;
        for (auto &o : f.host->offers())
            pending |= o.state == satori::sim::OfferState::rescinded;
        if (pending)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK_FALSE(pending);
    auto rows = f.devices();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].state == SATORI_SHIM_DEV_RESCINDED);
    CHECK_FALSE(hb->stats().channel_open);
    REQUIRE(satori_shim_stop(f.shim) == 0);
}

TEST_CASE("rescind of an unbound device releases the relid at once", "[shim][rescind]")
{
    ShimFixture f(with_heartbeat(std::chrono::hours(1)));
    REQUIRE(f.start() == 0); // no plugins: the heartbeat device stays unbound
    REQUIRE(f.host->rescind(f.host->heartbeat()));
    REQUIRE(f.wait_for([](auto &ev) { return has(ev, SATORI_SHIM_EV_RESCINDED); }));
    satori_shim_stop(f.shim);
    f.host->sync();
    for (auto &o : f.host->offers())
        CHECK(o.state != satori::sim::OfferState::rescinded);
}
