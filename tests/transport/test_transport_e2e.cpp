// SPDX-License-Identifier: MIT
// tests/transport/test_transport_e2e.cpp — `satori-sim --listen` and `satori run --connect`
// as two processes, as a user runs them: heartbeats, storage through nbdcopy, the host
// killed and restarted under an attached NBD client, the guest killed.
#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include <libnbd.h>
#include <nlohmann/json.hpp>

#include "e2e/storage_fixture.hpp"
#include "support/background_process.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

using namespace satori::test;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

bool is_event(const std::string &line, const std::string &event)
{
    return line.find("\"event\":\"" + event + "\"") != std::string::npos;
}

/// Kills @p procs if the test is still waiting after @p timeout (wait_line has no timeout).
class Watchdog {
  public:
    Watchdog(std::vector<BackgroundProcess *> procs, std::chrono::seconds timeout)
        : thread_([this, procs, timeout] {
              auto end = std::chrono::steady_clock::now() + timeout;
              while (!done_ && std::chrono::steady_clock::now() < end)
                  std::this_thread::sleep_for(50ms);
              if (!done_) {
                  fired = true;
                  for (auto *p : procs)
                      if (p) p->signal(SIGKILL);
              }
          })
    {
    }
    ~Watchdog()
    {
        done_ = true;
        thread_.join();
    }
    std::atomic<bool> fired{false};

  private:
    std::atomic<bool> done_{false};
    std::thread thread_;
};

/// satori-sim prints a line per heartbeat: keep the interval long where the test does not
/// read its output, or the pipe fills and the host blocks.
std::string sim_cmd(const TempDir &dir, const std::string &extra, int heartbeat_ms = 1000)
{
    return std::string(SATORI_SIM_TOOL) + " --json --listen " + (dir / "hv.sock") +
           " --heartbeat-interval " + std::to_string(heartbeat_ms) + " " + extra;
}

std::string guest_cmd(const TempDir &dir)
{
    return std::string(SATORI_TOOL) + " run --json --connect " + (dir / "hv.sock") + " --plugins " +
           SATORI_PLUGIN_DIR + " --nbd-socket " + (dir / "nbd.sock");
}

std::string wait_export(BackgroundProcess &guest)
{
    auto line = guest.wait_line([](const std::string &l) { return is_event(l, "export_added"); });
    REQUIRE(!line.empty());
    return nlohmann::json::parse(line)["detail"].get<std::string>();
}

struct Nbd {
    explicit Nbd(const std::string &uri) : h(nbd_create())
    {
        REQUIRE(h);
        if (nbd_connect_uri(h, uri.c_str()) != 0)
            FAIL("nbd_connect_uri " << uri << ": " << nbd_get_error());
    }
    ~Nbd() { nbd_close(h); }
    nbd_handle *h;
};

} // namespace

TEST_CASE("heartbeat and storage work with satori-sim and satori in two processes",
          "[transport][e2e]")
{
    require_tool("nbdcopy", "libnbd-bin");
    TempDir dir;
    const uint64_t size = 32 * kMiB;
    make_sparse_file(dir / "disk.img", size);
    write_random_file(dir / "src.img", size, 11);

    BackgroundProcess sim(sim_cmd(dir, "--disk " + (dir / "disk.img"), 100));
    Watchdog dog({&sim}, 120s);
    REQUIRE(!sim.wait_line([](const std::string &l) { return is_event(l, "listening"); }).empty());
    BackgroundProcess guest(guest_cmd(dir));
    Watchdog dog2({&sim, &guest}, 120s);
    REQUIRE(!sim.wait_line([](const std::string &l) { return is_event(l, "guest_connected"); })
                 .empty());
    std::string uri = wait_export(guest);
    CHECK(uri.find(dir / "nbd.sock") != std::string::npos);

    // heartbeats answered by the heartbeat plugin in the other process
    int beats = 0;
    sim.wait_line([&](const std::string &l) { return is_event(l, "heartbeat") && ++beats >= 5; });
    CHECK(beats >= 5);

    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(run_process("nbdcopy '" + (dir / "src.img") + "' '" + uri + "'").exit_code == 0);
    auto t1 = std::chrono::steady_clock::now();
    REQUIRE(run_process("nbdcopy '" + uri + "' '" + (dir / "out.img") + "'").exit_code == 0);
    auto t2 = std::chrono::steady_clock::now();
    CHECK(files_equal(dir / "src.img", dir / "out.img"));
    CHECK(files_equal(dir / "src.img", dir / "disk.img")); // on the host's image file
    WARN("nbdcopy 32 MiB over the socket transport: in "
         << std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count() << " ms, out "
         << std::chrono::duration_cast<std::chrono::milliseconds>(t2 - t1).count() << " ms");

    guest.signal(SIGTERM);
    guest.drain();
    CHECK(guest.wait_exit() == 0);
    auto gone =
        sim.wait_line([](const std::string &l) { return is_event(l, "guest_disconnected"); });
    REQUIRE(!gone.empty());
    CHECK(nlohmann::json::parse(gone)["clean"] == true); // BYE after UNLOAD
    sim.signal(SIGTERM);
    sim.drain();
    CHECK(sim.wait_exit() == 0);
    CHECK_FALSE(dog.fired);
}

