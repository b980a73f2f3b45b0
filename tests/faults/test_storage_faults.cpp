// SPDX-License-Identifier: MIT
// tests/faults/test_storage_faults.cpp — the storage fault matrix. For each host fault
// (lost, late, duplicated, reordered and damaged completions; BUSY, QUEUE FULL and UNIT
// ATTENTION; a host that stops signalling; rescind during I/O) and each seed of a fixed
// list, an NBD client writes a checksummed pattern through the whole stack (NBD server ->
// storvsc.so -> VMBus -> simulated storvsp -> memory disk) while the fault is active, then
// every sector is read back and checked against what was acknowledged and flushed.
//
// Properties: the guest never crashes or hangs (every request is answered or the connection
// closes within a bound); requests the host never completes fail with EIO within the
// storvsc deadline and a log line saying so; requests in flight at a rescind fail (or the
// export closes) and the device comes back when re-offered; no write acknowledged before an
// acknowledged FLUSH is ever lost, whatever the fault.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include <catch2/catch.hpp>

#include "fault_fixture.hpp"
#include "pattern_ledger.hpp"
#include "support/blk_nbd_raw.hpp"

using namespace satori::test;
using namespace satori::test::faults;
using namespace std::chrono_literals;

namespace {

constexpr uint64_t kAreaSectors = 512; // the part of the disk the pattern covers
constexpr int kReplyTimeoutMs = 20000; // "hung": no reply and no close for this long
constexpr uint32_t kSeeds[] = {1, 7, 1234};

enum class Expect {
    all_ok,     ///< the fault is absorbed: every request succeeds
    timeouts,   ///< some requests fail with EIO after the storvsc deadline
    may_fail,   ///< requests may fail or the channel may die; no hang, no loss
    device_gone ///< the device goes away during I/O and comes back when re-offered
};

struct Fault {
    const char *name;
    Expect expect;
    std::function<void(FaultFixture &)> inject;
    std::function<void(FaultFixture &)> clear;
};

struct Stats {
    uint32_t ok = 0, failed = 0;
    std::set<uint32_t> errors;
    bool connection_lost = false;
    std::chrono::milliseconds slowest{0};
};

/// An NBD client that records what it was promised in a Ledger.
class Client {
  public:
    Client(const std::string &socket, Ledger &ledger) : nbd_(socket, kReplyTimeoutMs), ledger_(ledger)
    {
        open_ = nbd_.open("sda");
    }
    bool is_open() const { return open_; }

    struct Write {
        uint64_t lba;
        uint32_t sectors;
        uint32_t gen;
    };

    /// Sends every write, then collects every reply (pipelined: several in flight).
    void writes(const std::vector<Write> &ws, Stats &st)
    {
        std::map<uint64_t, Write> in_flight;
        for (const Write &w : ws) {
            std::vector<uint8_t> buf;
            for (uint32_t i = 0; i < w.sectors; ++i) {
                auto s = sector_pattern(ledger_.seed(), w.lba + i, w.gen);
                buf.insert(buf.end(), s.begin(), s.end());
            }
            const uint64_t handle = next_handle_++;
            ledger_.issued(w.lba, w.sectors, w.gen);
            if (!nbd_.send_request(nbd::kCmdWrite, handle, w.lba * kSector,
                                   static_cast<uint32_t>(buf.size())) ||
                !nbd_.write_all(buf.data(), buf.size())) {
                st.connection_lost = true;
                open_ = false;
                return;
            }
            in_flight[handle] = w;
        }
        while (!in_flight.empty()) {
            auto r = reply(st);
            if (!r) return;
            auto it = in_flight.find(r->handle);
            REQUIRE(it != in_flight.end()); // the server answers only what was asked, once
            if (r->error == 0) {
                ++st.ok;
                ledger_.acked(it->second.lba, it->second.sectors, it->second.gen);
            } else {
                ++st.failed;
                st.errors.insert(r->error);
            }
            in_flight.erase(it);
        }
    }

