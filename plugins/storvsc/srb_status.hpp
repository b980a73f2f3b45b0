// SPDX-License-Identifier: MIT
// What a completed SRB means for the request that carried it: done (0 or an errno), retry
// (now, after a delay, after re-reading the capacity), or "the LUN is gone". One table for
// every SRB status of shared/spec/storvsc.md §6.4, refined by the SCSI status and by sense
// data (which counts only with CHECK CONDITION and AUTOSENSE_VALID, §8.2 rule 2).
#ifndef SATORI_STORVSC_SRB_STATUS_HPP
#define SATORI_STORVSC_SRB_STATUS_HPP

#include <cstdint>

#include "scsi.hpp"

namespace satori::storvsc {

/// What to do with a completed command.
enum class Action : uint8_t {
    kComplete,          ///< finished: Disposition::error is 0 or the errno to report
    kRetryLater,        ///< transient (BUSY, TASK SET FULL, ...): resend after a short delay
    kRetryNow,          ///< UNIT ATTENTION other than capacity change: resend once at once
    kCapacityChanged,   ///< UNIT ATTENTION 2A/09: re-read the capacity, resend once
    kParametersChanged, ///< UNIT ATTENTION 3F/xx: rescan the LUN, resend once
    kLunGone,           ///< the LUN no longer exists: -ENODEV, remove its disk
};

struct Disposition {
    Action action = Action::kComplete;
    int32_t error = 0;         ///< 0 or -SATORI_E*; the error to report if no retry is left
    const char *what = "";     ///< short reason for logs
};

/// The completion fields the mapping looks at.
struct SrbOutcome {
    uint8_t srb_status = 0;      ///< raw byte, flags included
    uint8_t scsi_status = 0;
    scsi::Sense sense;           ///< already filtered: valid only with CHECK CONDITION + autosense
    bool short_transfer = false; ///< a data command moved fewer bytes than it asked for
};

/// Maps a completion to an action and an errno.
Disposition classify(const SrbOutcome &outcome) noexcept;

/// Maps sense data alone (CHECK CONDITION with valid sense).
Disposition classify_sense(const scsi::Sense &sense) noexcept;

/// The name of an SRB status code (flags ignored), e.g. "INVALID_LUN".
const char *srb_status_name(uint8_t srb_status) noexcept;

} // namespace satori::storvsc

#endif // SATORI_STORVSC_SRB_STATUS_HPP
