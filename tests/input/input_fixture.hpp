// SPDX-License-Identifier: MIT
// tests/input/input_fixture.hpp — the simulated host with the synthetic mouse and keyboard,
// a shim running the real inputvsc.so, the shim's log and events, a client of the HID event
// stream, and a fake uhid node (a Unix socket speaking struct uhid_event).
#pragma once

#include <ftw.h>
#include <linux/uhid.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <satori/embed.h>
#include <satori/sim/host.hpp>
#include <satori/sim/inputvsp.hpp>

namespace satori::test {

using namespace std::chrono_literals;

inline sockaddr_un unix_address(const std::string &path)
{
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path.c_str());
    return sa;
}

/// Reads JSON lines from the event stream.
class StreamClient {
  public:
    explicit StreamClient(const std::string &path)
    {
        for (int i = 0; i < 200; i++) {
            fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            auto sa = unix_address(path);
            if (connect(fd_, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0) break;
            close(fd_);
            fd_ = -1;
            std::this_thread::sleep_for(10ms);
        }
        if (fd_ >= 0) thread_ = std::thread([this] { loop(); });
    }
    ~StreamClient() { disconnect(); }
    void disconnect()
    {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }
    bool connected() const { return fd_ >= 0; }
    std::vector<std::string> lines()
    {
        std::lock_guard lock(mu_);
        return lines_;
    }
    /// Lines that contain @p needle.
    std::vector<std::string> matching(const std::string &needle)
    {
        std::vector<std::string> out;
        for (auto &l : lines())
            if (l.find(needle) != std::string::npos) out.push_back(l);
        return out;
    }
    bool wait_count(const std::string &needle, size_t n, std::chrono::milliseconds t = 5000ms)
    {
        const auto end = std::chrono::steady_clock::now() + t;
        while (std::chrono::steady_clock::now() < end) {
            if (matching(needle).size() >= n) return true;
            std::this_thread::sleep_for(5ms);
        }
        return false;
    }

  private:
    void loop()
    {
        std::string buf;
        char chunk[4096];
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            ssize_t n = read(fd_, chunk, sizeof(chunk));
            if (n <= 0) break;
            buf.append(chunk, static_cast<size_t>(n));
            for (size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
                std::lock_guard lock(mu_);
                lines_.push_back(buf.substr(0, nl));
                buf.erase(0, nl + 1);
            }
        }
    }
    int fd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mu_;
    std::vector<std::string> lines_;
};

/// A fake /dev/uhid: a listening Unix socket; each device the shim creates is one connection.
class FakeUhid {
  public:
    struct Conn {
        int fd = -1;
        std::vector<uhid_event> events;
    };

    explicit FakeUhid(std::string path) : path_(std::move(path))
    {
        lfd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        auto sa = unix_address(path_);
        bind(lfd_, reinterpret_cast<sockaddr *>(&sa), sizeof(sa));
        listen(lfd_, 8);
        thread_ = std::thread([this] { loop(); });
    }
    ~FakeUhid()
    {
        stop_ = true;
        thread_.join();
        for (auto &c : conns_)
            close(c->fd);
        close(lfd_);
        unlink(path_.c_str());
    }
    const std::string &path() const { return path_; }
    size_t connections()
    {
        std::lock_guard lock(mu_);
        return conns_.size();
    }
    std::vector<uhid_event> events(size_t conn)
    {
        std::lock_guard lock(mu_);
        return conn < conns_.size() ? conns_[conn]->events : std::vector<uhid_event>{};
    }
    /// The connection whose UHID_CREATE2 has this name prefix, or -1.
    int find(const std::string &name)
    {
        std::lock_guard lock(mu_);
        for (size_t i = 0; i < conns_.size(); i++)
            for (auto &e : conns_[i]->events)
                if (e.type == UHID_CREATE2 &&
                    std::string(reinterpret_cast<const char *>(e.u.create2.name)).rfind(name, 0) == 0)
                    return static_cast<int>(i);
        return -1;
    }
    bool wait(const std::function<bool()> &pred, std::chrono::milliseconds t = 5000ms)
    {
        const auto end = std::chrono::steady_clock::now() + t;
        while (std::chrono::steady_clock::now() < end) {
            if (pred()) return true;
            std::this_thread::sleep_for(5ms);
        }
        return pred();
    }
    void send(size_t conn, const uhid_event &ev)
    {
        int fd;
        {
            std::lock_guard lock(mu_);
            fd = conns_.at(conn)->fd;
        }
        ::send(fd, &ev, sizeof(ev), MSG_NOSIGNAL);
    }
    /// INPUT2 payloads of @p conn.
    std::vector<std::vector<uint8_t>> inputs(size_t conn)
    {
        std::vector<std::vector<uint8_t>> out;
        for (auto &e : events(conn))
            if (e.type == UHID_INPUT2) {
                const uint8_t *d = e.u.input2.data;
                const size_t n = e.u.input2.size;
                out.emplace_back(d, d + n);
            }
        return out;
    }