    /// FLUSH; on success every write acknowledged so far is durable.
    bool flush(Stats &st)
    {
        const uint64_t handle = next_handle_++;
        if (!nbd_.send_request(nbd::kCmdFlush, handle, 0, 0)) {
            st.connection_lost = true;
            open_ = false;
            return false;
        }
        auto r = reply(st);
        if (!r) return false;
        REQUIRE(r->handle == handle);
        if (r->error != 0) {
            ++st.failed;
            st.errors.insert(r->error);
            return false;
        }
        ++st.ok;
        ledger_.flushed();
        return true;
    }

    /// Reads [lba, lba + sectors); nullopt if the request failed.
    std::optional<std::vector<uint8_t>> read(uint64_t lba, uint32_t sectors, Stats &st)
    {
        const uint64_t handle = next_handle_++;
        if (!nbd_.send_request(nbd::kCmdRead, handle, lba * kSector, sectors * kSector)) return {};
        auto r = reply(st);
        if (!r || r->error != 0) return {};
        std::vector<uint8_t> data(sectors * kSector);
        if (!nbd_.read_exact(data.data(), data.size())) return {};
        return data;
    }

  private:
    std::optional<RawNbd::Reply> reply(Stats &st)
    {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = nbd_.read_reply();
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - t0);
        st.slowest = std::max(st.slowest, took);
        if (!r) {
            // EOF or error is a closed export; silence for the whole timeout is a hang
            INFO("no NBD reply for " << took.count() << " ms");
            REQUIRE(took < std::chrono::milliseconds(kReplyTimeoutMs - 500));
            st.connection_lost = true;
            open_ = false;
            return std::nullopt;
        }
        REQUIRE(r->magic == nbd::kSimpleReplyMagic);
        return r;
    }

    RawNbd nbd_;
    Ledger &ledger_;
    bool open_ = false;
    uint64_t next_handle_ = 1;
};

/// Runs @p fn every @p period on a thread until destroyed.
class Repeater {
  public:
    Repeater(std::chrono::milliseconds period, std::function<void()> fn)
        : thread_([this, period, fn = std::move(fn)] {
              while (!stop_) {
                  fn();
                  std::this_thread::sleep_for(period);
              }
          })
    {
    }
    ~Repeater()
    {
        stop_ = true;
        thread_.join();
    }

