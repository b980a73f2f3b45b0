// SPDX-License-Identifier: MIT
// CRC-32C, table driven (reflected polynomial 0x82f63b78).
#include "crc32c.hpp"

#include <array>

namespace satori::sim::disk {

namespace {

constexpr std::array<uint32_t, 256> make_table()
{
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        t[i] = c;
    }
    return t;
}

constexpr auto kTable = make_table();

uint32_t update(uint32_t crc, std::span<const std::byte> data) noexcept
{
    for (std::byte b : data)
        crc = kTable[(crc ^ static_cast<uint8_t>(b)) & 0xff] ^ (crc >> 8);
    return crc;
}

} // namespace

uint32_t crc32c(std::span<const std::byte> data) noexcept
{
    return ~update(~0u, data);
}

uint32_t crc32c_without_field(std::span<const std::byte> data, size_t field_offset) noexcept
{
    if (field_offset + 4 > data.size()) return crc32c(data);
    const std::byte zeros[4]{};
    uint32_t crc = update(~0u, data.first(field_offset));
    crc = update(crc, zeros);
    crc = update(crc, data.subspan(field_offset + 4));
    return ~crc;
}

} // namespace satori::sim::disk
