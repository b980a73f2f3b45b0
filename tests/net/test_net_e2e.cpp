// SPDX-License-Identifier: MIT
// `satori run --sim --nic tap=A --nic tap=B` as a user runs it: each TAP moved into its own
// network namespace (made by the test), link-local addresses, ping both ways, ARP, jumbo
// frames, iperf3 TCP and a 32 MiB TCP transfer compared by checksum.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "net_fixture.hpp"
#include "support/background_process.hpp"
#include "support/process.hpp"

using namespace satori::test;
using namespace satori::test::net;

namespace {

struct Out {
    int exit_code = -1;
    std::string output;
};
Out sh(const std::string &cmd)
{
    auto r = run_process(cmd);
    Out o;
    o.exit_code = r.exit_code;
    for (auto &l : r.lines)
        o.output += l + "\n";
    return o;
}

std::string forbidden_reason()
{
    std::string why = tap_forbidden();
    if (!why.empty()) return why;
    if (run_process("command -v ip").exit_code != 0)
        return "the ip tool (iproute2) is not installed";
    const std::string ns = "stvprobe" + std::to_string(::getpid());
    if (run_process("ip netns add " + ns + " 2>&1").exit_code != 0)
        return "cannot create network namespaces (ip netns add)";
    run_process("ip netns del " + ns);
    return "";
}

#define SATORI_REQUIRE_NETNS()                                                                     \
    do {                                                                                           \
        const std::string why_ = forbidden_reason();                                               \
        if (!why_.empty()) {                                                                       \
            std::cout << "SATORI-SKIP: " << why_ << std::endl;                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)

void require_tool(const std::string &tool, const std::string &package)
{
    if (run_process("command -v " + tool).exit_code != 0)
        FAIL(tool + " is not installed: install the Debian package " + package);
}

/// satori with two NICs, each TAP in its own namespace with 169.254.<net>.1 / .2.
class TwoGuests {
  public:
    explicit TwoGuests(uint32_t mtu = 1500)
    {
        const std::string id = std::to_string(::getpid() % 100000);
        tap_[0] = "stva" + id;
        tap_[1] = "stvb" + id;
        ns_[0] = "satori-nsa-" + id;
        ns_[1] = "satori-nsb-" + id;
        std::string cmd = std::string(SATORI_TOOL) + " run --sim --json --plugins " +
                          SATORI_PLUGIN_DIR + " --heartbeat-interval 60000";
        for (auto &t : tap_)
            cmd += " --nic tap=" + t + ",mtu=" + std::to_string(mtu);
        proc_ = std::make_unique<BackgroundProcess>(cmd);
        int exports = 0;
        proc_->wait_line([&](const std::string &l) {
            if (l.find("\"export_added\"") != std::string::npos &&
                l.find("interface stv") != std::string::npos)
                ++exports;
            return exports == 2 || l.find("\"running\"") != std::string::npos;
        });
        for (int i = 0; i < 2; ++i) {
            run_process("ip netns del " + ns_[i] + " 2>/dev/null");
            ok_ = ok_ && run_process("ip netns add " + ns_[i]).exit_code == 0;
            ok_ = ok_ && run_process("ip link set " + tap_[i] + " netns " + ns_[i]).exit_code == 0;
            ok_ = ok_ && in(i, "ip addr add " + addr(i) + "/16 dev " + tap_[i]).exit_code == 0;
            ok_ = ok_ && in(i, "ip link set " + tap_[i] + " up").exit_code == 0;
            in(i, "ip link set lo up");
        }
    }
    ~TwoGuests()
    {
        for (auto &n : ns_)
            run_process("ip netns pids " + n + " | xargs -r kill 2>/dev/null; ip netns del " + n +
                        " 2>/dev/null");
        proc_->signal(SIGTERM);
        proc_->drain();
        proc_->wait_exit();
    }
    bool ok() const { return ok_; }
    static std::string addr(int i) { return i == 0 ? "169.254.77.1" : "169.254.77.2"; }
    Out in(int i, const std::string &cmd)
    {
        return sh("ip netns exec " + ns_[i] + " " + cmd + " 2>&1");
    }
    const std::string &tap(int i) const { return tap_[i]; }
    const std::string &ns(int i) const { return ns_[i]; }

  private:
    std::string tap_[2], ns_[2];
    std::unique_ptr<BackgroundProcess> proc_;
    bool ok_ = true;
};

} // namespace

TEST_CASE("two simulated NICs ping each other through the virtual switch", "[net][e2e]")
{
    SATORI_REQUIRE_NETNS();
    require_tool("ping", "iputils-ping");
    TwoGuests g;
    REQUIRE(g.ok());
    auto a = g.in(0, "ping -c 20 -i 0.05 -W 2 " + TwoGuests::addr(1));
    INFO(a.output);
    CHECK(a.output.find(" 0% packet loss") != std::string::npos);
    auto b = g.in(1, "ping -c 20 -i 0.05 -W 2 " + TwoGuests::addr(0));
    INFO(b.output);
    CHECK(b.output.find(" 0% packet loss") != std::string::npos);
    auto big = g.in(0, "ping -c 5 -i 0.05 -s 1472 -M do -W 2 " + TwoGuests::addr(1));
    INFO(big.output);
    CHECK(big.output.find(" 0% packet loss") != std::string::npos);
    // ARP resolved the peer to its simulated MAC.
    auto neigh = g.in(0, "ip neigh show " + TwoGuests::addr(1));
    INFO(neigh.output);
    CHECK(neigh.output.find("00:15:5d:53:54:02") != std::string::npos);
}

TEST_CASE("jumbo frames (MTU 9000) cross the switch unfragmented", "[net][e2e]")
{
    SATORI_REQUIRE_NETNS();
    TwoGuests g(9000);
    REQUIRE(g.ok());
    auto r = g.in(0, "ping -c 10 -i 0.05 -s 8972 -M do -W 2 " + TwoGuests::addr(1));
    INFO(r.output);
    CHECK(r.output.find(" 0% packet loss") != std::string::npos);
}

TEST_CASE("iperf3 TCP runs 5 s through TAP, netvsc, the switch and back", "[net][e2e]")
{
    SATORI_REQUIRE_NETNS();
    require_tool("iperf3", "iperf3");
    TwoGuests g;
    REQUIRE(g.ok());
    g.in(1, "iperf3 -s -1 -D");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto r = g.in(0, "iperf3 -J -t 5 -c " + TwoGuests::addr(1));
    INFO(r.output.substr(0, 2000));
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    const double bps = j["end"]["sum_received"]["bits_per_second"].get<double>();
    const double bytes = j["end"]["sum_sent"]["bytes"].get<double>();
    const double retrans = j["end"]["sum_sent"].value("retransmits", 0.0);
    std::cout << "iperf3 TCP: " << bps / 1e6 << " Mbit/s, " << retrans << " retransmits"
              << std::endl;
    CHECK(bps > 0);
    // No retransmission storm: fewer than 5 % of the MSS-sized segments.
    CHECK(retrans < bytes / 1448 * 0.05);
}

namespace {

uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; ++i)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/// Moves the calling thread into network namespace @p ns.
bool enter_netns(const std::string &ns)
{
    int fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::setns(fd, CLONE_NEWNET) == 0;
    ::close(fd);
    return ok;
}

} // namespace