  private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void set_guest_interrupt_mask(FaultFixture &f, uint32_t value)
{
    for (const auto &o : f.host->offers())
        if (o.class_id == satori::sim::kStorvspClassId && o.relid != 0)
            (void)f.host->test_hooks().write_ring_word(o.relid, satori::sim::RingSide::host_to_guest,
                                                       satori::sim::RingWord::interrupt_mask, value);
}

/// Every sector of the pattern area, through the host's disk (always possible).
void verify_disk(FaultFixture &f, const Ledger &ledger)
{
    const auto bytes = f.disk->snapshot(0, kAreaSectors * kSector);
    std::vector<std::string> bad;
    for (uint64_t lba = 0; lba < kAreaSectors; ++lba) {
        const std::string why =
            ledger.check(lba, reinterpret_cast<const uint8_t *>(bytes.data()) + lba * kSector);
        if (!why.empty()) bad.push_back(why);
    }
    INFO("durable sectors: " << ledger.durable_sectors());
    INFO((bad.empty() ? std::string() : bad.front()));
    CHECK(bad.empty());
    if (ledger.foreign_sectors() != 0)
        WARN(ledger.foreign_sectors() << " sector(s) targeted by failed writes hold another "
                                         "request's data (buffer reused while the host still "
                                         "had the request; see docs/fuzzing.md)");
}

/// Every sector again, read back through NBD by a new client.
void verify_nbd(FaultFixture &f, Ledger &ledger)
{
    Client c(f.socket, ledger);
    REQUIRE(c.is_open());
    Stats st;
    size_t bad = 0;
    std::string first;
    for (uint64_t lba = 0; lba < kAreaSectors; lba += 64) {
        auto data = c.read(lba, 64, st);
        REQUIRE(data);
        for (uint64_t i = 0; i < 64; ++i) {
            const std::string why = ledger.check(lba + i, data->data() + i * kSector);
            if (!why.empty() && bad++ == 0) first = why;
        }
    }
    INFO(first);
    CHECK(bad == 0);
}

void run_matrix_case(const Fault &fault, uint32_t seed)
{
    CAPTURE(fault.name, seed);
    FaultFixture f;
    REQUIRE(f.start() == 0);
    Ledger ledger(seed);
    std::mt19937 rng(seed);

    // Phase A, no fault: the whole area, generation 1, flushed.
    {
        Client c(f.socket, ledger);
        REQUIRE(c.is_open());
        Stats st;
        std::vector<Client::Write> ws;
        for (uint64_t lba = 0; lba < kAreaSectors; lba += 32)
            ws.push_back({lba, 32, 1});
        c.writes(ws, st);
        REQUIRE(st.failed == 0);
        REQUIRE(c.flush(st));
    }

    // Phase B: the fault is active during overlapping writes and flushes.
    Stats st;
    fault.inject(f);
    {
        Client c(f.socket, ledger);
        if (c.is_open()) {
            for (uint32_t round = 0; round < 3 && c.is_open(); ++round) {
                std::vector<Client::Write> ws;
                for (int i = 0; i < 6; ++i) {
                    const uint32_t sectors = 1 + rng() % 16;
                    ws.push_back({rng() % (kAreaSectors - sectors), sectors, round + 2});
                }
                c.writes(ws, st);
                if (c.is_open()) c.flush(st);
            }
        } else {
            st.connection_lost = true;
        }
    }
    fault.clear(f);
    INFO("phase B: ok " << st.ok << ", failed " << st.failed << ", connection lost "
                        << st.connection_lost << ", slowest reply " << st.slowest.count() << " ms");
    INFO(f.all_logs());

    switch (fault.expect) {
    case Expect::all_ok:
        CHECK(st.failed == 0);
        CHECK_FALSE(st.connection_lost);
        break;
    case Expect::timeouts:
        CHECK(st.failed > 0);
        CHECK(st.errors == std::set<uint32_t>{nbd::kEIO});
        CHECK(f.wait_logged("timed out after " + std::to_string(kStorvscTimeoutMs) + " ms"));
        // answered within the deadline and one tick of the deadline timer, never later
        CHECK(st.slowest < std::chrono::milliseconds(3 * kStorvscTimeoutMs + 2000));
        break;
    case Expect::may_fail: break;
    case Expect::device_gone:
        CHECK((st.failed > 0 || st.connection_lost));
        for (uint32_t e : st.errors)
            CHECK((e == nbd::kEIO || e == nbd::kESHUTDOWN));
        break;
    }

    // Phase C: nothing acknowledged and flushed is lost — on the host's disk, and (when the
    // device is usable) through a fresh NBD connection.
    verify_disk(f, ledger);
    if (fault.expect != Expect::may_fail) verify_nbd(f, ledger);
}

const std::vector<Fault> &faults()
{
    static const std::vector<Fault> list = {
        {"none", Expect::all_ok, [](FaultFixture &) {}, [](FaultFixture &) {}},
        {"drop completions", Expect::timeouts, [](FaultFixture &f) { f.vsp->drop_next(3); },
         [](FaultFixture &f) { f.vsp->drop_next(0); }},
        {"delay completions", Expect::all_ok,
         [](FaultFixture &f) { f.vsp->set_completion_delay(250ms); },
         [](FaultFixture &f) { f.vsp->set_completion_delay(0ms); }},
        {"duplicate completions", Expect::may_fail, [](FaultFixture &f) { f.vsp->duplicate_next(3); },
         [](FaultFixture &f) { f.vsp->duplicate_next(0); }},
        {"corrupt a completion", Expect::may_fail, [](FaultFixture &f) { f.vsp->corrupt_next(1); },
         [](FaultFixture &f) { f.vsp->corrupt_next(0); }},
        {"BUSY", Expect::all_ok,
         [](FaultFixture &f) { f.vsp->fail_next(3, satori::sim::StorvspFault::busy()); },
         [](FaultFixture &f) { f.vsp->fail_next(0, {}); }},
        {"QUEUE FULL", Expect::all_ok,
         [](FaultFixture &f) { f.vsp->fail_next(3, satori::sim::StorvspFault::task_set_full()); },
         [](FaultFixture &f) { f.vsp->fail_next(0, {}); }},
        {"UNIT ATTENTION", Expect::all_ok,
         [](FaultFixture &f) {
             // one UNIT ATTENTION (power on / reset occurred), as a real device reports it
             f.vsp->fail_next(1, satori::sim::StorvspFault::unit_attention(0x29, 0x00));
         },
         [](FaultFixture &f) { f.vsp->fail_next(0, {}); }},
    };
    return list;
}

const Fault &fault_named(const std::string &name)
{
    for (const Fault &f : faults())
        if (name == f.name) return f;
    FAIL("no fault " << name);
    throw;
}

} // namespace

