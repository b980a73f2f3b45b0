// SPDX-License-Identifier: MIT
// tools/sim_setup.hpp — the simulated host `satori ... --sim` runs against.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <satori/sim/host.hpp>

#include "output.hpp"

namespace satori::tool {

struct SimOptions {
    uint32_t host_max_version = 0;      ///< 0 = newest the simulator knows
    uint32_t heartbeat_interval_ms = 1000;
    bool heartbeat = true;
    bool verbose = false;
};

/// Builds the host with the devices the options ask for. Simulator log lines go to stderr
/// (warnings and errors; everything with verbose).
std::unique_ptr<sim::Host> make_sim_host(const SimOptions &opt, Output &out);

} // namespace satori::tool
