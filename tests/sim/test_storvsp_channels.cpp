// SPDX-License-Identifier: MIT
// tests/sim/test_storvsp_channels.cpp — sub-channels (storvsc.md §10), per-channel queue
// depth with parallel, out-of-order completion (§12), and resets (§11).
#include <set>

#include "support/sim_storvsp_disks.hpp"
#include "support/sim_storvsp_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;
using namespace satori::sim::testing::vstor;

namespace {

Bytes create_subchannels(uint16_t n)
{
    Bytes p = packet(kCreateSubChannels);
    put<uint16_t>(p, 12, n);
    return p;
}

Offer next_offer(TestGuest &g)
{
    return Offer::parse(g.expect(msg::kOffer).bytes);
}

StorvspConfig gated_config(std::shared_ptr<GatedDisk> disk, uint32_t qd, unsigned workers)
{
    StorvspConfig cfg;
    LunConfig l;
    l.backend = std::move(disk);
    cfg.luns.push_back(l);
    cfg.io_queue_depth = qd;
    cfg.worker_threads = workers;
    return cfg;
}

Srb read_lba(uint32_t lba)
{
    Srb s;
    s.cdb = rw10(false, lba, 1);
    s.data_in = kReadType;
    s.data_len = 512;
    return s;
}

} // namespace

TEST_CASE_METHOD(StorFixture, "sub-channels are offered on request and serve I/O",
                 "[sim][storvsp][subchannel]")
{
    ready();
    Reply r = client->call(create_subchannels(2));
    CHECK(r.status() == kSuccess);
    std::vector<Offer> subs = {next_offer(*guest), next_offer(*guest)};
    for (uint16_t i = 0; i < 2; ++i) {
        CHECK(subs[i].sub_channel_index == i + 1);
        CHECK(subs[i].class_id == offers[0].class_id);
        CHECK(subs[i].instance_id == offers[0].instance_id);
    }
    std::vector<std::unique_ptr<TestChannel>> chans;
    std::vector<std::unique_ptr<Client>> clients;
    for (const Offer &o : subs) {
        chans.push_back(std::make_unique<TestChannel>(*guest, o, 0x300 + o.relid, 8, 8));
        REQUIRE(chans.back()->open() == 0);
        clients.push_back(std::make_unique<Client>(*guest, *chans.back()));
    }
    // Write through sub-channel 1, read back through sub-channel 2; each completion comes
    // back on the channel that carried the request.
    const Bytes data = pattern(4096, 0x61);
    Buffer wb = clients[0]->alloc(4096);
    wb.fill(data);
    Srb w;
    w.cdb = rw10(true, 64, 8);
    w.data_in = kWriteType;
    CHECK(clients[0]->execute(w, &wb).srb_status() == kSrbSuccess);
    Buffer rb = clients[1]->alloc(4096);
    Srb rd;
    rd.cdb = rw10(false, 64, 8);
    rd.data_in = kReadType;
    CHECK(clients[1]->execute(rd, &rb).srb_status() == kSrbSuccess);
    CHECK(rb.bytes() == data);
    CHECK_FALSE(client->next(100ms).has_value()); // nothing strayed onto the primary

    // Handshake packets are not for sub-channels.
    CHECK(clients[0]->call(packet(kQueryProperties)).status() == kInvalidDeviceState);
    CHECK(clients[0]->call(create_subchannels(1)).status() == kInvalidDeviceState);

    // Counters move just after the completion is written: wait for them.
    CHECK(wait_stats([](const StorvspStats &st) {
        return st.channels.size() == 3 && st.channels[1].completions == 3 &&
               st.channels[2].completions == 1;
    }));
    auto s = vsp->stats();
    CHECK(s.subchannels_offered == 2);
    REQUIRE(s.channels.size() == 3);
    CHECK(s.channels[1].sub_channel_index == 1);
    CHECK(s.channels[1].open);
    CHECK(s.channels[1].requests == 3);
    CHECK(s.channels[2].requests == 1);

    SECTION("asking again offers only the missing ones")
    {
        CHECK(client->call(create_subchannels(3)).status() == kSuccess);
        CHECK(next_offer(*guest).sub_channel_index == 3);
        CHECK(client->call(create_subchannels(3)).status() == kSuccess);
        CHECK(guest->quiet());
        CHECK(vsp->stats().subchannels_offered == 3);
    }
    SECTION("more than the maximum is INVALID_PARAMETER")
    {
        CHECK(client->call(create_subchannels(5)).status() == kInvalidParameter);
        CHECK(guest->quiet());
    }
    SECTION("zero is accepted and offers nothing")
    {
        CHECK(client->call(create_subchannels(0)).status() == kSuccess);
        CHECK(guest->quiet());
    }
}

