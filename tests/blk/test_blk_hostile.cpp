// SPDX-License-Identifier: MIT
// tests/blk/test_blk_hostile.cpp — an untrusted client on a raw socket: out-of-range,
// unaligned, oversized, unknown and badly flagged requests get NBD errors and the session
// goes on; bad magic, huge payloads and half payloads end the session; floods are answered
// in full. Other clients keep being served throughout. Also: splitting, out-of-order replies
// and structured replies.
#include <set>
#include <thread>

#include "support/blk_fixture.hpp"
#include "support/blk_nbd_raw.hpp"

#include <catch2/catch.hpp>

using namespace satori::test;

namespace {

constexpr uint64_t kDisk = 16 << 20;

// 64 KiB per plugin request, 8 in flight, 6 for one client: the server takes at most
// 384 KiB per READ/WRITE
struct Hostile {
    BlkFixture f;
    Hostile()
    {
        auto cfg = ramdisk_config(1, kDisk);
        cfg.max_transfer_bytes = 64 << 10;
        cfg.queue_depth = 8;
        f.add_disk(cfg);
        REQUIRE(f.start() == 0);
        uint8_t *ram = f.ram(1);
        for (uint64_t i = 0; i < kDisk; i++)
            ram[i] = static_cast<uint8_t>(i * 7 + (i >> 12));
    }

    /// A well-behaved client still gets the right bytes.
    void check_others_served()
    {
        RawNbd c(f.socket);
        REQUIRE(c.open());
        std::vector<uint8_t> buf(4096);
        REQUIRE(c.send_request(nbd::kCmdRead, 77, 8192, 4096));
        auto r = c.read_reply();
        REQUIRE(r);
        CHECK(r->error == 0);
        REQUIRE(c.read_exact(buf.data(), buf.size()));
        CHECK(std::memcmp(buf.data(), f.ram(1) + 8192, 4096) == 0);
    }
};

struct BadRequest {
    const char *what;
    uint16_t type;
    uint16_t flags;
    uint64_t offset;
    uint32_t length;
    bool payload;
    uint32_t error;
};

} // namespace

TEST_CASE_METHOD(Hostile, "bad requests get NBD errors and the session goes on",
                 "[blk][hostile][untrusted]")
{
    auto bad = GENERATE(
        BadRequest{"read past the end", nbd::kCmdRead, 0, kDisk, 512, false, nbd::kEINVAL},
        BadRequest{"read across the end", nbd::kCmdRead, 0, kDisk - 512, 1024, false, nbd::kEINVAL},
        BadRequest{"read with a wrapping offset", nbd::kCmdRead, 0, UINT64_MAX - 511, 512, false,
                   nbd::kEINVAL},
        BadRequest{"write past the end", nbd::kCmdWrite, 0, kDisk, 512, true, nbd::kENOSPC},
        BadRequest{"write zeroes past the end", nbd::kCmdWriteZeroes, 0, kDisk, 512, false,
                   nbd::kENOSPC},
        BadRequest{"trim past the end", nbd::kCmdTrim, 0, kDisk - 512, 4096, false, nbd::kEINVAL},
        BadRequest{"unaligned read", nbd::kCmdRead, 0, 100, 512, false, nbd::kEINVAL},
        BadRequest{"unaligned write", nbd::kCmdWrite, 0, 0, 1000, true, nbd::kEINVAL},
        BadRequest{"unaligned trim", nbd::kCmdTrim, 0, 512, 100, false, nbd::kEINVAL},
        BadRequest{"zero-length read", nbd::kCmdRead, 0, 0, 0, false, nbd::kEINVAL},
        BadRequest{"zero-length write", nbd::kCmdWrite, 0, 0, 0, false, nbd::kEINVAL},
        BadRequest{"read over the 384 KiB the server takes", nbd::kCmdRead, 0, 0, 1 << 20, false,
                   nbd::kEINVAL},
        BadRequest{"write over the 384 KiB the server takes", nbd::kCmdWrite, 0, 0, 1 << 20, true,
                   nbd::kEINVAL},
        BadRequest{"read of 4 GiB - 512", nbd::kCmdRead, 0, 0, 0xfffffe00u, false, nbd::kEINVAL},
        BadRequest{"flush with an offset", nbd::kCmdFlush, 0, 512, 0, false, nbd::kEINVAL},
        BadRequest{"CACHE", 5, 0, 0, 512, false, nbd::kEINVAL},
        BadRequest{"BLOCK_STATUS", 7, 0, 0, 512, false, nbd::kEINVAL},
        BadRequest{"command 42", 42, 0, 0, 512, false, nbd::kEINVAL},
        BadRequest{"read with DF (not negotiated)", nbd::kCmdRead, 4, 0, 512, false, nbd::kEINVAL},
        BadRequest{"write with an unknown flag", nbd::kCmdWrite, 0x8000, 0, 512, true,
                   nbd::kEINVAL},
        BadRequest{"read with NO_HOLE", nbd::kCmdRead, 2, 0, 512, false, nbd::kEINVAL});
    INFO(bad.what);

    RawNbd c(f.socket);
    REQUIRE(c.open());
    REQUIRE(c.send_request(bad.type, 1000, bad.offset, bad.length, bad.flags));
    if (bad.payload) {
        std::vector<uint8_t> junk(bad.length, 0xee);
        REQUIRE(c.write_all(junk.data(), junk.size()));
    }
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->magic == nbd::kSimpleReplyMagic);
    CHECK(r->handle == 1000);
    CHECK(r->error == bad.error);

    // the same session still works, and nothing reached the plugin's disk
    std::vector<uint8_t> buf(512);
    REQUIRE(c.send_request(nbd::kCmdRead, 1001, 0, 512));
    r = c.read_reply();
    REQUIRE(r);
    CHECK(r->handle == 1001);
    CHECK(r->error == 0);
    REQUIRE(c.read_exact(buf.data(), buf.size()));
    CHECK(std::memcmp(buf.data(), f.ram(1), 512) == 0);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_OPS, SATORI_BLK_OP_WRITE) == 0);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}

