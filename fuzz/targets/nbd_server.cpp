// SPDX-License-Identifier: MIT
// fuzz target nbd_server — the shim's NBD server (shim_gpl/services/blk: handshake, option
// haggling, transmission, the request queue to the block plugin) as an untrusted client
// sees it: the real server on a Unix socket, in front of the ramdisk test plugin behind the
// simulated host, exactly as tests/blk runs it.
//
// Each input is the byte stream one client sends on one connection (after the server's
// greeting): client flags, options, then requests with their payloads. The harness writes
// it, half-closes, and reads until the server hangs up (bounded wait). A server that stops
// answering and never closes is a hang: the harness aborts after 10 s.
// Checked: no memory error in the server; the server stays up (the next input connects).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "fuzz_check.hpp"
#include "support/blk_fixture.hpp"

namespace {

satori::test::BlkFixture *g_fixture = nullptr;

int connect_server(const std::string &path)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    FUZZ_CHECK(fd >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof(sa.sun_path) - 1);
    FUZZ_CHECK(::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0);
    return fd;
}

/// Reads whatever the server sends until it closes; false after @p ms without progress.
bool drain_until_closed(int fd, int ms)
{
    static char buf[1 << 16];
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0) return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // Quiet and small: a 1 MiB ramdisk completing in order, short request timeouts.
    g_fixture = new satori::test::BlkFixture(2000, SATORI_LOG_ERROR);
    auto cfg = satori::test::ramdisk_config(1, 1u << 20);
    cfg.options = 0;
    cfg.max_transfer_bytes = 64u << 10;
    g_fixture->add_disk(cfg);
    FUZZ_CHECK(g_fixture->start() == 0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // The greeting (NBDMAGIC IHAVEOPT flags) comes first; the input follows it. The server
    // refuses clients beyond NBD_MAX_CONNS (closes at once) while earlier connections are
    // still winding down: retry for a while; a server that never frees a slot is a bug.
    int fd = -1;
    for (int attempt = 0; fd < 0; ++attempt) {
        fd = connect_server(g_fixture->socket);
        uint8_t greeting[18];
        size_t got = 0;
        while (got < sizeof(greeting)) {
            const ssize_t n = ::read(fd, greeting + got, sizeof(greeting) - got);
            if (n <= 0) break;
            got += static_cast<size_t>(n);
        }
        if (got == sizeof(greeting)) break;
        ::close(fd);
        fd = -1;
        if (attempt == 500) {
            std::fprintf(stderr, "nbd_server: no connection slot freed in 5 s\n");
            std::abort();
        }
        ::usleep(10000);
    }
    // Send everything (the server may hang up early: EPIPE is fine), then half-close.
    size_t off = 0;
    while (off < size) {
        const ssize_t n = ::send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0) { // read replies as we go, so neither side blocks
            static char sink[1 << 16];
            if (::read(fd, sink, sizeof(sink)) <= 0) break;
        }
    }
    ::shutdown(fd, SHUT_WR);
    if (!drain_until_closed(fd, 10000)) {
        std::fprintf(stderr, "nbd_server: the server neither answered nor closed in 10 s\n");
        std::abort();
    }
    ::close(fd);
    return 0;
}
