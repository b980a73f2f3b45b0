// SPDX-License-Identifier: MIT
// tests/sim/test_storvsp_handshake.cpp — the vstor handshake (storvsc.md §9), the size
// delta (§6.3), QUERY_PROPERTIES (§7.2) and controller configuration.
#include <stdexcept>

#include "support/sim_storvsp_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;
using namespace satori::sim::testing::vstor;

TEST_CASE_METHOD(StorFixture, "storvsp is offered as a synthetic SCSI controller",
                 "[sim][storvsp][handshake]")
{
    open();
    const Offer &o = offers[0];
    Guid cls;
    std::copy(o.class_id.begin(), o.class_id.end(), cls.bytes.begin());
    CHECK(cls == kStorvspClassId);
    CHECK(cls.to_string() == "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f");
    Guid inst;
    std::copy(o.instance_id.begin(), o.instance_id.end(), inst.bytes.begin());
    CHECK(inst == kStorvspDefaultInstanceId);
    CHECK(o.sub_channel_index == 0);
}

TEST_CASE_METHOD(StorFixture, "the handshake completes at every version the host may cap at",
                 "[sim][storvsp][handshake]")
{
    const uint16_t cap = GENERATE(kVstorWin6, kVstorWin7, kVstorWin8, kVstorWin8_1, kVstorWin10);
    StorvspConfig cfg = default_config();
    cfg.protocol_versions = {kVstorWin6, kVstorWin7, kVstorWin8, kVstorWin8_1, kVstorWin10};
    cfg.protocol_versions.erase(std::remove_if(cfg.protocol_versions.begin(),
                                               cfg.protocol_versions.end(),
                                               [&](uint16_t v) { return v > cap; }),
                                cfg.protocol_versions.end());
    open(cfg);
    INFO("host caps at 0x" << std::hex << cap);

    // An older driver: BEGIN, then versions highest first, pre-Win8 sized until one sticks.
    const size_t old_size = 0x30;
    Reply begin = client->call(packet(kBeginInit, old_size));
    CHECK(begin.status() == kSuccess);
    CHECK(begin.payload.size() == old_size); // completions are sized like the request
    uint16_t chosen = 0;
    for (uint16_t v : {kVstorWin10, kVstorWin8_1, kVstorWin8, kVstorWin7, kVstorWin6}) {
        Reply r = client->query_version(v, old_size);
        CHECK(r.payload.size() == old_size);
        CHECK(get<uint16_t>(r.payload, 12) == v); // echoed, revision 0
        CHECK(get<uint16_t>(r.payload, 14) == 0);
        if (v > cap) {
            CHECK(r.status() == kRevisionMismatch);
            continue;
        }
        CHECK(r.status() == kSuccess);
        chosen = v;
        break;
    }
    REQUIRE(chosen == cap);
    const size_t size = chosen >= kVstorWin8 ? 0x40 : 0x30;
    Reply props = client->call(packet(kQueryProperties, size));
    CHECK(props.status() == kSuccess);
    CHECK(props.payload.size() == size);
    const bool multi = chosen >= kVstorWin8;
    CHECK(get<uint16_t>(props.payload, 12 + 4) == (multi ? 4 : 0));   // max_channel_cnt
    CHECK(get<uint32_t>(props.payload, 12 + 8) == (multi ? 1u : 0u)); // MULTI_CHANNEL
    CHECK(get<uint32_t>(props.payload, 12 + 12) == 0x40000u);         // max_transfer_bytes
    CHECK(client->call(packet(kEndInit, size)).status() == kSuccess);

    auto s = vsp->stats();
    CHECK(s.ready);
    CHECK(s.protocol_version == chosen);
    uint64_t mismatches = 0;
    for (uint16_t v : {kVstorWin10, kVstorWin8_1, kVstorWin8, kVstorWin7})
        mismatches += v > cap ? 1 : 0;
    CHECK(s.version_mismatches == mismatches);

    // An SRB of the negotiated size completes with exactly that size.
    Srb tur;
    tur.cdb = {0x00, 0, 0, 0, 0, 0};
    tur.size = size;
    Reply r = client->execute(tur);
    CHECK(r.payload.size() == size);
    CHECK(r.status() == kSuccess);
    CHECK(r.srb_status() == kSrbSuccess);
    CHECK(get<uint16_t>(r.payload, kOffSrbLength) == size - 12);
}

