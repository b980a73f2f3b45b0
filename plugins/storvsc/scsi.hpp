// SPDX-License-Identifier: MIT
// SCSI, as much of it as a disk driver needs: CDB builders (byte-exact, big-endian fields)
// and parsers of the device's responses. Parsers take the bytes the device really returned
// (already cut to the transferred length), never read past them, and treat every length
// inside the data as a claim to check: a short or hostile response yields "absent" or the
// fields that are fully present, never an over-read. Facts from SPC-4/SBC-3 as restated in
// shared/spec/storvsc.md §13.
#ifndef SATORI_STORVSC_SCSI_HPP
#define SATORI_STORVSC_SCSI_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace satori::storvsc::scsi {

/// @name Operation codes
/// @{
namespace op {
inline constexpr uint8_t kTestUnitReady = 0x00;
inline constexpr uint8_t kRequestSense = 0x03;
inline constexpr uint8_t kInquiry = 0x12;
inline constexpr uint8_t kModeSense6 = 0x1A;
inline constexpr uint8_t kReadCapacity10 = 0x25;
inline constexpr uint8_t kRead10 = 0x28;
inline constexpr uint8_t kWrite10 = 0x2A;
inline constexpr uint8_t kSynchronizeCache10 = 0x35;
inline constexpr uint8_t kWriteSame10 = 0x41;
inline constexpr uint8_t kUnmap = 0x42;
inline constexpr uint8_t kModeSense10 = 0x5A;
inline constexpr uint8_t kRead16 = 0x88;
inline constexpr uint8_t kWrite16 = 0x8A;
inline constexpr uint8_t kSynchronizeCache16 = 0x91;
inline constexpr uint8_t kWriteSame16 = 0x93;
inline constexpr uint8_t kServiceActionIn16 = 0x9E;
inline constexpr uint8_t kReportLuns = 0xA0;
} // namespace op
/// SERVICE ACTION IN(16) service action of READ CAPACITY(16).
inline constexpr uint8_t kSaReadCapacity16 = 0x10;
/// @}

/// @name VPD page codes
/// @{
namespace vpd {
inline constexpr uint8_t kSupportedPages = 0x00;
inline constexpr uint8_t kUnitSerial = 0x80;
inline constexpr uint8_t kDeviceId = 0x83;
inline constexpr uint8_t kBlockLimits = 0xB0;
inline constexpr uint8_t kBlockCharacteristics = 0xB1;
inline constexpr uint8_t kLogicalBlockProvisioning = 0xB2;
} // namespace vpd
/// @}

/// @name Sense keys
/// @{
namespace sense_key {
inline constexpr uint8_t kNoSense = 0x0;
inline constexpr uint8_t kRecoveredError = 0x1;
inline constexpr uint8_t kNotReady = 0x2;
inline constexpr uint8_t kMediumError = 0x3;
inline constexpr uint8_t kHardwareError = 0x4;
inline constexpr uint8_t kIllegalRequest = 0x5;
inline constexpr uint8_t kUnitAttention = 0x6;
inline constexpr uint8_t kDataProtect = 0x7;
inline constexpr uint8_t kBlankCheck = 0x8;
inline constexpr uint8_t kVendorSpecific = 0x9;
inline constexpr uint8_t kCopyAborted = 0xA;
inline constexpr uint8_t kAbortedCommand = 0xB;
inline constexpr uint8_t kVolumeOverflow = 0xD;
inline constexpr uint8_t kMiscompare = 0xE;
} // namespace sense_key
/// @}

/// @name Additional sense codes the driver reacts to
/// @{
namespace asc {
inline constexpr uint8_t kInvalidOpcode = 0x20;
inline constexpr uint8_t kLbaOutOfRange = 0x21;
inline constexpr uint8_t kInvalidFieldInCdb = 0x24;
inline constexpr uint8_t kLunNotSupported = 0x25;
inline constexpr uint8_t kWriteProtected = 0x27;
inline constexpr uint8_t kParametersChanged = 0x2A; ///< ASCQ 0x09: capacity data changed
inline constexpr uint8_t kOperatingConditionsChanged = 0x3F;
} // namespace asc
inline constexpr uint8_t kAscqCapacityChanged = 0x09;
/// @}

