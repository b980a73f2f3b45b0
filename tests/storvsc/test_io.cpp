// SPDX-License-Identifier: MIT
// tests/storvsc/test_io.cpp — the I/O path against the fake storvsp: zero-copy GPA ranges,
// flush / FUA / discard / write-zeroes, errno mapping, retries, ring-full queueing, queue
// depth, timeouts, unknown and repeated ids, short completions, channel death, sub-channels.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <vector>

#include <catch2/catch.hpp>
#include <satori/errno.h>

#include "protocol.hpp"
#include "scsi.hpp"
#include "support/storvsc_fixture.hpp"

using namespace std::chrono_literals;
namespace proto = satori::storvsc::proto;
namespace scsi = satori::storvsc::scsi;
using satori::test::stv::FakeDisk;
using satori::test::stv::Inject;
using satori::test::stv::SentPacket;
using satori::test::stv::StorvscFixture;
using satori::test::stv::TestBuffer;

namespace {

void fill(TestBuffer &b, std::size_t bytes, uint8_t seed)
{
    for (std::size_t i = 0; i < bytes; ++i)
        b.bytes()[i] = std::byte(static_cast<uint8_t>(seed + i * 7));
}

uint64_t cdb_lba(const SentPacket &p)
{
    const auto srb = p.srb();
    uint64_t v = 0;
    for (int i = 2; i < 10; ++i)
        v = (v << 8) | srb.cdb_or_sense[i];
    return v;
}

class IoFixture : public StorvscFixture {
  public:
    IoFixture() { REQUIRE(probe() == 0); }

    int32_t read(uint64_t lba, uint32_t blocks, uint64_t tag, const TestBuffer &b, uint32_t offset = 0)
    {
        return blk.submit(disk(), SATORI_BLK_OP_READ, lba, blocks, tag, {b.segment(offset, blocks * 512)});
    }
    int32_t write(uint64_t lba, uint32_t blocks, uint64_t tag, const TestBuffer &b, uint32_t flags = 0)
    {
        return blk.submit(disk(), SATORI_BLK_OP_WRITE, lba, blocks, tag, {b.segment(0, blocks * 512)}, flags);
    }
    std::optional<int32_t> result(uint64_t tag) { return blk.result(disk(), tag); }
    std::vector<SentPacket> srbs(uint8_t opcode) { return vsp.sent_op(proto::kOpExecuteSrb, opcode); }
    std::vector<std::byte> disk_bytes(uint64_t offset, std::size_t n)
    {
        std::vector<std::byte> out;
        vsp.with_luns([&](auto &luns) { out = luns[0].read(offset, n); });
        return out;
    }
};

} // namespace

TEST_CASE_METHOD(IoFixture, "reads and writes go zero-copy as one GPA range over the request's pages",
                 "[storvsc][io]")
{
    TestBuffer out = buffer(8192);
    fill(out, 8192, 3);
    REQUIRE(write(8, 16, 1, out) == 0);
    CHECK(result(1) == 0);

    const auto writes = srbs(scsi::op::kWrite16);
    REQUIRE(writes.size() == 1);
    const SentPacket &w = writes[0];
    CHECK(w.type == SATORI_PKT_DATA_GPA_DIRECT);
    CHECK(w.payload.size() == 0x40);
    REQUIRE(w.ranges.size() == 1);
    CHECK(w.ranges[0].byte_offset == 0);
    CHECK(w.ranges[0].byte_count == 8192);
    CHECK(w.ranges[0].pfns == std::vector<uint64_t>(out.dma.pfns, out.dma.pfns + 2));
    const auto srb = w.srb();
    CHECK(srb.length == 0x34);
    CHECK(srb.lun == 0);
    CHECK(srb.cdb_length == 16);
    CHECK(srb.data_in == proto::kDataOut);
    CHECK(srb.data_transfer_length == 8192);
    CHECK(srb.sense_info_length == 0x14);
    CHECK((srb.srb_flags & proto::kSrbFlagDataOut) != 0);
    CHECK(cdb_lba(w) == 8);
    CHECK(disk_bytes(8 * 512, 8192) == std::vector<std::byte>(out.bytes(), out.bytes() + 8192));

    SECTION("a read into page-sized segments is one range over all their pages")
    {
        TestBuffer in = buffer(8192);
        REQUIRE(blk.submit(disk(), SATORI_BLK_OP_READ, 8, 16, 2, in.pages(0, 8192)) == 0);
        CHECK(result(2) == 0);
        const auto reads = srbs(scsi::op::kRead16);
        REQUIRE(reads.size() == 1);
        REQUIRE(reads[0].ranges.size() == 1);
        CHECK(reads[0].ranges[0].pfns == std::vector<uint64_t>(in.dma.pfns, in.dma.pfns + 2));
        CHECK(reads[0].srb().data_in == proto::kDataIn);
        CHECK(std::memcmp(in.bytes(), out.bytes(), 8192) == 0);
    }
    SECTION("a buffer starting inside a page keeps its offset")
    {
        TestBuffer in = buffer(3 * 4096);
        REQUIRE(read(8, 8, 3, in, 1024) == 0);
        CHECK(result(3) == 0);
        const auto reads = srbs(scsi::op::kRead16);
        REQUIRE(reads.size() == 1);
        CHECK(reads[0].ranges[0].byte_offset == 1024);
        CHECK(reads[0].ranges[0].pfns.size() == 2);
        CHECK(std::memcmp(in.bytes() + 1024, out.bytes(), 4096) == 0);
    }
}

