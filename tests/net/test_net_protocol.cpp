// SPDX-License-Identifier: MIT
// netvsc against the simulated netvsp through the real shim and real TAP interfaces:
// NVSP versions, RNDIS bring-up, frames both ways, jumbo frames, link state, a hostile
// host, and a tiny send buffer.
#include <catch2/catch.hpp>

#include "net_fixture.hpp"

using namespace satori;
using namespace satori::test::net;
using namespace std::chrono_literals;

namespace {

/// One frame each way: test port -> guest -> TAP, and TAP -> guest -> switch -> test port.
void exchange(NetFixture &f, size_t len, uint8_t seed)
{
    RawSocket sock(f.ifname);
    REQUIRE(sock.ok());
    const auto to_guest = test_frame(f.vsp->config().mac, 0x99, len, seed);
    f.to_guest(to_guest);
    auto got = sock.recv(3s);
    REQUIRE(got);
    CHECK(*got == to_guest);

    const size_t before = f.port_count();
    const auto from_guest =
        test_frame({0x02, 0, 0, 0, 0, 0x99}, 0x42, len, static_cast<uint8_t>(seed + 1));
    std::vector<std::byte> sent = from_guest;
    // The kernel writes the interface's own MAC as the source.
    std::memcpy(sent.data() + 6, f.vsp->config().mac.data(), 6);
    REQUIRE(sock.send(sent));
    REQUIRE(f.wait_port(before + 1));
    std::lock_guard lock(f.mu);
    CHECK(f.port_frames.back() == sent);
}

} // namespace

TEST_CASE("netvsc negotiates each NVSP version the host caps at and moves frames",
          "[net][protocol]")
{
    SATORI_REQUIRE_TAP();
    const uint32_t cap = GENERATE(sim::kNvspV61, sim::kNvspV6, sim::kNvspV5, sim::kNvspV4,
                                  sim::kNvspV2, sim::kNvspV1);
    CAPTURE(cap);
    sim::NetvspConfig cfg;
    cfg.max_nvsp_version = cap;
    NetFixture f(cfg);
    REQUIRE(f.start());
    const auto st = f.vsp->stats();
    CHECK(st.nvsp_version == cap);
    CHECK(st.ndis_version == (cap >= sim::kNvspV5 ? 0x6001Eu : 0x60001u));
    CHECK(st.guest_mtu == (cap >= sim::kNvspV2 ? 1514u : 0u));
    CHECK(st.rndis_ready);
    CHECK(st.packet_filter == 0x0Du);
    CHECK(st.rndis_queries >= 3);
    CHECK(read_sys(f.ifname, "mtu") == "1500");
    CHECK(read_sys(f.ifname, "address") == "00:15:5d:53:54:01");
    exchange(f, 60, 1);
    exchange(f, 1514, 7);
    INFO(f.all_logs());
    CHECK(f.logged("netvsc: NVSP "));
}

TEST_CASE("jumbo frames go through the send buffer header plus GPA pages", "[net][protocol]")
{
    SATORI_REQUIRE_TAP();
    sim::NetvspConfig cfg;
    cfg.mtu = 9000;
    cfg.mac = {0x00, 0x15, 0x5d, 0x00, 0x90, 0x00};
    NetFixture f(cfg);
    REQUIRE(f.start());
    CHECK(read_sys(f.ifname, "mtu") == "9000");
    exchange(f, 9014, 3);
    CHECK(f.vsp->stats().tx_via_gpa >= 1);
}

TEST_CASE("link state from the host drives the interface carrier", "[net][protocol]")
{
    SATORI_REQUIRE_TAP();
    NetFixture f(sim::NetvspConfig{});
    REQUIRE(f.start());
    auto carrier_is = [&](const char *v) {
        for (int i = 0; i < 300; ++i) {
            if (read_sys(f.ifname, "carrier") == v) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    };
    CHECK(carrier_is("1"));
    f.vsp->set_link(false);
    CHECK(carrier_is("0"));
    // Frames towards a link-down port are dropped by the host.
    const auto dropped = f.vsp->stats().rx_dropped;
    f.to_guest(test_frame(f.vsp->config().mac, 0x99, 60, 9));
    CHECK(f.vsp->stats().rx_dropped == dropped + 1);
    f.vsp->set_link(true);
    CHECK(carrier_is("1"));
    CHECK(f.vsp->stats().indications >= 2);
    exchange(f, 100, 11);
}

TEST_CASE("a hostile host's receive messages are rejected and the channel survives",
          "[net][protocol][hostile]")
{
    SATORI_REQUIRE_TAP();
    const auto fault =
        GENERATE(sim::NetvspFault::bad_xfer_range, sim::NetvspFault::oversize_rndis,
                 sim::NetvspFault::bad_data_offset, sim::NetvspFault::bad_pageset_id);
    CAPTURE(static_cast<uint32_t>(fault));
    NetFixture f(sim::NetvspConfig{});
    REQUIRE(f.start());
    RawSocket sock(f.ifname);
    REQUIRE(sock.ok());
    f.vsp->inject(fault);
    f.to_guest(test_frame(f.vsp->config().mac, 0x99, 200, 5));
    CHECK_FALSE(sock.recv(300ms)); // the bad frame never reaches the interface
    CHECK(f.vsp->stats().faults_injected == 1);
    INFO(f.all_logs());
    CHECK(
        (f.logged("outside its sections") || f.logged("malformed RNDIS") || f.logged("rejected")));
    exchange(f, 200, 21); // and the next good one does
}

TEST_CASE("an unknown NVSP message from the host is ignored and counted",
          "[net][protocol][hostile]")
{
    SATORI_REQUIRE_TAP();
    NetFixture f(sim::NetvspConfig{});
    REQUIRE(f.start());
    f.vsp->inject(sim::NetvspFault::unknown_nvsp);
    for (int i = 0; i < 100 && !f.logged("unknown NVSP message type 999"); ++i)
        std::this_thread::sleep_for(10ms);
    CHECK(f.logged("unknown NVSP message type 999"));
    exchange(f, 64, 31);
}

TEST_CASE("a two-section send buffer delivers every frame under flow control", "[net][protocol]")
{
    SATORI_REQUIRE_TAP();
    ::setenv("SATORI_NETVSC_SEND_KB", "64", 1);
    sim::NetvspConfig cfg;
    cfg.send_section_size = 32768;
    NetFixture f(cfg);
    const bool started = f.start();
    ::unsetenv("SATORI_NETVSC_SEND_KB");
    REQUIRE(started);
    CHECK(f.vsp->stats().send_sections == 2);
    RawSocket sock(f.ifname);
    REQUIRE(sock.ok());
    constexpr size_t kFrames = 200;
    for (size_t i = 0; i < kFrames; ++i) {
        auto fr = test_frame({0x02, 0, 0, 0, 0, 0x99}, 0x42, 1000, static_cast<uint8_t>(i));
        std::memcpy(fr.data() + 6, f.vsp->config().mac.data(), 6);
        REQUIRE(sock.send(fr));
        if (i % 50 == 49) std::this_thread::sleep_for(5ms); // stay inside the TAP queue
    }
    CHECK(f.wait_port(kFrames, 10s));
    CHECK(f.port_count() == kFrames);
    CHECK(f.vsp->stats().tx_frames >= kFrames);
}
