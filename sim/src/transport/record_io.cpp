// SPDX-License-Identifier: MIT
#include "transport/record_io.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace satori::sim::transport {

const char *record_name(uint32_t type) noexcept
{
    switch (type) {
    case kHello:
        return "HELLO";
    case kWelcome:
        return "WELCOME";
    case kError:
        return "ERROR";
    case kBye:
        return "BYE";
    case kPostMessage:
        return "POST_MESSAGE";
    case kPostResult:
        return "POST_RESULT";
    case kMessage:
        return "MESSAGE";
    case kSignal:
        return "SIGNAL";
    case kEvent:
        return "EVENT";
    case kBindEventfd:
        return "BIND_EVENTFD";
    default:
        return "unknown";
    }
}

Received::~Received()
{
    close_fds();
}

int Received::take_fd(uint32_t i)
{
    if (i >= nfds) return -1;
    int fd = fds_[i];
    fds_[i] = -1;
    return fd;
}

void Received::close_fds()
{
    for (uint32_t i = 0; i < nfds; i++)
        if (fds_[i] >= 0) ::close(fds_[i]);
    fds_.fill(-1);
    nfds = 0;
}

int recv_record(int sock, Received &rx, std::string &why)
{
    union {
        cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * (kMaxFds + 3))];
    } ctl{};
    rx.close_fds();
    rx.hdr = {};
    iovec iov[2] = {{&rx.hdr, sizeof(rx.hdr)}, {rx.payload.data(), rx.payload.size()}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof(ctl.buf);
    ssize_t n;
    do
        n = ::recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n == 0) return 0;
    if (n < 0) return errno == ECONNRESET ? 0 : -1;
    uint32_t extra = 0;
    for (cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
            if (rx.nfds < kMaxFds) {
                rx.fds_[rx.nfds++] = fd;
            } else {
                ::close(fd);
                extra++;
            }
        }
    }
    if (m.msg_flags & MSG_TRUNC) {
        why = "record longer than the 528-byte maximum";
        return -2;
    }
    if ((m.msg_flags & MSG_CTRUNC) || extra) {
        why = "more file descriptors than any record carries";
        return -2;
    }
    if (static_cast<size_t>(n) < sizeof(Header)) {
        why = "record shorter than its 16-byte header";
        return -2;
    }
    if (rx.hdr.size != static_cast<size_t>(n) - sizeof(Header)) {
        why = "header size does not match the record length";
        return -2;
    }
    if (rx.hdr.nfds != rx.nfds) {
        why = "header fd count does not match the fds attached";
        return -2;
    }
    if (rx.hdr.reserved != 0) {
        why = "reserved header field is not zero";
        return -2;
    }
    return 1;
}

bool send_record(int sock, uint32_t type, uint32_t seq, const void *payload, uint32_t size, int fd)
{
    if (size > kMaxPayload) return false;
    Header h{type, size, seq, static_cast<uint16_t>(fd >= 0 ? 1 : 0), 0};
    iovec iov[2] = {{&h, sizeof(h)}, {const_cast<void *>(payload), size}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = size ? 2 : 1;
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
    ssize_t n;
    do
        n = ::sendmsg(sock, &m, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == static_cast<ssize_t>(sizeof(h) + size);
}

bool send_error(int sock, int32_t code, uint32_t ref_type, uint32_t ref_seq,
                const std::string &text)
{
    uint8_t buf[kMaxPayload];
    ErrorBody e{code, ref_type, ref_seq, 0};
    size_t len = std::min(text.size(), sizeof(buf) - sizeof(e));
    e.text_len = static_cast<uint32_t>(len);
    std::memcpy(buf, &e, sizeof(e));
    std::memcpy(buf + sizeof(e), text.data(), len);
    return send_record(sock, kError, 0, buf, static_cast<uint32_t>(sizeof(e) + len));
}

bool is_eventfd(int fd)
{
    char proc[64], target[64];
    std::snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    ssize_t n = ::readlink(proc, target, sizeof(target) - 1);
    if (n <= 0) return false;
    target[n] = 0;
    return std::strcmp(target, "anon_inode:[eventfd]") == 0;
}

} // namespace satori::sim::transport
