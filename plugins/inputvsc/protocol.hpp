// SPDX-License-Identifier: MIT
// Wire facts of the two Hyper-V input protocols (spec/inputvsc.md): the synthetic HID mouse
// (pipe framing + SynthHID messages, version 2.0) and the synthetic keyboard (raw messages,
// version 1.0). Little-endian, byte-packed; every struct is read and written with memcpy.
#pragma once

#include <cstddef>
#include <cstdint>

#include <satori/sdk/guid.hpp>

namespace satori::inputvsc {

/// cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a (HV_MOUSE_GUID).
inline constexpr Guid kMouseClass =
    Guid::from_fields(0xcfa8b69e, 0x5b4a, 0x4cc0, {0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a});
/// f912ad6d-2b17-48ea-bd65-f927a61c7684 (HV_KBD_GUID).
inline constexpr Guid kKeyboardClass =
    Guid::from_fields(0xf912ad6d, 0x2b17, 0x48ea, {0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84});

/// Ring bytes per direction (Linux: VMBUS_RING_SIZE(36 KiB)).
inline constexpr uint32_t kRingBytes = 36 * 1024;

namespace mouse {
inline constexpr uint32_t kVersion = 0x00020000; ///< 2.0
inline constexpr uint32_t kPipeData = 1;
inline constexpr size_t kPipeHeader = 8;   ///< u32 type, u32 size
inline constexpr size_t kHidHeader = 8;    ///< u32 type, u32 size
inline constexpr size_t kBodyOffset = kPipeHeader + kHidHeader;

enum : uint32_t {
    kProtocolRequest = 0,
    kProtocolResponse = 1,
    kInitialDeviceInfo = 2,
    kInitialDeviceInfoAck = 3,
    kInputReport = 4,
};

/// INITIAL_DEVICE_INFO body: hv_input_dev_info (32 bytes) then a 9-byte HID descriptor.
inline constexpr size_t kAttributesSize = 32;
inline constexpr size_t kHidDescriptorMin = 9;
inline constexpr uint8_t kHidDescriptorType = 0x21;
inline constexpr uint8_t kReportDescriptorType = 0x22;
} // namespace mouse

namespace kbd {
inline constexpr uint32_t kVersion = 0x00010000; ///< 1.0
enum : uint32_t {
    kProtocolRequest = 1,
    kProtocolResponse = 2,
    kEvent = 3,
    kLedIndicators = 4,
};
inline constexpr uint32_t kAccepted = 0x1;
inline constexpr uint32_t kIsUnicode = 0x1;
inline constexpr uint32_t kIsBreak = 0x2;
inline constexpr uint32_t kIsE0 = 0x4;
inline constexpr uint32_t kIsE1 = 0x8;
inline constexpr size_t kMaxMessage = 256;
inline constexpr size_t kEventSize = 12;
inline constexpr size_t kResponseSize = 8;
/// LED flags of SET_LED_INDICATORS (Windows KEYBOARD_INDICATOR_PARAMETERS bits; the spec
/// marks the assignment unverified).
inline constexpr uint16_t kLedScrollLock = 0x1;
inline constexpr uint16_t kLedNumLock = 0x2;
inline constexpr uint16_t kLedCapsLock = 0x4;
} // namespace kbd

inline uint32_t rd32(const std::byte *p) noexcept
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint16_t rd16(const std::byte *p) noexcept
{
    return static_cast<uint16_t>(uint32_t(p[0]) | uint32_t(p[1]) << 8);
}
inline void wr32(std::byte *p, uint32_t v) noexcept
{
    for (int i = 0; i < 4; i++)
        p[i] = std::byte(v >> (8 * i));
}
inline void wr16(std::byte *p, uint16_t v) noexcept
{
    p[0] = std::byte(v);
    p[1] = std::byte(v >> 8);
}

} // namespace satori::inputvsc
