// SPDX-License-Identifier: MIT
// tests/transport/test_transport_malformed.cpp — malformed records and wrong fds, from a
// hand-written guest against TransportServer and from a hand-written host against the shim:
// each is rejected with an ERROR record naming the problem, and the other side survives.
#include "raw_peer.hpp"
#include "transport_fixture.hpp"

#include <fcntl.h>
#include <functional>
#include <sys/eventfd.h>

#include <catch2/catch.hpp>

using namespace satori;
using namespace satori::test;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kMem = 1 << 20;

struct Pipe {
    int fds[2] = {-1, -1};
    Pipe() { REQUIRE(::pipe2(fds, O_CLOEXEC) == 0); }
    ~Pipe()
    {
        ::close(fds[0]);
        ::close(fds[1]);
    }
};

/// A raw guest that completed HELLO/WELCOME.
int attached_raw_guest(const std::string &path, int memfd)
{
    int s = wire::connect_to(path);
    REQUIRE(s >= 0);
    REQUIRE(
        wire::send_raw(s, wire::record(wire::HELLO, 0, wire::hello_body(1, 1, kMem), 1), memfd));
    wire::Rx rx;
    REQUIRE(wire::recv_raw(s, rx));
    REQUIRE(rx.type == wire::WELCOME);
    REQUIRE(rx.body.size() == 48);
    CHECK(wire::get32(rx.body.data()) == wire::MAGIC);
    return s;
}

/// Sends @p datagram (with @p fd) and expects an ERROR whose text contains @p needle, then EOF.
void expect_rejected(int s, const std::vector<uint8_t> &datagram, int fd, const std::string &needle)
{
    REQUIRE(wire::send_raw(s, datagram, fd));
    wire::Rx rx;
    REQUIRE(wire::recv_raw(s, rx));
    // a host may have queued a record before it read ours; skip to the ERROR
    while (rx.type != wire::ERROR && wire::recv_raw(s, rx))
        ;
    REQUIRE(rx.type == wire::ERROR);
    INFO(rx.error_text());
    CHECK(rx.error_text().find(needle) != std::string::npos);
    CHECK(rx.error_code() < 0);
    wire::Rx after;
    CHECK_FALSE(wire::recv_raw(s, after, 2000)); // closed
    ::close(s);
}

} // namespace

TEST_CASE("the host rejects malformed guest records with a clear error", "[transport][malformed]")
{
    ShimFixture f;
    std::string path = temp_socket_path("hostrej");
    sim::TransportServer server(*f.host, quiet_transport(path, sim::kTransportFeatureEventfd));
    REQUIRE(server.start() == 0);
    int memfd = wire::make_memfd(kMem);
    REQUIRE(memfd >= 0);
    Pipe pipe;
    uint64_t expected_errors = server.stats().protocol_errors;

    SECTION("the first record is not HELLO")
    {
        expect_rejected(wire::connect_to(path),
                        wire::record(wire::SIGNAL, 0, {1, 0, 0, 0, 0, 0, 0, 0}, 0), -1,
                        "the first record must be HELLO");
        expected_errors++;
    }
    SECTION("HELLO without the guest memory fd")
    {
        expect_rejected(wire::connect_to(path),
                        wire::record(wire::HELLO, 0, wire::hello_body(1, 1, kMem), 0), -1,
                        "one fd (guest memory)");
        expected_errors++;
    }
    SECTION("HELLO with a pipe instead of a memfd")
    {
        expect_rejected(wire::connect_to(path),
                        wire::record(wire::HELLO, 0, wire::hello_body(1, 1, kMem), 1), pipe.fds[0],
                        "not a memory file");
    }
    SECTION("HELLO announcing more memory than the file has")
    {
        expect_rejected(wire::connect_to(path),
                        wire::record(wire::HELLO, 0, wire::hello_body(1, 1, kMem * 4), 1), memfd,
                        "HELLO announces");
    }
    SECTION("HELLO of an unknown major version")
    {
        expect_rejected(wire::connect_to(path),
                        wire::record(wire::HELLO, 0, wire::hello_body(2, 1, kMem), 1), memfd,
                        "transport version 2.0 not supported");
    }
    SECTION("header size disagrees with the datagram")
    {
        expect_rejected(wire::connect_to(path),
                        wire::record(wire::HELLO, 0, wire::hello_body(1, 1, kMem), 1, 12), memfd,
                        "header size does not match");
        expected_errors++;
    }
    SECTION("POST_MESSAGE with a 241-byte payload")
    {
        int s = attached_raw_guest(path, memfd);
        CHECK(eventually([&] { return server.guest_attached(); }, 3s));
        std::vector<uint8_t> body;
        wire::put32(body, 1);
        wire::put32(body, 1);
        wire::put32(body, 241);
        wire::put32(body, 0);
        body.resize(16 + 241);
        expect_rejected(s, wire::record(wire::POST_MESSAGE, 7, body, 0), -1,
                        "payload_size above 240");
        expected_errors++;
    }
    SECTION("BIND_EVENTFD carrying a pipe")
    {
        int s = attached_raw_guest(path, memfd);
        std::vector<uint8_t> body;
        wire::put32(body, 1);
        wire::put32(body, 0);
        expect_rejected(s, wire::record(wire::BIND_EVENTFD, 0, body, 1), pipe.fds[1],
                        "not an eventfd");
        expected_errors++;
    }
    SECTION("a record type a guest never sends")
    {
        int s = attached_raw_guest(path, memfd);
        expect_rejected(s, wire::record(wire::WELCOME, 0, wire::welcome_body(1, 0), 0), -1,
                        "a guest does not send this record type");
        expected_errors++;
    }
    SECTION("a guest that vanishes after HELLO is detached and counted as lost")
    {
        int s = attached_raw_guest(path, memfd);
        ::close(s);
        CHECK(eventually([&] { return server.stats().guests_lost == 1; }, 3s));
    }
    CHECK(eventually([&] { return !server.guest_attached(); }, 3s));
    CHECK(server.stats().protocol_errors == expected_errors);
    // the host still serves the next guest
    int s = attached_raw_guest(path, memfd);
    CHECK(eventually([&] { return server.guest_attached(); }, 3s));
    ::close(s);
    ::close(memfd);
}

