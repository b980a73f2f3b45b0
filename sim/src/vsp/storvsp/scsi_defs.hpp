// SPDX-License-Identifier: MIT
// SCSI numbers the disk model uses (storvsc.md §13) and big-endian field helpers: CDBs and
// SCSI data structures are big-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace satori::sim::detail::scsi {

// ---- opcodes ----
inline constexpr uint8_t kTestUnitReady = 0x00;
inline constexpr uint8_t kRequestSense = 0x03;
inline constexpr uint8_t kFormatUnit = 0x04;
inline constexpr uint8_t kRead6 = 0x08;
inline constexpr uint8_t kWrite6 = 0x0A;
inline constexpr uint8_t kInquiry = 0x12;
inline constexpr uint8_t kModeSelect6 = 0x15;
inline constexpr uint8_t kReserve6 = 0x16;
inline constexpr uint8_t kRelease6 = 0x17;
inline constexpr uint8_t kModeSense6 = 0x1A;
inline constexpr uint8_t kStartStopUnit = 0x1B;
inline constexpr uint8_t kSendDiagnostic = 0x1D;
inline constexpr uint8_t kPreventAllowMediumRemoval = 0x1E;
inline constexpr uint8_t kReadCapacity10 = 0x25;
inline constexpr uint8_t kRead10 = 0x28;
inline constexpr uint8_t kWrite10 = 0x2A;
inline constexpr uint8_t kWriteAndVerify10 = 0x2E;
inline constexpr uint8_t kVerify10 = 0x2F;
inline constexpr uint8_t kSynchronizeCache10 = 0x35;
inline constexpr uint8_t kWriteSame10 = 0x41;
inline constexpr uint8_t kUnmap = 0x42;
inline constexpr uint8_t kModeSelect10 = 0x55;
inline constexpr uint8_t kModeSense10 = 0x5A;
inline constexpr uint8_t kRead16 = 0x88;
inline constexpr uint8_t kWrite16 = 0x8A;
inline constexpr uint8_t kWriteAndVerify16 = 0x8E;
inline constexpr uint8_t kVerify16 = 0x8F;
inline constexpr uint8_t kSynchronizeCache16 = 0x91;
inline constexpr uint8_t kWriteSame16 = 0x93;
inline constexpr uint8_t kServiceActionIn16 = 0x9E;
inline constexpr uint8_t kReportLuns = 0xA0;
inline constexpr uint8_t kRead12 = 0xA8;
inline constexpr uint8_t kWrite12 = 0xAA;
inline constexpr uint8_t kWriteAndVerify12 = 0xAE;
inline constexpr uint8_t kVerify12 = 0xAF;
inline constexpr uint8_t kSaReadCapacity16 = 0x10;

// ---- status byte ----
inline constexpr uint8_t kGood = 0x00;
inline constexpr uint8_t kCheckCondition = 0x02;

// ---- sense keys ----
inline constexpr uint8_t kNoSense = 0x00;
inline constexpr uint8_t kMediumError = 0x03;
inline constexpr uint8_t kIllegalRequest = 0x05;
inline constexpr uint8_t kUnitAttention = 0x06;
inline constexpr uint8_t kDataProtect = 0x07;

// ---- additional sense codes ----
inline constexpr uint8_t kAscNone = 0x00;
inline constexpr uint8_t kAscWriteFault = 0x03;
inline constexpr uint8_t kAscUnrecoveredRead = 0x11;
inline constexpr uint8_t kAscParameterListLength = 0x1A;
inline constexpr uint8_t kAscInvalidOpcode = 0x20;
inline constexpr uint8_t kAscLbaOutOfRange = 0x21;
inline constexpr uint8_t kAscInvalidFieldInCdb = 0x24;
inline constexpr uint8_t kAscInvalidFieldInParameterList = 0x26;
inline constexpr uint8_t kAscWriteProtected = 0x27;
inline constexpr uint8_t kAscCapacityChanged = 0x2A; ///< ASCQ 0x09
inline constexpr uint8_t kAscqCapacityChanged = 0x09;

inline uint16_t be16(std::span<const uint8_t> b, size_t at)
{
    return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
inline uint32_t be32(std::span<const uint8_t> b, size_t at)
{
    return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 |
           uint32_t{b[at + 3]};
}
inline uint64_t be64(std::span<const uint8_t> b, size_t at)
{
    return uint64_t{be32(b, at)} << 32 | be32(b, at + 4);
}
inline void put_be16(std::span<uint8_t> b, size_t at, uint16_t v)
{
    b[at] = static_cast<uint8_t>(v >> 8);
    b[at + 1] = static_cast<uint8_t>(v);
}
inline void put_be32(std::span<uint8_t> b, size_t at, uint32_t v)
{
    for (size_t i = 0; i < 4; ++i)
        b[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
inline void put_be64(std::span<uint8_t> b, size_t at, uint64_t v)
{
    put_be32(b, at, static_cast<uint32_t>(v >> 32));
    put_be32(b, at + 4, static_cast<uint32_t>(v));
}

} // namespace satori::sim::detail::scsi