/// A command descriptor block: up to 16 bytes, the rest zero.
struct Cdb {
    std::array<uint8_t, 16> bytes{};
    uint8_t length = 0;

    uint8_t opcode() const noexcept { return bytes[0]; }
    std::span<const uint8_t> span() const noexcept { return {bytes.data(), length}; }
    friend bool operator==(const Cdb &, const Cdb &) = default;
};

/// @name CDB builders
/// @{
Cdb test_unit_ready() noexcept;
/// Standard INQUIRY data, @p alloc_len bytes at most.
Cdb inquiry(uint16_t alloc_len) noexcept;
/// INQUIRY with EVPD = 1 for VPD page @p page.
Cdb inquiry_vpd(uint8_t page, uint16_t alloc_len) noexcept;
/// REPORT LUNS, SELECT REPORT 0 (all logical units).
Cdb report_luns(uint32_t alloc_len) noexcept;
Cdb read_capacity10() noexcept;
/// SERVICE ACTION IN(16) / READ CAPACITY(16).
Cdb read_capacity16(uint32_t alloc_len) noexcept;
/// MODE SENSE(6), current values, block descriptors disabled when @p dbd.
Cdb mode_sense6(uint8_t page, uint8_t alloc_len, bool dbd = true) noexcept;
Cdb read16(uint64_t lba, uint32_t blocks, bool fua = false) noexcept;
Cdb write16(uint64_t lba, uint32_t blocks, bool fua = false) noexcept;
/// SYNCHRONIZE CACHE(10) of the whole medium (LBA 0, 0 blocks), not immediate.
Cdb synchronize_cache10() noexcept;
/// UNMAP with a parameter list of @p param_len bytes.
Cdb unmap(uint16_t param_len) noexcept;
/// WRITE SAME(16): one block from the data buffer repeated over @p blocks blocks.
Cdb write_same16(uint64_t lba, uint32_t blocks, bool unmap = false) noexcept;
/// @}

/// One UNMAP block descriptor.
struct UnmapExtent {
    uint64_t lba;
    uint32_t blocks;
};
/// Size of an UNMAP parameter list with @p count descriptors.
constexpr std::size_t unmap_list_size(std::size_t count) noexcept { return 8 + 16 * count; }
/// Writes the UNMAP parameter list for @p extents into @p out.
/// @return bytes written; 0 when @p out is too small, @p extents is empty, or the list would
///         not fit the 16-bit length fields.
std::size_t build_unmap_list(std::span<uint8_t> out, std::span<const UnmapExtent> extents) noexcept;

/// @name Response parsers
/// @{

/// Standard INQUIRY data.
struct StandardInquiry {
    uint8_t qualifier = 0;   ///< peripheral qualifier (0 = connected, 3 = no device)
    uint8_t device_type = 0; ///< 0x00 direct access, 0x05 CD/DVD, 0x1F unknown
    bool removable = false;
    uint8_t version = 0;
    uint8_t response_format = 0;
    bool cmdque = false;
    std::string vendor;   ///< trimmed; empty when not returned
    std::string product;  ///< trimmed
    std::string revision; ///< trimmed
};
/// Needs at least the first byte; text fields only when fully present (36 bytes).
std::optional<StandardInquiry> parse_inquiry(std::span<const uint8_t> data);

/// Bytes of VPD page @p page after its 4-byte header, cut to what was returned. Absent when
/// the header is missing or names another page.
std::optional<std::span<const uint8_t>> vpd_body(std::span<const uint8_t> data, uint8_t page) noexcept;

/// VPD 0x00: the page codes the device supports.
std::optional<std::vector<uint8_t>> parse_supported_pages(std::span<const uint8_t> data);
/// VPD 0x80: the serial number, printable ASCII only, trimmed.
std::optional<std::string> parse_unit_serial(std::span<const uint8_t> data);