TEST_CASE_METHOD(Hostile, "what ends a session does not disturb the other clients",
                 "[blk][hostile][untrusted]")
{
    RawNbd c(f.socket);
    REQUIRE(c.open());
    SECTION("bad request magic")
    {
        REQUIRE(c.send_request(nbd::kCmdRead, 1, 0, 512, 0, 0x12560953u));
        CHECK(c.closed_by_server());
        CHECK(f.log_contains("bad request magic 0x12560953"));
    }
    SECTION("a WRITE announcing 64 MiB")
    {
        REQUIRE(c.send_request(nbd::kCmdWrite, 1, 0, 64u << 20));
        CHECK(c.closed_by_server());
        CHECK(f.log_contains("WRITE of 67108864 bytes"));
    }
    SECTION("hanging up in the middle of a WRITE payload")
    {
        REQUIRE(c.send_request(nbd::kCmdWrite, 1, 0, 256 << 10));
        std::vector<uint8_t> part(100 << 10, 0x11);
        REQUIRE(c.write_all(part.data(), part.size()));
        shutdown(c.fd(), SHUT_WR);
        CHECK(c.closed_by_server());
        // the first 64 KiB piece was complete and may have been written; the rest was not
        CHECK(f.ram(1)[(128 << 10)] == static_cast<uint8_t>((128 << 10) * 7 + 32));
    }
    SECTION("hanging up in the middle of a request header")
    {
        uint8_t half[10] = {0x25, 0x60, 0x95, 0x13};
        REQUIRE(c.write_all(half, sizeof(half)));
        shutdown(c.fd(), SHUT_WR);
        CHECK(c.closed_by_server());
    }
    SECTION("NBD_CMD_DISC")
    {
        REQUIRE(c.send_request(nbd::kCmdRead, 1, 0, 512));
        REQUIRE(c.send_request(nbd::kCmdDisc, 2, 0, 0));
        auto r = c.read_reply(); // what was in flight is still answered
        REQUIRE(r);
        CHECK(r->handle == 1);
        std::vector<uint8_t> buf(512);
        REQUIRE(c.read_exact(buf.data(), buf.size()));
        CHECK(c.closed_by_server());
    }
    check_others_served();
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}

TEST_CASE_METHOD(Hostile, "requests over the advertised maximum are split and answered whole",
                 "[blk][hostile][split]")
{
    RawNbd c(f.socket);
    RawNbd::Export e;
    REQUIRE(c.open("sda", &e));
    CHECK(e.max_block == 64u << 10);

    std::vector<uint8_t> data(384 << 10), back(384 << 10);
    for (size_t i = 0; i < data.size(); i++)
        data[i] = static_cast<uint8_t>(i * 13 + 1);
    REQUIRE(c.send_request(nbd::kCmdWrite, 1, 1 << 20, static_cast<uint32_t>(data.size()),
                           nbd::kFlagFua));
    REQUIRE(c.write_all(data.data(), data.size()));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->error == 0);
    CHECK(std::memcmp(f.ram(1) + (1 << 20), data.data(), data.size()) == 0);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_FUA) == 6); // every piece carries FUA

    REQUIRE(c.send_request(nbd::kCmdRead, 2, (1 << 20) + (3 << 10), 300 << 10));
    r = c.read_reply();
    REQUIRE(r);
    CHECK(r->error == 0);
    REQUIRE(c.read_exact(back.data(), 300 << 10));
    CHECK(std::memcmp(back.data(), data.data() + (3 << 10), 300 << 10) == 0);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_MAX_BYTES) == 64u << 10);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}

