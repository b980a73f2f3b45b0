// SPDX-License-Identifier: MIT
// tests/e2e/test_heartbeat_e2e.cpp — `satori run --sim` with the heartbeat sample plugin:
// the plugin (a separate .so) binds, and the simulated host sees its heartbeats answered.
#include <string>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

std::vector<json> run_json(const std::string &args)
{
    auto r = satori::test::run_process(std::string(SATORI_TOOL) + " run --sim --json --plugins " +
                                       SATORI_PLUGIN_DIR + " " + args);
    REQUIRE(r.exit_code == 0);
    std::vector<json> out;
    for (auto &l : r.lines)
        out.push_back(json::parse(l));
    return out;
}

std::vector<json> of(const std::vector<json> &all, const std::string &event)
{
    std::vector<json> out;
    for (auto &j : all)
        if (j.value("event", "") == event)
            out.push_back(j);
    return out;
}

} // namespace

TEST_CASE("satori run --sim: heartbeat plugin binds and answers every heartbeat", "[e2e][heartbeat]")
{
    auto all = run_json("--duration 2 --heartbeat-interval 100");

    auto loaded = of(all, "plugin_loaded");
    REQUIRE(loaded.size() >= 1);
    auto bound = of(all, "bound");
    REQUIRE(bound.size() == 1);
    CHECK(bound[0]["plugin"] == "heartbeat");
    CHECK(bound[0]["class"] == "57164f39-9115-4e78-ab55-382f3bd5422d");
    auto connected = of(all, "connected");
    REQUIRE(connected.size() == 1);
    CHECK(connected[0]["value"] == 0x00050003);

    auto beats = of(all, "heartbeat");
    CHECK(beats.size() >= 10); // 2 s at 100 ms, allowing for start-up on a loaded machine
    for (auto &b : beats)
        CHECK(b["answer"].get<uint64_t>() == b["sequence"].get<uint64_t>() + 1);

    auto stopped = of(all, "stopped");
    REQUIRE(stopped.size() == 1);
    auto hb = stopped[0]["heartbeat"];
    CHECK(hb["negotiated"] == true);
    CHECK(hb["wrong"] == 0);
    CHECK(hb["answered"].get<uint64_t>() == beats.size());
    CHECK(hb["sent"].get<uint64_t>() - hb["answered"].get<uint64_t>() <= 1); // one in flight at stop
    CHECK(of(all, "removed").size() == 1);
}

TEST_CASE("satori run --sim against a host capped at VMBus 3.0 negotiates 3.0", "[e2e][version]")
{
    auto all = run_json("--duration 0.5 --heartbeat-interval 100 --host-max-version 3.0");
    auto connected = of(all, "connected");
    REQUIRE(connected.size() == 1);
    CHECK(connected[0]["value"] == 0x00030000);
    CHECK(of(all, "bound").size() == 1);
}

TEST_CASE("satori run --sim with a guest capped at 2.4 still works", "[e2e][version]")
{
    auto all = run_json("--duration 0.5 --heartbeat-interval 100 --max-vmbus-version 2.4");
    auto connected = of(all, "connected");
    REQUIRE(connected.size() == 1);
    CHECK(connected[0]["value"] == 0x00020004);
    CHECK(of(all, "heartbeat").size() >= 1);
}
