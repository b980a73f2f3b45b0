// SPDX-License-Identifier: MIT
// One guest connected over the transport: its HELLO, the Host attachment, the records it
// sends, the proxy guest table the Host calls, and the eventfds of both directions.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include <satori/hvlink.h>

#include "common/logger.hpp"
#include "transport/record_io.hpp"

namespace satori::sim::transport {

struct Counters {
    std::atomic<uint64_t> guests_accepted{0}, guests_lost{0}, guests_refused{0};
    std::atomic<uint64_t> protocol_errors{0}, records_in{0}, records_out{0}, eventfds{0};
};

/// Key space of the server's epoll: the low 32 bits name a guest->host eventfd.
inline constexpr uint64_t kKeyGuestEventfd = 3ull << 32;

class GuestSession {
  public:
    GuestSession(int sock, int epoll_fd, const satori_hvlink_host *host, const detail::Logger &log,
                 Counters &counters, uint32_t features, std::string host_name);
    ~GuestSession(); ///< Detaches from the Host (if attached), closes every fd.
    GuestSession(const GuestSession &) = delete;
    GuestSession &operator=(const GuestSession &) = delete;

    int sock() const noexcept { return sock_; }
    bool attached() const noexcept { return attached_; }
    const std::string &guest_name() const noexcept { return guest_name_; }

    /// Reads one record. False: the session is over (reason() says why).
    bool on_readable();
    /// A guest->host eventfd became readable.
    void on_guest_eventfd(uint32_t connection_id);
    /// The server stops: BYE, then detach.
    void say_bye();

    const std::string &reason() const noexcept { return reason_; }
    bool clean() const noexcept { return clean_; }
    bool refused() const noexcept { return refused_; }

  private:
    bool on_hello(Received &rx);
    bool on_post(const Received &rx);
    bool on_signal(const Received &rx);
    bool on_bind(Received &rx);
    bool reject(const Received &rx, const std::string &why);
    bool refuse(int32_t code, const std::string &why);
    void detach();

    // the proxy guest table (called by Host threads)
    static void deliver_message(void *ctx, uint32_t vp, uint32_t sint, uint32_t type,
                                const void *payload, uint32_t size);
    static void signal_event(void *ctx, uint32_t vp, uint32_t sint, uint32_t flag);
    bool send(uint32_t type, uint32_t seq, const void *payload, uint32_t size, int fd = -1);

    int sock_;
    int epoll_fd_;
    const satori_hvlink_host *host_;
    const detail::Logger &log_;
    Counters &counters_;
    uint32_t allowed_features_;
    uint32_t features_ = 0;
    std::string host_name_;
    std::string guest_name_;
    satori_hvlink_guest table_{};
    int mem_fd_ = -1;
    bool attached_ = false;
    std::string reason_;
    bool clean_ = false;
    bool refused_ = false;

    std::mutex efd_mu_;
    std::unordered_map<uint32_t, int> to_guest_; ///< event flag -> eventfd (ours)
    std::unordered_map<uint32_t, std::pair<int, uint16_t>> from_guest_; ///< conn id -> (fd, flag)
};

} // namespace satori::sim::transport
