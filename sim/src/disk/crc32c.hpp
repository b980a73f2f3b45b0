// SPDX-License-Identifier: MIT
// CRC-32C (Castagnoli), as VHDX checksums its headers, region tables and log entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace satori::sim::disk {

/// CRC-32C of @p data (initial value ~0, final xor ~0; "123456789" -> 0xe3069283).
uint32_t crc32c(std::span<const std::byte> data) noexcept;

/// CRC-32C of @p data with the 4 bytes at @p field_offset taken as zero (VHDX checksums
/// cover their own checksum field zeroed).
uint32_t crc32c_without_field(std::span<const std::byte> data, size_t field_offset) noexcept;

} // namespace satori::sim::disk
