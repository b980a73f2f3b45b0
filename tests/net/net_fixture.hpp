// SPDX-License-Identifier: MIT
// NetFixture: the simulated host with netvsp NICs on a virtual switch (plus a test port),
// the real shim with the netvsc plugin, and AF_PACKET sockets on the TAP interfaces.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <satori/embed.h>
#include <satori/sim/host.hpp>
#include <satori/sim/netvsp.hpp>

namespace satori::test::net {

inline constexpr uint16_t kTestEtherType = 0x88B5; // IEEE local experimental

/// Empty when this process may create TAP interfaces, else why not.
inline std::string tap_forbidden()
{
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return std::string("cannot open /dev/net/tun: ") + std::strerror(errno);
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::snprintf(ifr.ifr_name, IFNAMSIZ, "stvprobe%d", static_cast<int>(::getpid() % 10000));
    std::string why;
    if (::ioctl(fd, TUNSETIFF, &ifr) < 0)
        why = std::string("TUNSETIFF refused: ") + std::strerror(errno) +
              " (needs root or CAP_NET_ADMIN)";
    ::close(fd);
    return why;
}

#define SATORI_REQUIRE_TAP()                                                                       \
    do {                                                                                           \
        const std::string why_ = ::satori::test::net::tap_forbidden();                             \
        if (!why_.empty()) {                                                                       \
            std::cout << "SATORI-SKIP: " << why_ << std::endl;                                     \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/// A frame of the test ether type, @p len bytes in all, payload bytes = seed + i.
inline std::vector<std::byte> test_frame(const std::array<uint8_t, 6> &dst, uint8_t src_last,
                                         size_t len, uint8_t seed)
{
    std::vector<std::byte> f(len);
    std::memcpy(f.data(), dst.data(), 6);
    const uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, src_last};
    std::memcpy(f.data() + 6, src, 6);
    f[12] = std::byte{kTestEtherType >> 8};
    f[13] = std::byte{kTestEtherType & 0xFF};
    for (size_t i = 14; i < len; ++i)
        f[i] = std::byte(static_cast<uint8_t>(seed + i));
    return f;
}

/// An AF_PACKET socket for the test ether type on one interface.
class RawSocket {
  public:
    explicit RawSocket(const std::string &ifname)
    {
        fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(kTestEtherType));
        ifindex_ = static_cast<int>(::if_nametoindex(ifname.c_str()));
        sockaddr_ll sa{};
        sa.sll_family = AF_PACKET;
        sa.sll_protocol = htons(kTestEtherType);
        sa.sll_ifindex = ifindex_;
        if (fd_ >= 0) ::bind(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof(sa));
    }
    ~RawSocket()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    bool ok() const { return fd_ >= 0 && ifindex_ > 0; }
    bool send(const std::vector<std::byte> &f)
    {
        sockaddr_ll sa{};
        sa.sll_family = AF_PACKET;
        sa.sll_ifindex = ifindex_;
        sa.sll_halen = 6;
        std::memcpy(sa.sll_addr, f.data(), 6);
        return ::sendto(fd_, f.data(), f.size(), 0, reinterpret_cast<sockaddr *>(&sa),
                        sizeof(sa)) == static_cast<ssize_t>(f.size());
    }
    std::optional<std::vector<std::byte>> recv(std::chrono::milliseconds timeout)
    {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
        std::vector<std::byte> buf(65536);
        sockaddr_ll from{};
        socklen_t fl = sizeof(from);
        const ssize_t n =
            ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr *>(&from), &fl);
        if (n <= 0) return std::nullopt;
        buf.resize(static_cast<size_t>(n));
        return buf;
    }

  private:
    int fd_ = -1;
    int ifindex_ = 0;
};

inline std::string read_sys(const std::string &ifname, const char *attr)
{
    std::ifstream f("/sys/class/net/" + ifname + "/" + attr);
    std::string s;
    std::getline(f, s);
    return s;
}

