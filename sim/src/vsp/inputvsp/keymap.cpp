// SPDX-License-Identifier: MIT
// US-layout characters and key names as set-1 scan codes (what a host sends the synthetic
// keyboard).
#include <satori/sim/inputvsp.hpp>

#include <cctype>
#include <cstring>

namespace satori::sim {

namespace {

struct CharKey {
    char plain, shifted;
    uint16_t make;
};

// The typing keys of a US keyboard: unshifted and shifted character per set-1 make code.
constexpr CharKey kChars[] = {
    {'1', '!', 0x02}, {'2', '@', 0x03}, {'3', '#', 0x04}, {'4', '$', 0x05}, {'5', '%', 0x06},
    {'6', '^', 0x07}, {'7', '&', 0x08}, {'8', '*', 0x09}, {'9', '(', 0x0A}, {'0', ')', 0x0B},
    {'-', '_', 0x0C}, {'=', '+', 0x0D}, {'q', 'Q', 0x10}, {'w', 'W', 0x11}, {'e', 'E', 0x12},
    {'r', 'R', 0x13}, {'t', 'T', 0x14}, {'y', 'Y', 0x15}, {'u', 'U', 0x16}, {'i', 'I', 0x17},
    {'o', 'O', 0x18}, {'p', 'P', 0x19}, {'[', '{', 0x1A}, {']', '}', 0x1B}, {'a', 'A', 0x1E},
    {'s', 'S', 0x1F}, {'d', 'D', 0x20}, {'f', 'F', 0x21}, {'g', 'G', 0x22}, {'h', 'H', 0x23},
    {'j', 'J', 0x24}, {'k', 'K', 0x25}, {'l', 'L', 0x26}, {';', ':', 0x27}, {'\'', '"', 0x28},
    {'`', '~', 0x29}, {'\\', '|', 0x2B}, {'z', 'Z', 0x2C}, {'x', 'X', 0x2D}, {'c', 'C', 0x2E},
    {'v', 'V', 0x2F}, {'b', 'B', 0x30}, {'n', 'N', 0x31}, {'m', 'M', 0x32}, {',', '<', 0x33},
    {'.', '>', 0x34}, {'/', '?', 0x35}, {' ', ' ', 0x39}, {'\n', '\n', 0x1C}, {'\t', '\t', 0x0F},
};

struct NamedKey {
    const char *name;
    uint16_t make;
    bool e0;
};

constexpr NamedKey kNames[] = {
    {"esc", 0x01, false},        {"backspace", 0x0E, false},  {"tab", 0x0F, false},
    {"enter", 0x1C, false},      {"lctrl", 0x1D, false},      {"lshift", 0x2A, false},
    {"rshift", 0x36, false},     {"kpasterisk", 0x37, false}, {"lalt", 0x38, false},
    {"space", 0x39, false},      {"capslock", 0x3A, false},   {"f1", 0x3B, false},
    {"f2", 0x3C, false},         {"f3", 0x3D, false},         {"f4", 0x3E, false},
    {"f5", 0x3F, false},         {"f6", 0x40, false},         {"f7", 0x41, false},
    {"f8", 0x42, false},         {"f9", 0x43, false},         {"f10", 0x44, false},
    {"numlock", 0x45, false},    {"scrolllock", 0x46, false}, {"kp7", 0x47, false},
    {"kp8", 0x48, false},        {"kp9", 0x49, false},        {"kpminus", 0x4A, false},
    {"kp4", 0x4B, false},        {"kp5", 0x4C, false},        {"kp6", 0x4D, false},
    {"kpplus", 0x4E, false},     {"kp1", 0x4F, false},        {"kp2", 0x50, false},
    {"kp3", 0x51, false},        {"kp0", 0x52, false},        {"kpdot", 0x53, false},
    {"f11", 0x57, false},        {"f12", 0x58, false},        {"kpenter", 0x1C, true},
    {"rctrl", 0x1D, true},       {"kpslash", 0x35, true},     {"printscreen", 0x37, true},
    {"ralt", 0x38, true},        {"home", 0x47, true},        {"up", 0x48, true},
    {"pgup", 0x49, true},        {"left", 0x4B, true},        {"right", 0x4D, true},
    {"end", 0x4F, true},         {"down", 0x50, true},        {"pgdn", 0x51, true},
    {"insert", 0x52, true},      {"delete", 0x53, true},      {"lwin", 0x5B, true},
    {"rwin", 0x5C, true},        {"menu", 0x5D, true},
};

} // namespace

bool us_char_to_key(char c, ScanKey &key, bool &shift) noexcept
{
    for (const auto &k : kChars) {
        if (c == k.plain || c == k.shifted) {
            key = {k.make, false};
            shift = c == k.shifted && k.shifted != k.plain;
            return true;
        }
    }
    return false;
}

bool key_by_name(std::string_view name, ScanKey &key) noexcept
{
    for (const auto &k : kNames) {
        if (name == k.name) {
            key = {k.make, k.e0};
            return true;
        }
    }
    bool shift = false;
    return name.size() == 1 && us_char_to_key(static_cast<char>(std::tolower(
                                                  static_cast<unsigned char>(name[0]))),
                                              key, shift);
}

} // namespace satori::sim
