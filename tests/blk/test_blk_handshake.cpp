// SPDX-License-Identifier: MIT
// tests/blk/test_blk_handshake.cpp — option haggling as a raw client sees it: GO and INFO
// with block sizes, LIST, EXPORT_NAME (old-style), ABORT, STARTTLS refused, unknown
// options, and what ends a session (bad flags, bad magic, absurd lengths).
#include <thread>

#include "support/blk_fixture.hpp"
#include "support/blk_nbd_raw.hpp"

#include <catch2/catch.hpp>

using namespace satori::test;

namespace {

struct Served {
    BlkFixture f;
    Served()
    {
        auto cfg = ramdisk_config(1, 16 << 20);
        cfg.max_transfer_bytes = 256 << 10;
        f.add_disk(cfg);
        REQUIRE(f.start() == 0);
    }
};

} // namespace

TEST_CASE_METHOD(Served, "GO and INFO describe the export, GO enters transmission",
                 "[blk][handshake]")
{
    RawNbd c(f.socket);
    REQUIRE(c.hello());
    CHECK(c.hs_flags == 3); // FIXED_NEWSTYLE | NO_ZEROES

    RawNbd::Export e;
    std::vector<RawNbd::OptReply> replies;
    REQUIRE(c.info_go(nbd::kOptInfo, "sda", &e, &replies) == nbd::kRepAck);
    CHECK(e.size == 16u << 20);
    CHECK(e.min_block == 512);
    CHECK(e.pref_block == 4096);
    CHECK(e.max_block == 256u << 10);
    CHECK((e.flags & 1)); // HAS_FLAGS
    CHECK((e.flags & nbd::kTflagSendFlush));
    CHECK((e.flags & nbd::kTflagSendFua));
    CHECK((e.flags & nbd::kTflagSendTrim));
    CHECK((e.flags & nbd::kTflagSendWriteZeroes));
    CHECK((e.flags & nbd::kTflagMultiConn));
    bool saw_name = false, saw_desc = false;
    for (auto &r : replies) {
        if (r.type == nbd::kRepInfo && r.data.size() >= 2 && r.data[1] == nbd::kInfoName)
            saw_name = std::string(r.data.begin() + 2, r.data.end()) == "sda";
        if (r.type == nbd::kRepInfo && r.data.size() >= 2 && r.data[1] == nbd::kInfoDescription)
            saw_desc = std::string(r.data.begin() + 2, r.data.end()) == "ramdisk 1";
    }
    CHECK(saw_name);
    CHECK(saw_desc);

    CHECK(c.info_go(nbd::kOptInfo, "nope") == nbd::kRepErrUnknown);
    CHECK(c.info_go(nbd::kOptGo, "nope") == nbd::kRepErrUnknown);
    REQUIRE(c.info_go(nbd::kOptGo, "sda", &e) == nbd::kRepAck);
    REQUIRE(c.send_request(nbd::kCmdRead, 7, 0, 512));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->magic == nbd::kSimpleReplyMagic);
    CHECK(r->handle == 7);
    CHECK(r->error == 0);
}

TEST_CASE_METHOD(Served, "the empty name is the default export", "[blk][handshake]")
{
    RawNbd c(f.socket);
    RawNbd::Export e;
    REQUIRE(c.open("", &e));
    CHECK(e.size == 16u << 20);
}

TEST_CASE_METHOD(Served, "unknown options, STARTTLS and malformed options get error replies",
                 "[blk][handshake]")
{
    RawNbd c(f.socket);
    REQUIRE(c.hello());
    REQUIRE(c.send_option(42, {1, 2, 3}));
    auto r = c.read_opt_reply();
    REQUIRE(r);
    CHECK(r->option == 42);
    CHECK(r->type == nbd::kRepErrUnsup);

    REQUIRE(c.send_option(nbd::kOptStartTls, {}));
    r = c.read_opt_reply();
    REQUIRE(r);
    CHECK(r->type == nbd::kRepErrPolicy);

    REQUIRE(c.send_option(nbd::kOptList, {0}));
    r = c.read_opt_reply();
    REQUIRE(r);
    CHECK(r->type == nbd::kRepErrInvalid);

    // a name length pointing past the option, and an info count that does not fit
    REQUIRE(c.send_option(nbd::kOptGo, {0, 0, 0x10, 0, 's', 'd', 'a', 0, 0}));
    r = c.read_opt_reply();
    REQUIRE(r);
    CHECK(r->type == nbd::kRepErrInvalid);
    auto d = RawNbd::info_go_data("sda", {3});
    d.pop_back();
    REQUIRE(c.send_option(nbd::kOptGo, d));
    r = c.read_opt_reply();
    REQUIRE(r);
    CHECK(r->type == nbd::kRepErrInvalid);

    // option data larger than the server parses is skipped, not fatal
    REQUIRE(c.send_option(nbd::kOptInfo, std::vector<uint8_t>(20000, 'x')));
    r = c.read_opt_reply();
    REQUIRE(r);
    CHECK(r->type == nbd::kRepErrTooBig);

    REQUIRE(c.send_option(nbd::kOptStructuredReply, {}));
    r = c.read_opt_reply();
    REQUIRE(r);
    CHECK(r->type == nbd::kRepAck);
    // still usable after all that
    REQUIRE(c.info_go(nbd::kOptGo, "sda") == nbd::kRepAck);
    REQUIRE(c.send_request(nbd::kCmdFlush, 1, 0, 0));
    auto rep = c.read_reply();
    REQUIRE(rep);
    CHECK(rep->error == 0);
}