TEST_CASE_METHOD(StorFixture, "a WIN8+ host parses 0x40-byte packets even after WIN7",
                 "[sim][storvsp][handshake][delta]")
{
    ready(default_config(), kVstorWin7);
    // Linux 6.1 sends 0x40 during init whatever it negotiates; the host parses up to 0x34
    // SRB bytes and answers with the request's size.
    Srb tur;
    tur.cdb = {0x00, 0, 0, 0, 0, 0};
    tur.size = 0x40;
    Reply r = client->execute(tur);
    CHECK(r.payload.size() == 0x40);
    CHECK(r.srb_status() == kSrbSuccess);
    // And a WIN8 packet size on a WIN7 channel: the sense fits in 0x30 too.
    Srb bad;
    bad.cdb = {0xFF, 0, 0, 0, 0, 0};
    bad.size = 0x30;
    Reply e = client->execute(bad);
    CHECK(e.payload.size() == 0x30);
    CHECK(e.srb_status() == (kSrbInvalidRequest | kAutosense));
    CHECK(e.sense_key() == 0x05);
    CHECK(e.asc() == 0x20);
}

TEST_CASE_METHOD(StorFixture, "the default host refuses WIN10 and settles on WIN8.1",
                 "[sim][storvsp][handshake]")
{
    open();
    CHECK(client->call(packet(kBeginInit)).status() == kSuccess);
    CHECK(client->query_version(kVstorWin10).status() == kRevisionMismatch);
    CHECK(client->query_version(0x0601).status() == kRevisionMismatch);
    CHECK(client->query_version(kVstorWin8_1).status() == kSuccess);
    CHECK(vsp->stats().protocol_version == kVstorWin8_1);
}

TEST_CASE_METHOD(StorFixture, "out-of-order init packets get INVALID_DEVICE_STATE",
                 "[sim][storvsp][handshake]")
{
    open();
    SECTION("before BEGIN")
    {
        CHECK(client->call(packet(kQueryVersion)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kQueryProperties)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kEndInit)).status() == kInvalidDeviceState);
        Srb tur;
        tur.cdb = {0, 0, 0, 0, 0, 0};
        CHECK(client->execute(tur).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kResetBus)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kBeginInit)).status() == kSuccess);
    }
    SECTION("twice, skipped or repeated steps")
    {
        CHECK(client->call(packet(kBeginInit)).status() == kSuccess);
        CHECK(client->call(packet(kBeginInit)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kQueryProperties)).status() == kInvalidDeviceState);
        CHECK(client->query_version(kVstorWin8_1).status() == kSuccess);
        CHECK(client->query_version(kVstorWin8_1).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kEndInit)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kQueryProperties)).status() == kSuccess);
        CHECK(client->call(packet(kEndInit)).status() == kSuccess);
        // ready: init packets are out of state, unknown operations too
        CHECK(client->call(packet(kBeginInit)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kQueryProperties)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kFchbaData)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(99)).status() == kInvalidDeviceState);
        CHECK(client->call(packet(kCompleteIo)).status() == kInvalidDeviceState);
    }
    CHECK(vsp->stats().protocol_errors > 0);
}

TEST_CASE_METHOD(StorFixture, "closing the primary channel restarts the handshake",
                 "[sim][storvsp][handshake]")
{
    ready();
    CHECK(vsp->stats().ready);
    primary->close();
    REQUIRE(wait_stats([](const StorvspStats &s) { return !s.ready; }));
    client.reset();
    primary = std::make_unique<TestChannel>(*guest, offers[0], 0x200, 8, 8);
    REQUIRE(primary->open() == 0);
    client = std::make_unique<vstor::Client>(*guest, *primary);
    Srb tur;
    tur.cdb = {0, 0, 0, 0, 0, 0};
    CHECK(client->execute(tur).status() == kInvalidDeviceState);
    client->handshake(kVstorWin8);
    CHECK(client->execute(tur).srb_status() == kSrbSuccess);
    CHECK(vsp->stats().protocol_version == kVstorWin8);
}

