// SPDX-License-Identifier: MIT
// tests/transport/test_transport_inproc.cpp — the shim and a TransportServer over a real
// Unix socket in one process: handshake, heartbeats with eventfds and with framed signals,
// host stop and restart (recovery), guest stop (the host detaches it).
#include "transport_fixture.hpp"

#include <catch2/catch.hpp>

using namespace satori;
using namespace satori::test;
using namespace std::chrono_literals;

namespace {

bool heartbeats_answered(sim::Host &host, uint64_t at_least)
{
    auto hb = host.heartbeat();
    return hb && hb->stats().answered >= at_least;
}

} // namespace

TEST_CASE("heartbeats flow over the socket transport", "[transport]")
{
    uint32_t features = GENERATE(1u, 0u); // 1 = sim::kTransportFeatureEventfd
    CAPTURE(features);
    SocketHostGuard remote;
    ShimFixture f(heartbeat_host(20ms));
    std::string path = temp_socket_path("hb" + std::to_string(features));
    sim::TransportServer server(*f.host, quiet_transport(path, features));
    REQUIRE(server.start() == 0);
    REQUIRE(satori_shim_load_plugin(f.shim, SATORI_HEARTBEAT_PLUGIN) == 0);
    REQUIRE(satori_shim_connect_socket(f.shim, path.c_str(), &remote.host) == 0);
    int32_t started = satori_shim_start(f.shim);
    if (started != 0)
        for (auto &l : f.logs)
            WARN(l);
    REQUIRE(started == 0);
    CHECK(server.guest_attached());
    CHECK(satori_shim_vmbus_version(f.shim) == 0x00050003u);
    CHECK(f.events_of(SATORI_SHIM_EV_BOUND).size() == 1);
    REQUIRE(eventually([&] { return heartbeats_answered(*f.host, 10); }, 5s));
    auto hb = f.host->heartbeat()->stats();
    CHECK(hb.wrong == 0);
    auto ts = server.stats();
    CHECK(ts.guests_accepted == 1);
    CHECK(ts.protocol_errors == 0);
    CHECK(ts.records_in > 0);
    if (features)
        CHECK(ts.eventfds_bound >= 2); // at least one per direction for the heartbeat channel
    else
        CHECK(ts.eventfds_bound == 0);
    CHECK(f.log_contains("transport: connected to " + path));
    REQUIRE(satori_shim_stop(f.shim) == 0); // UNLOAD answered through the socket
    CHECK(eventually([&] { return !server.guest_attached(); }, 2s));
    CHECK(server.stats().guests_lost == 0); // BYE: a clean disconnect
}

TEST_CASE("start fails clearly when no host listens", "[transport]")
{
    SocketHostGuard remote;
    ShimFixture f;
    std::string path = temp_socket_path("nohost");
    ::unlink(path.c_str());
    REQUIRE(satori_shim_connect_socket(f.shim, path.c_str(), &remote.host) == 0);
    CHECK(satori_shim_start(f.shim) == -SATORI_ENOENT);
    CHECK(f.log_contains("cannot connect to " + path));
}

TEST_CASE("connect_socket validates its arguments", "[transport]")
{
    ShimFixture f;
    satori_socket_host *h = nullptr;
    CHECK(satori_shim_connect_socket(f.shim, "", &h) == -SATORI_EINVAL);
    CHECK(satori_shim_connect_socket(f.shim, std::string(200, 'x').c_str(), &h) == -SATORI_EINVAL);
    CHECK(satori_shim_connect_socket(nullptr, "/tmp/x", &h) == -SATORI_EINVAL);
    CHECK(satori_shim_connect_socket(f.shim, "/tmp/x", nullptr) == -SATORI_EINVAL);
    CHECK(h == nullptr);
    satori_socket_host_free(nullptr);
}