TEST_CASE_METHOD(IoFixture, "segments with holes go through a bounce buffer", "[storvsc][io]")
{
    TestBuffer src = buffer(8192);
    fill(src, 8192, 9);
    // 512 bytes at 0 and 512 at 4096 + 512: the first ends inside its page.
    std::vector<satori_blk_segment> segs = {src.segment(0, 512), src.segment(4096 + 512, 512)};
    REQUIRE(blk.submit(disk(), SATORI_BLK_OP_WRITE, 100, 2, 1, segs) == 0);
    CHECK(result(1) == 0);
    const auto w = srbs(scsi::op::kWrite16);
    REQUIRE(w.size() == 1);
    CHECK(w[0].ranges[0].pfns[0] != src.dma.pfns[0]); // not the request's pages
    auto on_disk = disk_bytes(100 * 512, 1024);
    CHECK(std::memcmp(on_disk.data(), src.bytes(), 512) == 0);
    CHECK(std::memcmp(on_disk.data() + 512, src.bytes() + 4096 + 512, 512) == 0);

    TestBuffer dst = buffer(8192);
    std::vector<satori_blk_segment> back = {dst.segment(0, 512), dst.segment(4096 + 512, 512)};
    REQUIRE(blk.submit(disk(), SATORI_BLK_OP_READ, 100, 2, 2, back) == 0);
    CHECK(result(2) == 0);
    CHECK(std::memcmp(dst.bytes(), src.bytes(), 512) == 0);
    CHECK(std::memcmp(dst.bytes() + 4096 + 512, src.bytes() + 4096 + 512, 512) == 0);
    CHECK(mem.live() == 3); // the two test buffers and the driver's zero buffer: bounces went back
}

TEST_CASE_METHOD(IoFixture, "malformed requests are refused at once", "[storvsc][io]")
{
    TestBuffer b = buffer(4096);
    CHECK(blk.submit(disk(), SATORI_BLK_OP_READ, 0, 0, 1, {b.segment(0, 512)}) == -SATORI_EINVAL);
    CHECK(blk.submit(disk(), SATORI_BLK_OP_READ, 0, 2, 2, {b.segment(0, 512)}) == -SATORI_EINVAL);
    CHECK(blk.submit(disk(), SATORI_BLK_OP_READ, 0, 1, 3) == -SATORI_EINVAL);
    CHECK(blk.submit(disk(), 99, 0, 1, 4) == -SATORI_EOPNOTSUPP);
    satori_blk_segment bad = b.segment(0, 512);
    bad.pfn_count = 3;
    CHECK(blk.submit(disk(), SATORI_BLK_OP_READ, 0, 1, 5, {bad}) == -SATORI_EINVAL);
    CHECK(srbs(scsi::op::kRead16).empty());
    CHECK(disk().duplicate_completions == 0);
    CHECK(disk().unknown_completions == 0);
}