TEST_CASE_METHOD(StorFixture, "properties report the configured limits",
                 "[sim][storvsp][handshake][properties]")
{
    StorvspConfig cfg = default_config();
    cfg.max_subchannels = 7;
    cfg.max_transfer_bytes = 1u << 20;
    Reply p = ready(cfg, kVstorWin8_1);
    CHECK(p.payload.size() == 0x40);
    CHECK(get<uint32_t>(p.payload, 12) == 0);        // reserved
    CHECK(get<uint16_t>(p.payload, 16) == 7);        // max_channel_cnt
    CHECK(get<uint16_t>(p.payload, 18) == 0);        // reserved1
    CHECK(get<uint32_t>(p.payload, 20) == 1);        // MULTI_CHANNEL
    CHECK(get<uint32_t>(p.payload, 24) == 1u << 20); // max_transfer_bytes
    CHECK(get<uint64_t>(p.payload, 28) == 0);        // reserved2
}

TEST_CASE_METHOD(StorFixture, "a packet without the VMBus completion flag is ignored",
                 "[sim][storvsp][handshake]")
{
    open();
    REQUIRE(client->post(packet(kBeginInit), 5, {}, /*flags*/ 0));
    CHECK_FALSE(client->next(200ms).has_value());
    CHECK(vsp->stats().protocol_errors == 1);
    CHECK(client->call(packet(kBeginInit)).status() == kSuccess);
}

TEST_CASE("storvsp refuses a bad configuration with a precise message", "[sim][storvsp][config]")
{
    auto make = [](auto edit) {
        StorvspConfig c;
        edit(c);
        try {
            StorvspVsp v(c);
        } catch (const std::invalid_argument &e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(make([](StorvspConfig &c) { c.max_transfer_bytes = 1000; }).find("max_transfer_bytes") !=
          std::string::npos);
    CHECK(make([](StorvspConfig &c) {
              c.max_transfer_bytes = 2u << 20;
          }).find("max_transfer_bytes") != std::string::npos);
    CHECK(make([](StorvspConfig &c) { c.io_queue_depth = 0; }).find("io_queue_depth") !=
          std::string::npos);
    CHECK(make([](StorvspConfig &c) { c.protocol_versions = {0x0300}; }).find("0x300") !=
          std::string::npos);
    CHECK(make([](StorvspConfig &c) { c.protocol_versions.clear(); }).find("empty") !=
          std::string::npos);
    CHECK(make([](StorvspConfig &c) { c.worker_threads = 0; }).find("worker_threads") !=
          std::string::npos);
    CHECK(make([](StorvspConfig &c) {
              LunConfig l;
              l.lun = 255;
              l.backend = std::make_shared<MemoryDisk>(1 << 20);
              c.luns.push_back(l);
          }).find("LUN 255 is out of range") != std::string::npos);
    CHECK(make([](StorvspConfig &c) {
              LunConfig l;
              l.lun = 3;
              c.luns.push_back(l);
          }).find("LUN 3 has no disk backend") != std::string::npos);
    CHECK(make([](StorvspConfig &c) {
              LunConfig l;
              l.lun = 1;
              l.backend = std::make_shared<MemoryDisk>(1 << 20, 1024);
              c.luns.push_back(l);
          }).find("logical sector size 1024") != std::string::npos);
    CHECK(make([](StorvspConfig &c) {
              LunConfig l;
              l.lun = 2;
              l.backend = std::make_shared<MemoryDisk>(1 << 20);
              c.luns.push_back(l);
              c.luns.push_back(l);
          }).find("LUN 2 is configured twice") != std::string::npos);
    CHECK(make([](StorvspConfig &) {}).empty());
}
