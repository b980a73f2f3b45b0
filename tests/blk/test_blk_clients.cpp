// SPDX-License-Identifier: MIT
// tests/blk/test_blk_clients.cpp — real NBD clients against the shim's server: nbdcopy and
// qemu-img move 64 MiB in and out byte for byte, fio checks data under a deep random
// mixed workload, libnbd trims, zeroes, flushes and runs two clients at once. Missing tools
// fail the test with the package to install.
#include <chrono>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/blk_fixture.hpp"
#include "support/blk_libnbd.hpp"

#include <catch2/catch.hpp>

using namespace satori::test;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

} // namespace

TEST_CASE("nbdcopy and qemu-img copy 64 MiB in and out byte for byte", "[blk][clients][nbdcopy]")
{
    if (!kNbdcopy.found()) FAIL(kNbdcopy.missing());
    BlkFixture f;
    f.add_disk(ramdisk_config(1));
    REQUIRE(f.start() == 0);
    std::string src = f.path("src.img"), out = f.path("out.img");
    auto data = write_random_file(src, 64 << 20, 42);

    auto t0 = Clock::now();
    auto r = run(std::string(kNbdcopy.path) + " " + shell_quote(src) + " " + shell_quote(f.uri()));
    double in_ms = ms_since(t0);
    INFO(joined(r));
    REQUIRE(r.exit_code == 0);
    CHECK(std::memcmp(f.ram(1), data.data(), data.size()) == 0);

    t0 = Clock::now();
    r = run(std::string(kNbdcopy.path) + " " + shell_quote(f.uri()) + " " + shell_quote(out));
    double out_ms = ms_since(t0);
    INFO(joined(r));
    REQUIRE(r.exit_code == 0);
    CHECK(read_file(out) == data);
    std::printf("blk figures: nbdcopy 64 MiB into the export %.0f ms, out of it %.0f ms\n", in_ms,
                out_ms);

    SECTION("qemu-img convert reads the same bytes")
    {
        if (!kQemuImg.found()) FAIL(kQemuImg.missing());
        std::string q = f.path("qemu.img");
        t0 = Clock::now();
        r = run(std::string(kQemuImg.path) + " convert -f raw -O raw " + shell_quote(f.uri()) +
                " " + shell_quote(q));
        INFO(joined(r));
        REQUIRE(r.exit_code == 0);
        std::printf("blk figures: qemu-img convert 64 MiB out of the export %.0f ms\n",
                    ms_since(t0));
        CHECK(read_file(q) == data);
    }
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_PEAK) <= 64);
}

TEST_CASE("fio: random mixed I/O at queue depth 32 verifies", "[blk][clients][fio]")
{
    if (!kFio.found()) FAIL(kFio.missing());
    BlkFixture f;
    auto cfg = ramdisk_config(1);
    cfg.queue_depth = 16; // fewer slots than fio's depth: the reader must wait, not fail
    f.add_disk(cfg);
    REQUIRE(f.start() == 0);

    auto r = run(
        std::string(kFio.path) + " --name=blk --ioengine=nbd --uri=" + shell_quote(f.uri()) +
        " --rw=randrw --rwmixread=50 --bs=4k --iodepth=32 --size=32M"
        " --verify=crc32c --verify_backlog=256 --verify_fatal=1 --do_verify=1 --verify_state_save=0"
        " --output-format=json");
    INFO(joined(r));
    REQUIRE(r.exit_code == 0);
    std::string text = joined(r);
    auto j = nlohmann::json::parse(text.substr(text.find('{')));
    auto job = j["jobs"][0];
    CHECK(job["error"] == 0);
    double riops = job["read"]["iops"], wiops = job["write"]["iops"];
    CHECK(job["write"]["io_bytes"].get<uint64_t>() > 0);
    CHECK(job["read"]["io_bytes"].get<uint64_t>() > 0);
    std::printf(
        "blk figures: fio randrw 4k qd32 (ramdisk, %u slots): %.0f read + %.0f write IOPS\n",
        cfg.queue_depth, riops, wiops);

    // the server pipelines: several requests at the plugin at once, never more than allowed
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_PEAK) > 1);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_PEAK) <= 16);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}

