// SPDX-License-Identifier: MIT
// tests/sim/test_storvsp_io.cpp — data through storvsp: READ/WRITE of every size over a
// MemoryDisk and a raw file, UNMAP, WRITE SAME, write protection, medium errors and
// capacity changes (storvsc.md §8, §13.2, §13.6, §13.7).
#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include <satori/errno.h>

#include "support/sim_storvsp_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;
using namespace satori::sim::testing::vstor;

namespace {

class IoFixture : public StorFixture {
  public:
    Reply write(std::vector<uint8_t> cdb, const Bytes &data, uint32_t buf_offset = 0)
    {
        Buffer buf = client->alloc(static_cast<uint32_t>(data.size()), buf_offset);
        buf.fill(data);
        Srb s;
        s.cdb = std::move(cdb);
        s.data_in = kWriteType;
        return client->execute(s, &buf);
    }
    Reply read(std::vector<uint8_t> cdb, uint32_t len, Bytes &out, uint32_t buf_offset = 0)
    {
        Buffer buf = client->alloc(len, buf_offset);
        Srb s;
        s.cdb = std::move(cdb);
        s.data_in = kReadType;
        Reply r = client->execute(s, &buf);
        out = buf.bytes();
        return r;
    }
};

void check_sense(const Reply &r, uint8_t key, uint8_t asc, uint8_t srb)
{
    CHECK(r.scsi_status() == 0x02);
    CHECK(r.srb_status() == (srb | kAutosense));
    CHECK(r.sense_key() == key);
    CHECK(r.asc() == asc);
    CHECK(r.transferred() == 0);
}

/// A MemoryDisk whose reads or writes fail on demand.
class FailingDisk final : public DiskBackend {
  public:
    explicit FailingDisk(uint64_t size) : inner_(size) {}
    uint64_t size_bytes() const noexcept override { return inner_.size_bytes(); }
    bool read_only() const noexcept override { return false; }
    int32_t read(uint64_t o, std::span<std::byte> d) override
    {
        return fail_reads ? -SATORI_EIO : inner_.read(o, d);
    }
    int32_t write(uint64_t o, std::span<const std::byte> s) override
    {
        return fail_writes ? -SATORI_EIO : inner_.write(o, s);
    }
    int32_t flush() override { return fail_flush ? -SATORI_EIO : 0; }
    std::string description() const override { return "failing"; }
    std::atomic<bool> fail_reads{false}, fail_writes{false}, fail_flush{false};

  private:
    MemoryDisk inner_;
};

} // namespace

TEST_CASE_METHOD(IoFixture, "READ and WRITE of every CDB size round-trip through a MemoryDisk",
                 "[sim][storvsp][io]")
{
    ready();
    const Bytes data = pattern(8 * 512, 3);
    SECTION("(10)")
    {
        Reply w = write(rw10(true, 100, 8), data);
        CHECK(w.srb_status() == kSrbSuccess);
        CHECK(w.transferred() == data.size());
        CHECK(disk->snapshot(100 * 512, data.size()) == data);
        Bytes back;
        Reply r = read(rw10(false, 100, 8), 8 * 512, back);
        CHECK(r.srb_status() == kSrbSuccess);
        CHECK(r.transferred() == data.size());
        CHECK(back == data);
    }
    SECTION("(6)")
    {
        CHECK(write(rw6(true, 0x7FF0, 8), data).srb_status() == kSrbSuccess);
        CHECK(disk->snapshot(uint64_t{0x7FF0} * 512, data.size()) == data);
        Bytes back;
        CHECK(read(rw6(false, 0x7FF0, 8), 8 * 512, back).srb_status() == kSrbSuccess);
        CHECK(back == data);
        check_sense(write(rw6(true, 5, 0), data), 0x05, 0x21, kSrbInvalidRequest);
    }
    SECTION("(12)")
    {
        CHECK(write(rw12(true, 7, 8), data).srb_status() == kSrbSuccess);
        Bytes back;
        CHECK(read(rw12(false, 7, 8), 8 * 512, back).srb_status() == kSrbSuccess);
        CHECK(back == data);
    }
    SECTION("(16), at the last blocks, FUA flushes")
    {
        const uint64_t last = kDiskBytes / 512 - 8;
        const uint64_t flushes = disk->flushes();
        CHECK(write(rw16(true, last, 8, 0x08), data).srb_status() == kSrbSuccess);
        CHECK(disk->flushes() == flushes + 1);
        Bytes back;
        CHECK(read(rw16(false, last, 8), 8 * 512, back).srb_status() == kSrbSuccess);
        CHECK(back == data);
    }
    SECTION("an unaligned multi-page buffer")
    {
        const Bytes big = pattern(64 * 1024, 9);
        CHECK(write(rw10(true, 2048, 128), big, 0x234).srb_status() == kSrbSuccess);
        Bytes back;
        CHECK(read(rw10(false, 2048, 128), 64 * 1024, back, 0xFF8).srb_status() == kSrbSuccess);
        CHECK(back == big);
    }
    SECTION("a 1 MiB transfer moves in chunks")
    {
        const Bytes big = pattern(1 << 20, 1);
        CHECK(write(rw16(true, 4096, 2048), big).srb_status() == kSrbSuccess);
        CHECK(disk->snapshot(4096 * 512, big.size()) == big);
        Bytes back;
        CHECK(read(rw16(false, 4096, 2048), 1 << 20, back).srb_status() == kSrbSuccess);
        CHECK(back == big);
    }
    auto s = vsp->stats();
    CHECK(s.bytes_written >= data.size());
    CHECK(s.bytes_read == s.bytes_written);
}

