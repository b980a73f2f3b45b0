// SPDX-License-Identifier: MIT
// satori::Guid: a GUID in VMBus wire order, canonical string parsing and formatting.
#ifndef SATORI_SDK_GUID_HPP
#define SATORI_SDK_GUID_HPP

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include <satori/errno.h>
#include <satori/guid.h>
#include <satori/sdk/status.hpp>

namespace satori {

/**
 * A GUID as its 16 wire bytes (Microsoft mixed-endian: the first three groups little-endian,
 * the last eight bytes in string order), exactly like `struct satori_guid`.
 * Comparisons order by wire bytes.
 */
class Guid {
  public:
    /// Canonical text length without braces: 8-4-4-4-12 hex digits and four dashes.
    static constexpr std::size_t kStringLength = 36;

    /// The nil GUID (all zero).
    constexpr Guid() noexcept = default;
    /// From the 16 bytes in VMBus wire order.
    constexpr explicit Guid(const std::array<uint8_t, 16> &wire) noexcept : b_(wire) {}
    /// From the ABI struct (implicit, for interop).
    constexpr Guid(const satori_guid &c) noexcept // NOLINT: implicit on purpose (ABI interop)
    {
        for (std::size_t i = 0; i < 16; ++i)
            b_[i] = c.b[i];
    }

    /// From the canonical groups a-b-c-d, as SATORI_GUID_INIT takes them.
    static constexpr Guid from_fields(uint32_t a, uint16_t b, uint16_t c,
                                      const std::array<uint8_t, 8> &d) noexcept
    {
        std::array<uint8_t, 16> w{};
        for (std::size_t i = 0; i < 4; ++i)
            w[i] = static_cast<uint8_t>(a >> (8 * i));
        for (std::size_t i = 0; i < 2; ++i) {
            w[4 + i] = static_cast<uint8_t>(b >> (8 * i));
            w[6 + i] = static_cast<uint8_t>(c >> (8 * i));
        }
        for (std::size_t i = 0; i < 8; ++i)
            w[8 + i] = d[i];
        return Guid(w);
    }

    /// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", optionally in braces, any hex case.
    /// @return the GUID, or -SATORI_EINVAL.
    static constexpr Result<Guid> parse(std::string_view text) noexcept
    {
        if (text.size() == kStringLength + 2 && text.front() == '{' && text.back() == '}')
            text = text.substr(1, kStringLength);
        if (text.size() != kStringLength) return Status(-SATORI_EINVAL);
        std::array<uint8_t, 16> digits{}; // string order
        std::size_t n = 0;
        for (std::size_t i = 0; i < kStringLength; ++i) {
            const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash_position) {
                if (text[i] != '-') return Status(-SATORI_EINVAL);
                continue;
            }
            const int hi = hex_value(text[i]);
            const int lo = i + 1 < kStringLength ? hex_value(text[i + 1]) : -1;
            if (hi < 0 || lo < 0) return Status(-SATORI_EINVAL);
            digits[n++] = static_cast<uint8_t>(hi << 4 | lo);
            ++i;
        }
        return Guid(string_to_wire(digits));
    }

    /// Lower-case canonical text, without braces, NUL-terminated.
    constexpr std::array<char, kStringLength + 1> to_chars() const noexcept
    {
        constexpr char kHex[] = "0123456789abcdef";
        const std::array<uint8_t, 16> digits = string_to_wire(b_); // the swap is its own inverse
        std::array<char, kStringLength + 1> out{};
        std::size_t pos = 0;
        for (std::size_t i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) out[pos++] = '-';
            out[pos++] = kHex[digits[i] >> 4];
            out[pos++] = kHex[digits[i] & 0xf];
        }
        out[pos] = '\0';
        return out;
    }
    /// Canonical text, e.g. `57164f39-9115-4e78-ab55-382f3bd5422d`.
    std::string to_string() const { return std::string(to_chars().data(), kStringLength); }

    /// The ABI struct.
    constexpr satori_guid to_c() const noexcept
    {
        satori_guid c{};
        for (std::size_t i = 0; i < 16; ++i)
            c.b[i] = b_[i];
        return c;
    }
    /// The 16 bytes in VMBus wire order.
    constexpr const std::array<uint8_t, 16> &bytes() const noexcept { return b_; }
    /// True for the all-zero GUID.
    constexpr bool is_nil() const noexcept { return *this == Guid(); }

    /// Byte-wise ordering (for maps and sorting).
    friend constexpr auto operator<=>(const Guid &, const Guid &) noexcept = default;
    /// Equal when all 16 bytes are equal.
    friend constexpr bool operator==(const Guid &, const Guid &) noexcept = default;

    /// Writes to_string().
    friend std::ostream &operator<<(std::ostream &os, const Guid &g)
    {
        return os << g.to_chars().data();
    }

  private:
    static constexpr int hex_value(char c) noexcept
    {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    /// Reverses the byte order of the first three groups (string order <-> wire order).
    static constexpr std::array<uint8_t, 16>
    string_to_wire(const std::array<uint8_t, 16> &s) noexcept
    {
        return {s[3], s[2], s[1],  s[0],  s[5],  s[4],  s[7],  s[6],
                s[8], s[9], s[10], s[11], s[12], s[13], s[14], s[15]};
    }

    std::array<uint8_t, 16> b_{};
};

/// Device classes Satori knows, from the ABI's SATORI_GUID_* definitions.
namespace guids {
/// Heartbeat integration component (SATORI_GUID_HEARTBEAT). @hideinitializer
inline constexpr Guid kHeartbeat = satori_guid SATORI_GUID_HEARTBEAT;
/// Synthetic SCSI controller, storvsc (SATORI_GUID_SCSI). @hideinitializer
inline constexpr Guid kScsi = satori_guid SATORI_GUID_SCSI;
/// Synthetic IDE accelerator (SATORI_GUID_IDE). @hideinitializer
inline constexpr Guid kIde = satori_guid SATORI_GUID_IDE;
/// Synthetic network adapter, netvsc (SATORI_GUID_NIC). @hideinitializer
inline constexpr Guid kNic = satori_guid SATORI_GUID_NIC;
/// Synthetic mouse (SATORI_GUID_MOUSE). @hideinitializer
inline constexpr Guid kMouse = satori_guid SATORI_GUID_MOUSE;
/// Synthetic keyboard (SATORI_GUID_KEYBOARD). @hideinitializer
inline constexpr Guid kKeyboard = satori_guid SATORI_GUID_KEYBOARD;
} // namespace guids

namespace literals {
/// `"57164f39-9115-4e78-ab55-382f3bd5422d"_guid`; a malformed literal does not compile.
consteval Guid operator""_guid(const char *text, std::size_t length)
{
    Result<Guid> parsed = Guid::parse(std::string_view(text, length));
    if (!parsed) throw "malformed GUID literal"; // not a constant expression: compile error
    return *parsed;
}
} // namespace literals

} // namespace satori

#endif // SATORI_SDK_GUID_HPP