TEST_CASE_METHOD(IoFixture, "flush, FUA, discard and write-zeroes", "[storvsc][io]")
{
    const uint32_t flags = disk().params.flags;
    CHECK((flags & SATORI_BLK_F_FLUSH) != 0);
    CHECK((flags & SATORI_BLK_F_FUA) != 0);
    CHECK((flags & SATORI_BLK_F_DISCARD) != 0);
    CHECK((flags & SATORI_BLK_F_WRITE_ZEROES) != 0);

    SECTION("FLUSH is SYNCHRONIZE CACHE(10), in-band, no data")
    {
        REQUIRE(blk.submit(disk(), SATORI_BLK_OP_FLUSH, 0, 0, 1) == 0);
        CHECK(result(1) == 0);
        const auto f = srbs(scsi::op::kSynchronizeCache10);
        REQUIRE(f.size() == 1);
        CHECK(f[0].type == SATORI_PKT_DATA_INBAND);
        CHECK(f[0].srb().data_in == proto::kDataNone);
        CHECK(f[0].srb().data_transfer_length == 0);
        CHECK(f[0].flags == SATORI_PKT_FLAG_COMPLETION_REQUESTED);
    }
    SECTION("a FUA write sets the CDB's FUA bit")
    {
        TestBuffer b = buffer(4096);
        REQUIRE(write(0, 8, 2, b, SATORI_BLK_REQ_FUA) == 0);
        REQUIRE(write(8, 8, 3, b) == 0);
        const auto w = srbs(scsi::op::kWrite16);
        REQUIRE(w.size() == 2);
        CHECK(w[0].srb().cdb_or_sense[1] == 0x08);
        CHECK(w[1].srb().cdb_or_sense[1] == 0x00);
    }
    SECTION("DISCARD is one UNMAP with its list in DMA memory")
    {
        TestBuffer b = buffer(65536);
        fill(b, 65536, 1);
        REQUIRE(write(0, 128, 4, b) == 0);
        REQUIRE(blk.submit(disk(), SATORI_BLK_OP_DISCARD, 16, 64, 5) == 0);
        CHECK(result(5) == 0);
        const auto u = srbs(scsi::op::kUnmap);
        REQUIRE(u.size() == 1);
        CHECK(u[0].srb().data_in == proto::kDataOut);
        CHECK(u[0].srb().data_transfer_length == 24);
        CHECK(u[0].srb().cdb_or_sense[8] == 24);
        CHECK(disk_bytes(16 * 512, 64 * 512) == std::vector<std::byte>(64 * 512));
        CHECK(disk_bytes(15 * 512, 1)[0] != std::byte{0});
    }
    SECTION("WRITE_ZEROES before WIN10 writes from the zero buffer in chunks")
    {
        TestBuffer b = buffer(256 * 512);
        fill(b, 256 * 512, 5);
        REQUIRE(write(0, 256, 6, b) == 0);
        REQUIRE(blk.submit(disk(), SATORI_BLK_OP_WRITE_ZEROES, 10, 200, 7) == 0);
        CHECK(result(7) == 0);
        const auto w = srbs(scsi::op::kWrite16);
        REQUIRE(w.size() == 1 + 2); // 64 KiB of zeroes = 128 blocks per chunk
        CHECK(cdb_lba(w[1]) == 10);
        CHECK(cdb_lba(w[2]) == 138);
        CHECK(disk_bytes(10 * 512, 200 * 512) == std::vector<std::byte>(200 * 512));
        CHECK(disk_bytes(9 * 512, 1)[0] != std::byte{0});
        CHECK(srbs(scsi::op::kWriteSame16).empty());
    }
}