TEST_CASE_METHOD(IoFixture, "READ/WRITE range and buffer checks", "[sim][storvsp][io]")
{
    ready();
    const uint32_t sectors = kDiskBytes / 512;
    Bytes out;
    check_sense(read(rw10(false, sectors - 1, 2), 1024, out), 0x05, 0x21, kSrbInvalidRequest);
    check_sense(read(rw16(false, ~uint64_t{0} - 1, 4), 2048, out), 0x05, 0x21, kSrbInvalidRequest);
    check_sense(read(rw10(false, 0, 0), 512, out), 0x05, 0x21, kSrbInvalidRequest);
    // count x block longer than the buffer
    check_sense(read(rw10(false, 0, 4), 1024, out), 0x05, 0x21, kSrbInvalidRequest);
    // RelAdr
    check_sense(read(rw10(false, 0, 1, 0x01), 512, out), 0x05, 0x24, kSrbInvalidRequest);
    // A larger buffer than needed: exactly count x block bytes move.
    Reply r = read(rw10(false, 0, 1), 4096, out);
    CHECK(r.srb_status() == kSrbSuccess);
    CHECK(r.transferred() == 512);
    CHECK(vsp->stats().bytes_read == 512);
}

TEST_CASE_METHOD(IoFixture, "writes to a read-only disk fail with DATA PROTECT",
                 "[sim][storvsp][io][ro]")
{
    StorvspConfig cfg = default_config();
    disk->set_read_only(true);
    ready(cfg);
    const Bytes data = pattern(512, 1);
    check_sense(write(rw10(true, 0, 1), data), 0x07, 0x27, kSrbError);
    check_sense(write(rw16(true, 0, 1), data), 0x07, 0x27, kSrbError);
    std::vector<uint8_t> ws(16);
    ws[0] = 0x93;
    be(ws, 10, 1, 4);
    check_sense(write(ws, data), 0x07, 0x27, kSrbError);
    check_sense(write(unmap(24), unmap_list({{0, 1}})), 0x07, 0x27, kSrbError);
    CHECK(disk->snapshot(0, 512) == Bytes(512));
    Bytes out;
    CHECK(read(rw10(false, 0, 1), 512, out).srb_status() == kSrbSuccess);
}

TEST_CASE_METHOD(IoFixture, "UNMAP deallocates ranges that then read back as zeros",
                 "[sim][storvsp][io][unmap]")
{
    ready();
    const Bytes data = pattern(64 * 512, 5);
    REQUIRE(write(rw10(true, 0, 64), data).srb_status() == kSrbSuccess);
    Reply u = write(unmap(40), unmap_list({{8, 8}, {32, 16}}));
    CHECK(u.srb_status() == kSrbSuccess);
    CHECK(u.transferred() == 40);
    Bytes back;
    REQUIRE(read(rw10(false, 0, 64), 64 * 512, back).srb_status() == kSrbSuccess);
    for (size_t i = 0; i < 64; ++i) {
        const bool gone = (i >= 8 && i < 16) || (i >= 32 && i < 48);
        const Bytes sector(back.begin() + long(i * 512), back.begin() + long((i + 1) * 512));
        const Bytes want =
            gone ? Bytes(512)
                 : Bytes(data.begin() + long(i * 512), data.begin() + long((i + 1) * 512));
        INFO("sector " << i);
        CHECK(sector == want);
    }
    CHECK(vsp->stats().unmapped_blocks == 24);

    SECTION("the list is validated before anything is discarded")
    {
        check_sense(write(unmap(40), unmap_list({{0, 4}, {kDiskBytes / 512, 1}})), 0x05, 0x21,
                    kSrbInvalidRequest);
        CHECK(disk->snapshot(0, 512) == Bytes(data.begin(), data.begin() + 512));
        Bytes bad = unmap_list({{0, 1}});
        bad[3] = std::byte{0x20}; // block descriptor length past the list
        check_sense(write(unmap(24), bad), 0x05, 0x26, kSrbInvalidRequest);
        check_sense(write(unmap(4), Bytes(4)), 0x05, 0x1A, kSrbInvalidRequest);
        check_sense(write(unmap(32), unmap_list({{0, 1}})), 0x05, 0x24, kSrbInvalidRequest);
        std::vector<uint8_t> anchor = unmap(24);
        anchor[1] = 1;
        check_sense(write(anchor, unmap_list({{0, 1}})), 0x05, 0x24, kSrbInvalidRequest);
    }
}