TEST_CASE("TRIM reads back zeroes on a DISCARD_ZEROES disk, and WRITE_ZEROES, FLUSH and FUA work",
          "[blk][clients][trim]")
{
    SATORI_REQUIRE_LIBNBD();
#if defined(SATORI_HAVE_LIBNBD)
    BlkFixture f;
    f.add_disk(ramdisk_config(1, 8 << 20));
    REQUIRE(f.start() == 0);
    Nbd n(f.uri());
    INFO(n.error());
    REQUIRE(n.ok());
    CHECK(n.size() == 8 << 20);
    CHECK(nbd_can_trim(n.h()) == 1);
    CHECK(nbd_can_zero(n.h()) == 1);

    std::vector<uint8_t> pattern(1 << 20, 0xa5), back(1 << 20);
    REQUIRE(n.pwrite(pattern.data(), pattern.size(), 1 << 20) == 0);
    REQUIRE(n.trim(256 << 10, (1 << 20) + (128 << 10)) == 0);
    REQUIRE(n.pread(back.data(), back.size(), 1 << 20) == 0);
    for (size_t i = 0; i < back.size(); i++) {
        bool trimmed = i >= (128u << 10) && i < (384u << 10);
        if (back[i] != (trimmed ? 0 : 0xa5)) {
            FAIL("byte " << i << " is " << int(back[i]));
        }
    }

    REQUIRE(n.pwrite(pattern.data(), pattern.size(), 4 << 20, LIBNBD_CMD_FLAG_FUA) == 0);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_FUA) > 0);
    REQUIRE(n.zero(1 << 20, 4 << 20) == 0);
    REQUIRE(n.pread(back.data(), back.size(), 4 << 20) == 0);
    CHECK(back == std::vector<uint8_t>(1 << 20, 0));
    REQUIRE(n.flush() == 0);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_OPS, SATORI_BLK_OP_FLUSH) >= 1);

    SECTION("a TRIM longer than max_transfer_bytes reaches the plugin whole")
    {
        REQUIRE(n.trim(6 << 20, 0) == 0);
        CHECK(f.ctl(1, BLK_RAMDISK_CTL_MAX_BYTES) == 6 << 20);
        REQUIRE(n.pread(back.data(), back.size(), 2 << 20) == 0);
        CHECK(back == std::vector<uint8_t>(1 << 20, 0));
    }
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
#endif
}

TEST_CASE("two clients at once each see their own writes", "[blk][clients][multi]")
{
    SATORI_REQUIRE_LIBNBD();
#if defined(SATORI_HAVE_LIBNBD)
    BlkFixture f;
    f.add_disk(ramdisk_config(1, 32 << 20));
    REQUIRE(f.start() == 0);

    auto worker = [&](int id, std::string *err) {
        Nbd n(f.uri());
        if (!n.ok()) {
            *err = "connect: " + n.error();
            return;
        }
        std::mt19937 rng(static_cast<uint32_t>(id));
        uint64_t base = static_cast<uint64_t>(id) * (16 << 20);
        std::vector<uint8_t> buf(64 << 10), back(64 << 10);
        for (int round = 0; round < 200; round++) {
            for (auto &b : buf)
                b = static_cast<uint8_t>(rng());
            uint64_t off = base + (rng() % 256) * (64 << 10);
            if (n.pwrite(buf.data(), buf.size(), off) || n.pread(back.data(), back.size(), off)) {
                *err = "I/O failed: " + n.error();
                return;
            }
            if (back != buf) {
                *err = "read back other data at " + std::to_string(off);
                return;
            }
        }
    };
    std::string e0, e1;
    std::thread t0(worker, 0, &e0), t1(worker, 1, &e1);
    t0.join();
    t1.join();
    CHECK(e0.empty());
    CHECK(e1.empty());
    INFO(e0 << e1);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
#endif
}
