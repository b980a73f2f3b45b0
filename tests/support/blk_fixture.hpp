// SPDX-License-Identifier: MIT
// tests/support/blk_fixture.hpp — a simulated host offering ramdisk devices, a shim serving
// them over NBD on a private Unix socket, and the events (with their URI detail) and log
// lines it produced. Also: where the NBD client tools are, and how to run them.
#pragma once

#include <dlfcn.h>
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <satori/blk.h>
#include <satori/embed.h>
#include <satori/sim/host.hpp>

#include "support/blk_ramdisk_config.h"
#include "support/process.hpp"

namespace satori::test {

struct BlkEvent {
    uint32_t kind = 0;
    int32_t status = 0;
    std::string plugin;
    std::string message;
    std::string detail;
};

/// A 64 MiB disk with a cache, FUA, discard (reading back zeroes) and write-zeroes,
/// completing asynchronously in shuffled order.
inline blk_ramdisk_config ramdisk_config(uint32_t id, uint64_t bytes = 64ull << 20)
{
    blk_ramdisk_config c{};
    c.magic = BLK_RAMDISK_MAGIC;
    c.id = id;
    c.capacity_bytes = bytes;
    c.disk_flags = SATORI_BLK_F_FLUSH | SATORI_BLK_F_FUA | SATORI_BLK_F_DISCARD |
                   SATORI_BLK_F_WRITE_ZEROES | SATORI_BLK_F_DISCARD_ZEROES;
    c.logical_block_size = 512;
    c.physical_block_size = 4096;
    c.max_transfer_bytes = 1u << 20;
    c.queue_depth = 64;
    c.mode = BLK_RAMDISK_ASYNC;
    c.options = BLK_RAMDISK_O_SHUFFLE;
    return c;
}

/// The host half of a ramdisk: does nothing but carry the configuration in its offer.
class RamdiskVsp final : public sim::Vsp {
  public:
    explicit RamdiskVsp(const blk_ramdisk_config &cfg) : sim::Vsp(info_for(cfg)) {}

  private:
    static sim::VspInfo info_for(const blk_ramdisk_config &cfg)
    {
        sim::VspInfo info;
        info.class_id = sim::Guid::from_fields(0x5a7f0000, 0x0000, 0x4000,
                                               {0x80, 0, 0, 0, 0, 0, 0, BLK_RAMDISK_CLASS_BYTE});
        info.instance_id = sim::Guid::from_fields(
            0xb10c0000u + cfg.id, 0, 0, {0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(cfg.id)});
        info.name = "ramdisk-" + std::to_string(cfg.id);
        std::memcpy(info.user_defined.data(), &cfg, sizeof(cfg));
        return info;
    }
};

class BlkFixture {
  public:
    explicit BlkFixture(uint32_t timeout_ms = 5000, uint32_t log_level = SATORI_LOG_INFO)
        : host(std::make_unique<sim::Host>(quiet_host()))
    {
        char tmpl[] = "/tmp/satori-blk-XXXXXX";
        if (mkdtemp(tmpl)) dir = tmpl;
        socket = dir + "/nbd.sock";
        satori_shim_config c{};
        c.struct_size = sizeof(c);
        c.log_level = log_level;
        c.log = [](void *self, uint32_t, const char *line) {
            auto *f = static_cast<BlkFixture *>(self);
            std::lock_guard lock(f->mu);
            f->logs.emplace_back(line);
        };
        c.on_event = [](void *self, const satori_shim_event *ev) {
            auto *f = static_cast<BlkFixture *>(self);
            std::lock_guard lock(f->mu);
            f->events.push_back({ev->kind, ev->status, ev->plugin ? ev->plugin : "", ev->message,
                                 ev->detail ? ev->detail : ""});
            f->cv.notify_all();
        };
        c.cookie = this;
        c.timeout_ms = timeout_ms;
        c.guest_memory_bytes = 512ull << 20;
        satori_shim_create(&c, &shim);
        satori_shim_set_option(shim, "blk.nbd_socket", socket.c_str());
    }

    ~BlkFixture()
    {
        satori_shim_destroy(shim);
        host.reset();
        if (!dir.empty())
            nftw(
                dir.c_str(),
                [](const char *p, const struct stat *, int, struct FTW *) { return remove(p); }, 8,
                FTW_DEPTH | FTW_PHYS);
    }

    BlkFixture(const BlkFixture &) = delete;
    BlkFixture &operator=(const BlkFixture &) = delete;

