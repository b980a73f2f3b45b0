// SPDX-License-Identifier: MIT
#include "scancode.hpp"

#include <array>

namespace satori::inputvsc {

namespace {

// Index: set-1 make code without prefix. Written from the two published key tables
// (IBM PC/XT set 1 and USB HID Usage Tables 1.12, section 10).
constexpr std::array<uint8_t, 0x80> kPlain = [] {
    std::array<uint8_t, 0x80> t{};
    t[0x01] = 0x29; // Escape
    for (int i = 0; i < 9; i++)
        t[0x02 + i] = static_cast<uint8_t>(0x1E + i); // 1..9
    t[0x0B] = 0x27; // 0
    t[0x0C] = 0x2D; // - _
    t[0x0D] = 0x2E; // = +
    t[0x0E] = 0x2A; // Backspace
    t[0x0F] = 0x2B; // Tab
    const uint8_t qwerty[] = {0x14, 0x1A, 0x08, 0x15, 0x17, 0x1C, 0x18, 0x0C, 0x12, 0x13};
    for (int i = 0; i < 10; i++)
        t[0x10 + i] = qwerty[i]; // Q W E R T Y U I O P
    t[0x1A] = 0x2F; // [
    t[0x1B] = 0x30; // ]
    t[0x1C] = 0x28; // Enter
    t[0x1D] = 0xE0; // Left Ctrl
    const uint8_t asdf[] = {0x04, 0x16, 0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F};
    for (int i = 0; i < 9; i++)
        t[0x1E + i] = asdf[i]; // A S D F G H J K L
    t[0x27] = 0x33; // ;
    t[0x28] = 0x34; // '
    t[0x29] = 0x35; // `
    t[0x2A] = 0xE1; // Left Shift
    t[0x2B] = 0x31; // backslash
    const uint8_t zxcv[] = {0x1D, 0x1B, 0x06, 0x19, 0x05, 0x11, 0x10};
    for (int i = 0; i < 7; i++)
        t[0x2C + i] = zxcv[i]; // Z X C V B N M
    t[0x33] = 0x36; // ,
    t[0x34] = 0x37; // .
    t[0x35] = 0x38; // /
    t[0x36] = 0xE5; // Right Shift
    t[0x37] = 0x55; // Keypad *
    t[0x38] = 0xE2; // Left Alt
    t[0x39] = 0x2C; // Space
    t[0x3A] = 0x39; // Caps Lock
    for (int i = 0; i < 10; i++)
        t[0x3B + i] = static_cast<uint8_t>(0x3A + i); // F1..F10
    t[0x45] = 0x53; // Num Lock
    t[0x46] = 0x47; // Scroll Lock
    t[0x47] = 0x5F; // Keypad 7
    t[0x48] = 0x60; // Keypad 8
    t[0x49] = 0x61; // Keypad 9
    t[0x4A] = 0x56; // Keypad -
    t[0x4B] = 0x5C; // Keypad 4
    t[0x4C] = 0x5D; // Keypad 5
    t[0x4D] = 0x5E; // Keypad 6
    t[0x4E] = 0x57; // Keypad +
    t[0x4F] = 0x59; // Keypad 1
    t[0x50] = 0x5A; // Keypad 2
    t[0x51] = 0x5B; // Keypad 3
    t[0x52] = 0x62; // Keypad 0
    t[0x53] = 0x63; // Keypad .
    t[0x54] = 0x46; // SysRq (Alt + Print Screen)
    t[0x56] = 0x64; // Non-US backslash (102nd key)
    t[0x57] = 0x44; // F11
    t[0x58] = 0x45; // F12
    return t;
}();

constexpr std::array<uint8_t, 0x80> kE0 = [] {
    std::array<uint8_t, 0x80> t{};
    t[0x1C] = 0x58; // Keypad Enter
    t[0x1D] = 0xE4; // Right Ctrl
    t[0x35] = 0x54; // Keypad /
    t[0x37] = 0x46; // Print Screen
    t[0x38] = 0xE6; // Right Alt
    t[0x46] = kUsagePause; // Ctrl + Break
    t[0x47] = 0x4A; // Home
    t[0x48] = 0x52; // Up
    t[0x49] = 0x4B; // Page Up
    t[0x4B] = 0x50; // Left
    t[0x4D] = 0x4F; // Right
    t[0x4F] = 0x4D; // End
    t[0x50] = 0x51; // Down
    t[0x51] = 0x4E; // Page Down
    t[0x52] = 0x49; // Insert
    t[0x53] = 0x4C; // Delete
    t[0x5B] = 0xE3; // Left GUI
    t[0x5C] = 0xE7; // Right GUI
    t[0x5D] = 0x65; // Application (menu)
    return t;
}();

} // namespace

uint8_t set1_to_usage(uint16_t make, bool e0) noexcept
{
    if (make >= 0x80) return 0;
    return e0 ? kE0[make] : kPlain[make];
}

} // namespace satori::inputvsc
