// SPDX-License-Identifier: MIT
// bench/vmbus/sim_shim.cpp — see sim_shim.hpp.
#include "vmbus/sim_shim.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <unistd.h>

#include <satori/sim/disk.hpp>
#include <satori/sim/heartbeat.hpp>

namespace satori::bench {

SimShim::SimShim(const SimShimConfig &cfg)
{
    sim::HostConfig hc;
    hc.log_level = sim::LogLevel::warn;
    hc.log = [](sim::LogLevel, std::string_view) {};
    sim::HeartbeatConfig hb;
    hb.interval = std::chrono::hours(1); // no beats during a measurement
    hc.heartbeat = hb;
    host_ = std::make_unique<sim::Host>(std::move(hc));
    if (cfg.storage) {
        sim::StorvspConfig sc;
        sim::LunConfig lun;
        lun.lun = 0;
        lun.backend = std::make_shared<sim::MemoryDisk>(cfg.disk_bytes);
        lun.serial = "BENCH0";
        sc.luns.push_back(std::move(lun));
        host_->add_device(std::make_shared<sim::StorvspVsp>(std::move(sc)));
    }

    satori_shim_config c{};
    c.struct_size = sizeof(c);
    c.log_level = SATORI_LOG_WARN;
    c.log = [](void *self, uint32_t, const char *line) {
        auto *s = static_cast<SimShim *>(self);
        std::lock_guard lock(s->mu_);
        s->last_log_ = line;
    };
    c.on_event = [](void *self, const satori_shim_event *ev) {
        auto *s = static_cast<SimShim *>(self);
        std::lock_guard lock(s->mu_);
        s->events_.push_back(ev->kind);
        s->cv_.notify_all();
    };
    c.cookie = this;
    c.guest_memory_bytes = cfg.guest_memory_bytes;
    c.timeout_ms = 10000;
    if (satori_shim_create(&c, &shim_) != 0) {
        shim_ = nullptr;
        return;
    }
    if (!cfg.nbd_socket.empty())
        satori_shim_set_option(shim_, "blk.nbd_socket", cfg.nbd_socket.c_str());
    for (const auto &p : cfg.plugins)
        satori_shim_load_plugin(shim_, p.c_str());
    satori_shim_connect_hvlink(shim_, host_->hvlink());
}

SimShim::~SimShim()
{
    if (shim_) satori_shim_destroy(shim_);
    host_.reset();
}

int32_t SimShim::start()
{
    return shim_ ? satori_shim_start(shim_) : -SATORI_EINVAL;
}

bool SimShim::wait_event(uint32_t kind, std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
        return std::find(events_.begin(), events_.end(), kind) != events_.end();
    });
}

shim_device *SimShim::heartbeat_device()
{
    static const satori_guid kHb = SATORI_GUID_HEARTBEAT;
    if (!shim_) return nullptr;
    for (shim_device *d = shim_->devices; d; d = d->next)
        if (std::memcmp(d->offer->class_id, kHb.b, 16) == 0) return d;
    return nullptr;
}

std::string SimShim::last_log()
{
    std::lock_guard lock(mu_);
    return last_log_;
}

namespace {
struct Scratch {
    std::string path;
    Scratch()
    {
        char tmpl[] = "/tmp/satori-bench-XXXXXX";
        const char *p = mkdtemp(tmpl);
        path = p ? p : "/tmp";
    }
    ~Scratch()
    {
        if (path != "/tmp") {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    }
};
} // namespace

std::string scratch_dir()
{
    static Scratch s;
    return s.path;
}

} // namespace satori::bench
