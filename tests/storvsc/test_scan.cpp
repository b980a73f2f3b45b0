// SPDX-License-Identifier: MIT
// tests/storvsc/test_scan.cpp — the bus scan (LUN order, disk parameters from INQUIRY / VPD
// / READ CAPACITY / MODE SENSE), hot-add and hot-remove through ENUMERATE_BUS with I/O in
// flight, INVALID_LUN removal, unsolicited garbage, IDE addressing.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <satori/errno.h>
#include <satori/sdk/guid.hpp>

#include "protocol.hpp"
#include "scsi.hpp"
#include "support/storvsc_fixture.hpp"

namespace proto = satori::storvsc::proto;
namespace scsi = satori::storvsc::scsi;
using satori::test::stv::FakeDisk;
using satori::test::stv::FakeLun;
using satori::test::stv::StorvscFixture;
using satori::test::stv::TestBuffer;

namespace {

std::vector<uint8_t> vpd_pages_asked(const std::vector<satori::test::stv::SentPacket> &inquiries, uint8_t lun)
{
    std::vector<uint8_t> pages;
    for (const auto &p : inquiries) {
        const auto srb = p.srb();
        if (srb.lun == lun && (srb.cdb_or_sense[1] & 1)) pages.push_back(srb.cdb_or_sense[2]);
    }
    return pages;
}

} // namespace

TEST_CASE_METHOD(StorvscFixture, "the scan registers every LUN, in LUN order, with what the device says",
                 "[storvsc][scan]")
{
    FakeLun ro;
    ro.read_only = true;
    ro.thin = false;
    ro.wce = false;
    ro.dpofua = false;
    ro.vendor = "Acme";
    ro.product = "Old Disk";
    ro.blocks = 3 * 1024 * 1024; // 1.5 GiB
    vsp.luns[3] = FakeLun{};
    vsp.luns[3].block_size = 4096;
    vsp.luns[3].blocks = 1024;
    vsp.luns[1] = ro;
    vsp.luns[0].lbprz = true;
    REQUIRE(probe() == 0);

    const auto disks = blk.live();
    REQUIRE(disks.size() == 3);
    CHECK(blk.param_errors.empty());
    CHECK(disks[0]->name == "sda");
    CHECK(disks[0]->params.name == nullptr);
    CHECK(disks[0]->description == "LUN 0: Msft Virtual Disk 4 MiB");
    CHECK(disks[1]->description == "LUN 1: Acme Old Disk 1.5 GiB");
    CHECK(disks[2]->description == "LUN 3: Msft Virtual Disk 4 MiB");

    const satori_blk_disk_params &p0 = disks[0]->params;
    CHECK(p0.flags == (SATORI_BLK_F_FLUSH | SATORI_BLK_F_FUA | SATORI_BLK_F_DISCARD |
                       SATORI_BLK_F_DISCARD_ZEROES | SATORI_BLK_F_WRITE_ZEROES));
    CHECK(p0.logical_block_size == 512);
    CHECK(p0.physical_block_size == 512);
    CHECK(p0.capacity_blocks == 8192);
    CHECK(p0.max_transfer_bytes == 256 * 1024);
    CHECK(p0.queue_depth == 950);
    CHECK(p0.discard_granularity == 8 * 512);

    const satori_blk_disk_params &p1 = disks[1]->params;
    CHECK(p1.flags == (SATORI_BLK_F_READ_ONLY | SATORI_BLK_F_ROTATIONAL));
    CHECK(p1.capacity_blocks == 3 * 1024 * 1024);

    const satori_blk_disk_params &p3 = disks[2]->params;
    CHECK(p3.logical_block_size == 4096);
    CHECK(p3.capacity_blocks == 1024);

    const auto inquiries = vsp.sent_op(proto::kOpExecuteSrb, scsi::op::kInquiry);
    CHECK(vpd_pages_asked(inquiries, 0) == std::vector<uint8_t>{0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2});
    CHECK(vpd_pages_asked(inquiries, 1) == std::vector<uint8_t>{0x00, 0x80, 0x83});
    CHECK(vsp.sent_op(proto::kOpExecuteSrb, scsi::op::kReportLuns).size() == 1);
    CHECK(vsp.sent_op(proto::kOpExecuteSrb, scsi::op::kServiceActionIn16).size() == 3);
    CHECK(logged("storvsc: LUN 0: Msft Virtual Disk 4 MiB, 512-byte blocks, max transfer 256 KiB, "
                 "write-back cache, FUA, discard (zeroes), non-rotational",
                 SATORI_LOG_INFO));
    CHECK(logged("LUN 1: Acme Old Disk 1.5 GiB, 512-byte blocks, max transfer 256 KiB, read-only, "
                 "write-through, rotational"));

    SECTION("writes to a read-only disk are refused at once")
    {
        TestBuffer b = buffer(4096);
        CHECK(blk.submit(*disks[1], SATORI_BLK_OP_WRITE, 0, 1, 1, {b.segment(0, 512)}) == -SATORI_EPERM);
        CHECK(blk.submit(*disks[1], SATORI_BLK_OP_READ, 0, 1, 2, {b.segment(0, 512)}) == 0);
        CHECK(blk.result(*disks[1], 2) == 0);
    }
    SECTION("a disk without UNMAP has no discard")
    {
        CHECK(blk.submit(*disks[1], SATORI_BLK_OP_DISCARD, 0, 1, 3) == -SATORI_EOPNOTSUPP);
    }
}

