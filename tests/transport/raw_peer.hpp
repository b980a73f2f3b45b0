// SPDX-License-Identifier: MIT
// tests/transport/raw_peer.hpp — transport records written by hand from docs/transport.md,
// to play a misbehaving guest against TransportServer or a misbehaving host against the shim.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace satori::test::wire {

enum : uint32_t {
    HELLO = 0x01,
    WELCOME = 0x02,
    ERROR = 0x03,
    BYE = 0x04,
    POST_MESSAGE = 0x10,
    POST_RESULT = 0x11,
    MESSAGE = 0x12,
    SIGNAL = 0x20,
    EVENT = 0x21,
    BIND_EVENTFD = 0x22,
};
constexpr uint32_t MAGIC = 0x58544153;

inline void put32(std::vector<uint8_t> &b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put16(std::vector<uint8_t> &b, uint16_t v)
{
    b.push_back(static_cast<uint8_t>(v));
    b.push_back(static_cast<uint8_t>(v >> 8));
}
inline void put64(std::vector<uint8_t> &b, uint64_t v)
{
    put32(b, static_cast<uint32_t>(v));
    put32(b, static_cast<uint32_t>(v >> 32));
}
inline uint32_t get32(const uint8_t *p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

/// A whole datagram: header (with @p size_override / @p nfds_override when >= 0) + body.
inline std::vector<uint8_t> record(uint32_t type, uint32_t seq, const std::vector<uint8_t> &body,
                                   int nfds, int64_t size_override = -1)
{
    std::vector<uint8_t> b;
    put32(b, type);
    put32(b, size_override >= 0 ? static_cast<uint32_t>(size_override)
                                : static_cast<uint32_t>(body.size()));
    put32(b, seq);
    put16(b, static_cast<uint16_t>(nfds));
    put16(b, 0);
    b.insert(b.end(), body.begin(), body.end());
    return b;
}

inline bool send_raw(int sock, const std::vector<uint8_t> &datagram, int fd = -1)
{
    iovec iov{const_cast<uint8_t *>(datagram.data()), datagram.size()};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    union {
        cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl{};
    if (fd >= 0) {
        m.msg_control = ctl.buf;
        m.msg_controllen = sizeof(ctl.buf);
        cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    }
    return ::sendmsg(sock, &m, MSG_NOSIGNAL) == static_cast<ssize_t>(datagram.size());
}

struct Rx {
    uint32_t type = 0, size = 0, seq = 0, nfds = 0;
    std::vector<uint8_t> body;
    int fd = -1;
    /// ERROR text, when type == ERROR
    std::string error_text() const
    {
        if (type != ERROR || body.size() < 16) return "";
        uint32_t len = get32(body.data() + 12);
        return std::string(reinterpret_cast<const char *>(body.data()) + 16,
                           std::min<size_t>(len, body.size() - 16));
    }
    int32_t error_code() const { return body.size() >= 4 ? int32_t(get32(body.data())) : 0; }
};

/// Receives one record, waiting up to @p timeout_ms. false: EOF, error or timeout.
inline bool recv_raw(int sock, Rx &rx, int timeout_ms = 5000)
{
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    uint8_t buf[1024];
    iovec iov{buf, sizeof(buf)};
    union {
        cmsghdr align;
        char c[CMSG_SPACE(sizeof(int) * 4)];
    } ctl{};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.c;
    m.msg_controllen = sizeof(ctl.c);
    ssize_t n = ::recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
    if (n < 16) return false;
    rx = {};
    rx.type = get32(buf);
    rx.size = get32(buf + 4);
    rx.seq = get32(buf + 8);
    rx.nfds = uint32_t(buf[12]) | uint32_t(buf[13]) << 8;
    rx.body.assign(buf + 16, buf + n);
    for (cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
        if (cm->cmsg_type == SCM_RIGHTS) std::memcpy(&rx.fd, CMSG_DATA(cm), sizeof(int));
    return true;
}

inline std::vector<uint8_t> hello_body(uint16_t major, uint32_t features, uint64_t mem_bytes)
{
    std::vector<uint8_t> b;
    put32(b, MAGIC);
    put16(b, major);
    put16(b, 0);
    put32(b, features);
    put32(b, 0);
    put64(b, mem_bytes);
    const char name[32] = "raw-test-guest";
    b.insert(b.end(), name, name + 32);
    return b;
}

inline std::vector<uint8_t> welcome_body(uint16_t major, uint32_t features)
{
    std::vector<uint8_t> b;
    put32(b, MAGIC);
    put16(b, major);
    put16(b, 0);
    put32(b, features);
    put32(b, 0);
    const char name[32] = "raw-test-host";
    b.insert(b.end(), name, name + 32);
    return b;
}

inline int connect_to(const std::string &path)
{
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline int listen_on(const std::string &path)
{
    ::unlink(path.c_str());
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0 || ::listen(fd, 4) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline int make_memfd(uint64_t bytes)
{
    int fd = ::memfd_create("raw-guest", MFD_CLOEXEC);
    if (fd >= 0 && ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace satori::test::wire
