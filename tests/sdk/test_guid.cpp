// SPDX-License-Identifier: MIT
// tests/sdk/test_guid.cpp — satori::Guid text and wire forms, and the class GUIDs.
#include <satori/sdk/guid.hpp>

#include <array>
#include <cstdint>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

using satori::Guid;
using namespace satori::literals;

TEST_CASE("the network GUID has the Microsoft mixed-endian wire bytes", "[sdk][guid]")
{
    const auto parsed = Guid::parse("f8615163-df3e-46c5-913f-f2d2f965ed0e");
    REQUIRE(parsed);
    const std::array<uint8_t, 16> wire = {0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
                                          0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e};
    CHECK(parsed->bytes() == wire);
    CHECK(*parsed == satori::guids::kNic);
    CHECK(Guid(wire) == satori::guids::kNic);
}

TEST_CASE("parse and format round-trip", "[sdk][guid]")
{
    const std::string text =
        GENERATE(as<std::string>{}, "57164f39-9115-4e78-ab55-382f3bd5422d",
                 "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "00000000-0000-0000-0000-000000000000",
                 "ffffffff-ffff-ffff-ffff-ffffffffffff");
    const auto g = Guid::parse(text);
    REQUIRE(g);
    CHECK(g->to_string() == text);
    CHECK(std::string(g->to_chars().data()) == text);
    CHECK(Guid::parse(g->to_string()).value_or(Guid()) == *g);
}

TEST_CASE("parse accepts braces and upper case, and formats lower case", "[sdk][guid]")
{
    const auto braced = Guid::parse("{CFA8B69E-5B4A-4CC0-B98B-8BA1A1F3F95A}");
    REQUIRE(braced);
    CHECK(*braced == satori::guids::kMouse);
    CHECK(braced->to_string() == "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a");
}

TEST_CASE("parse rejects malformed text", "[sdk][guid]")
{
    const std::string bad =
        GENERATE(as<std::string>{}, "", "57164f39",
                 "57164f39-9115-4e78-ab55-382f3bd5422",   // short
                 "57164f39-9115-4e78-ab55-382f3bd5422dd", // long
                 "57164f39x9115-4e78-ab55-382f3bd5422d",  // dash
                 "57164f39-9115-4e78-ab55-382f3bd5422g",  // hex digit
                 "{57164f39-9115-4e78-ab55-382f3bd5422d", "5716-4f39-9115-4e78-ab55382f3bd5422d");
    const auto g = Guid::parse(bad);
    CHECK_FALSE(g);
    CHECK(g.error().code() == -SATORI_EINVAL);
}

TEST_CASE("the SDK's class GUIDs equal the ABI's SATORI_GUID_* and their strings", "[sdk][guid]")
{
    struct Known {
        Guid sdk;
        satori_guid abi;
        const char *text;
    };
    const Known known[] = {
        {satori::guids::kHeartbeat, SATORI_GUID_HEARTBEAT, "57164f39-9115-4e78-ab55-382f3bd5422d"},
        {satori::guids::kScsi, SATORI_GUID_SCSI, "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"},
        {satori::guids::kIde, SATORI_GUID_IDE, "32412632-86cb-44a2-9b5c-50d1417354f5"},
        {satori::guids::kNic, SATORI_GUID_NIC, "f8615163-df3e-46c5-913f-f2d2f965ed0e"},
        {satori::guids::kMouse, SATORI_GUID_MOUSE, "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a"},
        {satori::guids::kKeyboard, SATORI_GUID_KEYBOARD, "f912ad6d-2b17-48ea-bd65-f927a61c7684"},
    };
    for (const Known &k : known) {
        CHECK(k.sdk == Guid(k.abi));
        CHECK(k.sdk.to_string() == k.text);
        const satori_guid back = k.sdk.to_c();
        CHECK(std::equal(std::begin(back.b), std::end(back.b), std::begin(k.abi.b)));
    }
}

TEST_CASE("GUIDs compare by wire bytes and work at compile time", "[sdk][guid]")
{
    static_assert("57164f39-9115-4e78-ab55-382f3bd5422d"_guid == satori::guids::kHeartbeat);
    static_assert(Guid::from_fields(0xf8615163, 0xdf3e, 0x46c5,
                                    {0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e}) ==
                  satori::guids::kNic);
    static_assert(Guid().is_nil());
    static_assert(!satori::guids::kScsi.is_nil());
    CHECK(Guid() < satori::guids::kScsi);
    CHECK(satori::guids::kScsi != satori::guids::kIde);

    std::ostringstream os;
    os << satori::guids::kKeyboard;
    CHECK(os.str() == "f912ad6d-2b17-48ea-bd65-f927a61c7684");
}
