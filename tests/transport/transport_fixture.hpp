// SPDX-License-Identifier: MIT
// tests/transport/transport_fixture.hpp — a shim attached over the real socket transport to
// a TransportServer serving a simulated host, all in one process (separate threads and
// sockets, same wire as satori-sim <-> satori run --connect).
#pragma once

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

#include <satori/embed.h>
#include <satori/sim/transport.hpp>

#include "support/shim_fixture.hpp"

namespace satori::test {

inline std::string temp_socket_path(const std::string &tag)
{
    return "/tmp/satori-xport-" + std::to_string(::getpid()) + "-" + tag + ".sock";
}

/// Frees the socket back end after the shim (declare it before the ShimFixture).
struct SocketHostGuard {
    satori_socket_host *host = nullptr;
    ~SocketHostGuard() { satori_socket_host_free(host); }
};

inline sim::HostConfig heartbeat_host(std::chrono::milliseconds interval)
{
    auto cfg = ShimFixture::quiet_host();
    sim::HeartbeatConfig hb;
    hb.interval = interval;
    cfg.heartbeat = hb;
    return cfg;
}

inline sim::TransportConfig quiet_transport(const std::string &path, uint32_t features)
{
    sim::TransportConfig tc;
    tc.path = path;
    tc.features = features;
    tc.log_level = sim::LogLevel::error;
    tc.log = [](sim::LogLevel, std::string_view) {};
    return tc;
}

/// Polls @p pred every 10 ms for up to @p timeout.
template <class Pred> bool eventually(Pred pred, std::chrono::milliseconds timeout)
{
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

} // namespace satori::test
