// SPDX-License-Identifier: MIT
#include <satori/sim/guid.hpp>

#include <cstring>

namespace satori::sim {

namespace {

int hex_digit(char c) noexcept
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool parse_hex(std::string_view s, uint64_t &out) noexcept
{
    out = 0;
    for (char c : s) {
        const int d = hex_digit(c);
        if (d < 0) return false;
        out = (out << 4) | static_cast<uint64_t>(d);
    }
    return true;
}

} // namespace

std::optional<Guid> Guid::parse(std::string_view text) noexcept
{
    if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
    if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
        text[23] != '-')
        return std::nullopt;
    uint64_t a, b, c, d, e;
    if (!parse_hex(text.substr(0, 8), a) || !parse_hex(text.substr(9, 4), b) ||
        !parse_hex(text.substr(14, 4), c) || !parse_hex(text.substr(19, 4), d) ||
        !parse_hex(text.substr(24, 12), e))
        return std::nullopt;
    std::array<uint8_t, 8> tail{};
    tail[0] = static_cast<uint8_t>(d >> 8);
    tail[1] = static_cast<uint8_t>(d);
    for (int i = 0; i < 6; ++i)
        tail[2 + i] = static_cast<uint8_t>(e >> (8 * (5 - i)));
    return from_fields(static_cast<uint32_t>(a), static_cast<uint16_t>(b), static_cast<uint16_t>(c),
                       tail);
}

std::string Guid::to_string() const
{
    static constexpr char kDigits[] = "0123456789abcdef";
    // Text order of the wire bytes: the first three groups are little-endian.
    static constexpr int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        const uint8_t b = bytes[kOrder[i]];
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
    }
    return out;
}

Guid Guid::from_c(const satori_guid &g) noexcept
{
    Guid out;
    std::memcpy(out.bytes.data(), g.b, 16);
    return out;
}

satori_guid Guid::to_c() const noexcept
{
    satori_guid out;
    std::memcpy(out.b, bytes.data(), 16);
    return out;
}

} // namespace satori::sim
