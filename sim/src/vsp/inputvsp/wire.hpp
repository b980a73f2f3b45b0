// SPDX-License-Identifier: MIT
// Little-endian helpers for the input protocols (spec/inputvsc.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace satori::sim::input_wire {

inline void put32(std::vector<std::byte> &v, uint32_t x)
{
    for (int i = 0; i < 4; i++)
        v.push_back(std::byte(x >> (8 * i)));
}
inline void put16(std::vector<std::byte> &v, uint16_t x)
{
    v.push_back(std::byte(x));
    v.push_back(std::byte(x >> 8));
}
inline uint32_t get32(std::span<const std::byte> s, size_t off)
{
    uint32_t x = 0;
    for (int i = 0; i < 4; i++)
        x |= uint32_t(s[off + i]) << (8 * i);
    return x;
}
inline uint16_t get16(std::span<const std::byte> s, size_t off)
{
    return static_cast<uint16_t>(uint32_t(s[off]) | uint32_t(s[off + 1]) << 8);
}

} // namespace satori::sim::input_wire
