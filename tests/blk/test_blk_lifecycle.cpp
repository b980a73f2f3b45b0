// SPDX-License-Identifier: MIT
// tests/blk/test_blk_lifecycle.cpp — disks coming and going with clients attached: stop and
// rescind with requests in flight, plugins that forget remove_disk (with and without
// requests they never complete), synchronous completion, plugin errors as NBD errors,
// queue_depth, add_disk's parameter checks and complete() with a tag the shim never issued.
#include <thread>

#include "support/blk_fixture.hpp"
#include "support/blk_libnbd.hpp"
#include "support/blk_nbd_raw.hpp"

#include <catch2/catch.hpp>

using namespace satori::test;

namespace {

void wait_held(BlkFixture &f, uint32_t id, uint64_t n)
{
    for (int i = 0; i < 500 && f.ctl(id, BLK_RAMDISK_CTL_HELD) < n; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(f.ctl(id, BLK_RAMDISK_CTL_HELD) == n);
}

} // namespace

TEST_CASE("stop with requests in flight answers them with errors, then disconnects",
          "[blk][lifecycle]")
{
    BlkFixture f;
    auto cfg = ramdisk_config(1, 1 << 20);
    cfg.mode = BLK_RAMDISK_HOLD;
    f.add_disk(cfg);
    REQUIRE(f.start() == 0);
    RawNbd c(f.socket);
    REQUIRE(c.open());
    for (uint64_t h = 1; h <= 3; h++)
        REQUIRE(c.send_request(nbd::kCmdRead, h, h * 4096, 4096));
    wait_held(f, 1, 3);

    // the plugin's remove fails what it holds with -SATORI_ENODEV, then calls remove_disk
    REQUIRE(satori_shim_stop(f.shim) == 0);
    for (int i = 0; i < 3; i++) {
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->error == nbd::kEIO);
    }
    CHECK(c.closed_by_server());
    CHECK(f.events_of(SATORI_SHIM_EV_EXPORT_REMOVED).size() == 1);
    CHECK(f.log_contains("blk sda: removed (3 requests"));
}