TEST_CASE_METHOD(StorvscFixture, "READ CAPACITY(16) refused: READ CAPACITY(10) is used", "[storvsc][scan]")
{
    vsp.luns[0].rc16 = false;
    vsp.luns[0].blocks = 12345;
    REQUIRE(probe() == 0);
    REQUIRE(blk.live().size() == 1);
    CHECK(disk().params.capacity_blocks == 12345);
    CHECK(vsp.sent_op(proto::kOpExecuteSrb, scsi::op::kReadCapacity10).size() == 1);
}

TEST_CASE_METHOD(StorvscFixture, "LUNs that are not usable disks are skipped", "[storvsc][scan]")
{
    vsp.luns[2] = FakeLun{};
    vsp.luns[2].block_size = 520; // neither 512 nor 4096
    SECTION("add_disk refused")
    {
        blk.add_result = -SATORI_EEXIST;
        REQUIRE(probe() == 0);
        CHECK(blk.live().empty());
        CHECK(logged("add_disk failed", SATORI_LOG_WARN));
        CHECK(snap().luns.empty());
    }
    SECTION("odd block size")
    {
        REQUIRE(probe() == 0);
        CHECK(blk.live().size() == 1);
        CHECK(logged("LUN 2: block size 520 is not supported"));
    }
}

TEST_CASE_METHOD(StorvscFixture, "a LUN that answers INVALID_LUN is removed and its requests fail with -ENODEV",
                 "[storvsc][scan][hotplug]")
{
    REQUIRE(probe() == 0);
    FakeDisk &d = disk();
    TestBuffer b = buffer(4096);
    vsp.with_luns([](auto &luns) { luns.erase(0); });
    REQUIRE(blk.submit(d, SATORI_BLK_OP_READ, 0, 1, 1, {b.segment(0, 512)}) == 0);
    CHECK(blk.result(d, 1) == -SATORI_ENODEV);
    CHECK(blk.submit(d, SATORI_BLK_OP_READ, 0, 1, 2, {b.segment(0, 512)}) == -SATORI_ENODEV);
    REQUIRE(eventually([&] { return blk.removed(d); }));
    CHECK(d.removed_with_outstanding == 0);
    CHECK(eventually([&] { return logged("storvsc: LUN 0 removed"); }));
    CHECK(snap().luns.empty());
}

