// SPDX-License-Identifier: MIT
// tests/shim/test_connect.cpp — VMBus version negotiation and offers, shim against simulator.
#include "support/shim_fixture.hpp"
#include "support/shim_internals.hpp"

#include <catch2/catch.hpp>

using satori::test::ShimFixture;

namespace {

satori::sim::HostConfig host_capped_at(uint32_t version)
{
    auto cfg = ShimFixture::quiet_host();
    cfg.max_version = version;
    return cfg;
}

class NullVsp final : public satori::sim::Vsp {
public:
    explicit NullVsp(uint8_t n)
        : Vsp({satori::sim::Guid::from_fields(0x5a7f0000, 0, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, n}),
               satori::sim::Guid::from_fields(0x1e570000u + n, 0, 0, {0, 0, 0, 0, 0, 0, 0, n}),
               "null"})
    {
    }
};

} // namespace

TEST_CASE("the guest settles on the newest version the host accepts", "[shim][version]")
{
    auto cap = GENERATE(0x00050003u, 0x00050002u, 0x00050000u, 0x00040001u, 0x00040000u,
                        0x00030000u, 0x00020004u, 0x00010001u, 0x0000000Du);
    ShimFixture f(host_capped_at(cap));
    REQUIRE(f.start() == 0);
    CHECK(satori_shim_vmbus_version(f.shim) == cap);
    CHECK(f.host->negotiated_version() == cap);
    auto connected = f.events_of(SATORI_SHIM_EV_CONNECTED);
    REQUIRE(connected.size() == 1);
    CHECK(connected[0].value == cap);
}

TEST_CASE("a guest capped below the host proposes only what it allows", "[shim][version]")
{
    ShimFixture f;
    REQUIRE(satori_shim_set_option(f.shim, "vmbus.max_version", "4.0") == 0);
    REQUIRE(f.start() == 0);
    CHECK(satori_shim_vmbus_version(f.shim) == 0x00040000u);
}

TEST_CASE("a host that refuses every version fails start with a clear message", "[shim][version]")
{
    ShimFixture f;
    REQUIRE(satori_shim_set_option(f.shim, "vmbus.max_version", "0.12") == 0);
    CHECK(f.start() == -SATORI_EPROTONOSUPPORT);
    CHECK(f.log_contains("refused every protocol version"));
}

TEST_CASE("every offered device is listed with its own relid", "[shim][offers]")
{
    ShimFixture f;
    for (uint8_t n = 1; n <= 5; n++)
        f.host->add_device(std::make_shared<NullVsp>(n));
    REQUIRE(f.start() == 0);
    auto rows = f.devices();
    REQUIRE(rows.size() == 5);
    for (size_t i = 1; i < rows.size(); i++)
        CHECK(rows[i].relid > rows[i - 1].relid);
    CHECK(f.events_of(SATORI_SHIM_EV_OFFER).size() == 5);
    CHECK(f.events_of(SATORI_SHIM_EV_NO_DRIVER).size() == 5);
}

TEST_CASE("a device added after start is offered and probed (hot add)", "[shim][offers]")
{
    ShimFixture f;
    REQUIRE(f.start() == 0);
    f.host->add_device(std::make_shared<NullVsp>(7));
    REQUIRE(f.wait_for([](auto &ev) {
        for (auto &e : ev)
            if (e.kind == SATORI_SHIM_EV_NO_DRIVER)
                return true;
        return false;
    }));
    CHECK(f.devices().size() == 1);
}

TEST_CASE("stop sends UNLOAD and the host forgets the guest", "[shim][unload]")
{
    ShimFixture f;
    f.host->add_device(std::make_shared<NullVsp>(1));
    REQUIRE(f.start() == 0);
    REQUIRE(satori_shim_stop(f.shim) == 0);
    CHECK(satori_shim_vmbus_version(f.shim) == 0);
    CHECK(f.host->negotiated_version() == 0);
    CHECK(f.events_of(SATORI_SHIM_EV_DISCONNECTED).size() == 1);
    // and it can connect again
    REQUIRE(f.start() == 0);
    CHECK(f.devices().size() == 1);
}
