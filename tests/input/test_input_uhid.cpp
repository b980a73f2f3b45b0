// SPDX-License-Identifier: MIT
// The uhid back end against a fake uhid node (a Unix socket the test reads struct
// uhid_event records from): UHID_CREATE2 carries the host's descriptor byte for byte,
// UHID_INPUT2 flows only between UHID_OPEN and UHID_CLOSE (starting with the last state),
// UHID_OUTPUT (LEDs) reaches the host as SET_LED_INDICATORS, UHID_DESTROY ends it.
#include <catch2/catch.hpp>

#include "input_fixture.hpp"
#include "kbd_state.hpp"

using namespace satori::test;

namespace {
uhid_event simple(uint32_t type)
{
    uhid_event ev{};
    ev.type = type;
    return ev;
}
} // namespace

TEST_CASE("uhid: CREATE2 carries the host's descriptor byte for byte", "[input][uhid]")
{
    InputFixture f({.uhid = true});
    REQUIRE(f.start() == 0);
    REQUIRE(f.uhid->wait([&] { return f.uhid->find("Microsoft Vmbus HID-compliant Mouse") >= 0 &&
                                      f.uhid->find("Microsoft Vmbus Synthetic Keyboard") >= 0; }));
    const int m = f.uhid->find("Microsoft Vmbus HID-compliant Mouse");
    const auto ev = f.uhid->events(static_cast<size_t>(m)).front();
    REQUIRE(ev.type == UHID_CREATE2);
    const auto &c = ev.u.create2;
    const auto rd = satori::sim::mouse_report_descriptor();
    CHECK(c.rd_size == rd.size());
    CHECK(std::memcmp(c.rd_data, rd.data(), rd.size()) == 0);
    CHECK(c.bus == 0x06);
    CHECK(c.vendor == 0x045E);
    CHECK(c.product == 0x0621);
    CHECK(c.version == 1);
    CHECK(std::string(reinterpret_cast<const char *>(c.phys)) == "satori/mouse0");

    const int k = f.uhid->find("Microsoft Vmbus Synthetic Keyboard");
    const auto kev = f.uhid->events(static_cast<size_t>(k)).front();
    const auto kd = satori::inputvsc::keyboard_report_descriptor();
    CHECK(kev.u.create2.rd_size == kd.size());
    CHECK(std::memcmp(kev.u.create2.rd_data, kd.data(), kd.size()) == 0);
}

TEST_CASE("uhid: input flows between OPEN and CLOSE, starting with the last state", "[input][uhid]")
{
    InputFixture f({.uhid = true});
    REQUIRE(f.start() == 0);
    REQUIRE(f.mouse->wait_ready(5s));
    REQUIRE(f.uhid->wait([&] { return f.uhid->find("Microsoft Vmbus HID-compliant Mouse") >= 0; }));
    const auto m = static_cast<size_t>(f.uhid->find("Microsoft Vmbus HID-compliant Mouse"));

    REQUIRE(f.mouse->move_to(0x1234, 0x0567) == 0);
    std::this_thread::sleep_for(100ms);
    CHECK(f.uhid->inputs(m).empty()); // nobody has the device open

    f.uhid->send(m, simple(UHID_OPEN));
    REQUIRE(f.uhid->wait([&] { return f.uhid->inputs(m).size() == 1; }));
    CHECK(f.uhid->inputs(m)[0] == std::vector<uint8_t>{0x00, 0x34, 0x12, 0x67, 0x05, 0x00, 0x00});
    REQUIRE(f.mouse->click(satori::sim::kButtonRight) == 0);
    REQUIRE(f.mouse->wheel(1) == 0);
    REQUIRE(f.uhid->wait([&] { return f.uhid->inputs(m).size() == 4; }));
    const auto in = f.uhid->inputs(m);
    CHECK(in[1] == std::vector<uint8_t>{0x02, 0x34, 0x12, 0x67, 0x05, 0x00, 0x00});
    CHECK(in[2] == std::vector<uint8_t>{0x00, 0x34, 0x12, 0x67, 0x05, 0x00, 0x00});
    CHECK(in[3] == std::vector<uint8_t>{0x00, 0x34, 0x12, 0x67, 0x05, 0x01, 0x00});

    f.uhid->send(m, simple(UHID_CLOSE));
    REQUIRE(f.wait_log("hid mouse0: no consumer left"));
    REQUIRE(f.mouse->move_to(1, 1) == 0);
    std::this_thread::sleep_for(100ms);
    CHECK(f.uhid->inputs(m).size() == 4);

    satori_shim_stop(f.shim);
    REQUIRE(f.uhid->wait([&] { return f.uhid->events(m).back().type == UHID_DESTROY; }));
}

