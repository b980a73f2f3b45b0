// SPDX-License-Identifier: MIT
// The set-1 -> HID usage table on every key of a US 104-key keyboard, and the keyboard state
// machine: press/release ordering, modifiers, E0/E1 prefixes, unknown codes, rollover, LEDs.
#include <catch2/catch.hpp>

#include <set>

#include "kbd_state.hpp"
#include "protocol.hpp"
#include "scancode.hpp"

using namespace satori::inputvsc;

namespace {
struct Key {
    uint16_t make;
    bool e0;
    uint8_t usage;
    const char *name;
};

// The 104 keys of a US keyboard (Pause separately below: it is an E1 sequence).
const Key kUs104[] = {
    {0x01, false, 0x29, "Esc"},       {0x3B, false, 0x3A, "F1"},        {0x3C, false, 0x3B, "F2"},
    {0x3D, false, 0x3C, "F3"},        {0x3E, false, 0x3D, "F4"},        {0x3F, false, 0x3E, "F5"},
    {0x40, false, 0x3F, "F6"},        {0x41, false, 0x40, "F7"},        {0x42, false, 0x41, "F8"},
    {0x43, false, 0x42, "F9"},        {0x44, false, 0x43, "F10"},       {0x57, false, 0x44, "F11"},
    {0x58, false, 0x45, "F12"},       {0x37, true, 0x46, "PrintScreen"}, {0x46, false, 0x47, "ScrollLock"},
    {0x29, false, 0x35, "`"},         {0x02, false, 0x1E, "1"},         {0x03, false, 0x1F, "2"},
    {0x04, false, 0x20, "3"},         {0x05, false, 0x21, "4"},         {0x06, false, 0x22, "5"},
    {0x07, false, 0x23, "6"},         {0x08, false, 0x24, "7"},         {0x09, false, 0x25, "8"},
    {0x0A, false, 0x26, "9"},         {0x0B, false, 0x27, "0"},         {0x0C, false, 0x2D, "-"},
    {0x0D, false, 0x2E, "="},         {0x0E, false, 0x2A, "Backspace"}, {0x52, true, 0x49, "Insert"},
    {0x47, true, 0x4A, "Home"},       {0x49, true, 0x4B, "PageUp"},     {0x45, false, 0x53, "NumLock"},
    {0x35, true, 0x54, "KP/"},        {0x37, false, 0x55, "KP*"},       {0x4A, false, 0x56, "KP-"},
    {0x0F, false, 0x2B, "Tab"},       {0x10, false, 0x14, "Q"},         {0x11, false, 0x1A, "W"},
    {0x12, false, 0x08, "E"},         {0x13, false, 0x15, "R"},         {0x14, false, 0x17, "T"},
    {0x15, false, 0x1C, "Y"},         {0x16, false, 0x18, "U"},         {0x17, false, 0x0C, "I"},
    {0x18, false, 0x12, "O"},         {0x19, false, 0x13, "P"},         {0x1A, false, 0x2F, "["},
    {0x1B, false, 0x30, "]"},         {0x2B, false, 0x31, "\\"},        {0x53, true, 0x4C, "Delete"},
    {0x4F, true, 0x4D, "End"},        {0x51, true, 0x4E, "PageDown"},   {0x47, false, 0x5F, "KP7"},
    {0x48, false, 0x60, "KP8"},       {0x49, false, 0x61, "KP9"},       {0x4E, false, 0x57, "KP+"},
    {0x3A, false, 0x39, "CapsLock"},  {0x1E, false, 0x04, "A"},         {0x1F, false, 0x16, "S"},
    {0x20, false, 0x07, "D"},         {0x21, false, 0x09, "F"},         {0x22, false, 0x0A, "G"},
    {0x23, false, 0x0B, "H"},         {0x24, false, 0x0D, "J"},         {0x25, false, 0x0E, "K"},
    {0x26, false, 0x0F, "L"},         {0x27, false, 0x33, ";"},         {0x28, false, 0x34, "'"},
    {0x1C, false, 0x28, "Enter"},     {0x4B, false, 0x5C, "KP4"},       {0x4C, false, 0x5D, "KP5"},
    {0x4D, false, 0x5E, "KP6"},       {0x2A, false, 0xE1, "LShift"},    {0x2C, false, 0x1D, "Z"},
    {0x2D, false, 0x1B, "X"},         {0x2E, false, 0x06, "C"},         {0x2F, false, 0x19, "V"},
    {0x30, false, 0x05, "B"},         {0x31, false, 0x11, "N"},         {0x32, false, 0x10, "M"},
    {0x33, false, 0x36, ","},         {0x34, false, 0x37, "."},         {0x35, false, 0x38, "/"},
    {0x36, false, 0xE5, "RShift"},    {0x48, true, 0x52, "Up"},         {0x4F, false, 0x59, "KP1"},
    {0x50, false, 0x5A, "KP2"},       {0x51, false, 0x5B, "KP3"},       {0x1C, true, 0x58, "KPEnter"},
    {0x1D, false, 0xE0, "LCtrl"},     {0x5B, true, 0xE3, "LWin"},       {0x38, false, 0xE2, "LAlt"},
    {0x39, false, 0x2C, "Space"},     {0x38, true, 0xE6, "RAlt"},       {0x5C, true, 0xE7, "RWin"},
    {0x5D, true, 0x65, "Menu"},       {0x1D, true, 0xE4, "RCtrl"},      {0x4B, true, 0x50, "Left"},
    {0x50, true, 0x51, "Down"},       {0x4D, true, 0x4F, "Right"},      {0x52, false, 0x62, "KP0"},
    {0x53, false, 0x63, "KP."},
};

bool is_modifier(uint8_t u) { return u >= 0xE0 && u <= 0xE7; }
} // namespace