TEST_CASE_METHOD(StorvscFixture, "WRITE_ZEROES uses WRITE SAME(16) from WIN10 on", "[storvsc][io]")
{
    vsp.accepted_versions.insert(proto::kVersionWin10);
    REQUIRE(probe() == 0);
    CHECK(vsp.negotiated() == 0x0602);
    REQUIRE(blk.submit(disk(), SATORI_BLK_OP_WRITE_ZEROES, 0, 4096, 1) == 0);
    CHECK(blk.result(disk(), 1) == 0);
    const auto ws = vsp.sent_op(proto::kOpExecuteSrb, scsi::op::kWriteSame16);
    // The fake's max WRITE SAME length: min(8 MiB, 256 KiB max transfer) / 512 = 512 blocks.
    REQUIRE(ws.size() == 8);
    for (const auto &p : ws)
        CHECK(p.srb().data_transfer_length == 512); // one block of zeroes
    CHECK(vsp.sent_op(proto::kOpExecuteSrb, scsi::op::kWrite16).empty());
}

TEST_CASE_METHOD(StorvscFixture, "discard is chunked by the device's UNMAP limits", "[storvsc][io]")
{
    vsp.luns[0].max_unmap_blocks = 16;
    vsp.luns[0].max_unmap_descriptors = 2;
    REQUIRE(probe() == 0);
    REQUIRE(blk.submit(disk(), SATORI_BLK_OP_DISCARD, 0, 200, 1) == 0);
    CHECK(blk.result(disk(), 1) == 0);
    const auto u = vsp.sent_op(proto::kOpExecuteSrb, scsi::op::kUnmap);
    CHECK(u.size() == 7); // 32 blocks per UNMAP
    for (const auto &p : u)
        CHECK(p.srb().data_transfer_length <= scsi::unmap_list_size(2));
    CHECK(vsp.luns[0].unmaps == 7);
}

TEST_CASE_METHOD(IoFixture, "SRB errors become errnos", "[storvsc][io][errors]")
{
    TestBuffer b = buffer(4096);
    vsp.inject(Inject::sense_of(scsi::op::kRead16, scsi::sense_key::kMediumError, 0x11));
    REQUIRE(read(0, 1, 1, b) == 0);
    CHECK(result(1) == -SATORI_EIO);
    CHECK(logged("READ(16) failed: medium error (SRB 0x84 ERROR, SCSI status 0x02, sense MEDIUM ERROR 11/00) -> -5",
                 SATORI_LOG_WARN));

    vsp.inject(Inject::sense_of(scsi::op::kWrite16, scsi::sense_key::kDataProtect, 0x27));
    REQUIRE(write(0, 1, 2, b) == 0);
    CHECK(result(2) == -SATORI_EPERM);

    vsp.inject(Inject::sense_of(scsi::op::kRead16, scsi::sense_key::kIllegalRequest, 0x21, 0,
                                proto::srb::kInvalidRequest));
    REQUIRE(read(0, 1, 3, b) == 0);
    CHECK(result(3) == -SATORI_EINVAL);

    SECTION("a short transfer of a read is an error (§8.2)")
    {
        vsp.inject(Inject::status_of(scsi::op::kRead16, proto::srb::kSuccess, 0, 100));
        REQUIRE(read(0, 1, 4, b) == 0);
        CHECK(result(4) == -SATORI_EIO);
    }
    SECTION("DATA_OVERRUN with the full length is fine")
    {
        vsp.inject(Inject::status_of(scsi::op::kRead16, proto::srb::kDataOverrun, 0, 512));
        REQUIRE(read(0, 1, 5, b) == 0);
        CHECK(result(5) == 0);
    }
    SECTION("a length beyond the request is clamped, with one warning")
    {
        vsp.inject(Inject::status_of(scsi::op::kRead16, proto::srb::kSuccess, 0, 1u << 20));
        REQUIRE(read(0, 1, 6, b) == 0);
        CHECK(result(6) == 0);
        CHECK(logged("clamped", SATORI_LOG_WARN));
    }
}

