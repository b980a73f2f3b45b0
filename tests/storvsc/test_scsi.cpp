// SPDX-License-Identifier: MIT
// tests/storvsc/test_scsi.cpp — CDB builders byte for byte; response parsers on good,
// truncated and hostile data (no over-read: every case runs on an exactly sized vector, so
// ASan catches a read past it).
#include "scsi.hpp"

#include <cstdint>
#include <initializer_list>
#include <vector>

#include <catch2/catch.hpp>

namespace scsi = satori::storvsc::scsi;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes cdb_bytes(const scsi::Cdb &c) { return Bytes(c.span().begin(), c.span().end()); }

/// A VPD page: header (page, BE length) + body.
Bytes vpd(uint8_t page, Bytes body)
{
    Bytes d(4 + body.size());
    d[1] = page;
    d[2] = static_cast<uint8_t>(body.size() >> 8);
    d[3] = static_cast<uint8_t>(body.size());
    for (std::size_t i = 0; i < body.size(); ++i)
        d[4 + i] = body[i];
    return d;
}

/// Every prefix of @p data, each in its own exactly-sized buffer.
template <class Fn> void for_each_prefix(const Bytes &data, Fn &&fn)
{
    for (std::size_t n = 0; n <= data.size(); ++n) {
        const Bytes cut(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
        fn(cut);
    }
}

} // namespace

