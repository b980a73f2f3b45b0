// SPDX-License-Identifier: MIT
// tests/sdk/test_heartbeat_logic.cpp — the heartbeat sample's replies, byte for byte.
#include <heartbeat/heartbeat_logic.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sdk_ic_messages.hpp"

using satori::heartbeat::Responder;
namespace icm = satori::test::ic;

namespace {

constexpr uint32_t kFail = 0x80004005;
constexpr uint8_t kResponseFlags = 0x5; // TRANSACTION | RESPONSE

std::vector<std::byte> as_vector(std::span<const std::byte> s)
{
    return {s.begin(), s.end()};
}

std::vector<std::byte> zeros(std::size_t n)
{
    return std::vector<std::byte>(n);
}

std::vector<std::byte> concat(std::vector<std::byte> a, const std::vector<std::byte> &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

} // namespace

TEST_CASE("negotiate picks the highest framework and message versions we share",
          "[heartbeat][negotiate]")
{
    Responder r;
    const auto request =
        icm::message({.type = 0}, icm::negotiate_body({{1, 0}, {3, 0}}, {{1, 0}, {3, 0}}));
    const auto out = r.handle(request);
    REQUIRE(out.event == Responder::Event::kNegotiated);

    // counts 1/1, versions 3.0 and 3.0, the host's other two entries cleared
    const auto expected =
        icm::message({.type = 0, .status = 0, .flags = kResponseFlags, .body_size = 16},
                     concat(icm::negotiate_body({{3, 0}}, {{3, 0}}), zeros(8)));
    CHECK(as_vector(out.reply) == expected);
    CHECK(r.negotiated());
    CHECK(r.framework_version() == satori::heartbeat::ic::Version{3, 0});
    CHECK(r.message_version() == satori::heartbeat::ic::Version{3, 0});
}

TEST_CASE("negotiate falls back to 1.0 and ignores versions we do not speak",
          "[heartbeat][negotiate]")
{
    Responder r;
    const auto request =
        icm::message({.type = 0}, icm::negotiate_body({{1, 0}, {4, 0}, {3, 1}}, {{1, 0}, {2, 0}}));
    const auto out = r.handle(request);
    REQUIRE(out.event == Responder::Event::kNegotiated);
    const auto expected = icm::message({.type = 0, .flags = kResponseFlags, .body_size = 16},
                                       concat(icm::negotiate_body({{1, 0}}, {{1, 0}}), zeros(12)));
    CHECK(as_vector(out.reply) == expected);
    CHECK(r.framework_version() == satori::heartbeat::ic::Version{1, 0});
    CHECK(r.message_version() == satori::heartbeat::ic::Version{1, 0});
}

TEST_CASE("negotiate without a common version answers with status failure and no versions",
          "[heartbeat][negotiate]")
{
    Responder r;
    const bool no_framework = GENERATE(true, false);
    const auto body = no_framework ? icm::negotiate_body({{2, 0}, {4, 0}}, {{3, 0}})
                                   : icm::negotiate_body({{3, 0}}, {{5, 0}});
    const auto out = r.handle(icm::message({.type = 0}, body));
    REQUIRE(out.event == Responder::Event::kNegotiationFailed);
    const auto expected =
        icm::message({.type = 0, .status = kFail, .flags = kResponseFlags, .body_size = 8},
                     concat(icm::negotiate_body({}, {}), zeros(body.size() - 8)));
    CHECK(as_vector(out.reply) == expected);
    CHECK_FALSE(r.negotiated());

    SECTION("an empty offer fails the same way")
    {
        const auto empty = r.handle(icm::message({.type = 0}, icm::negotiate_body({}, {})));
        CHECK(empty.event == Responder::Event::kNegotiationFailed);
        CHECK(as_vector(empty.reply) ==
              icm::message({.type = 0, .status = kFail, .flags = kResponseFlags, .body_size = 8},
                           icm::negotiate_body({}, {})));
    }
}

TEST_CASE("a heartbeat is answered with sequence + 1", "[heartbeat]")
{
    Responder r;
    const uint64_t sequence = GENERATE(uint64_t{0}, uint64_t{41}, uint64_t{0xffffffffffffffff});
    const auto out = r.handle(icm::message({.type = 1}, icm::heartbeat_body(sequence)));
    REQUIRE(out.event == Responder::Event::kHeartbeat);
    CHECK(out.sequence == sequence + 1);
    const auto expected = icm::message({.type = 1, .status = 0, .flags = kResponseFlags},
                                       icm::heartbeat_body(sequence + 1));
    CHECK(as_vector(out.reply) == expected);
    CHECK(r.heartbeats() == 1);

    r.handle(icm::message({.type = 1}, icm::heartbeat_body(7)));
    CHECK(r.heartbeats() == 2);
}

TEST_CASE("the reply is cut to the pipe size and host padding is not echoed", "[heartbeat]")
{
    Responder r;
    const auto message = icm::message({.type = 1}, icm::heartbeat_body(1));
    const auto padded = concat(message, zeros(4)); // 68 bytes -> padded to 72 on the ring
    const auto out = r.handle(padded);
    REQUIRE(out.event == Responder::Event::kHeartbeat);
    CHECK(out.reply.size() == message.size());
}

TEST_CASE("an unknown message type is answered with status failure", "[heartbeat]")
{
    Responder r;
    const auto body = icm::heartbeat_body(99);
    const auto out = r.handle(icm::message({.type = 3}, body));
    REQUIRE(out.event == Responder::Event::kUnsupported);
    CHECK(out.message_type == 3);
    CHECK(as_vector(out.reply) ==
          icm::message({.type = 3, .status = kFail, .flags = kResponseFlags}, body));
    CHECK(r.heartbeats() == 0);
}

TEST_CASE("malformed messages are dropped without a reply", "[heartbeat][untrusted]")
{
    Responder r;
    struct Bad {
        const char *what;
        std::vector<std::byte> bytes;
    };
    const auto hb = icm::heartbeat_body(5);
    auto bad_version_count = icm::message({.type = 0}, icm::negotiate_body({{3, 0}}, {{3, 0}}));
    icm::poke<uint16_t>(bad_version_count, 28, 101);
    const Bad bad = GENERATE_COPY(
        Bad{"empty", {}}, Bad{"shorter than both headers", zeros(27)},
        Bad{"pipe size below the IC header", icm::message({.type = 1, .pipe_size = 19}, hb)},
        Bad{"pipe size past the packet", icm::message({.type = 1, .pipe_size = 61}, hb)},
        Bad{"huge pipe size", icm::message({.type = 1, .pipe_size = 0x7fffffff}, hb)},
        Bad{"IC body size past the packet", icm::message({.type = 1, .body_size = 41}, hb)},
        Bad{"heartbeat body short", icm::message({.type = 1}, zeros(39))},
        Bad{"negotiate body shorter than its header", icm::message({.type = 0}, zeros(7))},
        Bad{"negotiate lists more versions than sent",
            icm::message({.type = 0}, icm::negotiate_body({{3, 0}}, {{3, 0}}, 2, 1))},
        Bad{"negotiate version count over 100", bad_version_count});
    INFO(bad.what);
    const auto out = r.handle(bad.bytes);
    CHECK(out.event == Responder::Event::kMalformed);
    CHECK(out.reply.empty());
    CHECK(out.problem != nullptr);
    CHECK(r.heartbeats() == 0);
    CHECK_FALSE(r.negotiated());
}

TEST_CASE("a malformed message after a good one leaves no stale reply", "[heartbeat][untrusted]")
{
    Responder r;
    REQUIRE(r.handle(icm::message({.type = 1}, icm::heartbeat_body(1))).reply.size() == 68);
    const auto out = r.handle(zeros(10));
    CHECK(out.reply.empty());
}
