// SPDX-License-Identifier: MIT
// The outcome of one SCSI command and the fixed-format sense data it may carry
// (storvsc.md §13.6).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "vsp/storvsp/protocol.hpp"
#include "vsp/storvsp/scsi_defs.hpp"

namespace satori::sim::detail::storvsp {

struct Sense {
    uint8_t key = 0;
    uint8_t asc = 0;
    uint8_t ascq = 0;
};

inline constexpr size_t kFixedSenseBytes = 18;

/// 0x70 (current, fixed), key, information 0, additional length 10, ASC, ASCQ.
std::array<uint8_t, kFixedSenseBytes> fixed_sense(const Sense &s) noexcept;

struct ScsiResult {
    uint8_t srb_status = vstor::kSrbSuccess; ///< code only; AUTOSENSE_VALID is added later
    uint8_t scsi_status = scsi::kGood;
    std::optional<Sense> sense;
    uint32_t bytes = 0; ///< bytes moved between guest memory and the host
    /// The request itself was unusable (buffer direction or size does not fit the command).
    bool malformed = false;
    // accounting for StorvspStats
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
    uint64_t unmapped_blocks = 0;
    uint32_t flushes = 0;
};

inline ScsiResult good(uint32_t bytes = 0)
{
    ScsiResult r;
    r.bytes = bytes;
    return r;
}

inline ScsiResult check_condition(uint8_t srb_status, Sense sense)
{
    ScsiResult r;
    r.srb_status = srb_status;
    r.scsi_status = scsi::kCheckCondition;
    r.sense = sense;
    return r;
}

/// ILLEGAL REQUEST with @p asc (srb INVALID_REQUEST).
inline ScsiResult illegal_request(uint8_t asc)
{
    return check_condition(vstor::kSrbInvalidRequest, {scsi::kIllegalRequest, asc, 0});
}
inline ScsiResult invalid_cdb()
{
    return illegal_request(scsi::kAscInvalidFieldInCdb);
}
inline ScsiResult lba_out_of_range()
{
    return illegal_request(scsi::kAscLbaOutOfRange);
}
inline ScsiResult data_protect()
{
    return check_condition(vstor::kSrbError, {scsi::kDataProtect, scsi::kAscWriteProtected, 0});
}
inline ScsiResult medium_error(uint8_t asc)
{
    return check_condition(vstor::kSrbError, {scsi::kMediumError, asc, 0});
}
/// Buffer too small for a response that must be whole (READ CAPACITY).
inline ScsiResult data_overrun()
{
    return check_condition(vstor::kSrbDataOverrun,
                           {scsi::kIllegalRequest, scsi::kAscInvalidFieldInCdb, 0});
}
/// An absent LUN: CHECK CONDITION, SRB INVALID_LUN, no sense (§13.1).
inline ScsiResult invalid_lun()
{
    ScsiResult r;
    r.srb_status = vstor::kSrbInvalidLun;
    r.scsi_status = scsi::kCheckCondition;
    return r;
}
/// A request the host cannot carry out as sent: SRB INVALID_REQUEST, no SCSI status.
inline ScsiResult malformed_request()
{
    ScsiResult r;
    r.srb_status = vstor::kSrbInvalidRequest;
    r.malformed = true;
    return r;
}

} // namespace satori::sim::detail::storvsp