TEST_CASE("every key of a US 104-key keyboard maps to its HID usage", "[input][scancode]")
{
    STATIC_REQUIRE(sizeof(kUs104) / sizeof(kUs104[0]) == 103); // + Pause = 104
    std::set<uint8_t> usages;
    for (const Key &k : kUs104) {
        INFO(k.name);
        CHECK(set1_to_usage(k.make, k.e0) == k.usage);
        usages.insert(k.usage);
    }
    CHECK(usages.size() == 103); // no two keys share a usage
}

TEST_CASE("each key gives a press report and a release report", "[input][scancode]")
{
    for (const Key &k : kUs104) {
        INFO(k.name);
        KeyboardState st;
        const uint32_t e0 = k.e0 ? kbd::kIsE0 : 0;
        auto down = st.on_event(k.make, e0);
        REQUIRE(down.reports.size() == 1);
        if (is_modifier(k.usage)) {
            CHECK(down.reports[0][0] == (1u << (k.usage - 0xE0)));
            CHECK(down.reports[0][2] == 0);
        } else {
            CHECK(down.reports[0][0] == 0);
            CHECK(down.reports[0][2] == k.usage);
        }
        auto up = st.on_event(k.make, e0 | kbd::kIsBreak);
        REQUIRE(up.reports.size() == 1);
        CHECK(up.reports[0] == KbdReport{});
    }
}

TEST_CASE("Pause (E1 1D 45 / E1 9D C5) is one press and one release", "[input][scancode]")
{
    KeyboardState st;
    auto a = st.on_event(0x1D, kbd::kIsE1);
    REQUIRE(a.reports.size() == 2);
    CHECK(a.reports[0][2] == kUsagePause);
    CHECK(a.reports[1] == KbdReport{});
    auto b = st.on_event(0x45, 0);
    CHECK(b.swallowed);
    CHECK(b.reports.empty());
    auto c = st.on_event(0x1D, kbd::kIsE1 | kbd::kIsBreak);
    CHECK(c.reports.empty());
    auto d = st.on_event(0x45, kbd::kIsBreak);
    CHECK(d.swallowed);
    CHECK(d.reports.empty());
    // Num Lock still works afterwards
    auto e = st.on_event(0x45, 0);
    REQUIRE(e.reports.size() == 1);
    CHECK(e.reports[0][2] == 0x53);
    // Ctrl+Break (E0 46) is Pause too
    CHECK(set1_to_usage(0x46, true) == kUsagePause);
}

