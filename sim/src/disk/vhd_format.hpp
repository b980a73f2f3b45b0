// SPDX-License-Identifier: MIT
// The VHD on-disk structures (Microsoft Virtual Hard Disk Image Format Specification 1.0):
// the 512-byte footer and the 1024-byte dynamic disk header. All fields are big-endian.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace satori::sim::disk::vhd {

constexpr uint32_t kSector = 512;
constexpr uint32_t kFooterSize = 512;
constexpr uint32_t kDynHeaderSize = 1024;
constexpr uint32_t kTypeFixed = 2, kTypeDynamic = 3, kTypeDifferencing = 4;
constexpr uint32_t kBatUnused = 0xffffffffu;
constexpr uint64_t kNoDataOffset = ~uint64_t{0};
/// The largest virtual size the format describes (2 TiB; Hyper-V stops at 2040 GiB).
constexpr uint64_t kMaxVirtualSize = uint64_t{2} << 40;

// Footer field offsets.
constexpr size_t kFtCookie = 0, kFtFeatures = 8, kFtVersion = 12, kFtDataOffset = 16,
                 kFtTimestamp = 24, kFtCreatorApp = 28, kFtCreatorVer = 32, kFtCreatorOs = 36,
                 kFtOriginalSize = 40, kFtCurrentSize = 48, kFtGeometry = 56, kFtDiskType = 60,
                 kFtChecksum = 64, kFtUniqueId = 68, kFtSavedState = 84;
// Dynamic header field offsets.
constexpr size_t kDhCookie = 0, kDhDataOffset = 8, kDhTableOffset = 16, kDhVersion = 24,
                 kDhMaxEntries = 28, kDhBlockSize = 32, kDhChecksum = 36, kDhParentId = 40,
                 kDhParentTime = 56, kDhParentName = 64, kDhLocators = 576;
constexpr size_t kLocatorSize = 24, kLocatorCount = 8;

// Parent locator platform codes.
constexpr uint32_t kPlatW2ru = 0x57327275; // relative path, UTF-16LE
constexpr uint32_t kPlatW2ku = 0x57326b75; // absolute path, UTF-16LE
constexpr uint32_t kPlatMacX = 0x4d616358; // file:// URL, UTF-8

struct Footer {
    uint64_t data_offset = kNoDataOffset;
    uint64_t current_size = 0;
    uint16_t cylinders = 0;
    uint8_t heads = 0, sectors_per_track = 0;
    uint32_t disk_type = 0;
    std::array<char, 4> creator{};
    std::array<std::byte, 16> unique_id{};
    uint32_t timestamp = 0;
};

struct Locator {
    uint32_t code = 0;
    uint32_t data_length = 0;
    uint64_t data_offset = 0;
};

struct DynHeader {
    uint64_t table_offset = 0;
    uint32_t max_entries = 0;
    uint32_t block_size = 0;
    std::array<std::byte, 16> parent_id{};
    std::array<Locator, kLocatorCount> locators{};
};

/// One's complement of the byte sum, skipping the checksum field at @p skip.
uint32_t checksum(std::span<const std::byte> data, size_t skip) noexcept;

/// Parses and checks a footer (cookie, checksum, version, type). Returns "" or the problem.
std::string parse_footer(std::span<const std::byte, kFooterSize> raw, Footer &out);
/// Parses and checks a dynamic header (cookie, checksum, version, block size).
std::string parse_dyn_header(std::span<const std::byte, kDynHeaderSize> raw, DynHeader &out);

/// The disk size the footer describes: CHS for images from Virtual PC and old QEMU (as
/// those tools read them), current_size otherwise (as Hyper-V reads them).
uint64_t virtual_size(const Footer &f) noexcept;

/// CHS geometry for @p size_bytes (the specification's algorithm). Returns C, H, S.
std::array<uint32_t, 3> geometry_for(uint64_t size_bytes) noexcept;

/// Serializes a footer (features 2, version 1.0, creator "win ", checksum filled in).
void build_footer(const Footer &f, std::span<std::byte, kFooterSize> out) noexcept;

} // namespace satori::sim::disk::vhd