TEST_CASE("a TCP transfer of 32 MiB arrives intact (checksum compared)", "[net][e2e]")
{
    SATORI_REQUIRE_NETNS();
    TwoGuests g;
    REQUIRE(g.ok());
    constexpr size_t kBytes = 32u << 20;
    std::vector<uint8_t> data(kBytes);
    std::mt19937_64 rng(42);
    for (size_t i = 0; i < kBytes; i += 8) {
        const uint64_t w = rng();
        std::memcpy(&data[i], &w, 8);
    }
    const uint64_t sent_hash = fnv1a(0xcbf29ce484222325ull, data.data(), data.size());
    std::atomic<bool> listening{false};
    uint64_t got_hash = 0;
    size_t got_bytes = 0;
    std::thread server([&] {
        if (!enter_netns(g.ns(1))) return;
        int ls = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(5599);
        ::inet_pton(AF_INET, TwoGuests::addr(1).c_str(), &sa.sin_addr);
        if (::bind(ls, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) != 0 ||
            ::listen(ls, 1) != 0) {
            ::close(ls);
            listening = true;
            return;
        }
        listening = true;
        pollfd p{ls, POLLIN, 0};
        if (::poll(&p, 1, 10000) == 1) {
            int c = ::accept(ls, nullptr, nullptr);
            std::vector<uint8_t> buf(1 << 16);
            uint64_t h = 0xcbf29ce484222325ull;
            for (;;) {
                const ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
                if (n <= 0) break;
                h = fnv1a(h, buf.data(), static_cast<size_t>(n));
                got_bytes += static_cast<size_t>(n);
            }
            got_hash = h;
            ::close(c);
        }
        ::close(ls);
    });
    while (!listening)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    bool sent_all = false;
    std::thread client([&] {
        if (!enter_netns(g.ns(0))) return;
        int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(5599);
        ::inet_pton(AF_INET, TwoGuests::addr(1).c_str(), &sa.sin_addr);
        if (::connect(s, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0) {
            size_t off = 0;
            while (off < data.size()) {
                const ssize_t n = ::send(s, data.data() + off, data.size() - off, MSG_NOSIGNAL);
                if (n <= 0) break;
                off += static_cast<size_t>(n);
            }
            sent_all = off == data.size();
            ::shutdown(s, SHUT_WR);
        }
        ::close(s);
    });
    client.join();
    server.join();
    CHECK(sent_all);
    CHECK(got_bytes == kBytes);
    CHECK(got_hash == sent_hash);
}