TEST_CASE("CDB builders produce the exact bytes", "[storvsc][scsi][cdb]")
{
    CHECK(cdb_bytes(scsi::test_unit_ready()) == Bytes{0, 0, 0, 0, 0, 0});
    CHECK(cdb_bytes(scsi::inquiry(96)) == Bytes{0x12, 0, 0, 0, 96, 0});
    CHECK(cdb_bytes(scsi::inquiry_vpd(0xb0, 0x1ff)) == Bytes{0x12, 0x01, 0xb0, 0x01, 0xff, 0});
    CHECK(cdb_bytes(scsi::report_luns(0x01020304)) ==
          Bytes{0xa0, 0, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0, 0});
    CHECK(cdb_bytes(scsi::read_capacity10()) == Bytes{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(cdb_bytes(scsi::read_capacity16(32)) ==
          Bytes{0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0});
    CHECK(cdb_bytes(scsi::mode_sense6(0x3f, 255)) == Bytes{0x1a, 0x08, 0x3f, 0, 255, 0});
    CHECK(cdb_bytes(scsi::mode_sense6(0x08, 20, false)) == Bytes{0x1a, 0, 0x08, 0, 20, 0});
    CHECK(cdb_bytes(scsi::read16(0x0102030405060708, 0x11223344)) ==
          Bytes{0x88, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x22, 0x33, 0x44, 0, 0});
    CHECK(cdb_bytes(scsi::write16(0x10, 8)) ==
          Bytes{0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 8, 0, 0});
    CHECK(cdb_bytes(scsi::write16(0x10, 8, true)) ==
          Bytes{0x8a, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 8, 0, 0});
    CHECK(cdb_bytes(scsi::synchronize_cache10()) == Bytes{0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(cdb_bytes(scsi::unmap(24)) == Bytes{0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0});
    CHECK(cdb_bytes(scsi::write_same16(0x20, 0x100)) ==
          Bytes{0x93, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 0, 0, 0});
    CHECK(cdb_bytes(scsi::write_same16(0x20, 0x100, true))[1] == 0x08);
    CHECK(scsi::read16(0, 1).opcode() == scsi::op::kRead16);
}

TEST_CASE("UNMAP parameter lists", "[storvsc][scsi][cdb]")
{
    const scsi::UnmapExtent extents[] = {{0x0102030405060708, 0x0a0b0c0d}, {0x99, 1}};
    Bytes out(scsi::unmap_list_size(2), 0xee);
    REQUIRE(scsi::build_unmap_list(out, extents) == 40);
    CHECK(out == Bytes{0, 38, 0, 32, 0, 0, 0, 0,                                        //
                       1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0,      //
                       0, 0, 0, 0, 0, 0, 0, 0x99, 0, 0, 0, 1, 0, 0, 0, 0});
    SECTION("too small a buffer or nothing to unmap writes nothing")
    {
        Bytes small(39);
        CHECK(scsi::build_unmap_list(small, extents) == 0);
        CHECK(scsi::build_unmap_list(out, {}) == 0);
    }
}

TEST_CASE("standard INQUIRY data", "[storvsc][scsi][parse]")
{
    Bytes d(36, ' ');
    d[0] = 0x00;
    d[1] = 0x80;
    d[2] = 5;
    d[3] = 2;
    d[7] = 0x02;
    const char *vendor = "Msft    Virtual Disk    1.0 ";
    for (int i = 0; i < 28; ++i)
        d[8 + i] = static_cast<uint8_t>(vendor[i]);
    auto inq = scsi::parse_inquiry(d);
    REQUIRE(inq);
    CHECK(inq->qualifier == 0);
    CHECK(inq->device_type == 0);
    CHECK(inq->removable);
    CHECK(inq->version == 5);
    CHECK(inq->cmdque);
    CHECK(inq->vendor == "Msft");
    CHECK(inq->product == "Virtual Disk");
    CHECK(inq->revision == "1.0");

    SECTION("no device: qualifier 3, type 0x1f")
    {
        auto none = scsi::parse_inquiry(Bytes{0x7f});
        REQUIRE(none);
        CHECK(none->qualifier == 3);
        CHECK(none->device_type == 0x1f);
        CHECK(none->vendor.empty());
    }
    SECTION("every truncation parses what is whole, never more")
    {
        for_each_prefix(d, [](const Bytes &cut) {
            auto p = scsi::parse_inquiry(cut);
            CHECK(p.has_value() == !cut.empty());
            if (p && cut.size() < 16) CHECK(p->vendor.empty());
            if (p && cut.size() < 32) CHECK(p->product.empty());
        });
    }
    SECTION("non-printable bytes are replaced")
    {
        Bytes bad = d;
        bad[8] = 0x01;
        bad[9] = 0xff;
        CHECK(scsi::parse_inquiry(bad)->vendor == "??ft");
    }
}

TEST_CASE("VPD pages", "[storvsc][scsi][parse][vpd]")
{
    SECTION("supported pages: sorted, unique; header checked")
    {
        auto pages = scsi::parse_supported_pages(vpd(0x00, {0xb2, 0x00, 0x80, 0xb0, 0x80}));
        REQUIRE(pages);
        CHECK(*pages == Bytes{0x00, 0x80, 0xb0, 0xb2});
        CHECK_FALSE(scsi::parse_supported_pages(vpd(0x80, {0x00})));
        CHECK_FALSE(scsi::parse_supported_pages(Bytes{0, 0, 0}));
    }
    SECTION("a page length beyond the data is cut to the data")
    {
        Bytes d = vpd(0x00, {0x00, 0x83});
        d[3] = 200; // claims 200 bytes, has 2
        auto pages = scsi::parse_supported_pages(d);
        REQUIRE(pages);
        CHECK(*pages == Bytes{0x00, 0x83});
    }
    SECTION("serial number")
    {
        auto sn = scsi::parse_unit_serial(vpd(0x80, {' ', 'A', 'B', '1', ' '}));
        REQUIRE(sn);
        CHECK(*sn == "AB1");
    }
    SECTION("device identification: whole designators only")
    {
        Bytes body = {0x01, 0x03, 0x00, 0x04, 0x60, 0x02, 0x24, 0x80, // NAA, 4 bytes
                      0x02, 0x01, 0x00, 0x08, 'M', 's', 'f', 't'};    // T10, claims 8, has 4
        auto ids = scsi::parse_device_id(vpd(0x83, body));
        REQUIRE(ids);
        REQUIRE(ids->size() == 1);
        CHECK((*ids)[0].type == 3);
        CHECK((*ids)[0].code_set == 1);
        CHECK((*ids)[0].id == Bytes{0x60, 0x02, 0x24, 0x80});
        for_each_prefix(vpd(0x83, body), [](const Bytes &cut) { (void)scsi::parse_device_id(cut); });
    }
    SECTION("block limits")
    {
        Bytes body(0x3c, 0);
        auto put32 = [&](std::size_t page_off, uint32_t v) {
            for (int i = 0; i < 4; ++i)
                body[page_off - 4 + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
        };
        put32(8, 512);
        put32(20, 0xffffffff);
        put32(24, 4096);
        put32(28, 8);
        put32(32, 0x80000003);
        body[36 - 4 + 6] = 0x40; // max write same length 0x4000
        auto bl = scsi::parse_block_limits(vpd(0xb0, body));
        REQUIRE(bl);
        CHECK(bl->max_transfer_blocks == 512);
        CHECK(bl->max_unmap_lba_count == 0xffffffff);
        CHECK(bl->max_unmap_descriptors == 4096);
        CHECK(bl->optimal_unmap_granularity == 8);
        CHECK(bl->ugavalid);
        CHECK(bl->unmap_alignment == 3);
        CHECK(bl->max_write_same_blocks == 0x4000);

        // An old, short page: fields it does not carry read as "not reported".
        Bytes short_page = vpd(0xb0, Bytes(body.begin(), body.begin() + 12));
        auto old = scsi::parse_block_limits(short_page);
        REQUIRE(old);
        CHECK(old->max_transfer_blocks == 512);
        CHECK(old->max_unmap_lba_count == 0);
        CHECK(old->max_write_same_blocks == 0);
        for_each_prefix(vpd(0xb0, body), [](const Bytes &cut) { (void)scsi::parse_block_limits(cut); });
    }
    SECTION("rotation rate and provisioning")
    {
        CHECK(scsi::parse_rotation_rate(vpd(0xb1, {0x00, 0x01, 0, 0})) == uint16_t{1});
        CHECK(scsi::parse_rotation_rate(vpd(0xb1, {0x1c, 0x20})) == uint16_t{7200});
        CHECK_FALSE(scsi::parse_rotation_rate(vpd(0xb1, {0x1c})));
        auto p = scsi::parse_logical_block_provisioning(vpd(0xb2, {0x01, 0x84, 0x02, 0x00}));
        REQUIRE(p);
        CHECK(p->lbpu);
        CHECK_FALSE(p->lbpws);
        CHECK(p->lbprz);
        CHECK(p->provisioning_type == 2);
        auto no = scsi::parse_logical_block_provisioning(vpd(0xb2, {0x01, 0x60}));
        REQUIRE(no);
        CHECK_FALSE(no->lbpu);
        CHECK(no->lbpws);
        CHECK(no->lbpws10);
        CHECK_FALSE(scsi::parse_logical_block_provisioning(vpd(0xb2, {0x01})));
    }
}

TEST_CASE("READ CAPACITY data", "[storvsc][scsi][parse]")
{
    auto c10 = scsi::parse_read_capacity10(Bytes{0x00, 0x01, 0xff, 0xff, 0, 0, 2, 0});
    REQUIRE(c10);
    CHECK(c10->last_lba == 0x1ffff);
    CHECK(c10->block_length == 512);
    CHECK_FALSE(scsi::parse_read_capacity10(Bytes{0, 0, 0, 0, 0, 0, 2}));

    Bytes d16(32, 0);
    d16[3] = 0x01; // last LBA 0x0000000100000000
    d16[10] = 0x10; // 4096
    d16[13] = 0x03;
    d16[14] = 0xc0;
    auto c16 = scsi::parse_read_capacity16(d16);
    REQUIRE(c16);
    CHECK(c16->last_lba == 0x100000000);
    CHECK(c16->block_length == 4096);
    CHECK(c16->lbppbe == 3);
    CHECK(c16->lbpme);
    CHECK(c16->lbprz);
    SECTION("12 bytes are enough; the flag bytes need their bytes")
    {
        auto twelve = scsi::parse_read_capacity16(Bytes(d16.begin(), d16.begin() + 12));
        REQUIRE(twelve);
        CHECK(twelve->block_length == 4096);
        CHECK_FALSE(twelve->lbpme);
        CHECK_FALSE(scsi::parse_read_capacity16(Bytes(d16.begin(), d16.begin() + 11)));
    }
}

TEST_CASE("MODE SENSE(6) header and caching page", "[storvsc][scsi][parse]")
{
    const Bytes good = {15, 0, 0x90, 0, 0x08, 0x0a, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    auto ms = scsi::parse_mode_sense6(good);
    REQUIRE(ms);
    CHECK(ms->write_protected);
    CHECK(ms->dpofua);
    CHECK(ms->has_caching_page);
    CHECK(ms->wce);

    SECTION("block descriptors are skipped")
    {
        Bytes with_bd = {23, 0, 0, 8, 0, 0, 0, 0, 0, 0, 2, 0, 0x08, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        auto p = scsi::parse_mode_sense6(with_bd);
        REQUIRE(p);
        CHECK(p->has_caching_page);
        CHECK_FALSE(p->wce);
        CHECK_FALSE(p->write_protected);
    }
    SECTION("other pages first, a subpage-format page, then caching")
    {
        Bytes d = {0, 0, 0, 0, 0x01, 0x02, 0xaa, 0xbb, 0x41, 0x01, 0x00, 0x01, 0xcc, 0x08, 0x01, 0x04};
        d[0] = static_cast<uint8_t>(d.size() - 1);
        auto p = scsi::parse_mode_sense6(d);
        REQUIRE(p);
        CHECK(p->has_caching_page);
        CHECK(p->wce);
    }
    SECTION("hostile lengths stop the walk without reading past the data")
    {
        CHECK_FALSE(scsi::parse_mode_sense6(Bytes{3, 0, 0}));
        Bytes liar = {255, 0, 0x80, 250, 0x08}; // claims 255 bytes and 250 of descriptors
        auto p = scsi::parse_mode_sense6(liar);
        REQUIRE(p);
        CHECK(p->write_protected);
        CHECK_FALSE(p->has_caching_page);
        Bytes big_page = {7, 0, 0, 0, 0x08, 0xff, 0x04, 0};
        auto q = scsi::parse_mode_sense6(big_page);
        REQUIRE(q);
        CHECK(q->wce); // cut short, but the WCE byte is there
        for_each_prefix(good, [](const Bytes &cut) { (void)scsi::parse_mode_sense6(cut); });
    }
}

TEST_CASE("REPORT LUNS", "[storvsc][scsi][parse]")
{
    const Bytes d = {0, 0, 0, 40, 0, 0, 0, 0,          //
                     0, 2, 0, 0, 0, 0, 0, 0,           // LUN 2
                     0, 0, 0, 0, 0, 0, 0, 0,           // LUN 0
                     0x40, 0x05, 0, 0, 0, 0, 0, 0,     // flat addressing LUN 5
                     0, 2, 0, 0, 0, 0, 0, 0,           // duplicate
                     0x01, 7, 0, 0, 0, 0, 0, 0};       // bus 1: not ours
    auto luns = scsi::parse_report_luns(d);
    REQUIRE(luns);
    CHECK(*luns == std::vector<uint16_t>{0, 2, 5});

    SECTION("the list length is a claim: only whole entries that arrived count")
    {
        Bytes liar = {0xff, 0xff, 0xff, 0xf8, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0};
        auto l = scsi::parse_report_luns(liar);
        REQUIRE(l);
        CHECK(*l == std::vector<uint16_t>{3});
        Bytes empty_list = {0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0};
        CHECK(scsi::parse_report_luns(empty_list)->empty());
        CHECK_FALSE(scsi::parse_report_luns(Bytes{0, 0, 0, 8, 0, 0, 0}));
        for_each_prefix(d, [](const Bytes &cut) { (void)scsi::parse_report_luns(cut); });
    }
    SECTION("second-level (hierarchical) addresses are skipped")
    {
        Bytes hier = {0, 0, 0, 8, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0};
        CHECK(scsi::parse_report_luns(hier)->empty());
    }
}

TEST_CASE("sense data", "[storvsc][scsi][parse][sense]")
{
    Bytes fixed(18, 0);
    fixed[0] = 0x70;
    fixed[2] = 0x06;
    fixed[7] = 10;
    fixed[12] = 0x2a;
    fixed[13] = 0x09;
    auto s = scsi::parse_sense(fixed);
    CHECK(s.valid);
    CHECK_FALSE(s.descriptor);
    CHECK(s.key == scsi::sense_key::kUnitAttention);
    CHECK(s.asc == 0x2a);
    CHECK(s.ascq == 0x09);

    SECTION("descriptor format")
    {
        auto d = scsi::parse_sense(Bytes{0x72, 0x03, 0x11, 0x00});
        CHECK(d.valid);
        CHECK(d.descriptor);
        CHECK(d.key == scsi::sense_key::kMediumError);
        CHECK(d.asc == 0x11);
        CHECK(scsi::parse_sense(Bytes{0x73, 0x05}).deferred);
    }
    SECTION("short sense keeps the key, drops ASC/ASCQ it does not carry")
    {
        Bytes shorty(fixed.begin(), fixed.begin() + 8);
        auto p = scsi::parse_sense(shorty);
        CHECK(p.valid);
        CHECK(p.key == 6);
        CHECK(p.asc == 0);
        Bytes small_len = fixed;
        small_len[7] = 4; // additional length does not reach byte 12
        CHECK(scsi::parse_sense(small_len).asc == 0);
        for_each_prefix(fixed, [](const Bytes &cut) { (void)scsi::parse_sense(cut); });
    }
    SECTION("unknown response codes are not sense")
    {
        CHECK_FALSE(scsi::parse_sense(Bytes{0x00, 0, 6}).valid);
        CHECK_FALSE(scsi::parse_sense(Bytes{}).valid);
        CHECK_FALSE(scsi::parse_sense(Bytes{0x70, 0}).valid);
    }
    CHECK(std::string(scsi::sense_key_name(7)) == "DATA PROTECT");
}
