// SPDX-License-Identifier: MIT
// tests/support/sim_storvsp_fixture.hpp — a simulated host with one storvsp controller, its
// primary channel opened by the raw test guest, and a vstor client on it.
#pragma once

#include <memory>

#include <satori/sim/storvsp.hpp>

#include "support/sim_vstor_guest.hpp"

namespace satori::sim::testing {

class StorFixture : public SimFixture {
  public:
    static constexpr uint64_t kDiskBytes = 16u << 20;

    /// One 16 MiB MemoryDisk at LUN 0 (kept in `disk`).
    StorvspConfig default_config()
    {
        disk = std::make_shared<MemoryDisk>(kDiskBytes);
        StorvspConfig c;
        LunConfig lun;
        lun.lun = 0;
        lun.backend = disk;
        lun.serial = "SATORI-SERIAL-0";
        c.luns.push_back(lun);
        return c;
    }

    /// Host + controller + opened primary channel; no vstor handshake yet.
    void open(StorvspConfig config, uint32_t ring_pages = 8, HostConfig host_config = {})
    {
        vsp = std::make_shared<StorvspVsp>(std::move(config));
        offers = start_with({vsp}, std::move(host_config));
        REQUIRE(offers.size() == 1);
        primary = std::make_unique<TestChannel>(*guest, offers[0], 0x100, ring_pages, ring_pages);
        REQUIRE(primary->open() == 0);
        client = std::make_unique<vstor::Client>(*guest, *primary);
    }
    void open() { open(default_config()); }

    /// open() + the whole handshake at @p version.
    vstor::Reply ready(StorvspConfig config, uint16_t version = 0x0600, uint32_t ring_pages = 8)
    {
        open(std::move(config), ring_pages);
        return client->handshake(version);
    }
    vstor::Reply ready() { return ready(default_config()); }

    /// Waits until @p pred(stats) holds (the host works asynchronously).
    template <class P> bool wait_stats(P pred, std::chrono::milliseconds timeout = 3s)
    {
        const auto end = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (pred(vsp->stats())) return true;
            if (std::chrono::steady_clock::now() >= end) return false;
            std::this_thread::sleep_for(5ms);
        }
    }

    ~StorFixture()
    {
        client.reset();
        primary.reset();
    }

    std::shared_ptr<MemoryDisk> disk;
    std::shared_ptr<StorvspVsp> vsp;
    std::vector<Offer> offers;
    std::unique_ptr<TestChannel> primary;
    std::unique_ptr<vstor::Client> client;
};

} // namespace satori::sim::testing
