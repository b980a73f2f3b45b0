// SPDX-License-Identifier: MIT
// The VHDX on-disk structures (MS-VHDX 1.0): headers, region table, metadata items, BAT
// entries and log entries. All fields are little-endian; GUIDs use the Windows byte order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <satori/sim/guid.hpp>

namespace satori::sim::disk::vhdx {

constexpr uint64_t kKiB = 1024, kMiB = 1024 * 1024;
constexpr uint64_t kHeaderOffset[2] = {64 * kKiB, 128 * kKiB};
constexpr uint64_t kRegionOffset[2] = {192 * kKiB, 256 * kKiB};
constexpr uint32_t kHeaderSize = 4096;
constexpr uint32_t kRegionTableSize = 64 * 1024;
constexpr uint32_t kMaxRegionEntries = 2047;
constexpr uint32_t kMetadataTableSize = 64 * 1024;
constexpr uint64_t kMaxVirtualSize = uint64_t{64} << 40; // 64 TiB
constexpr uint32_t kLogSector = 4096;

// Header field offsets.
constexpr size_t kHdSignature = 0, kHdChecksum = 4, kHdSequence = 8, kHdFileWriteGuid = 16,
                 kHdDataWriteGuid = 32, kHdLogGuid = 48, kHdLogVersion = 64, kHdVersion = 66,
                 kHdLogLength = 68, kHdLogOffset = 72;

// BAT entry states (low 3 bits); the file offset in MiB is in bits 20..63.
constexpr uint64_t kBatStateMask = 7;
constexpr uint64_t kPayloadNotPresent = 0, kPayloadUndefined = 1, kPayloadZero = 2,
                   kPayloadUnmapped = 3, kPayloadFullyPresent = 6, kPayloadPartiallyPresent = 7;
constexpr uint64_t kSbBlockPresent = 6;
inline uint64_t bat_state(uint64_t e)
{
    return e & kBatStateMask;
}
inline uint64_t bat_offset(uint64_t e)
{
    return (e >> 20) * kMiB;
}
inline uint64_t bat_entry(uint64_t state, uint64_t offset)
{
    return (offset / kMiB) << 20 | state;
}

// Region and metadata item GUIDs.
inline constexpr Guid kRegionBat =
    Guid::from_fields(0x2dc27766, 0xf623, 0x4200, {0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08});
inline constexpr Guid kRegionMetadata =
    Guid::from_fields(0x8b7ca206, 0x4790, 0x4b9a, {0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e});
inline constexpr Guid kMetaFileParameters =
    Guid::from_fields(0xcaa16737, 0xfa36, 0x4d43, {0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b});
inline constexpr Guid kMetaVirtualDiskSize =
    Guid::from_fields(0x2fa54224, 0xcd1b, 0x4876, {0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8});
inline constexpr Guid kMetaPage83 =
    Guid::from_fields(0xbeca12ab, 0xb2e6, 0x4523, {0x93, 0xef, 0xc3, 0x09, 0xe0, 0x00, 0xc7, 0x46});
inline constexpr Guid kMetaLogicalSector =
    Guid::from_fields(0x8141bf1d, 0xa96f, 0x4709, {0xba, 0x47, 0xf2, 0x33, 0xa8, 0xfa, 0xab, 0x5f});
inline constexpr Guid kMetaPhysicalSector =
    Guid::from_fields(0xcda348c7, 0x445d, 0x4471, {0x9c, 0xc9, 0xe9, 0x88, 0x52, 0x51, 0xc5, 0x56});
inline constexpr Guid kMetaParentLocator =
    Guid::from_fields(0xa8d35f2d, 0xb30b, 0x454d, {0xab, 0xf7, 0xd3, 0xd8, 0x48, 0x34, 0xab, 0x0c});

struct Header {
    uint64_t sequence = 0;
    Guid file_write_guid, data_write_guid, log_guid;
    uint32_t log_length = 0;
    uint64_t log_offset = 0;
};

/// Parses one 4 KiB header; "" or what is wrong with it.
std::string parse_header(std::span<const std::byte> raw, Header &out);
/// Serializes @p h into a 4 KiB buffer with its CRC-32C.
void build_header(const Header &h, std::span<std::byte> out);

Guid read_guid(const std::byte *p) noexcept;
void write_guid(std::byte *p, const Guid &g) noexcept;
Guid random_guid();

} // namespace satori::sim::disk::vhdx