    static sim::HostConfig quiet_host()
    {
        sim::HostConfig cfg;
        cfg.log_level = sim::LogLevel::warn;
        cfg.log = [](sim::LogLevel, std::string_view) {};
        return cfg;
    }

    void add_disk(const blk_ramdisk_config &cfg)
    {
        host->add_device(std::make_shared<RamdiskVsp>(cfg));
    }

    int32_t start()
    {
        int32_t r = satori_shim_load_plugin(shim, SATORI_BLK_RAMDISK_PLUGIN);
        if (r < 0) return r;
        satori_shim_connect_hvlink(shim, host->hvlink());
        return satori_shim_start(shim);
    }

    std::string uri(const std::string &name = "sda") const
    {
        return "nbd+unix:///" + name + "?socket=" + socket;
    }

    /// satori_test_ramdisk_ctl of the loaded plugin.
    uint64_t ctl(uint32_t id, uint32_t op, uint64_t arg = 0)
    {
        void *h = dlopen(SATORI_BLK_RAMDISK_PLUGIN, RTLD_NOW | RTLD_NOLOAD);
        if (!h) return UINT64_MAX;
        auto fn = reinterpret_cast<blk_ramdisk_ctl_fn>(dlsym(h, BLK_RAMDISK_CTL_SYMBOL));
        uint64_t v = fn ? fn(id, op, arg) : UINT64_MAX;
        dlclose(h);
        return v;
    }

    uint8_t *ram(uint32_t id) { return reinterpret_cast<uint8_t *>(ctl(id, BLK_RAMDISK_CTL_DATA)); }

    std::vector<BlkEvent> events_of(uint32_t kind)
    {
        std::lock_guard lock(mu);
        std::vector<BlkEvent> out;
        for (auto &e : events)
            if (e.kind == kind) out.push_back(e);
        return out;
    }

    /// Waits until @p n events of @p kind were seen.
    bool wait_events(uint32_t kind, size_t n,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, timeout, [&] {
            return static_cast<size_t>(
                       std::count_if(events.begin(), events.end(),
                                     [&](const BlkEvent &e) { return e.kind == kind; })) >= n;
        });
    }

    bool log_contains(const std::string &needle)
    {
        std::lock_guard lock(mu);
        return std::any_of(logs.begin(), logs.end(), [&](const std::string &l) {
            return l.find(needle) != std::string::npos;
        });
    }

    size_t log_count(const std::string &needle)
    {
        std::lock_guard lock(mu);
        return static_cast<size_t>(
            std::count_if(logs.begin(), logs.end(), [&](const std::string &l) {
                return l.find(needle) != std::string::npos;
            }));
    }

    std::string path(const std::string &file) const { return dir + "/" + file; }

    std::unique_ptr<sim::Host> host;
    satori_shim *shim = nullptr;
    std::string dir;
    std::string socket;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<BlkEvent> events;
    std::vector<std::string> logs;
};

/// Writes @p bytes of random data (seeded) to @p file.
inline std::vector<uint8_t> write_random_file(const std::string &file, size_t bytes, uint32_t seed)
{
    std::vector<uint8_t> data(bytes);
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i + 8 <= bytes; i += 8) {
        uint64_t v = rng();
        std::memcpy(&data[i], &v, 8);
    }
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char *>(data.data()),
               static_cast<std::streamsize>(data.size()));
    return data;
}

inline std::vector<uint8_t> read_file(const std::string &file)
{
    std::ifstream in(file, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>());
}

/// A client tool located at configure time; empty when find_program did not find it.
struct Tool {
    const char *name;
    const char *path;
    const char *package;
    bool found() const { return path && path[0]; }
    std::string missing() const
    {
        return std::string(name) + " not found: install the Debian package '" + package +
               "' (scripts/test installs it)";
    }
};

inline const Tool kNbdinfo{"nbdinfo", SATORI_NBDINFO, "libnbd-bin"};
inline const Tool kNbdcopy{"nbdcopy", SATORI_NBDCOPY, "libnbd-bin"};
inline const Tool kQemuImg{"qemu-img", SATORI_QEMU_IMG, "qemu-utils"};
inline const Tool kFio{"fio", SATORI_FIO, "fio"};

/// Runs @p cmd (stderr joined to stdout so a failure shows why); keeps every line.
inline ProcessResult run(const std::string &cmd)
{
    return run_process(cmd + " 2>&1");
}

inline std::string joined(const ProcessResult &r)
{
    std::string s;
    for (auto &l : r.lines)
        s += l + "\n";
    return s;
}

inline std::string shell_quote(const std::string &s)
{
    return "'" + s + "'";
}

} // namespace satori::test