TEST_CASE("the guest reports a lost host and recovers when it comes back", "[transport][recovery]")
{
    SocketHostGuard remote;
    ShimFixture f(heartbeat_host(20ms));
    std::string path = temp_socket_path("recover");
    auto server = std::make_unique<sim::TransportServer>(
        *f.host, quiet_transport(path, sim::kTransportFeatureEventfd));
    REQUIRE(server->start() == 0);
    REQUIRE(satori_shim_load_plugin(f.shim, SATORI_HEARTBEAT_PLUGIN) == 0);
    REQUIRE(satori_shim_connect_socket(f.shim, path.c_str(), &remote.host) == 0);
    REQUIRE(satori_shim_start(f.shim) == 0);
    REQUIRE(eventually([&] { return heartbeats_answered(*f.host, 3); }, 5s));

    server.reset(); // the host goes away (BYE, then the socket closes)
    REQUIRE(f.wait_for([](auto &evs) {
        for (auto &e : evs)
            if (e.kind == SATORI_SHIM_EV_DISCONNECTED &&
                e.value == SATORI_SHIM_DISCONNECT_HOST_LOST)
                return true;
        return false;
    }));
    auto lost = f.events_of(SATORI_SHIM_EV_DISCONNECTED);
    REQUIRE(!lost.empty());
    CHECK(lost.back().status == -SATORI_ECONNRESET);
    CHECK(lost.back().message.find("host at " + path + " lost") != std::string::npos);

    // the embedder's recovery: stop (fast: the channels already failed), start until back
    auto t0 = std::chrono::steady_clock::now();
    CHECK(satori_shim_stop(f.shim) <= 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    CHECK(f.events_of(SATORI_SHIM_EV_REMOVED).size() == 1);
    CHECK(satori_shim_start(f.shim) < 0); // nobody listens yet

    uint64_t before = f.host->heartbeat()->stats().answered;
    server = std::make_unique<sim::TransportServer>(
        *f.host, quiet_transport(path, sim::kTransportFeatureEventfd));
    REQUIRE(server->start() == 0);
    REQUIRE(satori_shim_start(f.shim) == 0);
    CHECK(f.events_of(SATORI_SHIM_EV_BOUND).size() == 2); // re-offered and re-probed
    CHECK(eventually([&] { return heartbeats_answered(*f.host, before + 3); }, 5s));
    CHECK(f.host->heartbeat()->stats().wrong == 0);
    REQUIRE(satori_shim_stop(f.shim) == 0);
}

TEST_CASE("the host detaches a guest that goes away and accepts the next one", "[transport]")
{
    ShimFixture host_side(heartbeat_host(20ms));
    std::string path = temp_socket_path("next");
    std::vector<std::string> events;
    std::mutex mu;
    auto tc = quiet_transport(path, sim::kTransportFeatureEventfd);
    tc.on_event = [&](const sim::TransportEvent &ev) {
        std::lock_guard lock(mu);
        events.push_back(ev.message);
    };
    sim::TransportServer server(*host_side.host, tc);
    REQUIRE(server.start() == 0);
    for (int round = 0; round < 3; round++) {
        CAPTURE(round);
        SocketHostGuard remote;
        ShimFixture guest(ShimFixture::quiet_host());
        REQUIRE(satori_shim_load_plugin(guest.shim, SATORI_HEARTBEAT_PLUGIN) == 0);
        REQUIRE(satori_shim_connect_socket(guest.shim, path.c_str(), &remote.host) == 0);
        REQUIRE(satori_shim_start(guest.shim) == 0);
        CHECK(guest.events_of(SATORI_SHIM_EV_BOUND).size() == 1);
        // a second guest is refused while this one is attached
        {
            SocketHostGuard other;
            ShimFixture second(ShimFixture::quiet_host());
            REQUIRE(satori_shim_connect_socket(second.shim, path.c_str(), &other.host) == 0);
            CHECK(satori_shim_start(second.shim) == -SATORI_EBUSY);
            CHECK(second.log_contains("another guest is attached"));
        }
        uint64_t before = host_side.host->heartbeat()->stats().answered;
        CHECK(eventually([&] { return heartbeats_answered(*host_side.host, before + 2); }, 5s));
    }
    CHECK(eventually([&] { return !server.guest_attached(); }, 2s));
    auto ts = server.stats();
    CHECK(ts.guests_accepted == 3);
    CHECK(ts.guests_refused == 3);
    CHECK(host_side.host->offers().size() == 1);
}
