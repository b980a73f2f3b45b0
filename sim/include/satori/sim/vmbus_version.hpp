// SPDX-License-Identifier: MIT
// VMBus protocol versions (vmbus.md §3.4): (major << 16) | minor.
#pragma once

#include <array>
#include <cstdint>

namespace satori::sim {

constexpr uint32_t vmbus_version(uint16_t major, uint16_t minor) noexcept
{
    return (uint32_t{major} << 16) | minor;
}

inline constexpr uint32_t kVmbusWs2008 = vmbus_version(0, 13);
inline constexpr uint32_t kVmbusWin7 = vmbus_version(1, 1);
inline constexpr uint32_t kVmbusWin8 = vmbus_version(2, 4);
inline constexpr uint32_t kVmbusWin8_1 = vmbus_version(3, 0);
inline constexpr uint32_t kVmbusWin10 = vmbus_version(4, 0);
inline constexpr uint32_t kVmbusWin10V4_1 = vmbus_version(4, 1);
inline constexpr uint32_t kVmbusWin10V5 = vmbus_version(5, 0);
inline constexpr uint32_t kVmbusWin10V5_1 = vmbus_version(5, 1);
inline constexpr uint32_t kVmbusWin10V5_2 = vmbus_version(5, 2);
inline constexpr uint32_t kVmbusWin10V5_3 = vmbus_version(5, 3);

/// What a Windows Server 2022 host accepts, oldest first.
inline constexpr std::array<uint32_t, 10> kSupportedVmbusVersions = {
    kVmbusWs2008,    kVmbusWin7,    kVmbusWin8,      kVmbusWin8_1,    kVmbusWin10,
    kVmbusWin10V4_1, kVmbusWin10V5, kVmbusWin10V5_1, kVmbusWin10V5_2, kVmbusWin10V5_3,
};

} // namespace satori::sim
