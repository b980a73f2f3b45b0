// SPDX-License-Identifier: MIT
// tools/sim_setup.hpp — the simulated host `satori ... --sim` runs against, and the
// device options that configure it (--disk, later --nic, --mouse, --keyboard).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <satori/sim/host.hpp>
#include <satori/sim/storvsp.hpp>

#include "output.hpp"

namespace satori::tool {

/// One --disk PATH[,ro][,lun=N][,format=raw] option.
struct DiskSpec {
    std::string path;
    bool read_only = false;
    int lun = -1; ///< -1: the next free LUN
    std::string format = "raw";
};

/// Parses the text of one --disk option; on error returns false and sets @p error.
bool parse_disk_spec(const std::string &text, DiskSpec &out, std::string &error);

struct SimOptions {
    uint32_t host_max_version = 0; ///< 0 = newest the simulator knows
    uint32_t heartbeat_interval_ms = 1000;
    bool heartbeat = true;
    bool verbose = false;
    std::vector<DiskSpec> disks;
};

/// The simulated host and the device models the tool keeps an eye on.
struct SimSetup {
    std::unique_ptr<sim::Host> host;
    std::shared_ptr<sim::StorvspVsp> storvsp; ///< null without --disk
};

/// Builds the host with the devices the options ask for. Fails (false, @p error set, one
/// line naming the problem) when a disk cannot be opened.
bool make_sim_host(const SimOptions &opt, Output &out, SimSetup &setup, std::string &error);

} // namespace satori::tool
