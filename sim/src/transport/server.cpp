// SPDX-License-Identifier: MIT
// TransportServer: the listening socket, the accept loop and the one attached guest.
#include <satori/sim/transport.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

#include <satori/errno.h>

#include "common/logger.hpp"
#include "transport/guest_session.hpp"

namespace satori::sim {

using namespace transport;

namespace {
constexpr uint64_t kKeyListen = 1;
constexpr uint64_t kKeyWake = 2;
constexpr uint64_t kKeyGuest = 3;
/// A connection that has not sent HELLO within this time is dropped.
constexpr auto kHelloTimeout = std::chrono::seconds(5);

LogSink default_sink(LogSink sink)
{
    if (sink) return sink;
    return [](LogLevel level, std::string_view line) {
        std::fprintf(stderr, "sim: %s: %.*s\n", to_string(level), static_cast<int>(line.size()),
                     line.data());
    };
}
} // namespace

struct TransportServer::Impl {
    Impl(Host &h, TransportConfig c)
        : host(h), cfg(std::move(c)), log(cfg.log_level, default_sink(cfg.log))
    {
    }

    Host &host;
    TransportConfig cfg;
    detail::Logger log;
    Counters counters;
    std::string error;
    int listen_fd = -1;
    int epoll_fd = -1;
    int wake_fd = -1;
    std::thread thread;
    std::unique_ptr<GuestSession> guest; // touched by the thread only (and stop after join)
    std::chrono::steady_clock::time_point accepted_at;
    std::atomic<bool> attached{false};
    bool started = false;

    void emit(TransportEvent::Kind kind, const std::string &msg, bool clean = false)
    {
        if (cfg.on_event) cfg.on_event({kind, clean, msg, guest ? guest->guest_name() : ""});
    }

    void end_guest(bool server_stops)
    {
        if (!guest) return;
        bool was_attached = guest->attached();
        std::string reason = guest->reason();
        bool clean = guest->clean();
        bool refused = guest->refused();
        if (server_stops) {
            guest->say_bye();
            reason = "the host is stopping";
            clean = true;
        }
        emit(refused || !was_attached ? TransportEvent::Kind::guest_refused
                                      : TransportEvent::Kind::guest_disconnected,
             was_attached ? "guest disconnected: " + reason : "connection refused: " + reason,
             clean);
        if (refused || !was_attached)
            counters.guests_refused++;
        else if (!clean)
            counters.guests_lost++;
        if (was_attached)
            log.info("transport: guest disconnected: ", reason,
                     "; its channels are closed, waiting for the next guest");
        guest.reset(); // detaches from the Host, closes its fds (and drops them from epoll)
        attached = false;
    }

    void on_accept()
    {
        int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        if (guest) {
            send_error(fd, -SATORI_EBUSY, kHello, 0,
                       "another guest is attached to this host; one guest at a time");
            log.warn("transport: refused a second guest (one is attached)");
            counters.guests_refused++;
            emit(TransportEvent::Kind::guest_refused, "connection refused: a guest is attached");
            // read the HELLO the guest sends right away: closing with unread data would
            // reset the connection and the guest could lose the ERROR
            ::shutdown(fd, SHUT_WR);
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 200) > 0) {
                Received rx;
                std::string why;
                recv_record(fd, rx, why);
            }
            ::close(fd);
            return;
        }
        guest = std::make_unique<GuestSession>(fd, epoll_fd, host.hvlink(), log, counters,
                                               cfg.features, cfg.name);
        accepted_at = std::chrono::steady_clock::now();
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kKeyGuest;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    }

    void on_guest_readable()
    {
        bool was = guest->attached();
        if (!guest->on_readable()) {
            end_guest(false);
            return;
        }
        if (!was && guest->attached()) {
            counters.guests_accepted++;
            attached = true;
            emit(TransportEvent::Kind::guest_connected,
                 "guest '" + guest->guest_name() + "' connected");
        }
    }

    void run()
    {
        for (;;) {
            epoll_event evs[32];
            int n = ::epoll_wait(epoll_fd, evs, 32, 500);
            if (n < 0 && errno != EINTR) break;
            for (int i = 0; i < n; i++) {
                uint64_t key = evs[i].data.u64;
                if (key == kKeyWake) {
                    end_guest(true);
                    return;
                }
                if (key == kKeyListen)
                    on_accept();
                else if (key == kKeyGuest && guest)
                    on_guest_readable();
                else if ((key & ~0xffffffffull) == kKeyGuestEventfd && guest)
                    guest->on_guest_eventfd(static_cast<uint32_t>(key));
            }
            if (guest && !guest->attached() &&
                std::chrono::steady_clock::now() - accepted_at > kHelloTimeout) {
                send_error(guest->sock(), -SATORI_ETIMEDOUT, kHello, 0, "no HELLO within 5 s");
                log.warn("transport: dropped a connection that sent no HELLO within 5 s");
                end_guest(false);
            }
        }
    }
};