TEST_CASE_METHOD(IoFixture, "BUSY is retried after a delay on the retry timer, a bounded number of times",
                 "[storvsc][io][retry]")
{
    TestBuffer b = buffer(4096);
    vsp.inject(Inject::status_of(scsi::op::kRead16, proto::srb::kBusy, 0));
    REQUIRE(read(0, 1, 1, b) == 0);
    CHECK_FALSE(result(1));
    REQUIRE(retry_timer().armed);
    CHECK(retry_timer().delay_ns == 10'000'000);
    fire_retry(); // too early: nothing due yet, re-armed
    CHECK_FALSE(result(1));
    advance(10ms);
    fire_retry();
    CHECK(result(1) == 0);
    CHECK(srbs(scsi::op::kRead16).size() == 2);
    CHECK(snap().retries == 1);

    SECTION("TASK SET FULL too, and it gives up after 8 retries")
    {
        vsp.inject(Inject::status_of(scsi::op::kRead16, proto::srb::kError,
                                     proto::scsi_status::kTaskSetFull)
                       .repeat(100));
        REQUIRE(read(0, 1, 2, b) == 0);
        for (int i = 0; i < 8; ++i) {
            CHECK_FALSE(result(2));
            advance(1s);
            fire_retry();
        }
        CHECK(result(2) == -SATORI_EIO);
        CHECK(srbs(scsi::op::kRead16).size() == 2 + 9);
    }
}

TEST_CASE_METHOD(IoFixture, "UNIT ATTENTION 2A/09: capacity re-read and the command retried once",
                 "[storvsc][io][retry]")
{
    TestBuffer b = buffer(4096);
    vsp.with_luns([](auto &luns) {
        luns[0].capacity_changed = true;
        luns[0].blocks = 16384;
    });
    REQUIRE(read(0, 1, 1, b) == 0);
    CHECK(result(1) == 0);
    CHECK(srbs(scsi::op::kRead16).size() == 2);
    REQUIRE(eventually([&] { return !blk.capacities(disk()).empty(); }));
    CHECK(blk.capacities(disk()) == std::vector<uint64_t>{16384});
    CHECK(eventually([&] { return logged("LUN 0: capacity changed from 4 MiB to 8 MiB"); }));

    SECTION("a second UNIT ATTENTION for the same command fails it")
    {
        vsp.inject(Inject::sense_of(scsi::op::kRead16, scsi::sense_key::kUnitAttention, 0x29).repeat(2));
        REQUIRE(read(0, 1, 2, b) == 0);
        CHECK(result(2) == -SATORI_EIO);
    }
}

TEST_CASE_METHOD(IoFixture, "completions with unknown or repeated transaction ids are ignored",
                 "[storvsc][io][untrusted]")
{
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    REQUIRE(read(0, 1, 1, b) == 0);
    const auto held = vsp.held();
    REQUIRE(held.size() == 1);
    const std::vector<std::byte> good = vsp.answer(held[0]);

    deliver_completion(channel(0), good, held[0].trans_id + 1);     // nobody's id
    deliver_completion(channel(0), good, held[0].trans_id ^ (uint64_t{7} << 32)); // stale generation
    CHECK_FALSE(result(1));
    CHECK(snap().bogus_completions == 2);
    CHECK(logged("ignoring a completion for unknown or finished transaction id", SATORI_LOG_WARN));

    deliver_completion(channel(0), good, held[0].trans_id);
    CHECK(result(1) == 0);
    deliver_completion(channel(0), good, held[0].trans_id); // repeated
    CHECK(snap().bogus_completions == 3);
    CHECK(disk().duplicate_completions == 0);
    CHECK(aborts().empty());
    vsp.drop_held();
}

TEST_CASE_METHOD(IoFixture, "a completion shorter than its request aborts the channel and fails everything",
                 "[storvsc][io][untrusted]")
{
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    REQUIRE(read(0, 1, 1, b) == 0);
    REQUIRE(read(1, 1, 2, b) == 0);
    const auto held = vsp.held();
    REQUIRE(held.size() == 2);
    std::vector<std::byte> cut = vsp.answer(held[0]);
    cut.resize(0x38); // 8 bytes short of the 0x40 the request had

    deliver_completion(channel(0), cut, held[0].trans_id);
    CHECK(aborts() == std::vector<int32_t>{-SATORI_EPROTO});
    CHECK(result(1) == -SATORI_EPROTO);
    CHECK(result(2) == -SATORI_EPROTO);
    CHECK(snap().dead);
    CHECK(read(2, 1, 3, b) == -SATORI_EPROTO);
    CHECK(logged("completion payload of 56 bytes, the request had 64; protocol violation"));

    SECTION("also when the operation is not COMPLETE_IO")
    {
        // (the channel is already dead here; the check itself is exercised by the next case)
    }
    vsp.drop_held();
}

