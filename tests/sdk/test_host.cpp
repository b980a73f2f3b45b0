// SPDX-License-Identifier: MIT
// tests/sdk/test_host.cpp — the Host proxy checks the table before every use; Logger.
#include <satori/sdk/host.hpp>

#include <cstddef>
#include <string>

#include <catch2/catch.hpp>

#include "support/sdk_fake_host.hpp"

using satori::Host;
using satori::test::FakeHost;

TEST_CASE("Host exposes the shim's table and services", "[sdk][host]")
{
    FakeHost fake;
    const Host host(fake.table());
    CHECK(host.valid());
    CHECK(host.c_host() == fake.table());
    CHECK(host.abi_version() == SATORI_ABI_VERSION_CURRENT);
    CHECK(host.negotiated_minor() == SATORI_ABI_VERSION_MINOR);
    CHECK(host.name() == "fake-shim");
    CHECK(host.version() == "0.0.1");
    CHECK(host.bus() == fake.table()->bus);
    CHECK(host.timer_service() != nullptr);
    CHECK(host.service<satori_timer_service>("satori.nothing/1") == nullptr);
    CHECK(std::string(host.strerror(-SATORI_EIO)) == "fake strerror");
    const auto t0 = host.now();
    CHECK(host.now() > t0);
}

TEST_CASE("Logger formats its arguments into one host log line", "[sdk][host][log]")
{
    FakeHost fake;
    const Host host(fake.table());
    host.log().info("disk ", 3, " has ", 4096u, " bytes, ", satori::Status(-SATORI_EIO));
    host.log(fake.device()).debug("x=", 1.5);
    host.log().warn();
    REQUIRE(fake.logs.size() == 3);
    CHECK(fake.logs[0].level == SATORI_LOG_INFO);
    CHECK(fake.logs[0].text == "disk 3 has 4096 bytes, I/O error (-5)");
    CHECK_FALSE(fake.logs[0].with_device);
    CHECK(fake.logs[1].level == SATORI_LOG_DEBUG);
    CHECK(fake.logs[1].text == "x=1.5");
    CHECK(fake.logs[1].with_device);
    CHECK(fake.logs[2].text.empty());
}

TEST_CASE("an incomplete host degrades instead of crashing", "[sdk][host]")
{
    FakeHost fake;
    satori_host &table = fake.mutable_table();

    SECTION("NULL function pointers")
    {
        table.log = nullptr; // falls back to stderr
        table.strerror = nullptr;
        table.now_ns = nullptr;
        table.get_service = nullptr;
        const Host host(fake.table());
        host.log().error("to stderr");
        CHECK(fake.logs.empty());
        CHECK(std::string(host.strerror(-SATORI_ENODEV)) == "no such device");
        CHECK(host.now().count() > 0);
        CHECK(host.timer_service() == nullptr);
        CHECK(host.bus() != nullptr);
    }
    SECTION("a table too small for the later fields")
    {
        table.struct_size = offsetof(satori_host, get_service);
        const Host host(fake.table());
        CHECK(host.abi_version() == SATORI_ABI_VERSION_CURRENT);
        CHECK(host.bus() == nullptr);
        CHECK(host.timer_service() == nullptr);
        host.log().info("not through the host table");
        CHECK(fake.logs.empty());
    }
    SECTION("a bus table that is NULL")
    {
        table.bus = nullptr;
        CHECK(Host(fake.table()).bus() == nullptr);
    }
    SECTION("no table at all")
    {
        const Host host;
        CHECK_FALSE(host.valid());
        CHECK(host.abi_version() == 0);
        CHECK(host.name().empty());
        CHECK(host.bus() == nullptr);
        host.log().info("to stderr");
        satori::Logger().warn("a default Logger writes to stderr too");
    }
}

TEST_CASE("a service table too small to hold its size is ignored", "[sdk][host]")
{
    FakeHost fake;
    fake.provide_timer = true;
    satori_timer_service *svc =
        const_cast<satori_timer_service *>(static_cast<const satori_timer_service *>(
            fake.table()->get_service(fake.table(), SATORI_SERVICE_TIMER)));
    svc->struct_size = 0;
    CHECK(Host(fake.table()).timer_service() == nullptr);
}
