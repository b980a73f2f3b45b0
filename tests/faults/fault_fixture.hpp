// SPDX-License-Identifier: MIT
// tests/faults/fault_fixture.hpp — the storage stack as a user runs it, in one process: the
// simulated host with a storvsp over a memory disk (whose fault hooks the tests drive), the
// shim with the real storvsc.so plugin, and its NBD export on a private Unix socket. Keeps
// the shim's log lines and events for assertions.
#pragma once

#include <ftw.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <satori/embed.h>
#include <satori/log.h>
#include <satori/sim/disk.hpp>
#include <satori/sim/host.hpp>
#include <satori/sim/storvsp.hpp>

namespace satori::test::faults {

/// Request deadline the storvsc plugin gets (SATORI_STORVSC_TIMEOUT_MS): a stuck request
/// must come back as an error well within the client's patience.
inline constexpr uint32_t kStorvscTimeoutMs = 1500;
inline constexpr uint64_t kDiskBytes = 8ull << 20;

class FaultFixture {
  public:
    FaultFixture()
    {
        ::setenv("SATORI_STORVSC_TIMEOUT_MS", std::to_string(kStorvscTimeoutMs).c_str(), 1);
        ::setenv("SATORI_STORVSC_SUBCHANNELS", "1", 1);
        sim::HostConfig hc;
        hc.log_level = sim::LogLevel::warn;
        hc.log = [](sim::LogLevel, std::string_view) {};
        host = std::make_unique<sim::Host>(hc);
        disk = std::make_shared<sim::MemoryDisk>(kDiskBytes);
        vsp = make_vsp();
        host->add_device(vsp);

        char tmpl[] = "/tmp/satori-faults-XXXXXX";
        if (::mkdtemp(tmpl)) dir = tmpl;
        socket = dir + "/nbd.sock";
        satori_shim_config c{};
        c.struct_size = sizeof(c);
        c.log_level = SATORI_LOG_INFO;
        c.log = [](void *self, uint32_t, const char *line) {
            auto *f = static_cast<FaultFixture *>(self);
            std::lock_guard lock(f->mu_);
            f->logs_.emplace_back(line);
        };
        c.on_event = [](void *self, const satori_shim_event *ev) {
            auto *f = static_cast<FaultFixture *>(self);
            std::lock_guard lock(f->mu_);
            f->events_.push_back(ev->kind);
            f->cv_.notify_all();
        };
        c.cookie = this;
        c.timeout_ms = 5000;
        c.guest_memory_bytes = 256ull << 20;
        satori_shim_create(&c, &shim);
        satori_shim_set_option(shim, "blk.nbd_socket", socket.c_str());
    }

    ~FaultFixture()
    {
        if (vsp) vsp->hold_completions(false);
        satori_shim_destroy(shim);
        host.reset();
        if (!dir.empty())
            ::nftw(
                dir.c_str(),
                [](const char *p, const struct stat *, int, struct FTW *) { return ::remove(p); },
                8, FTW_DEPTH | FTW_PHYS);
    }

    FaultFixture(const FaultFixture &) = delete;
    FaultFixture &operator=(const FaultFixture &) = delete;

    std::shared_ptr<sim::StorvspVsp> make_vsp() const
    {
        sim::StorvspConfig sc;
        sc.worker_threads = 2;
        sim::LunConfig lun;
        lun.lun = 0;
        lun.backend = disk;
        sc.luns.push_back(lun);
        return std::make_shared<sim::StorvspVsp>(sc);
    }

    /// Loads storvsc.so, connects to the host, waits for the export. 0 or a SATORI_E*.
    int32_t start()
    {
        const int32_t r = satori_shim_load_plugin(shim, SATORI_STORVSC_PLUGIN);
        if (r < 0) return r;
        satori_shim_connect_hvlink(shim, host->hvlink());
        const int32_t s = satori_shim_start(shim);
        if (s < 0) return s;
        return wait_event(SATORI_SHIM_EV_EXPORT_ADDED, 1) ? 0 : -1;
    }

    /// The storvsp's primary channel relid (0 if not offered).
    uint32_t primary_relid() const
    {
        for (const auto &o : host->offers())
            if (o.class_id == sim::kStorvspClassId && o.sub_channel_index == 0 && o.relid != 0)
                return o.relid;
        return 0;
    }

    bool wait_event(uint32_t kind, size_t n, std::chrono::milliseconds t = std::chrono::seconds(15))
    {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, t, [&] {
            return static_cast<size_t>(std::count(events_.begin(), events_.end(), kind)) >= n;
        });
    }

    bool logged(const std::string &needle)
    {
        std::lock_guard lock(mu_);
        return std::any_of(logs_.begin(), logs_.end(),
                           [&](const std::string &l) { return l.find(needle) != std::string::npos; });
    }

    /// Waits up to @p t for a log line containing @p needle (a plugin logs after it answers).
    bool wait_logged(const std::string &needle, std::chrono::milliseconds t = std::chrono::seconds(3))
    {
        const auto until = std::chrono::steady_clock::now() + t;
        while (!logged(needle)) {
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return true;
    }

    std::string all_logs()
    {
        std::lock_guard lock(mu_);
        std::string s;
        for (const auto &l : logs_)
            s += l + "\n";
        return s;
    }

    std::unique_ptr<sim::Host> host;
    std::shared_ptr<sim::MemoryDisk> disk;
    std::shared_ptr<sim::StorvspVsp> vsp;
    satori_shim *shim = nullptr;
    std::string dir;
    std::string socket;

  private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<uint32_t> events_;
    std::vector<std::string> logs_;
};

} // namespace satori::test::faults