TEST_CASE_METHOD(IoFixture, "a completion that is not COMPLETE_IO is a protocol violation",
                 "[storvsc][io][untrusted]")
{
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    REQUIRE(read(0, 1, 1, b) == 0);
    const auto held = vsp.held();
    std::vector<std::byte> bad = vsp.answer(held.at(0));
    const uint32_t op = proto::kOpEnumerateBus;
    std::memcpy(bad.data(), &op, 4);
    deliver_completion(channel(0), bad, held[0].trans_id);
    CHECK(aborts() == std::vector<int32_t>{-SATORI_EPROTO});
    CHECK(result(1) == -SATORI_EPROTO);
    vsp.drop_held();
}

TEST_CASE_METHOD(IoFixture, "ring full: requests wait in order and go out on on_send_space",
                 "[storvsc][io][flow]")
{
    TestBuffer b = buffer(4096);
    vsp.set_send_result(&channel(0).handle, -SATORI_EAGAIN);
    for (uint64_t tag = 1; tag <= 3; ++tag)
        REQUIRE(read(tag * 10, 1, tag, b) == 0);
    CHECK_FALSE(result(1));
    CHECK(srbs(scsi::op::kRead16).empty());
    CHECK(snap().queued == 3);

    vsp.set_send_result(&channel(0).handle, 0);
    pf.host.deliver_send_space(channel(0));
    for (uint64_t tag = 1; tag <= 3; ++tag)
        CHECK(result(tag) == 0);
    const auto reads = srbs(scsi::op::kRead16);
    REQUIRE(reads.size() == 3);
    CHECK(cdb_lba(reads[0]) == 10);
    CHECK(cdb_lba(reads[1]) == 20);
    CHECK(cdb_lba(reads[2]) == 30);
    CHECK(snap().queued == 0);
}

TEST_CASE_METHOD(StorvscFixture, "never more requests in flight than the channel's depth",
                 "[storvsc][io][flow]")
{
    ::setenv("SATORI_STORVSC_RING_KB", "16", 1); // (16 KiB - 4 KiB) / 360 = 34 per channel
    REQUIRE(probe() == 0);
    CHECK(snap().io_depth == 34);
    CHECK(channel(0).params.max_outstanding == 34 + 16);
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    for (uint64_t tag = 1; tag <= 40; ++tag)
        REQUIRE(blk.submit(disk(), SATORI_BLK_OP_READ, tag, 1, tag, {b.segment(0, 512)}) == 0);
    CHECK(vsp.held().size() == 34);
    CHECK(snap().queued == 6);
    CHECK(release_held() == 34); // each completion lets a queued one go
    CHECK(vsp.held().size() == 6);
    CHECK(release_held() == 6);
    for (uint64_t tag = 1; tag <= 40; ++tag)
        CHECK(blk.result(disk(), tag) == 0);
}

TEST_CASE_METHOD(IoFixture, "timeouts: -ETIMEDOUT, RESET_LUN, and the late completion is ignored",
                 "[storvsc][io][timeout]")
{
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    REQUIRE(read(0, 1, 1, b) == 0);
    advance(400ms);
    fire_tick();
    CHECK_FALSE(result(1));
    advance(200ms); // past the 500 ms deadline
    fire_tick();
    CHECK(result(1) == -SATORI_ETIMEDOUT);
    const auto resets = vsp.sent_op(proto::kOpResetLun);
    REQUIRE(resets.size() == 1);
    CHECK(resets[0].srb().lun == 0);
    CHECK(resets[0].payload.size() == 0x40);
    CHECK(snap().abandoned == 1); // the id stays reserved
    CHECK(snap().timeouts == 1);
    CHECK(logged("1 request(s) timed out after 500 ms; RESET_LUN sent to 1 LUN(s)", SATORI_LOG_WARN));

    CHECK(release_held() == 1); // the host answers after all
    CHECK(disk().duplicate_completions == 0);
    CHECK(snap().abandoned == 0);
    CHECK(snap().active_requests == 0);
    CHECK(snap().bogus_completions == 0);

    SECTION("requests still queued time out too, without a reset")
    {
        vsp.set_send_result(&channel(0).handle, -SATORI_EAGAIN);
        REQUIRE(read(0, 1, 2, b) == 0);
        advance(600ms);
        fire_tick();
        CHECK(result(2) == -SATORI_ETIMEDOUT);
        CHECK(vsp.sent_op(proto::kOpResetLun).size() == 1);
        CHECK(snap().active_requests == 0);
        vsp.set_send_result(&channel(0).handle, 0);
    }
}