TEST_CASE("satori recovers when satori-sim is killed and restarted under an NBD client",
          "[transport][e2e][recovery]")
{
    TempDir dir;
    const uint64_t size = 8 * kMiB;
    make_sparse_file(dir / "disk.img", size);
    std::vector<char> data(size);
    for (size_t i = 0; i < size; i++)
        data[i] = static_cast<char>(i * 7 + i / 4096);

    auto sim = std::make_unique<BackgroundProcess>(sim_cmd(dir, "--disk " + (dir / "disk.img")));
    REQUIRE(!sim->wait_line([](const std::string &l) { return is_event(l, "listening"); }).empty());
    BackgroundProcess guest(guest_cmd(dir));
    Watchdog dog({&guest}, 150s);
    std::string uri = wait_export(guest);
    {
        Nbd nbd(uri);
        REQUIRE(nbd_pwrite(nbd.h, data.data(), size, 0, 0) == 0);
        REQUIRE(nbd_flush(nbd.h, 0) == 0);
    }

    Nbd client(uri); // attached across the crash
    std::vector<char> buf(64 * 1024);
    REQUIRE(nbd_pread(client.h, buf.data(), buf.size(), 0, 0) == 0);

    sim->signal(SIGKILL);
    sim->wait_exit();
    auto lost = guest.wait_line([](const std::string &l) { return is_event(l, "host_lost"); });
    REQUIRE(!lost.empty());

    // the attached client gets an error, not a hang
    auto t0 = std::chrono::steady_clock::now();
    bool failed = false;
    for (int i = 0; i < 50 && !failed; i++) {
        failed = nbd_pread(client.h, buf.data(), buf.size(), 0, 0) != 0;
        if (!failed) std::this_thread::sleep_for(100ms);
    }
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(failed);
    CHECK(took < 10s);
    INFO(nbd_get_error());

    // the host comes back: devices re-offered and re-probed, the export returns
    sim = std::make_unique<BackgroundProcess>(sim_cmd(dir, "--disk " + (dir / "disk.img")));
    Watchdog dog2({sim.get(), &guest}, 120s);
    REQUIRE(!sim->wait_line([](const std::string &l) { return is_event(l, "listening"); }).empty());
    std::string uri2; // the export comes back while the guest reconnects, before "reconnected"
    auto back = guest.wait_line([&](const std::string &l) {
        if (is_event(l, "export_added"))
            uri2 = nlohmann::json::parse(l)["detail"].get<std::string>();
        return is_event(l, "reconnected");
    });
    REQUIRE(!back.empty());
    CHECK(uri2 == uri);
    {
        Nbd nbd(uri2);
        std::vector<char> again(size);
        REQUIRE(nbd_pread(nbd.h, again.data(), size, 0, 0) == 0);
        CHECK(again == data); // flushed before the crash: still there
    }
    guest.signal(SIGTERM);
    guest.drain();
    CHECK(guest.wait_exit() == 0);
    sim->signal(SIGTERM);
    sim->drain();
    CHECK(sim->wait_exit() == 0);
    CHECK_FALSE(dog.fired);
}

TEST_CASE("satori-sim notices a killed guest, cleans up and accepts the next one",
          "[transport][e2e]")
{
    TempDir dir;
    make_sparse_file(dir / "disk.img", 4 * kMiB);
    BackgroundProcess sim(sim_cmd(dir, "--disk " + (dir / "disk.img")));
    Watchdog dog({&sim}, 120s);
    REQUIRE(!sim.wait_line([](const std::string &l) { return is_event(l, "listening"); }).empty());
    for (int round = 0; round < 2; round++) {
        CAPTURE(round);
        BackgroundProcess guest(guest_cmd(dir));
        Watchdog dog2({&sim, &guest}, 60s);
        REQUIRE(!sim.wait_line([](const std::string &l) { return is_event(l, "guest_connected"); })
                     .empty());
        wait_export(guest);
        guest.signal(SIGKILL);
        CHECK(guest.wait_exit() == 128 + SIGKILL);
        auto gone =
            sim.wait_line([](const std::string &l) { return is_event(l, "guest_disconnected"); });
        REQUIRE(!gone.empty());
        auto j = nlohmann::json::parse(gone);
        CHECK(j["clean"] == false);
        INFO(j["message"].get<std::string>()); // e.g. "... closed without BYE (guest exited or crashed)"
        CHECK(j["message"].get<std::string>().find("guest disconnected: ") == 0);
    }
    sim.signal(SIGTERM);
    sim.drain();
    CHECK(sim.wait_exit() == 0);
    bool summary_ok = false;
    for (auto &l : sim.lines())
        if (is_event(l, "stopped")) {
            auto j = nlohmann::json::parse(l);
            summary_ok = j["guests_accepted"] == 2 && j["guests_lost"] == 2;
        }
    CHECK(summary_ok);
}

TEST_CASE("satori run --connect explains a missing host", "[transport][e2e]")
{
    TempDir dir;
    auto r = run_process(guest_cmd(dir) + " 2>&1");
    CHECK(r.exit_code == 1);
    bool explained = false;
    for (auto &l : r.lines)
        explained = explained || l.find("satori-sim --listen") != std::string::npos;
    CHECK(explained);
    auto both = run_process(std::string(SATORI_TOOL) + " run --sim --connect /x 2>&1");
    CHECK(both.exit_code == 1);
}