TEST_CASE_METHOD(Served, "EXPORT_NAME enters transmission the old way", "[blk][handshake]")
{
    uint32_t flags = GENERATE(1u, 3u); // with and without NO_ZEROES
    RawNbd c(f.socket);
    REQUIRE(c.hello(flags));
    REQUIRE(c.send_option(nbd::kOptExportName, {'s', 'd', 'a'}));
    std::vector<uint8_t> got((flags & 2) ? 10 : 134);
    REQUIRE(c.read_exact(got.data(), got.size()));
    uint64_t size = 0;
    for (int i = 0; i < 8; i++)
        size = size << 8 | got[i];
    CHECK(size == 16u << 20);
    CHECK((got[9] & 1));
    CHECK(std::all_of(got.begin() + 10, got.end(), [](uint8_t b) { return b == 0; }));
    REQUIRE(c.send_request(nbd::kCmdRead, 9, 512, 512));
    auto r = c.read_reply();
    REQUIRE(r);
    CHECK(r->handle == 9);
    CHECK(r->error == 0);
}

TEST_CASE_METHOD(Served, "sessions that break the handshake are closed, others go on",
                 "[blk][handshake][untrusted]")
{
    RawNbd c(f.socket);
    SECTION("unknown client flags")
    {
        REQUIRE(c.hello(0x80000001u));
    }
    SECTION("bad option magic")
    {
        REQUIRE(c.hello());
        REQUIRE(c.send_option(nbd::kOptList, {}, 0x1122334455667788ull));
    }
    SECTION("an option claiming 256 MiB of data")
    {
        REQUIRE(c.hello());
        REQUIRE(c.send_option(nbd::kOptInfo, {}, nbd::kOptsMagic, 256u << 20));
    }
    SECTION("EXPORT_NAME of an unknown export")
    {
        REQUIRE(c.hello());
        REQUIRE(c.send_option(nbd::kOptExportName, {'x'}));
    }
    SECTION("ABORT")
    {
        REQUIRE(c.hello());
        REQUIRE(c.send_option(nbd::kOptAbort, {}));
        auto r = c.read_opt_reply();
        REQUIRE(r);
        CHECK(r->type == nbd::kRepAck);
    }
    SECTION("the client hangs up in the middle of an option")
    {
        REQUIRE(c.hello());
        uint8_t half[7] = {0x49, 0x48, 0x41, 0x56, 0x45, 0x4f, 0x50};
        REQUIRE(c.write_all(half, sizeof(half)));
        shutdown(c.fd(), SHUT_WR);
    }
    CHECK(c.closed_by_server());
    RawNbd d(f.socket);
    CHECK(d.open("sda"));
}

TEST_CASE_METHOD(Served, "silent clients do not hold up others, and at most 64 are kept",
                 "[blk][handshake][untrusted]")
{
    std::vector<std::unique_ptr<RawNbd>> silent;
    for (int i = 0; i < 64; i++) {
        silent.push_back(std::make_unique<RawNbd>(f.socket));
        REQUIRE(silent.back()->connected());
    }
    // every slot is taken by a client that never answers the greeting: one more is refused
    RawNbd extra(f.socket);
    REQUIRE(extra.connected());
    CHECK_FALSE(extra.hello());
    // all it takes is one leaving
    silent.pop_back();
    bool served = false;
    for (int attempt = 0; attempt < 50 && !served; attempt++) {
        RawNbd c(f.socket);
        served = c.open("sda");
        if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(served);
    CHECK(f.log_contains("64 clients already; refused"));
}
