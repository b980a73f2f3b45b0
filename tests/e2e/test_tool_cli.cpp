// SPDX-License-Identifier: MIT
// tests/e2e/test_tool_cli.cpp — satori list / info and the errors the tool prints.
#include <string>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

#include <catch2/catch.hpp>

using nlohmann::json;
using satori::test::run_process;

TEST_CASE("satori list --sim shows the simulated heartbeat device", "[e2e][cli]")
{
    auto r = run_process(std::string(SATORI_TOOL) + " list --sim --json");
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.lines.size() == 1);
    auto j = json::parse(r.lines[0]);
    REQUIRE(j["devices"].size() >= 1);
    CHECK(j["devices"][0]["class"] == "57164f39-9115-4e78-ab55-382f3bd5422d");
    CHECK(j["devices"][0]["class_name"] == "heartbeat");
}

TEST_CASE("satori info describes the heartbeat plugin", "[e2e][cli]")
{
    auto r = run_process(std::string(SATORI_TOOL) + " info --json " + SATORI_HEARTBEAT_PLUGIN);
    REQUIRE(r.exit_code == 0);
    auto j = json::parse(r.lines.at(0));
    CHECK(j["name"] == "heartbeat");
    CHECK(j["abi_version"] == "1.0");
    CHECK(j["classes"][0]["name"] == "heartbeat");
}

TEST_CASE("the tool explains bad input in one line", "[e2e][cli]")
{
    auto r = run_process(std::string(SATORI_TOOL) + " info /nonexistent.so 2>&1");
    CHECK(r.exit_code == 1);
    REQUIRE(r.lines.size() == 1);
    CHECK(r.lines[0].find("satori: error: /nonexistent.so: cannot load") == 0);

    r = run_process(std::string(SATORI_TOOL) + " run --sim --plugins /nonexistent 2>&1");
    CHECK(r.exit_code == 1);
    CHECK(r.lines.at(0) == "satori: error: plugin directory /nonexistent does not exist (use --plugins DIR)");

    r = run_process(std::string(SATORI_TOOL) + " run 2>&1");
    CHECK(r.exit_code == 1);
    CHECK(r.lines.at(0).find("use --sim") != std::string::npos);
}