TEST_CASE_METHOD(Hostile,
                 "a flood of pipelined requests is answered in full while others are served",
                 "[blk][hostile][flood]")
{
    constexpr uint32_t kCount = 3000;
    RawNbd c(f.socket);
    REQUIRE(c.open());
    bool sent = true;
    // a client that writes requests without reading replies for a while: the server stops
    // reading it (bounded memory) instead of queuing without limit
    std::thread writer([&] {
        for (uint32_t i = 0; i < kCount && sent; i++) {
            bool bad = i % 10 == 9;
            sent = c.send_request(bad ? 42 : nbd::kCmdRead, i, (i % 4096) * 4096, 4096);
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    check_others_served();

    std::set<uint64_t> handles;
    uint32_t errors = 0, out_of_order = 0;
    uint64_t last = 0;
    std::vector<uint8_t> buf(4096);
    for (uint32_t i = 0; i < kCount; i++) {
        auto r = c.read_reply();
        REQUIRE(r);
        REQUIRE(r->magic == nbd::kSimpleReplyMagic);
        if (r->handle % 10 == 9) {
            CHECK(r->error == nbd::kEINVAL);
        } else {
            REQUIRE(r->error == 0);
            REQUIRE(c.read_exact(buf.data(), buf.size()));
            REQUIRE(std::memcmp(buf.data(), f.ram(1) + (r->handle % 4096) * 4096, 4096) == 0);
        }
        errors += r->error != 0;
        out_of_order += r->handle < last;
        last = r->handle;
        handles.insert(r->handle);
    }
    writer.join();
    CHECK(sent);
    CHECK(handles.size() == kCount);
    CHECK(errors == kCount / 10);
    CHECK(out_of_order > 0); // shuffled completions: replies follow completion order
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_PEAK) <= 8);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_PEAK) > 1);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_REQUESTS) >= kCount * 9 / 10);
    CHECK(f.ctl(1, BLK_RAMDISK_CTL_VIOLATIONS) == 0);
}

TEST_CASE("replies are matched by handle, not by order", "[blk][hostile][order]")
{
    BlkFixture f;
    auto cfg = ramdisk_config(1, 1 << 20);
    cfg.mode = BLK_RAMDISK_HOLD;
    f.add_disk(cfg);
    REQUIRE(f.start() == 0);
    RawNbd c(f.socket);
    REQUIRE(c.open());
    REQUIRE(c.send_request(nbd::kCmdRead, 0x1111, 0, 512));
    REQUIRE(c.send_request(nbd::kCmdRead, 0x2222, 512, 512));
    for (int i = 0; i < 100 && f.ctl(1, BLK_RAMDISK_CTL_HELD) < 2; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(f.ctl(1, BLK_RAMDISK_CTL_HELD) == 2);
    REQUIRE(f.ctl(1, BLK_RAMDISK_CTL_RELEASE, 0) == 2); // newest first
    std::vector<uint8_t> buf(512);
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->handle == 0x2222);
    REQUIRE(c.read_exact(buf.data(), buf.size()));
    r = c.read_reply();
    REQUIRE(r);
    CHECK(r->handle == 0x1111);
    REQUIRE(c.read_exact(buf.data(), buf.size()));
}

TEST_CASE_METHOD(Hostile, "with structured replies a READ is one data chunk or one error chunk",
                 "[blk][hostile][structured]")
{
    RawNbd c(f.socket);
    REQUIRE(c.open("sda", nullptr, true));
    auto chunk = [&](uint16_t *flags, uint16_t *type, uint64_t *handle, uint32_t *len) {
        uint8_t h[20];
        REQUIRE(c.read_exact(h, sizeof(h)));
        uint32_t magic = uint32_t(h[0]) << 24 | uint32_t(h[1]) << 16 | uint32_t(h[2]) << 8 | h[3];
        CHECK(magic == nbd::kStructuredReplyMagic);
        *flags = static_cast<uint16_t>(h[4] << 8 | h[5]);
        *type = static_cast<uint16_t>(h[6] << 8 | h[7]);
        *handle = 0;
        for (int i = 8; i < 16; i++)
            *handle = *handle << 8 | h[i];
        *len = uint32_t(h[16]) << 24 | uint32_t(h[17]) << 16 | uint32_t(h[18]) << 8 | h[19];
    };
    uint16_t flags, type;
    uint64_t handle;
    uint32_t len;

    REQUIRE(c.send_request(nbd::kCmdRead, 5, 4096, 8192));
    chunk(&flags, &type, &handle, &len);
    CHECK(flags == 1); // DONE
    CHECK(type == 1);  // OFFSET_DATA
    CHECK(handle == 5);
    REQUIRE(len == 8 + 8192);
    std::vector<uint8_t> payload(len);
    REQUIRE(c.read_exact(payload.data(), len));
    uint64_t off = 0;
    for (int i = 0; i < 8; i++)
        off = off << 8 | payload[i];
    CHECK(off == 4096);
    CHECK(std::memcmp(payload.data() + 8, f.ram(1) + 4096, 8192) == 0);

    REQUIRE(c.send_request(nbd::kCmdRead, 6, kDisk, 512));
    chunk(&flags, &type, &handle, &len);
    CHECK(flags == 1);
    CHECK(type == 0x8001); // ERROR
    CHECK(handle == 6);
    REQUIRE(len == 6);
    REQUIRE(c.read_exact(payload.data(), len));
    CHECK(payload[3] == nbd::kEINVAL);

    // other commands may use simple replies
    REQUIRE(c.send_request(nbd::kCmdFlush, 7, 0, 0));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->magic == nbd::kSimpleReplyMagic);
    CHECK(r->handle == 7);
}
