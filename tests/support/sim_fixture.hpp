// SPDX-License-Identifier: MIT
// tests/support/sim_fixture.hpp — a simulated host, a raw test guest and captured logs.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <satori/sim/host.hpp>

#include "support/sim_echo_vsp.hpp"
#include "support/sim_guest_ring.hpp"
#include "support/sim_test_guest.hpp"

namespace satori::sim::testing {

class LogCapture {
  public:
    LogSink sink()
    {
        return [this](LogLevel level, std::string_view line) {
            std::lock_guard lock(mutex_);
            lines_.push_back(std::string(to_string(level)) + ": " + std::string(line));
        };
    }
    bool contains(std::string_view needle) const
    {
        std::lock_guard lock(mutex_);
        for (const auto &l : lines_)
            if (l.find(needle) != std::string::npos) return true;
        return false;
    }
    std::string all() const
    {
        std::lock_guard lock(mutex_);
        std::string out;
        for (const auto &l : lines_)
            out += l + "\n";
        return out;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

class SimFixture {
  public:
    /// Host with @p config (its log goes to `logs`), a connected test guest.
    void start(HostConfig config = {})
    {
        config.log_level = LogLevel::debug;
        config.log = logs.sink();
        host = std::make_unique<Host>(std::move(config));
        guest = std::make_unique<TestGuest>(*host);
        REQUIRE(guest->connect() == 0);
    }
    /// start() + version 5.3 + offers.
    std::vector<Offer> start_with(std::vector<std::shared_ptr<Vsp>> devices, HostConfig config = {})
    {
        start(std::move(config));
        for (auto &d : devices)
            host->add_device(d);
        guest->negotiate();
        return guest->request_offers();
    }
    ~SimFixture()
    {
        guest.reset(); // disconnects first
        host.reset();
    }

    LogCapture logs;
    std::unique_ptr<Host> host;
    std::unique_ptr<TestGuest> guest;
};

} // namespace satori::sim::testing