TEST_CASE("storage fault matrix: no fault (baseline)", "[faults][storage]")
{
    run_matrix_case(fault_named("none"), GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: dropped completions time out with EIO", "[faults][storage]")
{
    run_matrix_case(fault_named("drop completions"),
                    GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: delayed completions", "[faults][storage]")
{
    run_matrix_case(fault_named("delay completions"),
                    GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: duplicated completions", "[faults][storage]")
{
    run_matrix_case(fault_named("duplicate completions"),
                    GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: a corrupt completion", "[faults][storage]")
{
    run_matrix_case(fault_named("corrupt a completion"),
                    GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: BUSY, QUEUE FULL and UNIT ATTENTION are retried",
          "[faults][storage]")
{
    const char *name = GENERATE("BUSY", "QUEUE FULL", "UNIT ATTENTION");
    run_matrix_case(fault_named(name), GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: reordered completions", "[faults][storage]")
{
    std::unique_ptr<Repeater> releaser;
    const Fault reorder{"reorder completions", Expect::all_ok,
                        [&](FaultFixture &f) {
                            f.vsp->hold_completions(true);
                            releaser = std::make_unique<Repeater>(
                                100ms, [&f] { f.vsp->release_held_reversed(); });
                        },
                        [&](FaultFixture &f) {
                            releaser.reset();
                            f.vsp->hold_completions(false);
                        }};
    run_matrix_case(reorder, GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: a host that stops signalling", "[faults][storage]")
{
    std::unique_ptr<Repeater> masker;
    const Fault quiet{"stop signalling", Expect::may_fail,
                      [&](FaultFixture &f) {
                          masker = std::make_unique<Repeater>(2ms, [&f] { set_guest_interrupt_mask(f, 1); });
                      },
                      [&](FaultFixture &f) {
                          masker.reset();
                          set_guest_interrupt_mask(f, 0);
                          for (const auto &o : f.host->offers())
                              if (o.class_id == satori::sim::kStorvspClassId && o.relid != 0)
                                  (void)f.host->test_hooks().signal_guest(o.relid);
                      }};
    run_matrix_case(quiet, GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}

TEST_CASE("storage fault matrix: rescind during I/O, then the device is offered again",
          "[faults][storage]")
{
    std::thread rescinder;
    const Fault rescind{"rescind during I/O", Expect::device_gone,
                        [&](FaultFixture &f) {
                            f.vsp->hold_completions(true); // the I/O is surely in flight
                            rescinder = std::thread([&f] {
                                std::this_thread::sleep_for(300ms);
                                f.host->rescind(f.vsp);
                            });
                        },
                        [&](FaultFixture &f) {
                            rescinder.join();
                            CHECK(f.wait_event(SATORI_SHIM_EV_RESCINDED, 1));
                            CHECK(f.wait_event(SATORI_SHIM_EV_EXPORT_REMOVED, 1));
                            f.vsp = f.make_vsp(); // the same disk comes back
                            f.host->add_device(f.vsp);
                            const bool back = f.wait_event(SATORI_SHIM_EV_EXPORT_ADDED, 2);
                            INFO(f.all_logs());
                            REQUIRE(back);
                        }};
    run_matrix_case(rescind, GENERATE(from_range(std::begin(kSeeds), std::end(kSeeds))));
}
