// SPDX-License-Identifier: MIT
// The plugin's mouse message checks: framing, PROTOCOL_RESPONSE, INITIAL_DEVICE_INFO with
// descriptor lengths that lie, and the SA-167 patch.
#include <catch2/catch.hpp>

#include <satori/sim/inputvsp.hpp>

#include "mouse_proto.hpp"

using namespace satori::inputvsc;

namespace {
std::vector<std::byte> device_info_body(uint16_t rd_len, size_t actual_rd, uint8_t b_length = 9)
{
    std::vector<std::byte> b(32, std::byte{0});
    b[0] = std::byte{32};
    b[4] = std::byte{0x5E};
    b[5] = std::byte{0x04};
    b[6] = std::byte{0x21};
    b[7] = std::byte{0x06};
    b[8] = std::byte{0x01};
    const uint8_t hd[9] = {b_length, 0x21, 0x01, 0x01, 0x00, 0x01, 0x22,
                           static_cast<uint8_t>(rd_len), static_cast<uint8_t>(rd_len >> 8)};
    for (uint8_t x : hd)
        b.push_back(std::byte{x});
    for (size_t i = 9; i < b_length; i++)
        b.push_back(std::byte{0});
    const auto rd = satori::sim::mouse_report_descriptor();
    for (size_t i = 0; i < actual_rd; i++)
        b.push_back(std::byte{i < rd.size() ? rd[i] : uint8_t{0}});
    return b;
}
} // namespace

TEST_CASE("mouse framing: pipe and SynthHID sizes are checked against the packet", "[input][mouse]")
{
    auto good = mouse::frame(mouse::kInputReport, std::vector<std::byte>(7, std::byte{1}));
    auto m = mouse::parse_message(good);
    REQUIRE(m.ok);
    CHECK(m.type == mouse::kInputReport);
    CHECK(m.body.size() == 7);

    CHECK_FALSE(mouse::parse_message(std::span(good).first(7)).ok); // shorter than the pipe header
    auto lie = good;
    lie[4] = std::byte{200}; // pipe size beyond the packet
    auto r = mouse::parse_message(lie);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("pipe size 200") != std::string::npos);
    lie = good;
    lie[12] = std::byte{8}; // SynthHID size beyond the pipe message
    CHECK_FALSE(mouse::parse_message(lie).ok);
    lie = good;
    lie[4] = std::byte{4}; // pipe message shorter than the SynthHID header
    CHECK_FALSE(mouse::parse_message(lie).ok);
    lie = good;
    lie[0] = std::byte{2}; // another pipe type: skipped, not an error
    auto skip = mouse::parse_message(lie);
    CHECK(skip.ok);
    CHECK(skip.ignore);
}

TEST_CASE("mouse PROTOCOL_RESPONSE needs version and approved", "[input][mouse]")
{
    const std::byte ok[5] = {std::byte{0}, std::byte{0}, std::byte{2}, std::byte{0}, std::byte{1}};
    auto r = mouse::parse_protocol_response(ok);
    REQUIRE(r.ok);
    CHECK(r.version == mouse::kVersion);
    CHECK(r.approved);
    CHECK_FALSE(mouse::parse_protocol_response(std::span(ok).first(4)).ok);
}

TEST_CASE("mouse INITIAL_DEVICE_INFO: the descriptor must fit the message", "[input][mouse]")
{
    auto good = mouse::parse_device_info(device_info_body(67, 67));
    REQUIRE(good.ok);
    CHECK(good.vendor == 0x045E);
    CHECK(good.product == 0x0621);
    CHECK(good.version == 1);
    REQUIRE(good.report_descriptor.size() == 67);
    const auto rd = satori::sim::mouse_report_descriptor();
    CHECK(std::equal(rd.begin(), rd.end(), good.report_descriptor.begin()));
    CHECK_FALSE(good.patched_sa167);

    auto too_long = mouse::parse_device_info(device_info_body(68, 67));
    CHECK_FALSE(too_long.ok);
    CHECK(too_long.error.find("does not fit") != std::string::npos);
    auto huge = mouse::parse_device_info(device_info_body(0xFFFF, 67));
    CHECK_FALSE(huge.ok);
    CHECK(huge.error.find("exceeds") != std::string::npos);
    auto zero = mouse::parse_device_info(device_info_body(0, 67));
    CHECK_FALSE(zero.ok);
    auto short_hd = mouse::parse_device_info(device_info_body(67, 67, 5));
    CHECK_FALSE(short_hd.ok);
    auto b = device_info_body(67, 67, 200); // bLength past the end
    b.resize(32 + 100);
    CHECK_FALSE(mouse::parse_device_info(b).ok);
    CHECK_FALSE(mouse::parse_device_info(std::vector<std::byte>(40)).ok);
    // a longer bLength moves the descriptor
    auto moved = mouse::parse_device_info(device_info_body(67, 67, 12));
    REQUIRE(moved.ok);
    CHECK(moved.report_descriptor[0] == 0x05);
}

TEST_CASE("mouse INITIAL_DEVICE_INFO: the SA-167 byte is patched", "[input][mouse]")
{
    auto b = device_info_body(67, 67);
    b[32 + 9 + 14] = std::byte{0x25};
    auto d = mouse::parse_device_info(b);
    REQUIRE(d.ok);
    CHECK(d.patched_sa167);
    CHECK(d.report_descriptor[14] == 0x29);
}

TEST_CASE("guest messages are framed as the spec says", "[input][mouse]")
{
    auto req = mouse::protocol_request();
    REQUIRE(req.size() == 20);
    CHECK(rd32(req.data()) == 1);
    CHECK(rd32(req.data() + 4) == 12);
    CHECK(rd32(req.data() + 8) == mouse::kProtocolRequest);
    CHECK(rd32(req.data() + 12) == 4);
    CHECK(rd32(req.data() + 16) == 0x00020000);
    auto ack = mouse::device_info_ack();
    REQUIRE(ack.size() == 17);
    CHECK(rd32(ack.data() + 4) == 9);
    CHECK(rd32(ack.data() + 8) == mouse::kInitialDeviceInfoAck);
    CHECK(rd32(ack.data() + 12) == 1);
    CHECK(ack[16] == std::byte{0});
}
