// SPDX-License-Identifier: MIT
// Hostile hosts: descriptor lengths that lie, short and oversized messages, unknown message
// types, reports before the device-info ACK. Each gives a clear logged error and a closed
// channel (or a dropped report), never a crash.
#include <catch2/catch.hpp>

#include "input_fixture.hpp"

using namespace satori::test;

namespace {
void put32(std::vector<std::byte> &m, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        m[off + i] = std::byte(v >> (8 * i));
}
std::vector<std::byte> pipe_msg(uint32_t type, std::vector<std::byte> body)
{
    std::vector<std::byte> m(16 + body.size());
    for (size_t i = 0; i < body.size(); i++)
        m[16 + i] = body[i];
    put32(m, 0, 1);
    put32(m, 4, static_cast<uint32_t>(8 + body.size()));
    put32(m, 8, type);
    put32(m, 12, static_cast<uint32_t>(body.size()));
    return m;
}
} // namespace

TEST_CASE("a report descriptor longer than its message is refused", "[input][hostile]")
{
    satori::sim::MouseConfig mc;
    mc.pad_descriptor = false;
    mc.mangle_device_info = [](std::vector<std::byte> m) {
        m[16 + 32 + 7] = std::byte{0xA0}; // wDescriptorLength 4000
        m[16 + 32 + 8] = std::byte{0x0F};
        return m;
    };
    InputFixture f({.keyboard = false, .mouse_config = mc});
    REQUIRE(f.start() == 0);
    CHECK(f.count_events(SATORI_SHIM_EV_PROBE_FAILED) == 1);
    CHECK(f.log_contains("host protocol violation: INITIAL_DEVICE_INFO: report descriptor of 4000 "
                         "bytes does not fit in the 67 bytes left in the message"));
    CHECK(f.count_events(SATORI_SHIM_EV_EXPORT_ADDED) == 0);
    CHECK(f.mouse->wait_ready(100ms) == false);
    // the failed probe closed the channel
    for (int i = 0; i < 100 && f.mouse->stats().channel_open; i++)
        std::this_thread::sleep_for(10ms);
    CHECK_FALSE(f.mouse->stats().channel_open);
}

TEST_CASE("an oversized or empty descriptor length is refused", "[input][hostile]")
{
    for (uint16_t len : {uint16_t{0}, uint16_t{0xFFFF}}) {
        satori::sim::MouseConfig mc;
        mc.mangle_device_info = [len](std::vector<std::byte> m) {
            m[16 + 32 + 7] = std::byte(len & 0xFF);
            m[16 + 32 + 8] = std::byte(len >> 8);
            return m;
        };
        InputFixture f({.keyboard = false, .mouse_config = mc});
        REQUIRE(f.start() == 0);
        INFO(len);
        CHECK(f.count_events(SATORI_SHIM_EV_PROBE_FAILED) == 1);
        CHECK(f.log_contains(len ? "report descriptor length 65535 exceeds 4096"
                                 : "report descriptor length 0"));
    }
}

TEST_CASE("a device info cut short and a pipe size that lies are refused", "[input][hostile]")
{
    satori::sim::MouseConfig mc;
    mc.mangle_device_info = [](std::vector<std::byte> m) {
        m.resize(40); // pipe header still claims 177 bytes
        return m;
    };
    InputFixture f({.keyboard = false, .mouse_config = mc});
    REQUIRE(f.start() == 0);
    CHECK(f.count_events(SATORI_SHIM_EV_PROBE_FAILED) == 1);
    CHECK(f.log_contains("pipe size 177 exceeds the 32 bytes in the packet"));
}

TEST_CASE("a descriptor the shim's parser rejects fails the probe", "[input][hostile]")
{
    satori::sim::MouseConfig mc;
    mc.report_descriptor = {0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02};
    InputFixture f({.keyboard = false, .mouse_config = mc});
    REQUIRE(f.start() == 0);
    CHECK(f.count_events(SATORI_SHIM_EV_PROBE_FAILED) == 1);
    CHECK(f.log_contains("add_hiddev refused: report descriptor byte 12: unclosed collection"));
    CHECK(f.log_contains("the HID service refused the host's 12-byte report descriptor"));
}

