// SPDX-License-Identifier: MIT
#include "transport/guest_session.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <satori/errno.h>

namespace satori::sim::transport {

namespace {
constexpr uint64_t kMaxGuestMemory = 1ull << 40;
constexpr uint64_t kPage = 4096;
} // namespace

GuestSession::GuestSession(int sock, int epoll_fd, const satori_hvlink_host *host,
                           const detail::Logger &log, Counters &counters, uint32_t features,
                           std::string host_name)
    : sock_(sock), epoll_fd_(epoll_fd), host_(host), log_(log), counters_(counters),
      allowed_features_(features), host_name_(std::move(host_name))
{
}

GuestSession::~GuestSession()
{
    detach();
    for (auto &[flag, fd] : to_guest_)
        ::close(fd);
    for (auto &[id, v] : from_guest_)
        ::close(v.first); // closing removes it from the epoll set
    if (mem_fd_ >= 0) ::close(mem_fd_);
    ::close(sock_);
}

void GuestSession::detach()
{
    if (!attached_) return;
    attached_ = false;
    host_->disconnect(host_->host); // no proxy callback runs after this returns
}

bool GuestSession::send(uint32_t type, uint32_t seq, const void *payload, uint32_t size, int fd)
{
    bool ok = send_record(sock_, type, seq, payload, size, fd);
    if (ok) counters_.records_out++;
    return ok;
}

bool GuestSession::reject(const Received &rx, const std::string &why)
{
    counters_.protocol_errors++;
    std::string what = std::string("malformed ") + record_name(rx.hdr.type) + " record (type 0x" +
                       [&] {
                           char b[16];
                           std::snprintf(b, sizeof(b), "%x", rx.hdr.type);
                           return std::string(b);
                       }() +
                       ", " + std::to_string(rx.hdr.size) + " bytes): " + why;
    send_error(sock_, -SATORI_EPROTO, rx.hdr.type, rx.hdr.seq, "host rejected " + what);
    log_.error("transport: guest ", guest_name_.empty() ? "(no HELLO yet)" : guest_name_,
               " sent a ", what, "; disconnecting it");
    reason_ = what;
    return false;
}

bool GuestSession::refuse(int32_t code, const std::string &why)
{
    send_error(sock_, code, kHello, 0, why);
    log_.error("transport: refused a guest: ", why);
    reason_ = why;
    refused_ = true;
    return false;
}

bool GuestSession::on_readable()
{
    Received rx;
    std::string why;
    int n = recv_record(sock_, rx, why);
    if (n == 0) {
        reason_ = attached_ ? "the connection closed without BYE (guest exited or crashed)"
                            : "the connection closed before HELLO";
        return false;
    }
    if (n == -1) {
        reason_ = std::string("socket error: ") + std::strerror(errno);
        return false;
    }
    if (n == -2) return reject(rx, why);
    counters_.records_in++;
    if (!attached_) {
        if (rx.hdr.type != kHello) return reject(rx, "the first record must be HELLO");
        return on_hello(rx);
    }
    switch (rx.hdr.type) {
    case kPostMessage:
        return rx.nfds ? reject(rx, "unexpected fd") : on_post(rx);
    case kSignal:
        return rx.nfds ? reject(rx, "unexpected fd") : on_signal(rx);
    case kBindEventfd:
        return on_bind(rx);
    case kBye:
        reason_ = "the guest said BYE";
        clean_ = true;
        return false;
    case kError: {
        ErrorBody e{};
        if (rx.hdr.size < sizeof(e)) return reject(rx, "ERROR body shorter than 16 bytes");
        std::memcpy(&e, rx.payload.data(), sizeof(e));
        size_t len = std::min<size_t>(e.text_len, rx.hdr.size - sizeof(e));
        reason_ = "the guest reported an error (" + std::to_string(e.code) + "): " +
                  std::string(reinterpret_cast<const char *>(rx.payload.data()) + sizeof(e), len);
        log_.error("transport: ", reason_);
        return false;
    }
    default:
        return reject(rx, "a guest does not send this record type");
    }
}

bool GuestSession::on_hello(Received &rx)
{
    Hello h{};
    if (rx.hdr.size < sizeof(h) || rx.nfds != 1)
        return reject(rx, "HELLO needs a 56-byte body and one fd (guest memory)");
    std::memcpy(&h, rx.payload.data(), sizeof(h));
    h.name[sizeof(h.name) - 1] = 0;
    guest_name_ = h.name;
    if (h.magic != kMagic) return reject(rx, "bad magic (expected 0x58544153)");
    if (h.major != kVersionMajor)
        return refuse(-SATORI_EPROTONOSUPPORT, "transport version " + std::to_string(h.major) +
                                                   "." + std::to_string(h.minor) +
                                                   " not supported (this host speaks 1.x)");
    if (h.mem_bytes == 0 || h.mem_bytes % kPage || h.mem_bytes > kMaxGuestMemory)
        return refuse(-SATORI_EINVAL, "guest memory size " + std::to_string(h.mem_bytes) +
                                          " is not a non-zero multiple of 4096 up to 1 TiB");
    mem_fd_ = rx.take_fd(0);
    struct stat st {};
    if (::fstat(mem_fd_, &st) != 0 || !S_ISREG(st.st_mode))
        return refuse(-SATORI_EBADF, "the HELLO fd is not a memory file (memfd)");
    if (static_cast<uint64_t>(st.st_size) < h.mem_bytes)
        return refuse(-SATORI_EINVAL, "the memory file has " + std::to_string(st.st_size) +
                                          " bytes, HELLO announces " + std::to_string(h.mem_bytes));
    features_ = h.features & allowed_features_ & kKnownFeatures;
    table_.struct_size = sizeof(table_);
    table_.version = SATORI_HVLINK_VERSION;
    table_.guest = this;
    table_.deliver_message = deliver_message;
    table_.signal_event = signal_event;
    int32_t r = host_->connect(host_->host, &table_, mem_fd_, h.mem_bytes);
    if (r < 0)
        return refuse(r, "the host cannot attach this guest (error " + std::to_string(r) + ")");
    attached_ = true;
    Welcome w{kMagic, kVersionMajor, kVersionMinor, features_, 0, {}};
    std::snprintf(w.name, sizeof(w.name), "%s", host_name_.c_str());
    if (!send(kWelcome, 0, &w, sizeof(w))) {
        reason_ = "the guest closed before WELCOME";
        return false;
    }
    log_.info("transport: guest '", guest_name_, "' attached (", h.mem_bytes >> 20,
              " MiB of guest memory, features 0x", detail::Hex{features_}, ")");
    return true;
}

bool GuestSession::on_post(const Received &rx)
{
    Post p{};
    if (rx.hdr.size < sizeof(p)) return reject(rx, "shorter than its 16-byte body");
    std::memcpy(&p, rx.payload.data(), sizeof(p));
    if (p.payload_size > kMaxMessagePayload) return reject(rx, "payload_size above 240");
    if (rx.hdr.size != sizeof(p) + p.payload_size)
        return reject(rx, "payload_size does not match the record length");
    if (rx.hdr.seq == 0) return reject(rx, "seq must not be 0");
    PostResult res{host_->post_message(host_->host, p.connection_id, p.message_type,
                                       rx.payload.data() + sizeof(p), p.payload_size)};
    if (!send(kPostResult, rx.hdr.seq, &res, sizeof(res))) {
        reason_ = "the connection closed without BYE while posting (guest exited or crashed)";
        return false;
    }
    return true;
}

bool GuestSession::on_signal(const Received &rx)
{
    Signal s{};
    if (rx.hdr.size != sizeof(s)) return reject(rx, "SIGNAL body must be 8 bytes");
    std::memcpy(&s, rx.payload.data(), sizeof(s));
    host_->signal_event(host_->host, s.connection_id, s.flag_number);
    return true;
}

bool GuestSession::on_bind(Received &rx)
{
    Bind b{};
    if (!(features_ & kFeatureEventfd))
        return reject(rx, "BIND_EVENTFD without the EVENTFD feature");
    if (rx.hdr.size != sizeof(b) || rx.nfds != 1)
        return reject(rx, "BIND_EVENTFD needs an 8-byte body and one fd");
    std::memcpy(&b, rx.payload.data(), sizeof(b));
    int fd = rx.take_fd(0);
    if (!is_eventfd(fd)) {
        ::close(fd);
        return reject(rx, "the attached fd is not an eventfd");
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::lock_guard lock(efd_mu_);
    if (auto it = from_guest_.find(b.id); it != from_guest_.end()) {
        ::close(it->second.first);
        from_guest_.erase(it);
    } else if (from_guest_.size() >= kMaxEventfds) {
        ::close(fd);
        return reject(rx, "too many eventfds bound");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kKeyGuestEventfd | b.id;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ::close(fd);
        reason_ = "cannot watch a guest eventfd";
        return false;
    }
    from_guest_[b.id] = {fd, b.flag_number};
    counters_.eventfds++;
    return true;
}

void GuestSession::on_guest_eventfd(uint32_t connection_id)
{
    int fd;
    uint16_t flag;
    {
        std::lock_guard lock(efd_mu_);
        auto it = from_guest_.find(connection_id);
        if (it == from_guest_.end()) return;
        fd = it->second.first;
        flag = it->second.second;
    }
    uint64_t v;
    if (::read(fd, &v, sizeof(v)) == sizeof(v) && attached_)
        host_->signal_event(host_->host, connection_id, flag);
}

void GuestSession::say_bye()
{
    Bye b{0};
    if (attached_) send(kBye, 0, &b, sizeof(b));
    detach();
}

void GuestSession::deliver_message(void *ctx, uint32_t vp, uint32_t sint, uint32_t type,
                                   const void *payload, uint32_t size)
{
    auto *s = static_cast<GuestSession *>(ctx);
    uint8_t buf[sizeof(Message) + kMaxMessagePayload];
    if (size > kMaxMessagePayload) {
        s->log_.error("transport: host message of ", size, " bytes dropped (max 240)");
        return;
    }
    Message m{vp, sint, type, size};
    std::memcpy(buf, &m, sizeof(m));
    if (size) std::memcpy(buf + sizeof(m), payload, size);
    s->send(kMessage, 0, buf, static_cast<uint32_t>(sizeof(m) + size));
}

void GuestSession::signal_event(void *ctx, uint32_t vp, uint32_t sint, uint32_t flag)
{
    auto *s = static_cast<GuestSession *>(ctx);
    const uint64_t one = 1;
    bool use_fd = (s->features_ & kFeatureEventfd) && vp == 0 && sint == 2 && flag <= kMaxEventFlag;
    if (use_fd) {
        std::lock_guard lock(s->efd_mu_);
        if (auto it = s->to_guest_.find(flag); it != s->to_guest_.end()) {
            if (::write(it->second, &one, sizeof(one)) == sizeof(one)) return;
        } else if (s->to_guest_.size() < kMaxEventfds) {
            int fd = ::eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK); // bound already signaled
            if (fd >= 0) {
                Bind b{flag, 0, 0};
                s->to_guest_[flag] = fd;
                s->counters_.eventfds++;
                s->send(kBindEventfd, 0, &b, sizeof(b), fd);
                return;
            }
        }
    }
    Event e{vp, sint, flag};
    s->send(kEvent, 0, &e, sizeof(e));
}

} // namespace satori::sim::transport