  private:
    void loop()
    {
        std::vector<std::string> bufs;
        while (!stop_) {
            std::vector<pollfd> p{{lfd_, POLLIN, 0}};
            {
                std::lock_guard lock(mu_);
                for (auto &c : conns_)
                    p.push_back({c->fd, POLLIN, 0});
            }
            if (poll(p.data(), p.size(), 20) <= 0) continue;
            if (p[0].revents & POLLIN) {
                int fd = accept4(lfd_, nullptr, nullptr, SOCK_CLOEXEC);
                std::lock_guard lock(mu_);
                auto c = std::make_unique<Conn>();
                c->fd = fd;
                conns_.push_back(std::move(c));
                bufs.emplace_back();
            }
            for (size_t i = 1; i < p.size(); i++) {
                if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
                char chunk[8192];
                ssize_t n = recv(p[i].fd, chunk, sizeof(chunk), MSG_DONTWAIT);
                if (n <= 0) continue;
                std::lock_guard lock(mu_);
                std::string &b = bufs[i - 1];
                b.append(chunk, static_cast<size_t>(n));
                while (b.size() >= sizeof(uhid_event)) {
                    uhid_event ev;
                    std::memcpy(&ev, b.data(), sizeof(ev));
                    b.erase(0, sizeof(ev));
                    conns_[i - 1]->events.push_back(ev);
                }
            }
        }
    }
    std::string path_;
    int lfd_ = -1;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mu_;
    std::vector<std::unique_ptr<Conn>> conns_;
};

struct InputFixtureOptions {
    bool mouse = true;
    bool keyboard = true;
    sim::MouseConfig mouse_config{};
    sim::KeyboardConfig keyboard_config{};
    bool uhid = false;
    uint32_t timeout_ms = 3000;
};

class InputFixture {
  public:
    explicit InputFixture(InputFixtureOptions o = {})
    {
        char tmpl[] = "/tmp/satori-input-XXXXXX";
        if (mkdtemp(tmpl)) dir = tmpl;
        events_socket = dir + "/events.sock";
        sim::HostConfig hc;
        hc.log_level = sim::LogLevel::warn;
        hc.log = [this](sim::LogLevel, std::string_view line) {
            std::lock_guard lock(mu);
            host_logs.emplace_back(line);
        };
        host = std::make_unique<sim::Host>(std::move(hc));
        if (o.mouse) {
            mouse = std::make_shared<sim::MouseVsp>(std::move(o.mouse_config));
            host->add_device(mouse);
        }
        if (o.keyboard) {
            keyboard = std::make_shared<sim::KeyboardVsp>(std::move(o.keyboard_config));
            host->add_device(keyboard);
        }
        if (o.uhid) uhid = std::make_unique<FakeUhid>(dir + "/uhid.sock");
        satori_shim_config c{};
        c.struct_size = sizeof(c);
        c.log_level = SATORI_LOG_DEBUG;
        c.log = [](void *self, uint32_t, const char *line) {
            auto *f = static_cast<InputFixture *>(self);
            std::lock_guard lock(f->mu);
            f->logs.emplace_back(line);
        };
        c.on_event = [](void *self, const satori_shim_event *ev) {
            auto *f = static_cast<InputFixture *>(self);
            std::lock_guard lock(f->mu);
            f->events.push_back({ev->kind, ev->status, ev->message, ev->detail ? ev->detail : ""});
        };
        c.cookie = this;
        c.timeout_ms = o.timeout_ms;
        c.guest_memory_bytes = 64ull << 20;
        satori_shim_create(&c, &shim);
        satori_shim_set_option(shim, "hid.events_socket", events_socket.c_str());
        satori_shim_set_option(shim, "hid.uhid", uhid ? uhid->path().c_str() : "");
    }
    ~InputFixture()
    {
        satori_shim_destroy(shim);
        host.reset();
        uhid.reset();
        if (!dir.empty())
            nftw(
                dir.c_str(),
                [](const char *p, const struct stat *, int, struct FTW *) { return remove(p); }, 8,
                FTW_DEPTH | FTW_PHYS);
    }
    InputFixture(const InputFixture &) = delete;
    InputFixture &operator=(const InputFixture &) = delete;

    int32_t start()
    {
        int32_t r = satori_shim_load_plugin(shim, SATORI_INPUTVSC_PLUGIN);
        if (r < 0) return r;
        satori_shim_connect_hvlink(shim, host->hvlink());
        return satori_shim_start(shim);
    }

    struct Event {
        uint32_t kind;
        int32_t status;
        std::string message, detail;
    };
    size_t count_events(uint32_t kind)
    {
        std::lock_guard lock(mu);
        return static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                                 [&](const Event &e) { return e.kind == kind; }));
    }
    std::string event_text(uint32_t kind)
    {
        std::lock_guard lock(mu);
        std::string s;
        for (auto &e : events)
            if (e.kind == kind) s += e.message + "\n";
        return s;
    }
    bool log_contains(const std::string &needle)
    {
        std::lock_guard lock(mu);
        return std::any_of(logs.begin(), logs.end(),
                           [&](const std::string &l) { return l.find(needle) != std::string::npos; });
    }
    bool wait_log(const std::string &needle, std::chrono::milliseconds t = 5000ms)
    {
        const auto end = std::chrono::steady_clock::now() + t;
        while (std::chrono::steady_clock::now() < end) {
            if (log_contains(needle)) return true;
            std::this_thread::sleep_for(5ms);
        }
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

    std::string dir, events_socket;
    std::unique_ptr<sim::Host> host;
    std::shared_ptr<sim::MouseVsp> mouse;
    std::shared_ptr<sim::KeyboardVsp> keyboard;
    std::unique_ptr<FakeUhid> uhid;
    satori_shim *shim = nullptr;
    std::mutex mu;
    std::vector<std::string> logs, host_logs;
    std::vector<Event> events;
};

} // namespace satori::test
