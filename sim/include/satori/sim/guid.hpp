// SPDX-License-Identifier: MIT
// A GUID as VMBus carries it (Microsoft mixed-endian wire order), with text conversion.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <satori/guid.h>

namespace satori::sim {

struct Guid {
    /// Wire bytes: data1 as LE u32, data2 and data3 as LE u16, then data4[8] in string order.
    std::array<uint8_t, 16> bytes{};

    /// Builds a GUID from the groups of its canonical text form a-b-c-d-e.
    static constexpr Guid from_fields(uint32_t a, uint16_t b, uint16_t c,
                                      std::array<uint8_t, 8> d) noexcept
    {
        Guid g;
        for (int i = 0; i < 4; ++i)
            g.bytes[i] = static_cast<uint8_t>(a >> (8 * i));
        for (int i = 0; i < 2; ++i) {
            g.bytes[4 + i] = static_cast<uint8_t>(b >> (8 * i));
            g.bytes[6 + i] = static_cast<uint8_t>(c >> (8 * i));
        }
        for (int i = 0; i < 8; ++i)
            g.bytes[8 + i] = d[i];
        return g;
    }

    /// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (optionally in braces, any case).
    static std::optional<Guid> parse(std::string_view text) noexcept;

    /// Lower-case canonical form without braces.
    std::string to_string() const;

    static Guid from_c(const satori_guid &g) noexcept;
    satori_guid to_c() const noexcept;

    bool is_zero() const noexcept
    {
        for (uint8_t b : bytes)
            if (b != 0) return false;
        return true;
    }

    friend constexpr bool operator==(const Guid &, const Guid &) = default;
};

} // namespace satori::sim
