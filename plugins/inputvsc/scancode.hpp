// SPDX-License-Identifier: MIT
// PC/XT scan code set 1 (what the Hyper-V synthetic keyboard sends) to USB HID usages of the
// Keyboard/Keypad page (0x07). docs/input.md has the table in prose.
#pragma once

#include <cstdint>

namespace satori::inputvsc {

/// The HID usage for set-1 make code @p make (0x00-0x7F), E0-prefixed when @p e0; 0 when the
/// code has no key (unknown, or E0 2A / E0 36, the fake shifts around Print Screen).
uint8_t set1_to_usage(uint16_t make, bool e0) noexcept;

/// HID usage of the Pause key (set 1: E1 1D 45, or E0 46 for Ctrl+Break).
inline constexpr uint8_t kUsagePause = 0x48;

} // namespace satori::inputvsc
