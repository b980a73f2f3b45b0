// SPDX-License-Identifier: MIT
#include "sim_setup.hpp"

#include <cstdio>

namespace satori::tool {

std::unique_ptr<sim::Host> make_sim_host(const SimOptions &opt, Output &out)
{
    sim::HostConfig cfg;
    if (opt.host_max_version)
        cfg.max_version = opt.host_max_version;
    cfg.log_level = opt.verbose ? sim::LogLevel::info : sim::LogLevel::warn;
    cfg.log = [](sim::LogLevel level, std::string_view line) {
        std::fprintf(stderr, "sim: %s: %.*s\n", sim::to_string(level),
                     static_cast<int>(line.size()), line.data());
    };
    if (opt.heartbeat) {
        sim::HeartbeatConfig hb;
        hb.interval = std::chrono::milliseconds(opt.heartbeat_interval_ms);
        hb.on_beat = [&out](const sim::HeartbeatBeat &beat) {
            auto us = std::chrono::duration_cast<std::chrono::microseconds>(beat.round_trip);
            out.event("heartbeat",
                      "heartbeat: host sent seq " + std::to_string(beat.sequence) +
                          ", guest answered " + std::to_string(beat.sequence + 1) +
                          " (round trip " + std::to_string(us.count()) + " us)",
                      {{"sequence", beat.sequence},
                       {"answer", beat.sequence + 1},
                       {"round_trip_us", us.count()},
                       {"late", beat.late}});
        };
        cfg.heartbeat = hb;
    }
    return std::make_unique<sim::Host>(std::move(cfg));
}

} // namespace satori::tool
