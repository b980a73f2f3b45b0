// SPDX-License-Identifier: MIT
// inputvsc.so <-> the simulated inputvsp in one process: negotiation, HID registration,
// pointer and key events through the shim's descriptor parser to the event stream, delivery
// only while someone listens, the last state for late listeners, version refusals.
#include <catch2/catch.hpp>

#include "input_fixture.hpp"

using namespace satori::test;

TEST_CASE("mouse 2.0 and keyboard 1.0 negotiate and become HID devices", "[input][protocol]")
{
    InputFixture f;
    REQUIRE(f.start() == 0);
    REQUIRE(f.mouse->wait_ready(5s));
    REQUIRE(f.keyboard->wait_ready(5s));
    auto ms = f.mouse->stats();
    CHECK(ms.requested_version == 0x00020000);
    CHECK(ms.requests == 1);
    CHECK(ms.protocol_errors == 0);
    CHECK(f.keyboard->stats().requests == 1);
    const std::string added = f.event_text(SATORI_SHIM_EV_EXPORT_ADDED);
    CHECK(added.find("HID mouse0: Microsoft Vmbus HID-compliant Mouse (045e:0621, 67-byte report "
                     "descriptor, pointer)") != std::string::npos);
    CHECK(added.find("HID kbd0: Microsoft Vmbus Synthetic Keyboard") != std::string::npos);
    CHECK(added.find("HID event stream on " + f.events_socket) != std::string::npos);
    CHECK(f.count_events(SATORI_SHIM_EV_BOUND) == 2);

    StreamClient c(f.events_socket);
    REQUIRE(c.connected());
    REQUIRE(c.wait_count("\"type\":\"device\"", 2));
    CHECK(c.lines().front() == R"({"type":"hello","version":1})");
    CHECK(c.matching("\"dev\":\"mouse0\"").front().find("\"kind\":\"pointer\"") != std::string::npos);
    CHECK(c.matching("\"dev\":\"kbd0\"").front().find("\"kind\":\"keyboard\"") != std::string::npos);
}

TEST_CASE("a pointer path, clicks and the wheel arrive exactly", "[input][protocol]")
{
    InputFixture f({.keyboard = false});
    REQUIRE(f.start() == 0);
    REQUIRE(f.mouse->wait_ready(5s));
    StreamClient c(f.events_socket);
    REQUIRE(c.wait_count("\"type\":\"device\"", 1));

    std::vector<std::string> want;
    auto line = [](int x, int y, int b, int w) {
        return "{\"dev\":\"mouse0\",\"type\":\"abs\",\"x\":" + std::to_string(x) + ",\"y\":" +
               std::to_string(y) + ",\"buttons\":" + std::to_string(b) + ",\"wheel\":" +
               std::to_string(w) + "}";
    };
    for (int i = 0; i <= 10; i++) {
        REQUIRE(f.mouse->move_to(static_cast<uint16_t>(1000 * i), static_cast<uint16_t>(32767 - 500 * i)) == 0);
        want.push_back(line(1000 * i, 32767 - 500 * i, 0, 0));
    }
    REQUIRE(f.mouse->click(satori::sim::kButtonLeft) == 0);
    want.push_back(line(10000, 27767, 1, 0));
    want.push_back(line(10000, 27767, 0, 0));
    REQUIRE(f.mouse->press(satori::sim::kButtonRight | satori::sim::kButtonMiddle) == 0);
    want.push_back(line(10000, 27767, 6, 0));
    REQUIRE(f.mouse->wheel(-3) == 0);
    want.push_back(line(10000, 27767, 6, -3));
    REQUIRE(f.mouse->release(satori::sim::kButtonRight | satori::sim::kButtonMiddle) == 0);
    want.push_back(line(10000, 27767, 0, 0));

    REQUIRE(c.wait_count("\"type\":\"abs\"", want.size()));
    std::this_thread::sleep_for(50ms);
    CHECK(c.matching("\"type\":\"abs\"") == want);
}