#ifdef SATORI_NETVSC_PLUGIN
class NetFixture {
  public:
    /// One NIC configured by @p cfg (vswitch filled in here).
    explicit NetFixture(sim::NetvspConfig cfg)
    {
        sw = std::make_shared<sim::VirtualSwitch>();
        cfg.vswitch = sw;
        ifname =
            "stp" + std::to_string(::getpid() % 100000) + "n" + std::to_string(counter()++ % 100);
        vsp = std::make_shared<sim::NetvspVsp>(cfg);
        sim::HostConfig hc;
        hc.log_level = sim::LogLevel::warn;
        hc.log = [this](sim::LogLevel, std::string_view l) {
            std::lock_guard lock(mu);
            logs.emplace_back("sim: " + std::string(l));
        };
        host = std::make_unique<sim::Host>(std::move(hc));
        host->add_device(vsp);
        port = sw->attach(
            [this](std::span<const std::byte> f) {
                if (f.size() < 14 || f[12] != std::byte{kTestEtherType >> 8} ||
                    f[13] != std::byte{kTestEtherType & 0xFF})
                    return;
                std::lock_guard lock(mu);
                port_frames.emplace_back(f.begin(), f.end());
                cv.notify_all();
            },
            "test");
        satori_shim_config c{};
        c.struct_size = sizeof(c);
        c.log_level = SATORI_LOG_INFO;
        c.log = [](void *self, uint32_t, const char *line) {
            auto *f = static_cast<NetFixture *>(self);
            std::lock_guard lock(f->mu);
            f->logs.emplace_back(line);
        };
        c.cookie = this;
        c.timeout_ms = 5000;
        satori_shim_create(&c, &shim);
        char mac[64];
        const auto &m = vsp->config().mac;
        std::snprintf(mac, sizeof(mac), "%s=%02x:%02x:%02x:%02x:%02x:%02x", ifname.c_str(), m[0],
                      m[1], m[2], m[3], m[4], m[5]);
        satori_shim_set_option(shim, "net.tap", mac);
    }
    ~NetFixture()
    {
        satori_shim_destroy(shim);
        host.reset();
        sw->detach(port);
    }

    /// Loads netvsc, starts; true when the NIC is bound and its interface exists.
    bool start()
    {
        if (satori_shim_load_plugin(shim, SATORI_NETVSC_PLUGIN) < 0) return false;
        satori_shim_connect_hvlink(shim, host->hvlink());
        if (satori_shim_start(shim) < 0) return false;
        bool bound = false;
        satori_shim_list_devices(
            shim,
            [](void *c, const satori_shim_device *d) {
                if (d->state == SATORI_SHIM_DEV_BOUND) *static_cast<bool *>(c) = true;
            },
            &bound);
        return bound && ::if_nametoindex(ifname.c_str()) != 0;
    }

    /// Frames of the test ether type the switch's test port has seen.
    size_t port_count()
    {
        std::lock_guard lock(mu);
        return port_frames.size();
    }
    bool wait_port(size_t n, std::chrono::milliseconds t = std::chrono::seconds(5))
    {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, t, [&] { return port_frames.size() >= n; });
    }
    bool logged(const std::string &needle)
    {
        std::lock_guard lock(mu);
        for (auto &l : logs)
            if (l.find(needle) != std::string::npos) return true;
        return false;
    }
    std::string all_logs()
    {
        std::lock_guard lock(mu);
        std::string s;
        for (auto &l : logs)
            s += l + "\n";
        return s;
    }
    /// Sends @p f from the test port into the switch (towards the guest).
    void to_guest(const std::vector<std::byte> &f) { sw->send(port, f); }

    std::shared_ptr<sim::VirtualSwitch> sw;
    std::shared_ptr<sim::NetvspVsp> vsp;
    std::unique_ptr<sim::Host> host;
    satori_shim *shim = nullptr;
    sim::VirtualSwitch::PortId port = 0;
    std::string ifname;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::vector<std::byte>> port_frames;
    std::vector<std::string> logs;

  private:
    static int &counter()
    {
        static int n = 0;
        return n;
    }
};
#endif // SATORI_NETVSC_PLUGIN

} // namespace satori::test::net