namespace {

/// A hand-written host: accepts one guest, checks HELLO, answers WELCOME (@p welcome), then
/// answers the first POST_MESSAGE with @p misbehave(sock, seq). Collects the guest's ERROR.
class FakeHost {
  public:
    FakeHost(const std::string &path, std::vector<uint8_t> welcome,
             std::function<void(int, uint32_t)> misbehave)
        : listen_(wire::listen_on(path))
    {
        REQUIRE(listen_ >= 0);
        thread_ = std::thread([this, welcome, misbehave] {
            int s = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
            if (s < 0) return;
            wire::Rx rx;
            if (wire::recv_raw(s, rx) && rx.type == wire::HELLO) {
                hello_fd_ok = rx.fd >= 0 && rx.nfds == 1 && rx.body.size() == 56;
                if (rx.fd >= 0) ::close(rx.fd);
                wire::send_raw(s, wire::record(wire::WELCOME, 0, welcome, 0));
                while (wire::recv_raw(s, rx, 6000)) {
                    if (rx.fd >= 0) ::close(rx.fd);
                    if (rx.type == wire::POST_MESSAGE && !misbehaved) {
                        misbehaved = true;
                        if (misbehave) misbehave(s, rx.seq);
                    } else if (rx.type == wire::ERROR) {
                        guest_error = rx.error_text();
                    }
                }
            }
            ::close(s);
        });
    }
    ~FakeHost()
    {
        ::shutdown(listen_, SHUT_RDWR);
        thread_.join();
        ::close(listen_);
    }
    std::atomic<bool> hello_fd_ok{false};
    std::atomic<bool> misbehaved{false};
    std::string guest_error; // read after the destructor's join... or after the guest stopped

  private:
    int listen_;
    std::thread thread_;
};

bool host_lost_event(ShimFixture &f, const std::string &needle)
{
    for (auto &e : f.events_of(SATORI_SHIM_EV_DISCONNECTED))
        if (e.value == SATORI_SHIM_DISCONNECT_HOST_LOST &&
            e.message.find(needle) != std::string::npos)
            return true;
    return false;
}

std::vector<uint8_t> u32s(std::initializer_list<uint32_t> v)
{
    std::vector<uint8_t> b;
    for (auto x : v)
        wire::put32(b, x);
    return b;
}

} // namespace