TEST_CASE("typed text arrives as key presses and releases in order", "[input][protocol]")
{
    InputFixture f({.mouse = false});
    REQUIRE(f.start() == 0);
    REQUIRE(f.keyboard->wait_ready(5s));
    StreamClient c(f.events_socket);
    REQUIRE(c.wait_count("\"type\":\"device\"", 1));
    REQUIRE(f.keyboard->type_text("Hi!\n") == 0);
    satori::sim::ScanKey up;
    REQUIRE(satori::sim::key_by_name("up", up));
    REQUIRE(f.keyboard->tap(up) == 0);
    REQUIRE(f.keyboard->pause() == 0);
    const std::vector<std::pair<std::string, int>> want = {
        {"KEY_LEFTSHIFT", 1}, {"KEY_H", 1}, {"KEY_H", 0}, {"KEY_LEFTSHIFT", 0}, {"KEY_I", 1},
        {"KEY_I", 0},         {"KEY_LEFTSHIFT", 1}, {"KEY_1", 1}, {"KEY_1", 0},
        {"KEY_LEFTSHIFT", 0}, {"KEY_ENTER", 1}, {"KEY_ENTER", 0}, {"KEY_UP", 1}, {"KEY_UP", 0},
        {"KEY_PAUSE", 1},     {"KEY_PAUSE", 0}};
    REQUIRE(c.wait_count("\"type\":\"key\"", want.size()));
    std::this_thread::sleep_for(50ms);
    auto got = c.matching("\"type\":\"key\"");
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); i++) {
        INFO(i << ": " << got[i]);
        CHECK(got[i].find("\"code\":\"" + want[i].first + "\"") != std::string::npos);
        CHECK(got[i].find("\"value\":" + std::to_string(want[i].second) + "}") != std::string::npos);
    }
    CHECK(f.keyboard->type_text("caf\xc3\xa9") == -SATORI_EINVAL); // not on a US layout
}

TEST_CASE("reports reach consumers only while one listens and the last state is kept", "[input][protocol]")
{
    InputFixture f({.keyboard = false});
    REQUIRE(f.start() == 0);
    REQUIRE(f.mouse->wait_ready(5s));
    REQUIRE(f.mouse->move_to(10, 20) == 0);
    REQUIRE(f.mouse->move_to(300, 400) == 0);
    REQUIRE(f.wait_log("hid mouse0: a consumer is listening", 100ms) == false);
    {
        StreamClient c(f.events_socket);
        REQUIRE(c.wait_count("\"replay\":true", 1));
        CHECK(c.matching("\"type\":\"abs\"") ==
              std::vector<std::string>{R"({"dev":"mouse0","type":"abs","x":300,"y":400,"buttons":0,"wheel":0,"replay":true})"});
        REQUIRE(f.wait_log("hid mouse0: a consumer is listening"));
        REQUIRE(f.wait_log("inputvsc: mouse opened by a consumer"));
        REQUIRE(f.mouse->move_to(1, 2) == 0);
        REQUIRE(c.wait_count("\"x\":1,", 1));
    }
    REQUIRE(f.wait_log("hid mouse0: no consumer left"));
    REQUIRE(f.mouse->move_to(5, 6) == 0);
    bool replayed = false;
    {
        // sees 5,6 as the replayed last state, or live if it connected before the report
        StreamClient late(f.events_socket);
        REQUIRE(late.wait_count("\"x\":5,\"y\":6,", 1));
        replayed = !late.matching("\"x\":5,\"y\":6,\"buttons\":0,\"wheel\":0,\"replay\":true").empty();
    }
    satori_shim_stop(f.shim);
    // four reports from the host; delivered while listened to (a replay is not a delivery)
    CHECK(f.log_contains(replayed ? "hid mouse0: removed (4 reports, 1 delivered)"
                                  : "hid mouse0: removed (4 reports, 2 delivered)"));
}

TEST_CASE("a host that refuses the protocol versions fails the probe clearly", "[input][protocol]")
{
    satori::sim::MouseConfig mc;
    mc.accepted_versions = {};
    satori::sim::KeyboardConfig kc;
    kc.accepted_versions = {0x00030000};
    InputFixture f({.mouse_config = mc, .keyboard_config = kc});
    REQUIRE(f.start() == 0);
    CHECK(f.count_events(SATORI_SHIM_EV_PROBE_FAILED) == 2);
    CHECK(f.log_contains("the host refused protocol version 2.0"));
    CHECK(f.log_contains("the host refused protocol version 1.0"));
    CHECK(f.mouse->stats().refused == 1);
    CHECK(f.keyboard->stats().refused == 1);
    CHECK(f.count_events(SATORI_SHIM_EV_EXPORT_ADDED) == 0);
}

TEST_CASE("the SA-167 descriptor of real Hyper-V is patched before registration", "[input][protocol]")
{
    satori::sim::MouseConfig mc;
    mc.sa167_quirk = true;
    InputFixture f({.keyboard = false, .mouse_config = mc});
    REQUIRE(f.start() == 0);
    REQUIRE(f.mouse->wait_ready(5s));
    CHECK(f.log_contains("SA-167 byte patched"));
    StreamClient c(f.events_socket);
    REQUIRE(c.wait_count("\"type\":\"device\"", 1));
    REQUIRE(f.mouse->click(satori::sim::kButtonMiddle) == 0);
    REQUIRE(c.wait_count("\"buttons\":4", 1)); // 5 buttons decoded, not a logical maximum
}
