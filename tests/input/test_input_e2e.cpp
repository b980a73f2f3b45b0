// SPDX-License-Identifier: MIT
// `satori run --sim --mouse --keyboard` with a scripted pointer path and typed text: what the
// simulated host sends must arrive, exactly and in order, in satori's own --json output and in
// a separate `satori events` client of the shim's event stream.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <thread>

#include <ftw.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "support/background_process.hpp"
#include "support/process.hpp"

using satori::test::BackgroundProcess;

namespace {

constexpr const char *kScript = R"(# e2e
wait
sleep 800
path 0 0 3000 1500 3
click left
wheel 2
type Hi!
key enter
)";

const std::vector<std::string> kWant = {
    "abs 0 0 0 0", "abs 1000 500 0 0", "abs 2000 1000 0 0", "abs 3000 1500 0 0",
    "abs 3000 1500 1 0", "abs 3000 1500 0 0", "abs 3000 1500 0 2",
    "key KEY_LEFTSHIFT 1", "key KEY_H 1", "key KEY_H 0", "key KEY_LEFTSHIFT 0", "key KEY_I 1",
    "key KEY_I 0", "key KEY_LEFTSHIFT 1", "key KEY_1 1", "key KEY_1 0", "key KEY_LEFTSHIFT 0",
    "key KEY_ENTER 1", "key KEY_ENTER 0"};

/// The live pointer/key events of a list of JSON lines, as compact text.
std::vector<std::string> live_events(const std::vector<std::string> &lines, bool from_run)
{
    std::vector<std::string> out;
    for (const auto &l : lines) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (!j.is_object() || j.value("replay", false)) continue;
        if (from_run && j.value("event", "") != "input") continue;
        const std::string type = j.value("type", "");
        if (type == "abs")
            out.push_back("abs " + std::to_string(j.value("x", -1)) + " " +
                          std::to_string(j.value("y", -1)) + " " +
                          std::to_string(j.value("buttons", -1)) + " " +
                          std::to_string(j.value("wheel", -1)));
        else if (type == "key")
            out.push_back("key " + j.value("code", "?") + " " + std::to_string(j.value("value", -1)));
    }
    return out;
}

struct TempDir {
    TempDir()
    {
        char t[] = "/tmp/satori-input-e2e-XXXXXX";
        if (mkdtemp(t)) path = t;
    }
    ~TempDir()
    {
        nftw(path.c_str(), [](const char *p, const struct stat *, int, struct FTW *) { return remove(p); },
             8, FTW_DEPTH | FTW_PHYS);
    }
    std::string path;
};

} // namespace

TEST_CASE("satori run --mouse --keyboard: a scripted path and typed text arrive exactly", "[input][e2e]")
{
    TempDir dir;
    const std::string script = dir.path + "/script.txt";
    std::ofstream(script) << kScript;
    const std::string sock = dir.path + "/events.sock";
    // the client first: it keeps trying until the shim listens
    BackgroundProcess events(std::string(SATORI_TOOL) + " events --json --wait 20 --duration 8 --socket " + sock);
    BackgroundProcess run(std::string(SATORI_TOOL) + " run --sim --json --mouse --keyboard --plugins " +
                          SATORI_PLUGIN_DIR + " --input-script " + script + " --events-socket " +
                          sock + " --uhid off --duration 5");
    run.drain();
    events.drain(); // ends when the shim closes the stream
    CHECK(events.wait_exit() == 0);
    CHECK(run.wait_exit() == 0);

    // each device's events in order (mouse and keyboard are separate channels, so the two
    // streams may interleave differently)
    auto per_device = [](std::vector<std::string> v) {
        std::stable_partition(v.begin(), v.end(), [](const std::string &e) { return e.rfind("abs", 0) == 0; });
        return v;
    };
    CHECK(per_device(live_events(run.lines(), true)) == kWant);
    CHECK(per_device(live_events(events.lines(), false)) == kWant);

    bool bound_mouse = false, bound_kbd = false, done = false, summary = false;
    for (const auto &l : run.lines()) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (!j.is_object()) continue;
        const std::string ev = j.value("event", "");
        if (ev == "export_added" && j.value("detail", "") == "hid:mouse0") bound_mouse = true;
        if (ev == "export_added" && j.value("detail", "") == "hid:kbd0") bound_kbd = true;
        if (ev == "script_done") done = true;
        if (ev == "stopped" && j.contains("input")) {
            summary = true;
            CHECK(j["input"]["mouse"]["reports"] == 7);
            CHECK(j["input"]["keyboard"]["events"] == 12);
            CHECK(j["input"]["mouse"]["protocol_errors"] == 0);
        }
    }
    CHECK(bound_mouse);
    CHECK(bound_kbd);
    CHECK(done);
    CHECK(summary);
}

TEST_CASE("satori run --input-demo prints readable status lines", "[input][e2e]")
{
    TempDir dir;
    auto r = satori::test::run_process(std::string(SATORI_TOOL) + " run --sim --input-demo --plugins " +
                                       SATORI_PLUGIN_DIR + " --events-socket " + dir.path +
                                       "/ev.sock --uhid off --duration 3");
    CHECK(r.exit_code == 0);
    auto has = [&](const std::string &needle) {
        for (const auto &l : r.lines)
            if (l.find(needle) != std::string::npos) return true;
        return false;
    };
    CHECK(has("satori: HID mouse0: Microsoft Vmbus HID-compliant Mouse"));
    CHECK(has("satori: input: mouse0: pointer at 16000,12000, buttons none"));
    CHECK(has("satori: input: mouse0: pointer at 16000,12000, buttons left"));
    CHECK(has("satori: input: kbd0: KEY_H down"));
    CHECK(has("satori: input: kbd0: KEY_PAUSE up"));
    CHECK(has("satori: input script finished"));
}

TEST_CASE("satori run: bad input options fail with one clear line", "[input][e2e]")
{
    TempDir dir;
    const std::string bad = dir.path + "/bad.txt";
    std::ofstream(bad) << "wait\nmove 1\n";
    auto r = satori::test::run_process(std::string(SATORI_TOOL) + " run --sim --mouse --plugins " +
                                       SATORI_PLUGIN_DIR + " --input-script " + bad + " 2>&1");
    CHECK(r.exit_code != 0);
    REQUIRE_FALSE(r.lines.empty());
    CHECK(r.lines.back().find("input script: line 2: move X Y") != std::string::npos);
    auto e = satori::test::run_process(std::string(SATORI_TOOL) + " events --socket " + dir.path +
                                       "/none.sock 2>&1");
    CHECK(e.exit_code != 0);
    REQUIRE_FALSE(e.lines.empty());
    CHECK(e.lines.back().find("cannot connect to") != std::string::npos);
}
