// SPDX-License-Identifier: MIT
// tests/sim/test_storvsp_scsi.cpp — the SCSI disk model's non-I/O commands (storvsc.md §13):
// INQUIRY and its VPD pages byte by byte, READ CAPACITY, MODE SENSE, REPORT LUNS, sense data.
#include "support/sim_storvsp_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;
using namespace satori::sim::testing::vstor;

namespace {

struct DataIn {
    Reply reply;
    Bytes data; ///< the bytes the host reported as transferred
};

class ScsiFixture : public StorFixture {
  public:
    DataIn in(std::vector<uint8_t> cdb, uint32_t len, uint8_t lun = 0)
    {
        Buffer buf = client->alloc(len);
        std::fill(buf.ptr, buf.ptr + len, std::byte{0xEE});
        Srb s;
        s.cdb = std::move(cdb);
        s.lun = lun;
        s.data_in = kReadType;
        DataIn d{client->execute(s, &buf), {}};
        const uint32_t n = std::min(d.reply.transferred(), len);
        d.data.assign(buf.ptr, buf.ptr + n);
        return d;
    }
    Reply none(std::vector<uint8_t> cdb, uint8_t lun = 0)
    {
        Srb s;
        s.cdb = std::move(cdb);
        s.lun = lun;
        return client->execute(s);
    }
};

void check_sense(const Reply &r, uint8_t key, uint8_t asc, uint8_t srb = kSrbInvalidRequest)
{
    CHECK(r.scsi_status() == 0x02);
    CHECK(r.srb_status() == (srb | kAutosense));
    CHECK(r.u8(kOffCdb) == 0x70);
    CHECK(r.sense_key() == key);
    CHECK(r.u8(kOffCdb + 7) == 10);
    CHECK(r.asc() == asc);
    CHECK(r.ascq() == 0);
    CHECK(r.transferred() == 0);
    CHECK(r.u8(kOffSenseLength) == 18);
}

std::string text(const Bytes &b, size_t at, size_t n)
{
    std::string s;
    for (size_t i = 0; i < n; ++i)
        s.push_back(static_cast<char>(b[at + i]));
    return s;
}

} // namespace

TEST_CASE_METHOD(ScsiFixture, "standard INQUIRY describes a Msft Virtual Disk",
                 "[sim][storvsp][scsi][inquiry]")
{
    ready();
    DataIn d = in(inquiry(0, 0, 104), 104);
    REQUIRE(d.reply.srb_status() == kSrbSuccess);
    CHECK(d.reply.status() == kSuccess);
    CHECK(d.reply.scsi_status() == 0);
    REQUIRE(d.data.size() == 104);
    CHECK(uint8_t(d.data[0]) == 0x00); // direct access
    CHECK(uint8_t(d.data[1]) == 0x00);
    CHECK(uint8_t(d.data[2]) == 0x05); // SPC-3
    CHECK(uint8_t(d.data[3]) == 0x02);
    CHECK(uint8_t(d.data[4]) == 99);
    CHECK(uint8_t(d.data[7]) == 0x02); // CmdQue
    CHECK(text(d.data, 8, 8) == "Msft    ");
    CHECK(text(d.data, 16, 16) == "Virtual Disk    ");
    CHECK(text(d.data, 32, 4) == "1.0 ");
    CHECK(std::all_of(d.data.begin() + 36, d.data.end(),
                      [](std::byte b) { return b == std::byte{0}; }));

    SECTION("a short allocation length truncates")
    {
        DataIn s = in(inquiry(0, 0, 36), 36);
        CHECK(s.reply.srb_status() == kSrbSuccess);
        CHECK(s.data.size() == 36);
    }
    SECTION("invalid fields are ILLEGAL REQUEST / INVALID FIELD IN CDB")
    {
        check_sense(in(inquiry(0, 0x80, 64), 64).reply, 0x05, 0x24); // page without EVPD
        check_sense(in(inquiry(0x02, 0, 64), 64).reply, 0x05, 0x24); // CmdDt
        check_sense(in(inquiry(0, 0, 200), 100).reply, 0x05, 0x24);  // alloc > buffer
        check_sense(in(inquiry(1, 0, 3), 3).reply, 0x05, 0x24);      // EVPD alloc < 4
        check_sense(in(inquiry(1, 0x42, 64), 64).reply, 0x05, 0x24); // unknown page
    }
}