TEST_CASE("a rescinded disk goes away under load and the shim keeps running", "[blk][lifecycle]")
{
    SATORI_REQUIRE_LIBNBD();
#if defined(SATORI_HAVE_LIBNBD)
    BlkFixture f;
    auto cfg = ramdisk_config(1, 16 << 20);
    cfg.delay_us = 200;
    std::strcpy(cfg.name, "victim");
    auto vsp = std::make_shared<RamdiskVsp>(cfg);
    f.host->add_device(vsp);
    auto stays = ramdisk_config(2, 1 << 20);
    std::strcpy(stays.name, "stays");
    f.add_disk(stays);
    REQUIRE(f.start() == 0);

    std::atomic<bool> done{false};
    std::atomic<int> ok{0}, failed{0};
    std::thread load([&] {
        Nbd n(f.uri("victim"));
        std::vector<uint8_t> buf(64 << 10);
        while (n.ok() && !done) {
            if (n.pwrite(buf.data(), buf.size(), (ok % 200) * buf.size()) == 0)
                ok++;
            else if (++failed > 3)
                break;
        }
    });
    while (ok < 20)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(f.host->rescind(vsp));
    REQUIRE(f.wait_events(SATORI_SHIM_EV_EXPORT_REMOVED, 1));
    done = true;
    load.join();
    CHECK(f.events_of(SATORI_SHIM_EV_EXPORT_REMOVED)[0].detail == f.uri("victim"));

    Nbd gone(f.uri("victim"));
    CHECK_FALSE(gone.ok());
    Nbd other(f.uri("stays"));
    INFO(other.error());
    REQUIRE(other.ok());
    std::vector<uint8_t> buf(4096);
    CHECK(other.pread(buf.data(), buf.size(), 0) == 0);
    CHECK(f.ctl(2, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
#endif
}

TEST_CASE("a plugin that forgets remove_disk: the shim removes the disk for it", "[blk][lifecycle]")
{
    BlkFixture f(1000);
    auto cfg = ramdisk_config(1, 1 << 20);
    cfg.options |= BLK_RAMDISK_O_FORGET_REMOVE;
    SECTION("nothing in flight")
    {
        f.add_disk(cfg);
        REQUIRE(f.start() == 0);
        RawNbd c(f.socket);
        REQUIRE(c.open());
        REQUIRE(satori_shim_stop(f.shim) == 0);
        CHECK(c.closed_by_server());
        CHECK(f.log_contains("test-ramdisk left disk sda registered; removing it"));
    }
    SECTION("with requests it will never complete")
    {
        cfg.mode = BLK_RAMDISK_HOLD;
        f.add_disk(cfg);
        REQUIRE(f.start() == 0);
        RawNbd c(f.socket);
        REQUIRE(c.open());
        REQUIRE(c.send_request(nbd::kCmdRead, 1, 0, 4096));
        REQUIRE(c.send_request(nbd::kCmdWrite, 2, 4096, 512));
        std::vector<uint8_t> buf(512);
        REQUIRE(c.write_all(buf.data(), buf.size()));
        wait_held(f, 1, 2);
        REQUIRE(satori_shim_stop(f.shim) == 0);
        for (int i = 0; i < 2; i++) {
            auto r = c.read_reply();
            REQUIRE(r);
            CHECK(r->error == nbd::kEIO);
        }
        CHECK(c.closed_by_server());
        CHECK(f.log_contains("test-ramdisk never completed 2 requests; failed them"));
    }
    CHECK(f.events_of(SATORI_SHIM_EV_EXPORT_REMOVED).size() == 1);
}

TEST_CASE("a plugin may complete inside submit", "[blk][lifecycle][sync]")
{
    SATORI_REQUIRE_LIBNBD();
#if defined(SATORI_HAVE_LIBNBD)
    BlkFixture f;
    auto cfg = ramdisk_config(1, 8 << 20);
    cfg.mode = BLK_RAMDISK_SYNC;
    cfg.max_transfer_bytes = 128 << 10;
    f.add_disk(cfg);
    REQUIRE(f.start() == 0);
    Nbd n(f.uri());
    REQUIRE(n.ok());
    std::vector<uint8_t> data(4 << 20), back(4 << 20);
    for (size_t i = 0; i < data.size(); i++)
        data[i] = static_cast<uint8_t>(i ^ (i >> 9));
    for (size_t off = 0; off < data.size(); off += 128 << 10)
        REQUIRE(n.pwrite(data.data() + off, 128 << 10, off) == 0);
    for (size_t off = 0; off < data.size(); off += 128 << 10)
        REQUIRE(n.pread(back.data() + off, 128 << 10, off) == 0);
    CHECK(back == data);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
#endif
}

TEST_CASE("plugin errors become NBD errors", "[blk][lifecycle][errors]")
{
    struct Case {
        int32_t status;
        uint32_t nbd;
        bool at_submit;
    };
    auto c =
        GENERATE(Case{-SATORI_EIO, nbd::kEIO, false}, Case{-SATORI_EPERM, nbd::kEPERM, false},
                 Case{-SATORI_ENOSPC, nbd::kENOSPC, false}, Case{-SATORI_ENOMEM, 12, false},
                 Case{-SATORI_EINVAL, nbd::kEINVAL, false}, Case{-SATORI_EOVERFLOW, 75, false},
                 Case{-SATORI_ESHUTDOWN, nbd::kESHUTDOWN, false},
                 Case{-SATORI_ENODEV, nbd::kEIO, false}, Case{-SATORI_ETIMEDOUT, nbd::kEIO, false},
                 Case{-SATORI_EPROTO, nbd::kEIO, false}, Case{-SATORI_EIO, nbd::kEIO, true},
                 Case{-SATORI_ENODEV, nbd::kEIO, true}, Case{-SATORI_ENOSPC, nbd::kENOSPC, true});
    INFO("status " << c.status << (c.at_submit ? " from submit" : " from complete"));
    BlkFixture f;
    f.add_disk(ramdisk_config(1, 1 << 20));
    REQUIRE(f.start() == 0);
    f.ctl(1, c.at_submit ? BLK_RAMDISK_CTL_FAIL_SUBMIT : BLK_RAMDISK_CTL_FAIL,
          static_cast<uint64_t>(static_cast<int64_t>(c.status)));
    RawNbd cl(f.socket);
    REQUIRE(cl.open());
    std::vector<uint8_t> buf(8192);
    REQUIRE(cl.send_request(nbd::kCmdWrite, 1, 0, 8192));
    REQUIRE(cl.write_all(buf.data(), buf.size()));
    auto r = cl.read_reply();
    REQUIRE(r);
    CHECK(r->error == c.nbd);
    REQUIRE(cl.send_request(nbd::kCmdRead, 2, 0, 8192));
    r = cl.read_reply();
    REQUIRE(r);
    CHECK(r->handle == 2);
    CHECK(r->error == c.nbd); // no data follows an error
    f.ctl(1, BLK_RAMDISK_CTL_FAIL, 0);
    f.ctl(1, BLK_RAMDISK_CTL_FAIL_SUBMIT, 0);
    REQUIRE(cl.send_request(nbd::kCmdRead, 3, 0, 8192));
    r = cl.read_reply();
    REQUIRE(r);
    CHECK(r->handle == 3);
    CHECK(r->error == 0);
    REQUIRE(cl.read_exact(buf.data(), buf.size()));
}

TEST_CASE("queue_depth 1 is never exceeded, and a client that does not read does not stall others",
          "[blk][lifecycle][depth]")
{
    BlkFixture f;
    auto cfg = ramdisk_config(1, 1 << 20);
    cfg.queue_depth = 1;
    cfg.max_transfer_bytes = 4096;
    f.add_disk(cfg);
    REQUIRE(f.start() == 0);
    RawNbd a(f.socket), b(f.socket);
    RawNbd::Export e;
    REQUIRE(a.open("sda", &e));
    REQUIRE(b.open());
    CHECK(e.max_block == 4096);
    for (uint64_t h = 0; h < 200; h++) {
        REQUIRE(a.send_request(nbd::kCmdRead, h, (h % 256) * 4096, 4096));
        REQUIRE(b.send_request(nbd::kCmdRead, h, (h % 256) * 4096, 4096));
    }
    std::vector<uint8_t> buf(4096);
    for (int i = 0; i < 200; i++) {
        for (RawNbd *c : {&a, &b}) {
            auto r = c->read_reply();
            REQUIRE(r);
            REQUIRE(r->error == 0);
            REQUIRE(c->read_exact(buf.data(), buf.size()));
        }
    }
    // a client ignoring the 4 KiB maximum: split while it fits the 3 slots one client may
    // hold (4 slots: buffers, not plugin depth), refused beyond
    REQUIRE(a.send_request(nbd::kCmdRead, 998, 4096, 12288));
    auto r = a.read_reply();
    REQUIRE(r);
    CHECK(r->error == 0);
    buf.resize(12288);
    REQUIRE(a.read_exact(buf.data(), buf.size()));
    REQUIRE(a.send_request(nbd::kCmdRead, 999, 0, 16384));
    r = a.read_reply();
    REQUIRE(r);
    CHECK(r->error == nbd::kEINVAL);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_PEAK) == 1);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}

