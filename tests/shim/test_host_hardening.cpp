// SPDX-License-Identifier: MIT
// tests/shim/test_host_hardening.cpp — a hostile host: malformed control messages are
// dropped with a log line and the connection keeps working; a corrupt ring, an unknown
// completion id or an oversized packet closes only that channel, with the reason logged.
#include <cstring>
#include <vector>

#include "support/shim_fixture.hpp"
#include "support/shim_internals.hpp"

#include <catch2/catch.hpp>

using satori::test::ShimFixture;

namespace {

std::vector<std::byte> message(uint32_t type, size_t size, std::initializer_list<std::pair<size_t, uint32_t>> words = {})
{
    std::vector<std::byte> m(size);
    if (size >= 4)
        std::memcpy(m.data(), &type, 4);
    for (auto [off, v] : words)
        if (off + 4 <= size)
            std::memcpy(m.data() + off, &v, 4);
    return m;
}

struct HeartbeatRunning {
    HeartbeatRunning()
    {
        auto cfg = ShimFixture::quiet_host();
        satori::sim::HeartbeatConfig hb;
        hb.interval = std::chrono::milliseconds(20);
        cfg.heartbeat = hb;
        f = std::make_unique<ShimFixture>(std::move(cfg));
        REQUIRE(satori_shim_load_plugin(f->shim, SATORI_HEARTBEAT_PLUGIN) == 0);
        REQUIRE(f->start() == 0);
        REQUIRE(beats_advance());
        for (auto &o : f->host->offers())
            relid = o.relid;
        REQUIRE(relid != 0);
    }

    /// True when at least two more heartbeats get answered within @p tries * 20 ms.
    bool beats_advance(int tries = 250)
    {
        auto hb = f->host->heartbeat();
        uint64_t start = hb->stats().answered;
        for (int i = 0; i < tries; i++) {
            if (hb->stats().answered >= start + 2)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    bool wait_log(const std::string &s)
    {
        for (int i = 0; i < 250; i++) {
            if (f->log_contains(s))
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    std::unique_ptr<ShimFixture> f;
    uint32_t relid = 0;
};

} // namespace

TEST_CASE_METHOD(HeartbeatRunning, "malformed control messages are dropped and logged", "[shim][untrusted]")
{
    struct Case {
        std::vector<std::byte> msg;
        const char *log;
    };
    std::vector<Case> cases = {
        {message(1, 4), "dropped host message of 4 bytes"},
        {message(99, 16), "dropped host message type 99"},
        {message(3, 8), "type 3 (REQUESTOFFERS): not sent by hosts"},
        {message(1, 100), "dropped OFFERCHANNEL of 100 bytes (needs 196)"},
        {message(1, 196, {{184, 0}}), "dropped offer with relid 0"},
        {message(1, 196, {{184, 5000}}), "dropped offer with relid 5000"},
        {message(2, 12, {{8, 1777}}), "dropped rescind of unknown relid 1777"},
        {message(6, 20, {{8, 1}, {12, 1}}), "dropped unexpected OPENCHANNEL_RESULT"},
        {message(10, 20, {{8, 1}, {12, 0xdead}}), "dropped unexpected GPADL_CREATED"},
        {message(12, 12, {{8, 0xbeef}}), "dropped unexpected GPADL_TORNDOWN"},
        {message(17, 8), "dropped unexpected UNLOAD_RESPONSE"},
    };
    for (auto &c : cases) {
        INFO(c.log);
        REQUIRE(f->host->test_hooks().send_raw_message(c.msg) == 0);
        CHECK(wait_log(c.log));
    }
    // an offer reusing the heartbeat's relid is refused too
    auto dup = message(1, 196, {{184, relid}});
    REQUIRE(f->host->test_hooks().send_raw_message(dup) == 0);
    CHECK(wait_log("relid already in use"));
    CHECK(beats_advance()); // the connection and the device keep working
}

TEST_CASE_METHOD(HeartbeatRunning, "a completion for an id never sent closes the channel", "[shim][untrusted]")
{
    // descriptor: type 0xB, offset8 2, len8 3, flags 0, trans_id 0x12345; 8 payload bytes
    std::vector<std::byte> pkt(24);
    uint16_t hdr[4] = {0xB, 2, 3, 0};
    uint64_t tid = 0x12345;
    std::memcpy(pkt.data(), hdr, 8);
    std::memcpy(pkt.data() + 8, &tid, 8);
    REQUIRE(f->host->test_hooks().inject_packet(relid, pkt) == 0);
    CHECK(wait_log("completion for a transaction id not in flight"));
    CHECK(wait_log("channel closed"));
    CHECK_FALSE(beats_advance(25)); // 20 ms heartbeats: 500 ms is ample
    REQUIRE(satori_shim_stop(f->shim) == 0); // and it shuts down cleanly
}

TEST_CASE_METHOD(HeartbeatRunning, "a corrupt write index from the host closes the channel", "[shim][untrusted]")
{
    auto value = GENERATE(3u, 0x7ffffff8u);
    REQUIRE(f->host->test_hooks().write_ring_word(relid, satori::sim::RingSide::host_to_guest,
                                                   satori::sim::RingWord::write_index, value) == 0);
    REQUIRE(f->host->test_hooks().signal_guest(relid) == 0);
    CHECK(wait_log("corrupt inbound ring index or packet length"));
    REQUIRE(satori_shim_stop(f->shim) == 0);
}

TEST_CASE_METHOD(HeartbeatRunning, "a packet above max_packet_bytes closes the channel", "[shim][untrusted]")
{
    std::vector<std::byte> pkt(8192);
    uint16_t hdr[4] = {0x6, 2, static_cast<uint16_t>(8192 / 8), 0};
    std::memcpy(pkt.data(), hdr, 8);
    REQUIRE(f->host->test_hooks().inject_packet(relid, pkt) == 0);
    CHECK(wait_log("packet larger than the channel's max_packet_bytes"));
}

TEST_CASE_METHOD(HeartbeatRunning, "a packet type hosts never send closes the channel", "[shim][untrusted]")
{
    std::vector<std::byte> pkt(16);
    uint16_t hdr[4] = {0x9, 2, 2, 0}; // GPA direct from the host
    std::memcpy(pkt.data(), hdr, 8);
    REQUIRE(f->host->test_hooks().inject_packet(relid, pkt) == 0);
    CHECK(wait_log("packet type a host never sends"));
}