TEST_CASE_METHOD(ScsiFixture, "INQUIRY uses the configured identity",
                 "[sim][storvsp][scsi][inquiry]")
{
    StorvspConfig cfg = default_config();
    cfg.luns[0].vendor = "Satori";
    cfg.luns[0].product = "A very long product name";
    cfg.luns[0].revision = "2";
    ready(cfg);
    DataIn d = in(inquiry(0, 0, 36), 36);
    CHECK(text(d.data, 8, 8) == "Satori  ");
    CHECK(text(d.data, 16, 16) == "A very long prod");
    CHECK(text(d.data, 32, 4) == "2   ");
}

TEST_CASE_METHOD(ScsiFixture, "VPD pages, byte by byte", "[sim][storvsp][scsi][inquiry][vpd]")
{
    StorvspConfig cfg = default_config();
    cfg.luns[0].disk_id = Guid::from_fields(0x00112233, 0x4455, 0x6677,
                                            {0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff});
    cfg.luns[0].backend = disk = std::make_shared<MemoryDisk>(kDiskBytes, 512, 4096);
    ready(cfg);

    SECTION("0x00 supported pages")
    {
        DataIn d = in(inquiry(1, 0x00, 255), 255);
        REQUIRE(d.reply.srb_status() == kSrbSuccess);
        const Bytes want = {std::byte{0},    std::byte{0},    std::byte{0},    std::byte{8},
                            std::byte{0},    std::byte{0x80}, std::byte{0x83}, std::byte{0xB0},
                            std::byte{0xB1}, std::byte{0xB2}, std::byte{0xCE}, std::byte{0xCF}};
        CHECK(d.data == want);
    }
    SECTION("0x80 unit serial number")
    {
        DataIn d = in(inquiry(1, 0x80, 255), 255);
        REQUIRE(d.data.size() == 4 + 15);
        CHECK(uint8_t(d.data[1]) == 0x80);
        CHECK(uint8_t(d.data[3]) == 15);
        CHECK(text(d.data, 4, 15) == "SATORI-SERIAL-0");
    }
    SECTION("0x83 device identification")
    {
        DataIn d = in(inquiry(1, 0x83, 255), 255);
        REQUIRE(d.data.size() == 4 + 28 + 20);
        CHECK(uint8_t(d.data[1]) == 0x83);
        CHECK(be16(d.data, 2) == 48);
        // T10 vendor id: code set 1, type 1, 24 bytes = vendor + GUID (wire order)
        CHECK(uint8_t(d.data[4]) == 0x01);
        CHECK(uint8_t(d.data[5]) == 0x01);
        CHECK(uint8_t(d.data[7]) == 24);
        CHECK(text(d.data, 8, 8) == "Msft    ");
        const uint8_t guid[16] = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
        for (size_t i = 0; i < 16; ++i)
            CHECK(uint8_t(d.data[16 + i]) == guid[i]);
        // NAA 6, Microsoft OUI, GUID head and tail
        CHECK(uint8_t(d.data[32]) == 0x01);
        CHECK(uint8_t(d.data[33]) == 0x03);
        CHECK(uint8_t(d.data[35]) == 16);
        const uint8_t naa[16] = {0x60, 0x02, 0x24, 0x80, 0x33, 0x22, 0x11, 0x00,
                                 0x55, 0x44, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
        for (size_t i = 0; i < 16; ++i)
            CHECK(uint8_t(d.data[36 + i]) == naa[i]);
    }
    SECTION("0xB0 block limits")
    {
        DataIn d = in(inquiry(1, 0xB0, 255), 255);
        REQUIRE(d.data.size() == 64);
        CHECK(be16(d.data, 2) == 0x3C);
        CHECK(be32(d.data, 8) == 0);              // maximum transfer length: not reported
        CHECK(be32(d.data, 20) == 0xFFFFFFFF);    // max unmap LBA count
        CHECK(be32(d.data, 24) == 4096);          // max unmap descriptors
        CHECK(be32(d.data, 28) == 8);             // optimal granularity: 4096 / 512
        CHECK(be32(d.data, 32) == 0x80000000);    // UGAVALID
        CHECK(be64(d.data, 36) == 0x40000 / 512); // max WRITE SAME: max transfer
    }
    SECTION("0xB1 block device characteristics")
    {
        DataIn d = in(inquiry(1, 0xB1, 255), 255);
        REQUIRE(d.data.size() == 64);
        CHECK(be16(d.data, 4) == 1); // non-rotating
    }
    SECTION("0xB2 logical block provisioning")
    {
        DataIn d = in(inquiry(1, 0xB2, 255), 255);
        REQUIRE(d.data.size() == 8);
        CHECK(be16(d.data, 2) == 4);
        CHECK(uint8_t(d.data[4]) == 1);    // threshold exponent
        CHECK(uint8_t(d.data[5]) == 0x84); // LBPU | LBPRZ (a MemoryDisk discards to zeros)
        CHECK(uint8_t(d.data[6]) == 0x02); // thin
    }
    SECTION("0xCE and 0xCF Microsoft pages")
    {
        DataIn ce = in(inquiry(1, 0xCE, 255), 255);
        REQUIRE(ce.data.size() == 8);
        CHECK(uint8_t(ce.data[4]) == 1);
        CHECK(uint8_t(ce.data[5]) == 1);
        DataIn cf = in(inquiry(1, 0xCF, 255), 255);
        REQUIRE(cf.data.size() == 24);
        CHECK(uint8_t(cf.data[4]) == 1);
        const uint8_t sig[16] = {0x15, 0x8f, 0xa9, 0x89, 0x28, 0xc9, 0x8b, 0x4d,
                                 0x94, 0xcd, 0xef, 0x51, 0xfa, 0xa9, 0x9d, 0x33};
        for (size_t i = 0; i < 16; ++i)
            CHECK(uint8_t(cf.data[8 + i]) == sig[i]);
    }
    SECTION("a short allocation length truncates a page")
    {
        DataIn d = in(inquiry(1, 0x83, 4), 4);
        CHECK(d.reply.srb_status() == kSrbSuccess);
        CHECK(d.data.size() == 4);
    }
}

TEST_CASE_METHOD(ScsiFixture, "a disk without discard has no provisioning pages",
                 "[sim][storvsp][scsi][vpd]")
{
    StorvspConfig cfg = default_config();
    cfg.luns[0].serial.clear();
    disk->set_read_only(true); // read-only: no UNMAP, so no thin provisioning
    ready(cfg);
    DataIn d = in(inquiry(1, 0x00, 255), 255);
    const Bytes want = {std::byte{0}, std::byte{0},    std::byte{0},    std::byte{4},
                        std::byte{0}, std::byte{0x83}, std::byte{0xCE}, std::byte{0xCF}};
    CHECK(d.data == want);
    check_sense(in(inquiry(1, 0xB0, 64), 64).reply, 0x05, 0x24);
    check_sense(in(inquiry(1, 0x80, 64), 64).reply, 0x05, 0x24);
}

TEST_CASE_METHOD(ScsiFixture, "READ CAPACITY(10) and (16)", "[sim][storvsp][scsi][capacity]")
{
    StorvspConfig cfg = default_config();
    cfg.luns[0].backend = disk = std::make_shared<MemoryDisk>(kDiskBytes, 512, 4096);
    ready(cfg);
    const uint64_t sectors = kDiskBytes / 512;

    DataIn d10 = in({0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 8);
    REQUIRE(d10.reply.srb_status() == kSrbSuccess);
    REQUIRE(d10.data.size() == 8);
    CHECK(be32(d10.data, 0) == sectors - 1);
    CHECK(be32(d10.data, 4) == 512);

    DataIn d16 = in(read_capacity16(32), 32);
    REQUIRE(d16.reply.srb_status() == kSrbSuccess);
    REQUIRE(d16.data.size() == 32);
    CHECK(be64(d16.data, 0) == sectors - 1);
    CHECK(be32(d16.data, 8) == 512);
    CHECK(uint8_t(d16.data[12]) == 0);
    CHECK((uint8_t(d16.data[13]) & 0x0F) == 3); // 8 logical per physical
    CHECK(uint8_t(d16.data[14]) == 0xC0);       // LBPME | LBPRZ
    CHECK(uint8_t(d16.data[15]) == 0);

    SECTION("buffers too small are DATA_OVERRUN")
    {
        Reply r = in({0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 4).reply;
        CHECK(r.srb_status() == (kSrbDataOverrun | kAutosense));
        CHECK(r.scsi_status() == 0x02);
        CHECK(r.status() == kBufferOverflow);
        CHECK(in(read_capacity16(8), 8).reply.srb_status() == (kSrbDataOverrun | kAutosense));
    }
    SECTION("allocation length limits READ CAPACITY(16)")
    {
        DataIn d = in(read_capacity16(12), 32);
        CHECK(d.reply.srb_status() == kSrbSuccess);
        CHECK(d.data.size() == 12);
    }
    SECTION("other service actions are invalid")
    {
        std::vector<uint8_t> c = read_capacity16(32);
        c[1] = 0x12 + 1;
        check_sense(in(c, 32).reply, 0x05, 0x24);
    }
}

TEST_CASE_METHOD(ScsiFixture, "a 4 KiB-sector disk reports 4096-byte blocks",
                 "[sim][storvsp][scsi][capacity]")
{
    StorvspConfig cfg = default_config();
    cfg.luns[0].backend = disk = std::make_shared<MemoryDisk>(kDiskBytes, 4096);
    ready(cfg);
    DataIn d16 = in(read_capacity16(32), 32);
    CHECK(be64(d16.data, 0) == kDiskBytes / 4096 - 1);
    CHECK(be32(d16.data, 8) == 4096);
    CHECK((uint8_t(d16.data[13]) & 0x0F) == 0);
}

TEST_CASE_METHOD(ScsiFixture, "MODE SENSE returns the caching page", "[sim][storvsp][scsi][mode]")
{
    ready();
    SECTION("MODE SENSE(6), caching page")
    {
        DataIn d = in({0x1A, 0, 0x08, 0, 255, 0}, 255);
        REQUIRE(d.reply.srb_status() == kSrbSuccess);
        REQUIRE(d.data.size() == 16);
        CHECK(uint8_t(d.data[0]) == 15);   // mode data length
        CHECK(uint8_t(d.data[1]) == 0);    // medium type
        CHECK(uint8_t(d.data[2]) == 0x10); // DPOFUA, not write-protected
        CHECK(uint8_t(d.data[3]) == 0);    // no block descriptors
        CHECK(uint8_t(d.data[4]) == 0x08);
        CHECK(uint8_t(d.data[5]) == 0x0A);
        CHECK(uint8_t(d.data[6]) == 0x04); // WCE
    }
    SECTION("MODE SENSE(10), all pages")
    {
        DataIn d = in({0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 255, 0}, 255);
        REQUIRE(d.reply.srb_status() == kSrbSuccess);
        REQUIRE(d.data.size() == 20);
        CHECK(be16(d.data, 0) == 18);
        CHECK(uint8_t(d.data[3]) == 0x10);
        CHECK(be16(d.data, 6) == 0);
        CHECK(uint8_t(d.data[8]) == 0x08);
        CHECK(uint8_t(d.data[10]) == 0x04);
    }
    SECTION("all pages and subpages, truncated")
    {
        DataIn d = in({0x1A, 0, 0x3F, 0xFF, 4, 0}, 4);
        CHECK(d.reply.srb_status() == kSrbSuccess);
        CHECK(d.data.size() == 4);
    }
    SECTION("changeable values report nothing changeable")
    {
        DataIn d = in({0x1A, 0, 0x48, 0, 255, 0}, 255);
        CHECK(uint8_t(d.data[6]) == 0);
    }
    SECTION("no allocation length: nothing")
    {
        DataIn d = in({0x1A, 0, 0x08, 0, 0, 0}, 16);
        CHECK(d.reply.srb_status() == kSrbSuccess);
        CHECK(d.reply.transferred() == 0);
    }
    SECTION("saved values, other pages, bad lengths")
    {
        check_sense(in({0x1A, 0, 0xC8, 0, 255, 0}, 255).reply, 0x05, 0x24);
        check_sense(in({0x1A, 0, 0x1C, 0, 255, 0}, 255).reply, 0x05, 0x24);
        check_sense(in({0x1A, 0, 0x08, 0, 255, 0}, 64).reply, 0x05, 0x24);
        check_sense(in({0x1A, 0, 0x08, 0, 2, 0}, 64).reply, 0x05, 0x24);
    }
    SECTION("a read-only disk is write-protected")
    {
        disk->set_read_only(true);
        DataIn d = in({0x1A, 0, 0x08, 0, 255, 0}, 255);
        CHECK(uint8_t(d.data[2]) == 0x90);
    }
}

TEST_CASE_METHOD(ScsiFixture, "MODE SELECT accepts only the unchanged caching page",
                 "[sim][storvsp][scsi][mode]")
{
    ready();
    auto select = [&](const Bytes &list, uint8_t byte1 = 0x10) {
        Buffer buf = client->alloc(static_cast<uint32_t>(list.size()));
        buf.fill(list);
        Srb s;
        s.cdb = {0x15, byte1, 0, 0, static_cast<uint8_t>(list.size()), 0};
        s.data_in = kWriteType;
        return client->execute(s, &buf);
    };
    Bytes ok(16);
    ok[4] = std::byte{0x08};
    ok[5] = std::byte{0x0A};
    ok[6] = std::byte{0x04};
    CHECK(select(ok).srb_status() == kSrbSuccess);
    Bytes wce_off = ok;
    wce_off[6] = std::byte{0};
    check_sense(select(wce_off), 0x05, 0x26);
    Bytes other = ok;
    other[4] = std::byte{0x0A};
    check_sense(select(other), 0x05, 0x26);
    Bytes truncated = ok;
    truncated[5] = std::byte{0x20};
    check_sense(select(truncated), 0x05, 0x1A);
    check_sense(select(ok, 0x11), 0x05, 0x24); // SP
}

TEST_CASE_METHOD(ScsiFixture, "REPORT LUNS lists the attached LUNs, sorted",
                 "[sim][storvsp][scsi][luns]")
{
    StorvspConfig cfg = default_config();
    for (uint8_t n : {7, 3}) {
        LunConfig l;
        l.lun = n;
        l.backend = std::make_shared<MemoryDisk>(1 << 20);
        cfg.luns.push_back(l);
    }
    ready(cfg);
    DataIn d = in(report_luns(256), 256);
    REQUIRE(d.reply.srb_status() == kSrbSuccess);
    REQUIRE(d.data.size() == 8 + 3 * 8);
    CHECK(be32(d.data, 0) == 24);
    CHECK(be16(d.data, 8) == 0);
    CHECK(be16(d.data, 16) == 3);
    CHECK(be16(d.data, 24) == 7);
    CHECK(be64(d.data, 24) == uint64_t{7} << 48);

    SECTION("from any LUN, even an absent one")
    {
        DataIn a = in(report_luns(256), 256, /*lun*/ 99);
        CHECK(a.reply.srb_status() == kSrbSuccess);
        CHECK(a.data.size() == 32);
    }
    SECTION("a small buffer gets the head")
    {
        DataIn s = in(report_luns(16), 16);
        CHECK(s.data.size() == 16);
        CHECK(be32(s.data, 0) == 24);
        DataIn tiny = in(report_luns(4), 4);
        CHECK(tiny.reply.srb_status() == kSrbSuccess);
        CHECK(tiny.reply.transferred() == 0);
    }
    SECTION("another target has no LUNs")
    {
        Buffer buf = client->alloc(64);
        Srb s;
        s.cdb = report_luns(64);
        s.target = 1;
        s.data_in = kReadType;
        Reply r = client->execute(s, &buf);
        CHECK(r.srb_status() == kSrbSuccess);
        CHECK(r.transferred() == 8);
        CHECK(buf.ptr[3] == std::byte{0});
    }
}

TEST_CASE_METHOD(ScsiFixture, "absent LUNs: INVALID_LUN, and INQUIRY says no device",
                 "[sim][storvsp][scsi][luns]")
{
    ready();
    Reply tur = none({0, 0, 0, 0, 0, 0}, 5);
    CHECK(tur.srb_status() == kSrbInvalidLun);
    CHECK(tur.scsi_status() == 0x02);
    CHECK(tur.status() == kDeviceDoesNotExist);

    DataIn i = in(inquiry(0, 0, 36), 36, 5);
    REQUIRE(i.reply.srb_status() == kSrbSuccess);
    CHECK(uint8_t(i.data[0]) == 0x7F);
    CHECK(std::all_of(i.data.begin() + 8, i.data.begin() + 36,
                      [](std::byte b) { return b == std::byte{0}; }));
    check_sense(in(inquiry(1, 0x83, 64), 64, 5).reply, 0x05, 0x24);
    CHECK(in(inquiry(0, 0, 4), 4, 5).reply.srb_status() == kSrbInvalidLun);

    SECTION("LUN 0 absent keeps the vendor strings")
    {
        REQUIRE(vsp->remove_lun(0) == 0);
        DataIn z = in(inquiry(0, 0, 36), 36, 0);
        CHECK(uint8_t(z.data[0]) == 0x7F);
        CHECK(text(z.data, 8, 8) == "Msft    ");
    }
    SECTION("another target")
    {
        Srb s;
        s.cdb = {0, 0, 0, 0, 0, 0};
        s.target = 1;
        CHECK(client->execute(s).srb_status() == kSrbInvalidLun);
    }
}

TEST_CASE_METHOD(ScsiFixture, "errors: invalid opcode and CDB fields, with REQUEST SENSE",
                 "[sim][storvsp][scsi][sense]")
{
    ready();
    Reply bad = none({0xC5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    check_sense(bad, 0x05, 0x20);
    CHECK(bad.status() == kIoDeviceError);

    // REQUEST SENSE returns the stored sense once, then NO SENSE.
    DataIn s1 = in({0x03, 0, 0, 0, 18, 0}, 18);
    REQUIRE(s1.reply.srb_status() == kSrbSuccess);
    REQUIRE(s1.data.size() == 18);
    CHECK(uint8_t(s1.data[0]) == 0x70);
    CHECK(uint8_t(s1.data[2]) == 0x05);
    CHECK(uint8_t(s1.data[12]) == 0x20);
    DataIn s2 = in({0x03, 0, 0, 0, 18, 0}, 18);
    CHECK(uint8_t(s2.data[2]) == 0x00);
    CHECK(uint8_t(s2.data[12]) == 0x00);
    check_sense(in({0x03, 0, 0, 0, 4, 0}, 18).reply, 0x05, 0x24);  // alloc < 8
    check_sense(in({0x03, 1, 0, 0, 18, 0}, 18).reply, 0x05, 0x24); // descriptor format

    // CDB shorter than its opcode's group size.
    Srb shortcdb;
    shortcdb.cdb = {0x28, 0, 0, 0, 0, 0};
    check_sense(client->execute(shortcdb), 0x05, 0x24);

    SECTION("DISABLE_AUTOSENSE keeps the sense out of the completion")
    {
        Srb s;
        s.cdb = {0xC5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        s.srb_flags = 0x20;
        Reply r = client->execute(s);
        CHECK(r.srb_status() == kSrbInvalidRequest);
        CHECK(r.scsi_status() == 0x02);
        CHECK(r.u8(kOffCdb) == 0);
    }
}

TEST_CASE_METHOD(ScsiFixture, "TEST UNIT READY, START STOP UNIT, SYNCHRONIZE CACHE, no-ops",
                 "[sim][storvsp][scsi]")
{
    ready();
    CHECK(none({0x00, 0, 0, 0, 0, 0}).srb_status() == kSrbSuccess);
    CHECK(none({0x1B, 0, 0, 0, 0x01, 0}).srb_status() == kSrbSuccess);
    const uint64_t flushes = disk->flushes();
    CHECK(none({0x1B, 0, 0, 0, 0x00, 0}).srb_status() == kSrbSuccess); // stop: flush
    CHECK(disk->flushes() == flushes + 1);
    check_sense(none({0x1B, 1, 0, 0, 1, 0}), 0x05, 0x24); // IMMED
    CHECK(none({0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}).srb_status() == kSrbSuccess);
    std::vector<uint8_t> sc16(16);
    sc16[0] = 0x91;
    CHECK(none(sc16).srb_status() == kSrbSuccess);
    CHECK(disk->flushes() == flushes + 3);
    be(sc16, 2, kDiskBytes / 512 + 1, 8);
    check_sense(none(sc16), 0x05, 0x21);
    for (uint8_t op : {0x04, 0x16, 0x17, 0x1E})
        CHECK(none({op, 0, 0, 0, 0, 0}).srb_status() == kSrbSuccess);
    CHECK(none({0x1D, 0x04, 0, 0, 0, 0}).srb_status() == kSrbSuccess); // default self-test
    check_sense(none({0x1D, 0x10, 0, 0, 0, 0}), 0x05, 0x24);
    std::vector<uint8_t> verify = rw10(false, 10, 8);
    verify[0] = 0x2F;
    CHECK(none(verify).srb_status() == kSrbSuccess);
    be(verify, 2, kDiskBytes / 512 - 4, 4);
    check_sense(none(verify), 0x05, 0x21);
    auto s = vsp->stats();
    CHECK(s.commands_by_opcode[0x00] == 1);
    CHECK(s.commands_by_opcode[0x1B] == 3);
    CHECK(s.flushes == 3);
}
