// SPDX-License-Identifier: MIT
#include "sim_setup.hpp"

#include <cstdio>
#include <set>
#include <sstream>

namespace satori::tool {

bool parse_disk_spec(const std::string &text, DiskSpec &out, std::string &error)
{
    std::stringstream ss(text);
    std::string item;
    bool first = true;
    out = {};
    while (std::getline(ss, item, ',')) {
        if (first) {
            out.path = item;
            first = false;
            continue;
        }
        if (item == "ro") {
            out.read_only = true;
        } else if (item == "rw") {
            out.read_only = false;
        } else if (item.rfind("lun=", 0) == 0) {
            char *end = nullptr;
            long v = std::strtol(item.c_str() + 4, &end, 10);
            if (item.size() == 4 || *end || v < 0 || v > 254) {
                error = "--disk " + text + ": lun must be a number from 0 to 254";
                return false;
            }
            out.lun = static_cast<int>(v);
        } else if (item.rfind("format=", 0) == 0) {
            out.format = item.substr(7);
            if (out.format != "raw") {
                error = "--disk " + text + ": format '" + out.format +
                        "' is not supported (this release reads raw images)";
                return false;
            }
        } else {
            error = "--disk " + text + ": unknown option '" + item +
                    "' (expected ro, lun=N or format=raw)";
            return false;
        }
    }
    if (out.path.empty()) {
        error = "--disk needs a path: --disk PATH[,ro][,lun=N]";
        return false;
    }
    return true;
}

static bool add_disks(const SimOptions &opt, SimSetup &setup, std::string &error)
{
    std::set<int> used;
    for (const auto &d : opt.disks)
        if (d.lun >= 0 && !used.insert(d.lun).second) {
            error = "--disk " + d.path + ": LUN " + std::to_string(d.lun) + " is used twice";
            return false;
        }
    sim::StorvspConfig cfg;
    int next = 0;
    for (const auto &d : opt.disks) {
        auto opened = sim::open_raw_disk(d.path, d.read_only);
        if (!opened) {
            error = opened.message;
            return false;
        }
        int lun = d.lun;
        if (lun < 0) {
            while (used.count(next))
                next++;
            lun = next;
            used.insert(lun);
        }
        sim::LunConfig l;
        l.lun = static_cast<uint8_t>(lun);
        l.backend = opened.disk;
        l.serial = "SATORI" + std::to_string(lun);
        cfg.luns.push_back(std::move(l));
    }
    setup.storvsp = std::make_shared<sim::StorvspVsp>(std::move(cfg));
    setup.host->add_device(setup.storvsp);
    return true;
}

bool make_sim_host(const SimOptions &opt, Output &out, SimSetup &setup, std::string &error)
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
    setup.host = std::make_unique<sim::Host>(std::move(cfg));
    if (!opt.disks.empty() && !add_disks(opt, setup, error))
        return false;
    return true;
}

} // namespace satori::tool