TEST_CASE("the guest rejects malformed host records with a clear error", "[transport][malformed]")
{
    struct Case {
        const char *name;
        std::function<void(int, uint32_t)> misbehave;
        const char *needle;
    };
    static int evfd_for_test = -1;
    Pipe pipe;
    auto pipe_fd = pipe.fds[0];
    std::vector<Case> cases = {
        {"MESSAGE with a 241-byte payload",
         [](int s, uint32_t) {
             auto body = u32s({0, 2, 1, 241});
             body.resize(16 + 241);
             wire::send_raw(s, wire::record(wire::MESSAGE, 0, body, 0));
         },
         "payload_size above 240"},
        {"MESSAGE whose payload_size disagrees with the record",
         [](int s, uint32_t) {
             auto body = u32s({0, 2, 1, 8});
             body.resize(16 + 4);
             wire::send_raw(s, wire::record(wire::MESSAGE, 0, body, 0));
         },
         "payload_size does not match"},
        {"POST_RESULT for a seq nobody waits for",
         [](int s, uint32_t seq) {
             wire::send_raw(s, wire::record(wire::POST_RESULT, seq + 100, u32s({0}), 0));
         },
         "no POST_MESSAGE with this seq is waiting"},
        {"BIND_EVENTFD carrying a pipe",
         [pipe_fd](int s, uint32_t) {
             wire::send_raw(s, wire::record(wire::BIND_EVENTFD, 0, u32s({1, 0}), 1), pipe_fd);
         },
         "not an eventfd"},
        {"BIND_EVENTFD for flag 5000",
         [](int s, uint32_t) {
             evfd_for_test = ::eventfd(0, EFD_CLOEXEC);
             wire::send_raw(s, wire::record(wire::BIND_EVENTFD, 0, u32s({5000, 0}), 1),
                            evfd_for_test);
             ::close(evfd_for_test);
         },
         "event flag above 2047"},
        {"header announcing an fd that is not attached",
         [](int s, uint32_t) {
             wire::send_raw(s, wire::record(wire::EVENT, 0, u32s({0, 2, 1}), 1));
         },
         "header fd count does not match"},
        {"a record type a host never sends",
         [](int s, uint32_t) {
             wire::send_raw(s, wire::record(wire::HELLO, 0, wire::hello_body(1, 0, 4096), 0));
         },
         "a host does not send this record type"},
        {"an oversized datagram",
         [](int s, uint32_t) {
             std::vector<uint8_t> body(2000);
             wire::send_raw(s, wire::record(wire::MESSAGE, 0, body, 0));
         },
         "longer than the 528-byte maximum"},
    };
    for (auto &c : cases) {
        DYNAMIC_SECTION(c.name)
        {
            std::string path = temp_socket_path("guestrej");
            SocketHostGuard remote;
            ShimFixture f;
            {
                FakeHost host(path, wire::welcome_body(1, 1), c.misbehave);
                REQUIRE(satori_shim_connect_socket(f.shim, path.c_str(), &remote.host) == 0);
                auto t0 = std::chrono::steady_clock::now();
                CHECK(satori_shim_start(f.shim) < 0);
                CHECK(std::chrono::steady_clock::now() - t0 < 3s); // fails at once, no timeout
                CHECK(host.hello_fd_ok);
                CHECK(host_lost_event(f, c.needle));
                CHECK(f.log_contains(c.needle));
                ::unlink(path.c_str());
                // the guest closed the socket, so the fake host's loop ends
            }
        }
    }
}

TEST_CASE("the guest refuses a host of another major version", "[transport][malformed]")
{
    std::string path = temp_socket_path("major");
    SocketHostGuard remote;
    ShimFixture f;
    FakeHost host(path, wire::welcome_body(2, 0), nullptr);
    REQUIRE(satori_shim_connect_socket(f.shim, path.c_str(), &remote.host) == 0);
    CHECK(satori_shim_start(f.shim) == -SATORI_EPROTONOSUPPORT);
    CHECK(f.log_contains("version 2.0"));
    ::unlink(path.c_str());
}

TEST_CASE("a host that stops answering is reported, not waited on forever",
          "[transport][malformed]")
{
    std::string path = temp_socket_path("hung");
    SocketHostGuard remote;
    ShimFixture f; // timeout_ms = 5000
    FakeHost host(path, wire::welcome_body(1, 1), [](int, uint32_t) { /* never answers */ });
    REQUIRE(satori_shim_connect_socket(f.shim, path.c_str(), &remote.host) == 0);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(satori_shim_start(f.shim) < 0);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took < 8s);
    CHECK(host_lost_event(f, "no POST_RESULT within 5000 ms"));
    ::unlink(path.c_str());
}