TEST_CASE("a short PROTOCOL_RESPONSE fails the probe", "[input][hostile]")
{
    satori::sim::MouseConfig mc;
    mc.mangle_response = [](std::vector<std::byte>) {
        return pipe_msg(1, {std::byte{0}, std::byte{0}});
    };
    InputFixture f({.keyboard = false, .mouse_config = mc});
    REQUIRE(f.start() == 0);
    CHECK(f.count_events(SATORI_SHIM_EV_PROBE_FAILED) == 1);
    CHECK(f.log_contains("PROTOCOL_RESPONSE of 2 bytes (needs 5: version, approved)"));
}

TEST_CASE("input before the device-info ACK is dropped, not an error", "[input][hostile]")
{
    satori::sim::MouseConfig mc;
    mc.early_report = true;
    InputFixture f({.keyboard = false, .mouse_config = mc});
    REQUIRE(f.start() == 0);
    REQUIRE(f.mouse->wait_ready(5s));
    StreamClient c(f.events_socket);
    REQUIRE(c.wait_count("\"type\":\"device\"", 1));
    REQUIRE(f.mouse->move_to(5, 5) == 0);
    REQUIRE(c.wait_count("\"type\":\"abs\"", 1));
    CHECK(c.matching("777").empty());
    CHECK(f.log_contains("input before the device was set up; dropped"));
    CHECK(f.count_events(SATORI_SHIM_EV_CHANNEL_ERROR) == 0);
}

TEST_CASE("unknown or malformed messages after setup close the channel", "[input][hostile]")
{
    struct Case {
        const char *name;
        bool keyboard;
        std::vector<std::byte> packet;
        const char *log;
    };
    std::vector<std::byte> kbd_late_response(8);
    kbd_late_response[0] = std::byte{2};
    std::vector<std::byte> kbd_unknown(8);
    kbd_unknown[0] = std::byte{9};
    std::vector<std::byte> kbd_event_short(8);
    kbd_event_short[0] = std::byte{3};
    std::vector<std::byte> kbd_big(300);
    kbd_big[0] = std::byte{3};
    auto oversized_report = pipe_msg(4, std::vector<std::byte>(0, std::byte{0}));
    const Case cases[] = {
        {"mouse unknown type", false, pipe_msg(9, {std::byte{0}}), "unknown SynthHID message type 9"},
        {"mouse second device info", false, pipe_msg(2, std::vector<std::byte>(120)),
         "a second INITIAL_DEVICE_INFO"},
        {"mouse empty report", false, oversized_report, "INPUT_REPORT of 0 bytes"},
        {"mouse short packet", false, {std::byte{1}, std::byte{0}, std::byte{0}},
         "pipe message of 0 bytes is shorter than the 8-byte SynthHID header"},
        {"keyboard late response", true, kbd_late_response, "PROTOCOL_RESPONSE after the negotiation"},
        {"keyboard unknown type", true, kbd_unknown, "unknown keyboard message type 9"},
        {"keyboard short event", true, kbd_event_short, "EVENT of 8 bytes (needs 12)"},
        {"keyboard oversized", true, kbd_big, "message of 304 bytes (at most 256)"},
    };
    for (const auto &tc : cases) {
        INFO(tc.name);
        InputFixture f;
        REQUIRE(f.start() == 0);
        REQUIRE(f.mouse->wait_ready(5s));
        REQUIRE(f.keyboard->wait_ready(5s));
        StreamClient c(f.events_socket);
        REQUIRE(c.wait_count("\"type\":\"device\"", 2));
        if (tc.keyboard)
            REQUIRE(f.keyboard->send_raw(tc.packet) == 0);
        else
            REQUIRE(f.mouse->send_raw(tc.packet) == 0);
        CHECK(f.wait_log(tc.log));
        CHECK(f.wait_log("closing the channel"));
        CHECK(f.wait_log("inputvsc aborted relid"));
        CHECK(f.wait_log(std::string("inputvsc: ") + (tc.keyboard ? "keyboard" : "mouse") +
                         " channel 0 stopped working"));
        // the broken device delivers nothing more; the other one keeps working
        if (tc.keyboard) {
            (void)f.keyboard->type_text("b");
            REQUIRE(f.mouse->move_to(9, 9) == 0);
            CHECK(c.wait_count("\"x\":9,", 1));
            CHECK(c.matching("KEY_B").empty());
        } else {
            (void)f.mouse->move_to(8, 8);
            REQUIRE(f.keyboard->type_text("a") == 0);
            CHECK(c.wait_count("KEY_A", 2));
            CHECK(c.matching("\"x\":8,").empty());
        }
    }
}
