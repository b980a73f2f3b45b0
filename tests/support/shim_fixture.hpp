// SPDX-License-Identifier: MIT
// tests/support/shim_fixture.hpp — a simulated host plus a shim in one process, recording
// every event and log line, for tests of the loader and of devices end to end.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <satori/embed.h>
#include <satori/sim/host.hpp>

namespace satori::test {

struct RecordedEvent {
    uint32_t kind = 0;
    int32_t status = 0;
    uint32_t value = 0;
    std::string plugin;
    std::string message;
    satori_guid class_id{};
};

struct DeviceRow {
    uint32_t state = 0;
    int32_t status = 0;
    uint32_t relid = 0;
    satori_guid class_id{};
    std::string plugin;
};

class ShimFixture {
public:
    explicit ShimFixture(sim::HostConfig cfg = quiet_host(), uint32_t log_level = SATORI_LOG_INFO)
        : host(std::make_unique<sim::Host>(std::move(cfg)))
    {
        satori_shim_config c{};
        c.struct_size = sizeof(c);
        c.log_level = log_level;
        c.log = [](void *self, uint32_t, const char *line) {
            auto *f = static_cast<ShimFixture *>(self);
            std::lock_guard lock(f->mu);
            f->logs.emplace_back(line);
        };
        c.on_event = [](void *self, const satori_shim_event *ev) {
            auto *f = static_cast<ShimFixture *>(self);
            std::lock_guard lock(f->mu);
            f->events.push_back({ev->kind, ev->status, ev->value, ev->plugin ? ev->plugin : "",
                                 ev->message, ev->class_id});
            f->cv.notify_all();
        };
        c.cookie = this;
        c.timeout_ms = 5000;
        satori_shim_create(&c, &shim);
    }

    ~ShimFixture()
    {
        satori_shim_destroy(shim);
        host.reset();
    }

    static sim::HostConfig quiet_host()
    {
        sim::HostConfig cfg;
        cfg.log_level = sim::LogLevel::warn;
        cfg.log = [](sim::LogLevel, std::string_view) {};
        return cfg;
    }

    int32_t start()
    {
        satori_shim_connect_hvlink(shim, host->hvlink());
        return satori_shim_start(shim);
    }

    std::vector<RecordedEvent> events_of(uint32_t kind)
    {
        std::lock_guard lock(mu);
        std::vector<RecordedEvent> out;
        for (auto &e : events)
            if (e.kind == kind)
                out.push_back(e);
        return out;
    }

    bool log_contains(const std::string &needle)
    {
        std::lock_guard lock(mu);
        return std::any_of(logs.begin(), logs.end(),
                           [&](const std::string &l) { return l.find(needle) != std::string::npos; });
    }

    /// Waits until @p pred(events) holds or @p timeout passes.
    template <class Pred> bool wait_for(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5))
    {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, timeout, [&] { return pred(events); });
    }

    std::vector<DeviceRow> devices()
    {
        std::vector<DeviceRow> rows;
        satori_shim_list_devices(
            shim,
            [](void *c, const satori_shim_device *d) {
                static_cast<std::vector<DeviceRow> *>(c)->push_back(
                    {d->state, d->status, d->relid, d->class_id, d->plugin ? d->plugin : ""});
            },
            &rows);
        return rows;
    }

    std::unique_ptr<sim::Host> host;
    satori_shim *shim = nullptr;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<RecordedEvent> events;
    std::vector<std::string> logs;
};

} // namespace satori::test
