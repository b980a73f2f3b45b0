// SPDX-License-Identifier: MIT
// The shim's HID report-descriptor parser and report decoder (GPL side; tests may look in).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <satori/sim/inputvsp.hpp>

#include "kbd_state.hpp"

extern "C" {
#include "services/hid/hid_internal.h"
}

namespace {
struct Parsed {
    hid_layout layout{};
    int32_t r = 0;
    std::string err;
};

std::unique_ptr<Parsed> parse(std::span<const uint8_t> d)
{
    auto p = std::make_unique<Parsed>();
    char err[160] = "";
    p->r = hid_rdesc_parse(d.data(), static_cast<uint32_t>(d.size()), &p->layout, err, sizeof(err));
    p->err = err;
    return p;
}

std::vector<std::string> decode(const hid_layout &l, const char *dev, std::vector<uint8_t> rep,
                                hid_decoded &st, bool replay = false)
{
    std::vector<std::string> out;
    hid_decode_report(&l, dev, rep.data(), static_cast<uint32_t>(rep.size()), &st, replay,
                      [](void *ctx, const char *line) {
                          static_cast<std::vector<std::string> *>(ctx)->emplace_back(line);
                      },
                      &out);
    return out;
}
} // namespace

TEST_CASE("the synthetic mouse descriptor parses into buttons, X, Y and wheel", "[input][rdesc]")
{
    auto p = parse(satori::sim::mouse_report_descriptor());
    REQUIRE(p->r == 0);
    const hid_layout &l = p->layout;
    CHECK_FALSE(l.report_ids);
    CHECK(l.app_usage == 0x00010002u);
    CHECK(hid_layout_class(&l) == HID_DEV_POINTER);
    CHECK(l.input_bits[0] == 56); // 7 bytes
    REQUIRE(l.n_fields == 3);
    CHECK(l.fields[0].usage_min == 0x00090001u);
    CHECK(l.fields[0].usage_max == 0x00090005u);
    CHECK(l.fields[0].bit_offset == 0);
    CHECK(l.fields[0].count == 5);
    CHECK(l.fields[1].bit_offset == 8);
    CHECK(l.fields[1].size == 16);
    CHECK(l.fields[1].logical_max == 32767);
    CHECK(hid_field_usage(&l.fields[1], 0) == 0x00010030u);
    CHECK(hid_field_usage(&l.fields[1], 1) == 0x00010031u);
    CHECK(l.fields[2].bit_offset == 40);
    CHECK(l.fields[2].logical_min == -32767);
    CHECK((l.fields[2].flags & HID_MAIN_RELATIVE) != 0);

    hid_decoded st{};
    auto lines = decode(l, "mouse0", {0x05, 0x34, 0x12, 0xFF, 0x7F, 0xFF, 0xFF}, st);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == R"({"dev":"mouse0","type":"abs","x":4660,"y":32767,"buttons":5,"wheel":-1})");
}

TEST_CASE("the plugin's keyboard descriptor decodes into key presses and releases", "[input][rdesc]")
{
    auto p = parse(satori::inputvsc::keyboard_report_descriptor());
    REQUIRE(p->r == 0);
    const hid_layout &l = p->layout;
    CHECK(hid_layout_class(&l) == HID_DEV_KEYBOARD);
    CHECK(l.input_bits[0] == 64);
    CHECK(l.output_bits[0] == 8);
    hid_decoded st{};
    auto a = decode(l, "kbd0", {0x02, 0, 0x0B, 0, 0, 0, 0, 0}, st); // LShift + H
    REQUIRE(a.size() == 2);
    CHECK(a[0] == R"({"dev":"kbd0","type":"key","code":"KEY_H","usage":11,"value":1})");
    CHECK(a[1] == R"({"dev":"kbd0","type":"key","code":"KEY_LEFTSHIFT","usage":225,"value":1})");
    auto b = decode(l, "kbd0", {0x02, 0, 0, 0, 0, 0, 0, 0}, st);
    REQUIRE(b.size() == 1);
    CHECK(b[0] == R"({"dev":"kbd0","type":"key","code":"KEY_H","usage":11,"value":0})");
    auto c = decode(l, "kbd0", {0, 0, 0, 0, 0, 0, 0, 0}, st);
    REQUIRE(c.size() == 1);
    CHECK(c[0].find("KEY_LEFTSHIFT") != std::string::npos);
    CHECK(c[0].find("\"value\":0") != std::string::npos);
    // a rollover-error report (usage 1) is not a key
    CHECK(decode(l, "kbd0", {0, 0, 1, 1, 1, 1, 1, 1}, st).empty());
    // replay of the current state
    auto r = decode(l, "kbd0", {0, 0, 0x04, 0, 0, 0, 0, 0}, st, true);
    REQUIRE(r.size() == 1);
    CHECK(r[0].find("\"replay\":true") != std::string::npos);
}