TEST_CASE_METHOD(StorFixture, "CREATE_SUB_CHANNELS before END_INITIALIZATION",
                 "[sim][storvsp][subchannel]")
{
    open();
    CHECK(client->call(packet(kBeginInit)).status() == kSuccess);
    SECTION("from WIN8 it is accepted, and early sub-channel I/O waits for the primary")
    {
        CHECK(client->query_version(kVstorWin8).status() == kSuccess);
        CHECK(client->call(packet(kQueryProperties)).status() == kSuccess);
        CHECK(client->call(create_subchannels(1)).status() == kSuccess);
        Offer o = next_offer(*guest);
        TestChannel sub(*guest, o, 0x400, 8, 8);
        REQUIRE(sub.open() == 0);
        Client sc(*guest, sub);
        Srb tur;
        tur.cdb = {0, 0, 0, 0, 0, 0};
        const uint64_t tid = sc.next_tid();
        REQUIRE(sc.post(srb_packet(tur), tid));
        CHECK_FALSE(sc.next(200ms).has_value()); // delayed, not lost
        CHECK(client->call(packet(kEndInit)).status() == kSuccess);
        auto r = sc.completion();
        REQUIRE(r.has_value());
        CHECK(r->tid == tid);
        CHECK(r->srb_status() == kSrbSuccess);
    }
    SECTION("on WIN7 it is out of state")
    {
        CHECK(client->query_version(kVstorWin7, 0x30).status() == kSuccess);
        CHECK(client->call(packet(kQueryProperties, 0x30)).status() == kSuccess);
        CHECK(client->call(create_subchannels(1)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kEndInit, 0x30)).status() == kSuccess);
        CHECK(client->call(create_subchannels(1)).status() == kInvalidParameter);
    }
}

TEST_CASE_METHOD(StorFixture,
                 "requests run in parallel up to the queue depth and complete in "
                 "completion order",
                 "[sim][storvsp][queue]")
{
    auto gated = std::make_shared<GatedDisk>(1 << 20);
    OpenGatesOnExit guard{*gated};
    ready(gated_config(gated, /*qd*/ 4, /*workers*/ 8), kVstorWin8_1, 16);
    std::vector<Buffer> bufs;
    std::map<uint64_t, uint32_t> lba_of; // tid -> lba
    for (uint32_t i = 0; i < 6; ++i) {
        bufs.push_back(client->alloc(512));
        const uint64_t tid = client->next_tid();
        lba_of[tid] = i;
        REQUIRE(client->post(srb_packet(read_lba(i)), tid, {bufs.back().range()}));
    }
    // Four run at once; the other two wait in the ring.
    REQUIRE(gated->wait_waiting(4));
    std::this_thread::sleep_for(100ms);
    CHECK(gated->entered() == 4);
    auto s = vsp->stats();
    CHECK(s.channels.at(0).in_flight == 4);
    CHECK(s.channels.at(0).ring_pauses >= 1);

    // Finish the last admitted first: its completion comes first.
    gated->open(3);
    auto first = client->completion();
    REQUIRE(first.has_value());
    CHECK(lba_of.at(first->tid) == 3);
    // A slot is free: one more request is taken from the ring.
    REQUIRE(gated->wait_waiting(4));
    gated->open(1);
    auto second = client->completion();
    REQUIRE(second.has_value());
    CHECK(lba_of.at(second->tid) == 1);
    gated->open_all();
    std::set<uint64_t> done = {first->tid, second->tid};
    for (int i = 0; i < 4; ++i) {
        auto r = client->completion();
        REQUIRE(r.has_value());
        CHECK(r->srb_status() == kSrbSuccess);
        done.insert(r->tid);
    }
    CHECK(done.size() == 6);
    CHECK(gated->peak() == 4);
    CHECK(wait_stats([](const StorvspStats &st) { return st.in_flight == 0; }));
    s = vsp->stats();
    CHECK(s.in_flight_peak == 4);
    CHECK(s.channels.at(0).in_flight_peak == 4);
}

