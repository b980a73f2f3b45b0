// SPDX-License-Identifier: MIT
// tools/sim_setup.hpp — the simulated host `satori ... --sim` runs against, and the
// device options that configure it (--disk, later --nic, --mouse, --keyboard).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <satori/sim/host.hpp>
#include <satori/sim/storvsp.hpp>
#include <satori/sim/netvsp.hpp>

#include "output.hpp"

namespace satori::tool {

/// One --disk PATH[,ro][,lun=N][,format=raw|vhd|vhdx] option (no format: detected by content).
struct DiskSpec {
    std::string path;
    bool read_only = false;
    int lun = -1; ///< -1: the next free LUN
    std::string format = "auto";
};

/// Parses the text of one --disk option; on error returns false and sets @p error.
bool parse_disk_spec(const std::string &text, DiskSpec &out, std::string &error);

/// One --nic tap=NAME[,mac=aa:bb:cc:dd:ee:ff][,mtu=N] option.
struct NicSpec {
    std::string tap;      ///< interface name the shim gives the TAP device
    std::string mac_text; ///< empty: 00:15:5d:53:54:<index + 1>
    uint32_t mtu = 1500;
    std::array<uint8_t, 6> mac{};
};

/// Parses the text of one --nic option; on error returns false and sets @p error.
bool parse_nic_spec(const std::string &text, NicSpec &out, std::string &error);

struct SimOptions {
    uint32_t host_max_version = 0; ///< 0 = newest the simulator knows
    uint32_t heartbeat_interval_ms = 1000;
    bool heartbeat = true;
    bool verbose = false;
    std::vector<DiskSpec> disks;
    std::vector<NicSpec> nics;
};

/// The simulated host and the device models the tool keeps an eye on.
struct SimSetup {
    std::unique_ptr<sim::Host> host;
    std::shared_ptr<sim::StorvspVsp> storvsp; ///< null without --disk
    std::shared_ptr<sim::VirtualSwitch> vswitch; ///< null without --nic
    std::vector<std::shared_ptr<sim::NetvspVsp>> netvsps; ///< one per --nic
};

/// Builds the host with the devices the options ask for. Fails (false, @p error set, one
/// line naming the problem) when a disk cannot be opened.
bool make_sim_host(const SimOptions &opt, Output &out, SimSetup &setup, std::string &error);

} // namespace satori::tool