TEST_CASE_METHOD(IoFixture, "WRITE SAME(16) writes one block everywhere, or unmaps",
                 "[sim][storvsp][io][unmap]")
{
    ready();
    const Bytes block = pattern(512, 0x41);
    std::vector<uint8_t> ws(16);
    ws[0] = 0x93;
    be(ws, 2, 10, 8);
    be(ws, 10, 4, 4);
    Reply r = write(ws, block);
    CHECK(r.srb_status() == kSrbSuccess);
    CHECK(r.transferred() == 512);
    for (uint64_t i = 10; i < 14; ++i)
        CHECK(disk->snapshot(i * 512, 512) == block);

    SECTION("with UNMAP and a zero block the range is discarded")
    {
        ws[1] = 0x08;
        CHECK(write(ws, Bytes(512)).srb_status() == kSrbSuccess);
        CHECK(disk->snapshot(10 * 512, 4 * 512) == Bytes(4 * 512));
        CHECK(vsp->stats().unmapped_blocks == 4);
    }
    SECTION("with UNMAP and data the data is written")
    {
        ws[1] = 0x08;
        const Bytes other = pattern(512, 0x77);
        CHECK(write(ws, other).srb_status() == kSrbSuccess);
        CHECK(disk->snapshot(13 * 512, 512) == other);
    }
    SECTION("NDOB needs no buffer")
    {
        ws[1] = 0x09;
        Srb s;
        s.cdb = ws;
        CHECK(client->execute(s).srb_status() == kSrbSuccess);
        CHECK(disk->snapshot(10 * 512, 512) == Bytes(512));
    }
    SECTION("limits")
    {
        be(ws, 10, 0, 4);
        check_sense(write(ws, block), 0x05, 0x24, kSrbInvalidRequest);
        be(ws, 10, 0x40000 / 512 + 1, 4); // more than max WRITE SAME length
        check_sense(write(ws, block), 0x05, 0x24, kSrbInvalidRequest);
        be(ws, 2, kDiskBytes / 512 - 1, 8);
        be(ws, 10, 2, 4);
        check_sense(write(ws, block), 0x05, 0x21, kSrbInvalidRequest);
    }
}

