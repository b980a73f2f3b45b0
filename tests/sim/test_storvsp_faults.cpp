// SPDX-License-Identifier: MIT
// tests/sim/test_storvsp_faults.cpp — fault hooks for guest tests: injected SRB failures,
// delayed and held completions, completions under unknown transaction ids.
#include <set>

#include "support/sim_storvsp_disks.hpp"
#include "support/sim_storvsp_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;
using namespace satori::sim::testing::vstor;

namespace {

Srb tur()
{
    Srb s;
    s.cdb = {0, 0, 0, 0, 0, 0};
    return s;
}

} // namespace

TEST_CASE_METHOD(StorFixture, "fail_next completes the next commands with the given status",
                 "[sim][storvsp][faults]")
{
    ready();
    SECTION("BUSY")
    {
        vsp->fail_next(2, StorvspFault::busy());
        for (int i = 0; i < 2; ++i) {
            Reply r = client->execute(tur());
            CHECK(r.srb_status() == kSrbBusy);
            CHECK(r.scsi_status() == 0x08);
            CHECK(r.status() == kDeviceBusy);
        }
        CHECK(client->execute(tur()).srb_status() == kSrbSuccess);
    }
    SECTION("TASK SET FULL")
    {
        vsp->fail_next(1, StorvspFault::task_set_full());
        Reply r = client->execute(tur());
        CHECK(r.srb_status() == kSrbError);
        CHECK(r.scsi_status() == 0x28);
    }
    SECTION("UNIT ATTENTION with sense")
    {
        vsp->fail_next(1, StorvspFault::unit_attention(0x29, 0x00));
        Reply r = client->execute(tur());
        CHECK(r.srb_status() == (kSrbError | kAutosense));
        CHECK(r.scsi_status() == 0x02);
        CHECK(r.sense_key() == 0x06);
        CHECK(r.asc() == 0x29);
        CHECK(r.status() == kIoDeviceError);
    }
    SECTION("a read that fails does not touch the disk or guest memory")
    {
        disk->write(0, pattern(512, 1));
        vsp->fail_next(1, StorvspFault::medium_error());
        Buffer buf = client->alloc(512);
        Srb rd;
        rd.cdb = rw10(false, 0, 1);
        rd.data_in = kReadType;
        Reply r = client->execute(rd, &buf);
        CHECK(r.sense_key() == 0x03);
        CHECK(r.asc() == 0x11);
        CHECK(r.transferred() == 0);
        CHECK(buf.bytes() == Bytes(512));
        CHECK(vsp->stats().bytes_read == 0);
    }
    SECTION("a custom NTSTATUS")
    {
        StorvspFault f;
        f.srb_status = 0x09; // TIMEOUT
        f.scsi_status = 0;
        f.ntstatus = 0xC0000001;
        vsp->fail_next(1, f);
        Reply r = client->execute(tur());
        CHECK(r.srb_status() == 0x09);
        CHECK(r.status() == 0xC0000001u);
    }
    CHECK(vsp->stats().faults_injected >= 1);
}

TEST_CASE_METHOD(StorFixture, "completions can be delayed", "[sim][storvsp][faults]")
{
    ready();
    vsp->set_completion_delay(150ms);
    const auto start = std::chrono::steady_clock::now();
    CHECK(client->execute(tur()).srb_status() == kSrbSuccess);
    CHECK(std::chrono::steady_clock::now() - start >= 150ms);
    vsp->set_completion_delay(0ms);
    const auto again = std::chrono::steady_clock::now();
    CHECK(client->execute(tur()).srb_status() == kSrbSuccess);
    CHECK(std::chrono::steady_clock::now() - again < 150ms);
}

TEST_CASE_METHOD(StorFixture, "held completions wait until released, in order",
                 "[sim][storvsp][faults]")
{
    ready();
    vsp->hold_completions(true);
    std::vector<uint64_t> tids;
    for (int i = 0; i < 3; ++i) {
        tids.push_back(client->next_tid());
        REQUIRE(client->post(srb_packet(tur()), tids.back()));
    }
    REQUIRE(wait_stats([](const StorvspStats &s) { return s.completions_held == 3; }));
    CHECK_FALSE(client->next(150ms).has_value());
    CHECK(vsp->stats().in_flight == 3);
    CHECK(vsp->release_held() == 3);
    std::set<uint64_t> got;
    for (int i = 0; i < 3; ++i) {
        auto r = client->completion();
        REQUIRE(r.has_value());
        got.insert(r->tid);
    }
    CHECK(got == std::set<uint64_t>(tids.begin(), tids.end()));
    // Still holding: the next one waits too.
    const uint64_t t = client->next_tid();
    REQUIRE(client->post(srb_packet(tur()), t));
    CHECK_FALSE(client->next(150ms).has_value());
    vsp->hold_completions(false);
    auto r = client->completion();
    REQUIRE(r.has_value());
    CHECK(r->tid == t);
}

TEST_CASE_METHOD(StorFixture, "completions can carry a transaction id the guest never used",
                 "[sim][storvsp][faults]")
{
    ready();
    SECTION("instead of the real one")
    {
        vsp->complete_with_unknown_id(1);
        const uint64_t tid = client->next_tid();
        REQUIRE(client->post(srb_packet(tur()), tid));
        auto r = client->completion();
        REQUIRE(r.has_value());
        CHECK(r->tid != tid);
        CHECK(r->tid != 0);
        CHECK_FALSE(client->next(150ms).has_value());
    }
    SECTION("followed by the real one")
    {
        vsp->complete_with_unknown_id(1, true);
        const uint64_t tid = client->next_tid();
        REQUIRE(client->post(srb_packet(tur()), tid));
        auto bogus = client->completion();
        auto real = client->completion();
        REQUIRE(bogus.has_value());
        REQUIRE(real.has_value());
        CHECK(bogus->tid != tid);
        CHECK(real->tid == tid);
    }
    CHECK(client->execute(tur()).srb_status() == kSrbSuccess);
}

TEST_CASE_METHOD(StorFixture, "closing a channel with held completions does not leak them",
                 "[sim][storvsp][faults]")
{
    ready();
    vsp->hold_completions(true);
    REQUIRE(client->post(srb_packet(tur()), client->next_tid()));
    REQUIRE(wait_stats([](const StorvspStats &s) { return s.completions_held == 1; }));
    primary->close();
    REQUIRE(wait_stats([](const StorvspStats &s) { return s.completions_held == 0; }));
    CHECK(vsp->release_held() == 0);
    CHECK(vsp->stats().in_flight == 0);
}

TEST_CASE_METHOD(StorFixture, "a completion finishing after its channel closed is not held",
                 "[sim][storvsp][faults]")
{
    auto gated = std::make_shared<GatedDisk>(1 << 20);
    OpenGatesOnExit guard{*gated};
    StorvspConfig cfg;
    LunConfig l;
    l.backend = gated;
    cfg.luns.push_back(l);
    ready(cfg);
    vsp->hold_completions(true);
    Buffer buf = client->alloc(512);
    Srb rd;
    rd.cdb = rw10(false, 0, 1);
    rd.data_in = kReadType;
    rd.data_len = 512;
    REQUIRE(client->post(srb_packet(rd), client->next_tid(), {buf.range()}));
    REQUIRE(gated->wait_waiting(1));
    primary->close();
    REQUIRE(wait_stats([](const StorvspStats &s) { return !s.channels.at(0).open; }));
    gated->open_all();
    CHECK(wait_stats([](const StorvspStats &s) { return s.in_flight == 0; }));
    CHECK(vsp->stats().completions_held == 0);
    CHECK(vsp->release_held() == 0);
}