TEST_CASE_METHOD(StorvscFixture, "ENUMERATE_BUS: new LUNs appear, gone LUNs go, with I/O in flight",
                 "[storvsc][scan][hotplug]")
{
    vsp.luns[1] = FakeLun{};
    REQUIRE(probe() == 0);
    REQUIRE(blk.live().size() == 2);
    FakeDisk &lun1 = disk(1);
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    REQUIRE(blk.submit(lun1, SATORI_BLK_OP_READ, 0, 1, 1, {b.segment(0, 512)}) == 0);
    REQUIRE(blk.submit(lun1, SATORI_BLK_OP_READ, 1, 1, 2, {b.segment(0, 512)}) == 0);
    REQUIRE(blk.submit(disk(0), SATORI_BLK_OP_READ, 0, 1, 3, {b.segment(0, 512)}) == 0);

    vsp.with_luns([](auto &luns) {
        luns.erase(1);
        luns[2] = FakeLun{};
        luns[2].product = "Hot Disk";
    });
    const uint32_t op = GENERATE(proto::kOpEnumerateBus, proto::kOpRemoveDevice);
    enumerate_bus(op);

    REQUIRE(eventually([&] { return blk.removed(lun1); }));
    CHECK(blk.result(lun1, 1) == -SATORI_ENODEV);
    CHECK(blk.result(lun1, 2) == -SATORI_ENODEV);
    CHECK(lun1.removed_with_outstanding == 0);
    REQUIRE(eventually([&] { return blk.by_description_prefix("LUN 2: Msft Hot Disk") != nullptr; }));
    CHECK(blk.live().size() == 2);
    CHECK(eventually([&] { return snap().luns == std::vector<uint8_t>{0, 2}; }));
    CHECK(logged("rescanning the bus"));

    // LUN 0's request was not touched; the host now answers everything it held.
    CHECK_FALSE(blk.result(disk(0), 3));
    vsp.hold_opcodes.clear();
    release_held();
    CHECK(blk.result(disk(0), 3) == 0);
    CHECK(lun1.duplicate_completions == 0);
    CHECK(eventually([&] { return snap().active_requests == 0; }));
    CHECK(snap().bogus_completions == 0);
}

TEST_CASE_METHOD(StorvscFixture, "unsolicited packets the driver does not expect are ignored",
                 "[storvsc][scan][untrusted]")
{
    REQUIRE(probe() == 0);
    pf.host.deliver(channel(0), std::vector<std::byte>(2), 0, SATORI_PKT_DATA_INBAND);
    CHECK(logged("ignoring an unsolicited packet of 2 bytes", SATORI_LOG_WARN));
    std::vector<std::byte> odd(0x40);
    const uint32_t op = 77;
    std::memcpy(odd.data(), &op, 4);
    pf.host.deliver(channel(0), odd, 0, SATORI_PKT_DATA_INBAND);
    CHECK(logged("ignoring unsolicited operation 77", SATORI_LOG_WARN));
    pf.host.deliver(channel(0), odd, 0, SATORI_PKT_DATA_XFER_PAGES);
    CHECK(logged("ignoring a packet of type 7", SATORI_LOG_WARN));
    CHECK(aborts().empty());
    CHECK(blk.live().size() == 1);
}

TEST_CASE_METHOD(StorvscFixture, "the IDE accelerator is addressed by its instance GUID, without sub-channels",
                 "[storvsc][scan][ide]")
{
    pf.info.class_id = satori::guids::kIde.to_c();
    pf.info.instance_id = {};
    pf.info.instance_id.b[0] = 1; // IDE channel
    pf.info.instance_id.b[4] = 1; // drive
    REQUIRE(probe() == 0);
    CHECK(vsp.sent_op(proto::kOpCreateSubChannels).empty());
    const auto srbs = vsp.sent_op(proto::kOpExecuteSrb);
    REQUIRE_FALSE(srbs.empty());
    for (const auto &p : srbs) {
        CHECK(p.srb().path_id == 1);
        CHECK(p.srb().target_id == 1);
    }
    CHECK(blk.live().size() == 1);
}