TEST_CASE("uhid: typed keys arrive as boot-keyboard reports and LED output reaches the host", "[input][uhid]")
{
    InputFixture f({.uhid = true});
    REQUIRE(f.start() == 0);
    REQUIRE(f.keyboard->wait_ready(5s));
    REQUIRE(f.uhid->wait([&] { return f.uhid->find("Microsoft Vmbus Synthetic Keyboard") >= 0; }));
    const auto k = static_cast<size_t>(f.uhid->find("Microsoft Vmbus Synthetic Keyboard"));
    f.uhid->send(k, simple(UHID_OPEN));
    REQUIRE(f.wait_log("hid kbd0: a consumer is listening"));
    REQUIRE(f.keyboard->type_text("A") == 0);
    REQUIRE(f.uhid->wait([&] { return f.uhid->inputs(k).size() == 4; }));
    const auto in = f.uhid->inputs(k);
    CHECK(in[0] == std::vector<uint8_t>{0x02, 0, 0x00, 0, 0, 0, 0, 0});
    CHECK(in[1] == std::vector<uint8_t>{0x02, 0, 0x04, 0, 0, 0, 0, 0});
    CHECK(in[2] == std::vector<uint8_t>{0x02, 0, 0x00, 0, 0, 0, 0, 0});
    CHECK(in[3] == std::vector<uint8_t>{0x00, 0, 0x00, 0, 0, 0, 0, 0});

    uhid_event out{};
    out.type = UHID_OUTPUT;
    out.u.output.data[0] = 0x03; // Num Lock + Caps Lock
    out.u.output.size = 1;
    out.u.output.rtype = UHID_OUTPUT_REPORT;
    f.uhid->send(k, out);
    REQUIRE(f.keyboard->wait_leds(1, 5s));
    CHECK(f.keyboard->stats().leds == (0x2 | 0x4)); // NUM_LOCK_ON | CAPS_LOCK_ON

    uhid_event set{};
    set.type = UHID_SET_REPORT;
    set.u.set_report.id = 77;
    set.u.set_report.rtype = UHID_OUTPUT_REPORT;
    set.u.set_report.size = 1;
    set.u.set_report.data[0] = 0x04; // Scroll Lock
    f.uhid->send(k, set);
    REQUIRE(f.keyboard->wait_leds(2, 5s));
    CHECK(f.keyboard->stats().leds == 0x1);
    REQUIRE(f.uhid->wait([&] {
        for (auto &e : f.uhid->events(k))
            if (e.type == UHID_SET_REPORT_REPLY && e.u.set_report_reply.id == 77 &&
                e.u.set_report_reply.err == 0)
                return true;
        return false;
    }));
    uhid_event get{};
    get.type = UHID_GET_REPORT;
    get.u.get_report.id = 78;
    f.uhid->send(k, get);
    REQUIRE(f.uhid->wait([&] {
        for (auto &e : f.uhid->events(k))
            if (e.type == UHID_GET_REPORT_REPLY && e.u.get_report_reply.id == 78 &&
                e.u.get_report_reply.err == EIO)
                return true;
        return false;
    }));
}

TEST_CASE("uhid: a missing node is reported and the event stream still works", "[input][uhid]")
{
    InputFixture f({.keyboard = false});
    satori_shim_set_option(f.shim, "hid.uhid", (f.dir + "/no-such-uhid").c_str());
    REQUIRE(f.start() == 0);
    REQUIRE(f.mouse->wait_ready(5s));
    CHECK(f.log_contains("hid mouse0: no uhid device (" + f.dir + "/no-such-uhid"));
    StreamClient c(f.events_socket);
    REQUIRE(c.wait_count("\"type\":\"device\"", 1));
    REQUIRE(f.mouse->move_to(3, 4) == 0);
    CHECK(c.wait_count("\"x\":3,\"y\":4", 1));
}