TEST_CASE("shifted typing keeps press and release order", "[input][scancode]")
{
    KeyboardState st;
    auto r1 = st.on_event(0x2A, 0); // LShift down
    auto r2 = st.on_event(0x23, 0); // H down
    auto r3 = st.on_event(0x23, kbd::kIsBreak);
    auto r4 = st.on_event(0x2A, kbd::kIsBreak);
    REQUIRE(r1.reports.size() == 1);
    REQUIRE(r2.reports.size() == 1);
    REQUIRE(r3.reports.size() == 1);
    REQUIRE(r4.reports.size() == 1);
    CHECK(r1.reports[0] == KbdReport{0x02, 0, 0, 0, 0, 0, 0, 0});
    CHECK(r2.reports[0] == KbdReport{0x02, 0, 0x0B, 0, 0, 0, 0, 0});
    CHECK(r3.reports[0] == KbdReport{0x02, 0, 0, 0, 0, 0, 0, 0});
    CHECK(r4.reports[0] == KbdReport{});
}

TEST_CASE("rollover: keys stay in press order and leave no holes", "[input][scancode]")
{
    KeyboardState st;
    const uint16_t codes[] = {0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24}; // A S D F G H J
    for (uint16_t c : codes)
        (void)st.on_event(c, 0);
    // the seventh key is not reported
    CHECK(st.report() == KbdReport{0, 0, 0x04, 0x16, 0x07, 0x09, 0x0A, 0x0B});
    auto r = st.on_event(0x1F, kbd::kIsBreak); // S up
    REQUIRE(r.reports.size() == 1);
    CHECK(r.reports[0] == KbdReport{0, 0, 0x04, 0x07, 0x09, 0x0A, 0x0B, 0});
    // releasing the unreported seventh key changes nothing
    CHECK(st.on_event(0x24, kbd::kIsBreak).reports.empty());
    // an auto-repeat press changes nothing
    CHECK(st.on_event(0x1E, 0).reports.empty());
}

TEST_CASE("unknown codes and fake shifts leave no stuck keys", "[input][scancode]")
{
    KeyboardState st;
    CHECK(st.on_event(0x7F, 0).unknown);
    CHECK(st.on_event(0x80, 0).unknown);
    CHECK(st.on_event(0x1234, 0).unknown);
    CHECK(st.on_event(0x60, kbd::kIsE0).unknown);
    CHECK(st.on_event(0x1E, kbd::kIsUnicode).unknown);
    CHECK(st.on_event(0x10, kbd::kIsE1).unknown);
    auto fake = st.on_event(0x2A, kbd::kIsE0); // E0 2A before Print Screen
    CHECK(fake.swallowed);
    CHECK(fake.reports.empty());
    CHECK(st.report() == KbdReport{});
    // a release of a key never pressed changes nothing
    CHECK(st.on_event(0x1E, kbd::kIsBreak).reports.empty());
}

TEST_CASE("HID LED bits become Hyper-V LED flags", "[input][scancode]")
{
    CHECK(hid_leds_to_hyperv(0) == 0);
    CHECK(hid_leds_to_hyperv(0x1) == kbd::kLedNumLock);
    CHECK(hid_leds_to_hyperv(0x2) == kbd::kLedCapsLock);
    CHECK(hid_leds_to_hyperv(0x4) == kbd::kLedScrollLock);
    CHECK(hid_leds_to_hyperv(0x7) == (kbd::kLedNumLock | kbd::kLedCapsLock | kbd::kLedScrollLock));
    CHECK(hid_leds_to_hyperv(0x18) == 0); // compose, kana: no Hyper-V flag
}
