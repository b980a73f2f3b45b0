// SPDX-License-Identifier: MIT
// One record per datagram, fds by SCM_RIGHTS (docs/transport.md §2).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "transport/wire.hpp"

namespace satori::sim::transport {

/// A received record; owns the fds it carries until take_fd().
class Received {
  public:
    Received() = default;
    ~Received();
    Received(const Received &) = delete;
    Received &operator=(const Received &) = delete;

    Header hdr{};
    std::array<uint8_t, kMaxPayload> payload{};
    uint32_t nfds = 0;

    /// The i-th fd; the caller owns it afterwards.
    int take_fd(uint32_t i);
    void close_fds();

  private:
    friend int recv_record(int sock, Received &rx, std::string &why);
    std::array<int, kMaxFds> fds_{-1};
};

/// 1: a record; 0: orderly EOF; -1: socket error; -2: malformed (why says how).
int recv_record(int sock, Received &rx, std::string &why);
/// True when sent whole.
bool send_record(int sock, uint32_t type, uint32_t seq, const void *payload, uint32_t size,
                 int fd = -1);
bool send_error(int sock, int32_t code, uint32_t ref_type, uint32_t ref_seq,
                const std::string &text);
bool is_eventfd(int fd);

} // namespace satori::sim::transport