TEST_CASE("descriptors with report ids are laid out per id", "[input][rdesc]")
{
    const uint8_t d[] = {
        0x05, 0x01, 0x09, 0x02, 0xA1, 0x01,       // mouse application
        0x85, 0x01,                               // report id 1
        0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x03,
        0x81, 0x02, 0x75, 0x05, 0x95, 0x01, 0x81, 0x01, // 3 buttons + pad
        0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7F, 0x75, 0x08, 0x95, 0x02,
        0x81, 0x06,                               // relative X, Y (8 bits, signed)
        0x85, 0x02, 0x06, 0x00, 0xFF, 0x09, 0x01, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08,
        0x95, 0x02, 0x81, 0x02,                   // id 2: vendor bytes
        0xC0};
    auto p = parse(d);
    REQUIRE(p->r == 0);
    const hid_layout &l = p->layout;
    CHECK(l.report_ids);
    CHECK(l.input_bits[1] == 24);
    CHECK(l.input_bits[2] == 16);
    CHECK(l.fields[2].logical_max == 255); // 0x26 0xFF 0x00
    hid_decoded st{};
    auto a = decode(l, "mouse1", {1, 0x03, 0xFE, 0x05}, st);
    REQUIRE(a.size() == 1);
    CHECK(a[0] == R"({"dev":"mouse1","type":"rel","x":-2,"y":5,"buttons":3,"wheel":0})");
    auto b = decode(l, "mouse1", {2, 0xAB, 0xCD}, st);
    REQUIRE(b.size() == 1);
    CHECK(b[0] == R"({"dev":"mouse1","type":"report","id":2,"data":"abcd"})");
}

TEST_CASE("hostile descriptors are refused with a reason", "[input][rdesc]")
{
    struct Bad {
        std::vector<uint8_t> d;
        const char *why;
    };
    const Bad bad[] = {
        {{0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02}, "unclosed"},
        {{0xC0}, "End Collection without"},
        {{0x05, 0x01, 0xA1, 0x01, 0x75, 0x21, 0x95, 0x01, 0x81, 0x02, 0xC0}, "Report Size"},
        {{0x05, 0x01, 0xA1, 0x01, 0x75, 0x00, 0x95, 0x01, 0x81, 0x02, 0xC0}, "Report Size"},
        {{0x05, 0x01, 0xA1, 0x01, 0x75, 0x20, 0x97, 0xFF, 0xFF, 0x00, 0x00, 0x81, 0x02, 0xC0},
         "Report Count"},
        {{0x05, 0x01, 0xA1, 0x01, 0x75, 0x20, 0x96, 0x00, 0x04, 0x81, 0x02, 0x81, 0x02, 0xC0},
         "longer than 4096"},
        {{0x05, 0x01, 0xA1, 0x01, 0x27, 0x01}, "runs past the end"},
        {{0x05, 0x01, 0xA1, 0x01, 0xFE, 0x10, 0x00}, "long item"},
        {{0x75, 0x08, 0x95, 0x01, 0x81, 0x02}, "outside any collection"},
        {{0x05, 0x01, 0xA1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x91, 0x02, 0xC0}, "no input report"},
        {{0x05, 0x01, 0xA1, 0x01, 0x85, 0x00, 0xC0}, "Report ID"},
        {{0xB4}, "Pop without Push"},
        {{0x0C}, "reserved item type"},
        {{0xA4, 0xA4, 0xA4, 0xA4, 0xA4}, "Push nested too deep"},
    };
    for (const auto &b : bad) {
        INFO(b.why);
        auto p = parse(b.d);
        CHECK(p->r == -SATORI_EINVAL);
        CHECK(p->err.find(b.why) != std::string::npos);
    }
    std::vector<uint8_t> deep;
    for (int i = 0; i < 17; i++) {
        deep.push_back(0xA1);
        deep.push_back(0x00);
    }
    auto p = parse(deep);
    CHECK(p->r == -SATORI_EINVAL);
    CHECK(p->err.find("too deep") != std::string::npos);
    CHECK(parse(std::span<const uint8_t>()) ->r == -SATORI_EINVAL);
    std::vector<uint8_t> huge(SATORI_HID_MAX_DESCRIPTOR + 1, 0);
    CHECK(parse(huge)->r == -SATORI_EINVAL);
}

TEST_CASE("values past the end of a short report read as 0", "[input][rdesc]")
{
    auto p = parse(satori::sim::mouse_report_descriptor());
    REQUIRE(p->r == 0);
    const uint8_t rep[3] = {0x01, 0xFF, 0xFF};
    CHECK(hid_field_value(&p->layout.fields[1], rep, 3, 0) == 0xFFFF);
    CHECK(hid_field_value(&p->layout.fields[1], rep, 3, 1) == 0); // Y is not in 3 bytes
    CHECK(hid_field_value(&p->layout.fields[1], rep, 3, 7) == 0); // no element 7
}