TEST_CASE_METHOD(IoFixture, "a closed channel fails its requests with the reason", "[storvsc][io][close]")
{
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    REQUIRE(read(0, 1, 1, b) == 0);
    REQUIRE(read(1, 1, 2, b) == 0);
    pf.host.deliver_closed(channel(0), -SATORI_ENODEV);
    CHECK(result(1) == -SATORI_ENODEV);
    CHECK(result(2) == -SATORI_ENODEV);
    CHECK(read(2, 1, 3, b) == -SATORI_ENODEV);
    CHECK(snap().active_requests == 0);
    CHECK(logged("channel 0 stopped working"));
    vsp.drop_held();
}

TEST_CASE_METHOD(IoFixture, "sub-channels share the I/O, and one dying fails only its own requests",
                 "[storvsc][io][subchannel]")
{
    offer_subchannel(1);
    offer_subchannel(2);
    offer_subchannel(3); // more than was asked for: not opened
    REQUIRE(pf.host.channels.size() == 3);
    CHECK(channel(1).sub_index == 1);
    CHECK(channel(2).params.ring_bytes_out == 128 * 1024);
    CHECK(channel(2).user_data == std::vector<std::byte>(24));
    CHECK(snap().channels_open == 3);
    CHECK(logged("storvsc: sub-channel 2 open"));

    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    for (uint64_t tag = 1; tag <= 6; ++tag)
        REQUIRE(read(tag, 1, tag, b) == 0);
    int per_channel[3] = {};
    for (const auto &p : vsp.held())
        ++per_channel[p.channel];
    CHECK(per_channel[0] == 2);
    CHECK(per_channel[1] == 2);
    CHECK(per_channel[2] == 2);

    pf.host.deliver_closed(channel(1), -SATORI_EPROTO);
    int failed = 0;
    for (uint64_t tag = 1; tag <= 6; ++tag)
        if (result(tag)) {
            CHECK(result(tag) == -SATORI_EPROTO);
            ++failed;
        }
    CHECK(failed == 2);
    CHECK_FALSE(snap().dead);
    vsp.release_held([&](satori_channel *ch, std::vector<std::byte> payload, uint64_t id) {
        if (ch->fake->sub_index != 1) pf.host.deliver(*ch->fake, payload, id, SATORI_PKT_COMP);
    });
    for (uint64_t tag = 1; tag <= 6; ++tag)
        CHECK(result(tag).has_value());
    REQUIRE(read(7, 1, 7, b) == 0); // goes to a live channel
    CHECK(release_held() == 1);
    CHECK(result(7) == 0);
}

TEST_CASE_METHOD(IoFixture, "remove fails what is in flight, then removes the disks", "[storvsc][io][remove]")
{
    TestBuffer b = buffer(4096);
    vsp.hold_opcodes = {scsi::op::kRead16};
    REQUIRE(read(0, 1, 1, b) == 0);
    FakeDisk &d = disk();
    remove();
    CHECK(blk.result(d, 1) == -SATORI_ENODEV);
    CHECK(blk.removed(d));
    CHECK(d.removed_with_outstanding == 0);
    CHECK(channel(0).close_calls == 1);
    CHECK(mem.live() == 1); // only the test's buffer
    CHECK(mem.bad_frees == 0);
    CHECK(logged("storvsc: controller removed"));
    vsp.drop_held();
}