TEST_CASE_METHOD(StorFixture, "a deep queue: 200 requests in flight complete out of order",
                 "[sim][storvsp][queue]")
{
    auto gated = std::make_shared<GatedDisk>(1 << 20);
    OpenGatesOnExit guard{*gated};
    ready(gated_config(gated, 256, 4), kVstorWin8_1, 64);
    // Each request also holds a worker while gated: only `workers` reach the disk at once,
    // the rest wait in the pool's queue, admitted (in flight) all the same.
    std::vector<Buffer> bufs;
    std::map<uint64_t, uint32_t> lba_of;
    for (uint32_t i = 0; i < 200; ++i) {
        bufs.push_back(client->alloc(512));
        const uint64_t tid = client->next_tid();
        lba_of[tid] = i;
        REQUIRE(client->post(srb_packet(read_lba(i)), tid, {bufs.back().range()}));
    }
    REQUIRE(gated->wait_waiting(4));
    REQUIRE(wait_stats([](const StorvspStats &s) { return s.in_flight == 200; }));
    for (uint32_t lba = 200; lba-- > 0;)
        gated->open(lba);
    size_t out_of_order = 0;
    uint64_t last = 0;
    for (int i = 0; i < 200; ++i) {
        auto r = client->completion();
        REQUIRE(r.has_value());
        CHECK(r->srb_status() == kSrbSuccess);
        out_of_order += r->tid < last ? 1 : 0;
        last = r->tid;
    }
    CHECK(out_of_order > 0);
    CHECK(vsp->stats().in_flight_peak == 200);
}

TEST_CASE_METHOD(StorFixture, "resets complete after the channel's in-flight I/O",
                 "[sim][storvsp][reset]")
{
    ready();
    const uint32_t op = GENERATE(kResetBus, kResetLun, kResetAdapter);
    SECTION("idle: at once")
    {
        Reply r = client->call(packet(op));
        CHECK(r.status() == kSuccess);
        CHECK(r.payload.size() == 0x40);
    }
    SECTION("behind held I/O")
    {
        vsp->hold_completions(true);
        Buffer buf = client->alloc(512);
        const uint64_t io = client->next_tid();
        REQUIRE(client->post(srb_packet(read_lba(0)), io, {buf.range()}));
        REQUIRE(wait_stats([](const StorvspStats &s) { return s.completions_held == 1; }));
        const uint64_t reset = client->next_tid();
        REQUIRE(client->post(packet(op), reset));
        CHECK_FALSE(client->next(200ms).has_value());
        CHECK(vsp->release_held() == 1);
        auto a = client->completion();
        auto b = client->completion();
        REQUIRE(a.has_value());
        REQUIRE(b.has_value());
        CHECK(a->tid == io);
        CHECK(b->tid == reset);
        CHECK(b->status() == kSuccess);
        vsp->hold_completions(false);
    }
    CHECK(vsp->stats().resets == 1);
}
