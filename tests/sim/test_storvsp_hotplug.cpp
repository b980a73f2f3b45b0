// SPDX-License-Identifier: MIT
// tests/sim/test_storvsp_hotplug.cpp — LUN hot add / remove and ENUMERATE_BUS (storvsc.md
// §11, §13.1).
#include <satori/errno.h>

#include "support/sim_storvsp_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;
using namespace satori::sim::testing::vstor;

namespace {

void check_enumerate_bus(const std::optional<Reply> &r, size_t size)
{
    REQUIRE(r.has_value());
    CHECK(r->type == 6);  // in-band
    CHECK(r->tid == 0);   // unsolicited
    CHECK(r->flags == 0); // no completion requested
    CHECK(r->op() == kEnumerateBus);
    CHECK(r->status() == 0);
    CHECK(r->payload.size() == size);
    CHECK(std::all_of(r->payload.begin() + 12, r->payload.end(),
                      [](std::byte b) { return b == std::byte{0}; }));
}

Reply tur(Client &c, uint8_t lun)
{
    Srb s;
    s.cdb = {0, 0, 0, 0, 0, 0};
    s.lun = lun;
    return c.execute(s);
}

} // namespace

TEST_CASE_METHOD(StorFixture, "hot add and remove send ENUMERATE_BUS and change the LUN set",
                 "[sim][storvsp][hotplug]")
{
    ready();
    auto extra = std::make_shared<MemoryDisk>(1 << 20);
    CHECK(tur(*client, 3).srb_status() == kSrbInvalidLun);
    REQUIRE(vsp->add_lun(3, extra) == 0);
    check_enumerate_bus(client->unsolicited(), 0x40);
    CHECK(vsp->luns() == std::vector<uint8_t>{0, 3});
    CHECK(tur(*client, 3).srb_status() == kSrbSuccess);

    Buffer buf = client->alloc(64);
    Srb rl;
    rl.cdb = report_luns(64);
    rl.data_in = kReadType;
    REQUIRE(client->execute(rl, &buf).srb_status() == kSrbSuccess);
    CHECK(be32(buf.bytes(), 0) == 16);

    REQUIRE(vsp->remove_lun(3) == 0);
    check_enumerate_bus(client->unsolicited(), 0x40);
    Reply gone = tur(*client, 3);
    CHECK(gone.srb_status() == kSrbInvalidLun);
    CHECK(gone.status() == kDeviceDoesNotExist);
    CHECK(vsp->luns() == std::vector<uint8_t>{0});
    CHECK(vsp->stats().enumerate_bus_sent == 2);

    CHECK(vsp->add_lun(0, extra) == -SATORI_EEXIST);
    CHECK(vsp->add_lun(255, extra) == -SATORI_EINVAL);
    CHECK(vsp->add_lun(4, nullptr) == -SATORI_EINVAL);
    CHECK(vsp->remove_lun(9) == -SATORI_ENOENT);
    CHECK_FALSE(client->next(100ms).has_value());
}

TEST_CASE_METHOD(StorFixture, "ENUMERATE_BUS is sized for the negotiated version",
                 "[sim][storvsp][hotplug]")
{
    SECTION("WIN7: 0x30")
    {
        ready(default_config(), kVstorWin7);
        REQUIRE(vsp->add_lun(1, std::make_shared<MemoryDisk>(1 << 20)) == 0);
        check_enumerate_bus(client->unsolicited(), 0x30);
    }
    SECTION("WIN6: not sent")
    {
        ready(default_config(), kVstorWin6);
        REQUIRE(vsp->add_lun(1, std::make_shared<MemoryDisk>(1 << 20)) == 0);
        CHECK_FALSE(client->next(200ms).has_value());
        CHECK(vsp->stats().enumerate_bus_dropped == 1);
        CHECK(tur(*client, 1).srb_status() == kSrbSuccess);
    }
}

TEST_CASE_METHOD(StorFixture, "LUN changes during the handshake are not announced",
                 "[sim][storvsp][hotplug]")
{
    open();
    CHECK(client->call(packet(kBeginInit)).status() == kSuccess);
    REQUIRE(vsp->add_lun(2, std::make_shared<MemoryDisk>(1 << 20)) == 0);
    CHECK(client->query_version(kVstorWin8_1).status() == kSuccess);
    CHECK(client->call(packet(kQueryProperties)).status() == kSuccess);
    CHECK(client->call(packet(kEndInit)).status() == kSuccess);
    CHECK_FALSE(client->next(200ms).has_value());
    CHECK(vsp->stats().enumerate_bus_dropped == 1);
    CHECK(tur(*client, 2).srb_status() == kSrbSuccess);
}

TEST_CASE_METHOD(StorFixture, "I/O in flight on a removed LUN still completes",
                 "[sim][storvsp][hotplug]")
{
    ready();
    disk->write(0, pattern(512, 9));
    vsp->hold_completions(true);
    Buffer buf = client->alloc(512);
    Srb rd;
    rd.cdb = rw10(false, 0, 1);
    rd.data_in = kReadType;
    rd.data_len = 512;
    const uint64_t tid = client->next_tid();
    REQUIRE(client->post(srb_packet(rd), tid, {buf.range()}));
    REQUIRE(wait_stats([](const StorvspStats &s) { return s.completions_held == 1; }));
    REQUIRE(vsp->remove_lun(0) == 0);
    vsp->hold_completions(false); // releases what is held
    auto r = client->completion();
    REQUIRE(r.has_value());
    CHECK(r->tid == tid);
    CHECK(r->srb_status() == kSrbSuccess);
    CHECK(buf.bytes() == pattern(512, 9));
    check_enumerate_bus(client->unsolicited(), 0x40);
    CHECK(tur(*client, 0).srb_status() == kSrbInvalidLun);
}

TEST_CASE("a controller with no LUNs still answers", "[sim][storvsp][hotplug]")
{
    StorFixture f;
    f.ready(StorvspConfig{});
    Srb s;
    s.cdb = report_luns(64);
    s.data_in = kReadType;
    Buffer buf = f.client->alloc(64);
    Reply r = f.client->execute(s, &buf);
    CHECK(r.srb_status() == kSrbSuccess);
    CHECK(r.transferred() == 8);
    CHECK(be32(buf.bytes(), 0) == 0);
    CHECK(tur(*f.client, 0).srb_status() == kSrbInvalidLun);
}