TEST_CASE_METHOD(IoFixture, "backend failures are MEDIUM ERROR", "[sim][storvsp][io]")
{
    auto failing = std::make_shared<FailingDisk>(1 << 20);
    StorvspConfig cfg;
    LunConfig l;
    l.backend = failing;
    cfg.luns.push_back(l);
    ready(cfg);
    Bytes out;
    failing->fail_reads = true;
    Reply r = read(rw10(false, 0, 1), 512, out);
    check_sense(r, 0x03, 0x11, kSrbError);
    CHECK(r.status() == kIoDeviceError);
    failing->fail_writes = true;
    check_sense(write(rw10(true, 0, 1), Bytes(512)), 0x03, 0x03, kSrbError);
    failing->fail_flush = true;
    Srb sync;
    sync.cdb = {0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    check_sense(client->execute(sync), 0x03, 0x00, kSrbError);
    // The disk has no discard: UNMAP is not supported there.
    check_sense(write(unmap(24), unmap_list({{0, 1}})), 0x05, 0x24, kSrbInvalidRequest);
}

TEST_CASE_METHOD(IoFixture, "a capacity change is reported once as UNIT ATTENTION",
                 "[sim][storvsp][io][capacity]")
{
    ready();
    disk->resize(kDiskBytes * 2);
    // INQUIRY does not consume it.
    Buffer ib = client->alloc(36);
    Srb inq;
    inq.cdb = inquiry(0, 0, 36);
    inq.data_in = kReadType;
    CHECK(client->execute(inq, &ib).srb_status() == kSrbSuccess);
    Srb tur;
    tur.cdb = {0, 0, 0, 0, 0, 0};
    Reply ua = client->execute(tur);
    check_sense(ua, 0x06, 0x2A, kSrbError);
    CHECK(ua.ascq() == 0x09);
    CHECK(client->execute(tur).srb_status() == kSrbSuccess);
    Bytes cap;
    REQUIRE(read({0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 8, cap).srb_status() == kSrbSuccess);
    CHECK(be32(cap, 0) == kDiskBytes * 2 / 512 - 1);
    SECTION("REQUEST SENSE reports a pending one instead of failing")
    {
        disk->resize(kDiskBytes);
        Bytes sense;
        Reply r = read({0x03, 0, 0, 0, 18, 0}, 18, sense);
        CHECK(r.srb_status() == kSrbSuccess);
        CHECK(uint8_t(sense[2]) == 0x06);
        CHECK(uint8_t(sense[12]) == 0x2A);
        CHECK(uint8_t(sense[13]) == 0x09);
        CHECK(client->execute(tur).srb_status() == kSrbSuccess);
    }
}

namespace {

/// A sparse raw image in its own temporary directory.
struct TempImage {
    std::filesystem::path dir, path;
    explicit TempImage(uint64_t size, const Bytes &at_sector_5 = {})
    {
        dir = std::filesystem::temp_directory_path() /
              ("satori-storvsp-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        std::filesystem::create_directories(dir);
        path = dir / "disk.img";
        std::ofstream f(path, std::ios::binary);
        if (!at_sector_5.empty()) {
            f.seekp(5 * 512);
            f.write(reinterpret_cast<const char *>(at_sector_5.data()),
                    static_cast<long>(at_sector_5.size()));
        }
        f.seekp(static_cast<long>(size) - 1);
        f.put('\0');
    }
    ~TempImage() { std::filesystem::remove_all(dir); }
    Bytes bytes(uint64_t offset, size_t n) const
    {
        std::ifstream f(path, std::ios::binary);
        f.seekg(static_cast<long>(offset));
        Bytes out(n);
        f.read(reinterpret_cast<char *>(out.data()), static_cast<long>(n));
        return f.good() ? out : Bytes{};
    }
    static int &counter()
    {
        static int n = 0;
        return n;
    }
};

StorvspConfig one_lun(std::shared_ptr<DiskBackend> backend)
{
    StorvspConfig cfg;
    LunConfig l;
    l.backend = std::move(backend);
    cfg.luns.push_back(l);
    return cfg;
}

} // namespace

TEST_CASE_METHOD(IoFixture, "a raw image file holds exactly what the guest wrote",
                 "[sim][storvsp][io][raw]")
{
    TempImage img(8 << 20);
    DiskOpenResult opened = open_raw_disk(img.path.string(), false);
    REQUIRE(opened);
    ready(one_lun(opened.disk));

    const Bytes data = pattern(16 * 512, 0x31);
    CHECK(write(rw10(true, 1000, 16), data).srb_status() == kSrbSuccess);
    Srb sync;
    sync.cdb = {0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(client->execute(sync).srb_status() == kSrbSuccess);
    CHECK(img.bytes(1000 * 512, data.size()) == data);

    Bytes back;
    CHECK(read(rw10(false, 1000, 16), 16 * 512, back).srb_status() == kSrbSuccess);
    CHECK(back == data);

    if (!opened.disk->supports_discard()) {
        WARN("the temp file system cannot punch holes; UNMAP not exercised on a file");
        return;
    }
    // UNMAP punches a hole; the range reads back as zeros, in the file too.
    CHECK(write(unmap(24), unmap_list({{1000, 8}})).srb_status() == kSrbSuccess);
    CHECK(read(rw10(false, 1000, 16), 16 * 512, back).srb_status() == kSrbSuccess);
    CHECK(Bytes(back.begin(), back.begin() + 4096) == Bytes(4096));
    CHECK(Bytes(back.begin() + 4096, back.end()) == Bytes(data.begin() + 4096, data.end()));
    CHECK(img.bytes(1000 * 512, 4096) == Bytes(4096));
}

TEST_CASE_METHOD(IoFixture, "a read-only raw image is write-protected",
                 "[sim][storvsp][io][raw][ro]")
{
    const Bytes data = pattern(2 * 512, 0x55);
    TempImage img(1 << 20, data);
    DiskOpenResult opened = open_raw_disk(img.path.string(), true);
    REQUIRE(opened);
    CHECK(opened.disk->read_only());
    ready(one_lun(opened.disk));
    check_sense(write(rw10(true, 5, 1), Bytes(512)), 0x07, 0x27, kSrbError);
    Bytes back;
    CHECK(read(rw10(false, 5, 2), 1024, back).srb_status() == kSrbSuccess);
    CHECK(back == data);
    CHECK(img.bytes(5 * 512, data.size()) == data);
}
