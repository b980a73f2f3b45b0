// SPDX-License-Identifier: MIT
#include "sim_setup.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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
            sim::DiskFormat parsed;
            if (!sim::parse_disk_format(out.format, parsed)) {
                error = "--disk " + text + ": format '" + out.format +
                        "' is not supported (raw, vhd or vhdx; leave it out to detect it)";
                return false;
            }
        } else {
            error = "--disk " + text + ": unknown option '" + item +
                    "' (expected ro, lun=N or format=raw|vhd|vhdx)";
            return false;
        }
    }
    if (out.path.empty()) {
        error = "--disk needs a path: --disk PATH[,ro][,lun=N]";
        return false;
    }
    return true;
}

bool parse_nic_spec(const std::string &text, NicSpec &out, std::string &error)
{
    std::stringstream ss(text);
    std::string item;
    out = {};
    while (std::getline(ss, item, ',')) {
        if (item.rfind("tap=", 0) == 0) {
            out.tap = item.substr(4);
            if (out.tap.empty() || out.tap.size() > 15 ||
                out.tap.find_first_of("/: ") != std::string::npos) {
                error = "--nic " + text + ": tap=NAME needs an interface name of 1..15 characters";
                return false;
            }
        } else if (item.rfind("mac=", 0) == 0) {
            unsigned v[6];
            char extra;
            out.mac_text = item.substr(4);
            if (std::sscanf(out.mac_text.c_str(), "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3],
                            &v[4], &v[5], &extra) != 6 ||
                v[0] > 255 || v[1] > 255 || v[2] > 255 || v[3] > 255 || v[4] > 255 || v[5] > 255 ||
                (v[0] & 1)) {
                error = "--nic " + text + ": mac= needs a unicast address like 00:15:5d:00:00:01";
                return false;
            }
            for (int i = 0; i < 6; ++i)
                out.mac[i] = static_cast<uint8_t>(v[i]);
        } else if (item.rfind("mtu=", 0) == 0) {
            char *end = nullptr;
            long v = std::strtol(item.c_str() + 4, &end, 10);
            if (item.size() == 4 || *end || v < 576 || v > 9000) {
                error = "--nic " + text + ": mtu must be a number from 576 to 9000";
                return false;
            }
            out.mtu = static_cast<uint32_t>(v);
        } else {
            error = "--nic " + text + ": unknown option '" + item + "' (expected tap=NAME, mac=.. or mtu=N)";
            return false;
        }
    }
    if (out.tap.empty()) {
        error = "--nic needs an interface name: --nic tap=NAME[,mac=..][,mtu=N]";
        return false;
    }
    return true;
}

static void add_nics(const SimOptions &opt, SimSetup &setup)
{
    setup.vswitch = std::make_shared<sim::VirtualSwitch>();
    uint8_t index = 0;
    for (const auto &n : opt.nics) {
        ++index;
        sim::NetvspConfig cfg;
        cfg.name = "netvsp-" + n.tap;
        cfg.mtu = n.mtu;
        if (!n.mac_text.empty())
            std::copy(n.mac.begin(), n.mac.end(), cfg.mac.begin());
        else
            cfg.mac[5] = index;
        cfg.vswitch = setup.vswitch;
        auto vsp = std::make_shared<sim::NetvspVsp>(std::move(cfg));
        setup.netvsps.push_back(vsp);
        setup.host->add_device(vsp);
    }
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
        sim::DiskFormat format = sim::DiskFormat::automatic;
        (void)sim::parse_disk_format(d.format, format); // checked by parse_disk_spec
        auto opened = sim::open_disk(d.path, d.read_only, format);
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
    if (!opt.nics.empty())
        add_nics(opt, setup);
    return true;
}

} // namespace satori::tool