TransportServer::TransportServer(Host &host, TransportConfig config)
    : impl_(std::make_unique<Impl>(host, std::move(config)))
{
}

TransportServer::~TransportServer()
{
    stop();
}

int32_t TransportServer::start()
{
    auto &m = *impl_;
    if (m.started) return -SATORI_EBUSY;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (m.cfg.path.empty() || m.cfg.path.size() >= sizeof(sa.sun_path)) {
        m.error = "socket path must be 1 to 107 bytes: '" + m.cfg.path + "'";
        return -SATORI_EINVAL;
    }
    std::memcpy(sa.sun_path, m.cfg.path.c_str(), m.cfg.path.size() + 1);
    struct stat st {};
    if (::lstat(m.cfg.path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            m.error = m.cfg.path + " exists and is not a socket";
            return -SATORI_EEXIST;
        }
        int probe = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        bool live = ::connect(probe, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0;
        ::close(probe);
        if (live) {
            m.error = m.cfg.path + ": another host is listening there";
            return -SATORI_EBUSY;
        }
        ::unlink(m.cfg.path.c_str()); // left by a host that died
    }
    m.listen_fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (m.listen_fd < 0 || ::bind(m.listen_fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) ||
        ::listen(m.listen_fd, 8)) {
        m.error = m.cfg.path + ": " + std::strerror(errno);
        if (m.listen_fd >= 0) ::close(m.listen_fd);
        m.listen_fd = -1;
        return -SATORI_EIO;
    }
    m.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    m.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kKeyListen;
    ::epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.listen_fd, &ev);
    ev.data.u64 = kKeyWake;
    ::epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.wake_fd, &ev);
    m.started = true;
    m.thread = std::thread([&m] { m.run(); });
    m.log.info("transport: listening on ", m.cfg.path);
    return 0;
}

void TransportServer::stop()
{
    auto &m = *impl_;
    if (!m.started) return;
    m.started = false;
    uint64_t one = 1;
    if (::write(m.wake_fd, &one, sizeof(one)) != sizeof(one)) m.log.error("transport: wake failed");
    m.thread.join();
    m.end_guest(true);
    ::close(m.listen_fd);
    ::unlink(m.cfg.path.c_str());
    ::close(m.epoll_fd);
    ::close(m.wake_fd);
    m.listen_fd = m.epoll_fd = m.wake_fd = -1;
}

const std::string &TransportServer::error() const noexcept
{
    return impl_->error;
}

TransportStats TransportServer::stats() const
{
    const auto &c = impl_->counters;
    TransportStats s;
    s.guests_accepted = c.guests_accepted;
    s.guests_lost = c.guests_lost;
    s.guests_refused = c.guests_refused;
    s.protocol_errors = c.protocol_errors;
    s.records_in = c.records_in;
    s.records_out = c.records_out;
    s.eventfds_bound = c.eventfds;
    return s;
}

bool TransportServer::guest_attached() const
{
    return impl_->attached;
}

} // namespace satori::sim