/// One designation descriptor of VPD 0x83.
struct Designator {
    uint8_t code_set = 0;    ///< 1 binary, 2 ASCII, 3 UTF-8
    uint8_t type = 0;        ///< 1 T10 vendor id, 2 EUI-64, 3 NAA, ...
    uint8_t association = 0; ///< 0 logical unit, 1 target port, 2 target device
    std::vector<uint8_t> id;
};
/// VPD 0x83: every complete designator; a descriptor running past the page ends the list.
std::optional<std::vector<Designator>> parse_device_id(std::span<const uint8_t> data);

/// VPD 0xB0 (Block Limits). Fields beyond the returned bytes read as 0 ("not reported").
struct BlockLimits {
    uint32_t max_transfer_blocks = 0;
    uint32_t optimal_transfer_blocks = 0;
    uint32_t max_unmap_lba_count = 0;
    uint32_t max_unmap_descriptors = 0;
    uint32_t optimal_unmap_granularity = 0;
    bool ugavalid = false;
    uint32_t unmap_alignment = 0;
    uint64_t max_write_same_blocks = 0;
};
std::optional<BlockLimits> parse_block_limits(std::span<const uint8_t> data);

/// VPD 0xB1: medium rotation rate (0 not reported, 1 non-rotating, else rpm).
std::optional<uint16_t> parse_rotation_rate(std::span<const uint8_t> data);

/// VPD 0xB2 (Logical Block Provisioning).
struct Provisioning {
    uint8_t threshold_exponent = 0;
    bool lbpu = false;    ///< UNMAP supported
    bool lbpws = false;   ///< WRITE SAME(16) with UNMAP supported
    bool lbpws10 = false; ///< WRITE SAME(10) with UNMAP supported
    bool lbprz = false;   ///< unmapped blocks read as zero
    bool anc_sup = false;
    bool dp = false;
    uint8_t provisioning_type = 0; ///< 0 full, 1 resource, 2 thin
};
std::optional<Provisioning> parse_logical_block_provisioning(std::span<const uint8_t> data);

/// READ CAPACITY data.
struct Capacity {
    uint64_t last_lba = 0;
    uint32_t block_length = 0;
    uint8_t lbppbe = 0;  ///< log2(physical / logical block), (16) only
    bool lbpme = false;  ///< logical block provisioning enabled, (16) only
    bool lbprz = false;  ///< unmapped blocks read as zero, (16) only
};
/// READ CAPACITY(10): needs 8 bytes.
std::optional<Capacity> parse_read_capacity10(std::span<const uint8_t> data);
/// READ CAPACITY(16): needs 12 bytes; the byte 13-14 fields only when returned.
std::optional<Capacity> parse_read_capacity16(std::span<const uint8_t> data);

/// MODE SENSE(6) header and caching page.
struct ModeSense {
    bool write_protected = false; ///< device-specific parameter bit 7
    bool dpofua = false;          ///< device-specific parameter bit 4
    bool has_caching_page = false;
    bool wce = false;             ///< caching page: write cache enabled
};
std::optional<ModeSense> parse_mode_sense6(std::span<const uint8_t> data);

/// REPORT LUNS: LUN numbers (peripheral addressing with bus 0, or flat addressing), sorted,
/// without duplicates; entries in other address methods are skipped.
std::optional<std::vector<uint16_t>> parse_report_luns(std::span<const uint8_t> data);

/// Sense data, fixed (0x70/0x71) or descriptor (0x72/0x73) format.
struct Sense {
    bool valid = false;
    bool descriptor = false;
    bool deferred = false;
    uint8_t key = 0;
    uint8_t asc = 0;
    uint8_t ascq = 0;
};
/// Fields the data does not fully contain read as 0; an unknown response code is invalid.
Sense parse_sense(std::span<const uint8_t> data) noexcept;

/// @}

/// Name of a sense key, for logs.
const char *sense_key_name(uint8_t key) noexcept;

/// Copies printable ASCII of @p bytes with surrounding spaces removed.
std::string trimmed_ascii(std::span<const uint8_t> bytes);

} // namespace satori::storvsc::scsi

#endif // SATORI_STORVSC_SCSI_HPP