TEST_CASE("add_disk refuses bad parameters", "[blk][lifecycle][params]")
{
    BlkFixture f;
    f.add_disk(ramdisk_config(1, 1 << 20));
    REQUIRE(f.start() == 0);
    for (uint32_t v = 0; v < BLK_RAMDISK_TRY_ADD_VARIANTS; v++) {
        INFO("variant " << v);
        int64_t r = static_cast<int64_t>(f.ctl(1, BLK_RAMDISK_CTL_TRY_ADD, v));
        CHECK(r == (v == 6 ? -SATORI_EEXIST : -SATORI_EINVAL));
    }
    CHECK(f.events_of(SATORI_SHIM_EV_EXPORT_ADDED).size() == 1);
    CHECK(f.log_contains("add_disk refused: logical_block_size must be 512 or 4096"));
    CHECK(f.log_contains("add_disk: a disk named sda exists already"));
}

TEST_CASE("complete() with a tag the shim never issued is logged and ignored", "[blk][lifecycle]")
{
    BlkFixture f;
    f.add_disk(ramdisk_config(1, 1 << 20));
    REQUIRE(f.start() == 0);
    f.ctl(1, BLK_RAMDISK_CTL_BOGUS_COMPLETE);
    CHECK(f.log_contains("complete() for an unknown or finished tag 0xdead0000beef ignored"));
    RawNbd c(f.socket);
    REQUIRE(c.open());
    REQUIRE(c.send_request(nbd::kCmdFlush, 1, 0, 0));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->error == 0);
}
