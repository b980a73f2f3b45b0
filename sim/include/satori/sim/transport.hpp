// SPDX-License-Identifier: MIT
// The host side of the out-of-process transport (docs/transport.md): serves a Host to one
// guest at a time over a Unix SOCK_SEQPACKET socket.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <satori/sim/host.hpp>
#include <satori/sim/log.hpp>

namespace satori::sim {

/// Feature bits of the transport (HELLO/WELCOME).
inline constexpr uint32_t kTransportFeatureEventfd = 0x1;

/// Something happened on the transport; passed to TransportConfig::on_event.
struct TransportEvent {
    enum class Kind : uint32_t {
        guest_connected,    ///< HELLO accepted; the guest's memory is mapped.
        guest_disconnected, ///< The guest said BYE, closed, died or broke the protocol.
        guest_refused,      ///< A connection was refused (busy, bad HELLO, ...).
    };
    Kind kind;
    bool clean = false;  ///< guest_disconnected: after BYE.
    std::string message; ///< One human-readable line.
    std::string guest;   ///< The guest's name from HELLO, if any.
};

struct TransportConfig {
    std::string path; ///< Socket path; an existing stale socket is replaced.
    uint32_t features = kTransportFeatureEventfd; ///< Features the host accepts.
    std::string name = "satori-sim";              ///< Sent in WELCOME.
    LogLevel log_level = LogLevel::info;
    LogSink log; ///< Empty: stderr.
    /// @context the transport thread. Must not call back into the server.
    std::function<void(const TransportEvent &)> on_event;
};

struct TransportStats {
    uint64_t guests_accepted = 0;
    uint64_t guests_lost = 0; ///< Disconnects without BYE (crash, EOF, protocol error).
    uint64_t guests_refused = 0;
    uint64_t protocol_errors = 0; ///< Malformed records received.
    uint64_t records_in = 0;
    uint64_t records_out = 0;
    uint64_t eventfds_bound = 0; ///< Both directions.
};

/**
 * Serves @p host over the socket in TransportConfig::path. One thread; the Host outlives the
 * server. A guest that disconnects (or dies) is detached from the Host (its channels are
 * closed and forgotten) and the server accepts the next guest.
 */
class TransportServer {
  public:
    TransportServer(Host &host, TransportConfig config);
    ~TransportServer(); ///< stop()
    TransportServer(const TransportServer &) = delete;
    TransportServer &operator=(const TransportServer &) = delete;

    /// Binds, listens and starts the thread. @return 0 or a negative SATORI_E*; error() says why.
    int32_t start();
    /// Sends BYE to an attached guest, detaches it, stops listening and removes the socket.
    void stop();
    const std::string &error() const noexcept;
    TransportStats stats() const;
    bool guest_attached() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

} // namespace satori::sim
