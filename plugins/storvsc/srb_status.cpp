// SPDX-License-Identifier: MIT
// SRB status, SCSI status and sense data -> action and errno (see srb_status.hpp).
#include "srb_status.hpp"

#include <satori/errno.h>

#include "protocol.hpp"

namespace satori::storvsc {

namespace {

constexpr Disposition done(int32_t error, const char *what) noexcept
{
    return {Action::kComplete, error, what};
}

/// The SCSI status byte when the SRB status did not decide (SUCCESS, ERROR, ...).
Disposition classify_scsi_status(const SrbOutcome &o, int32_t fallback, const char *what) noexcept
{
    namespace ss = proto::scsi_status;
    switch (o.scsi_status) {
    case ss::kGood:
    case ss::kConditionMet:
        return fallback == 0 && o.short_transfer ? done(-SATORI_EIO, "short transfer")
                                                 : done(fallback, what);
    case ss::kCheckCondition:
        if (o.sense.valid) return classify_sense(o.sense);
        return done(fallback ? fallback : -SATORI_EIO, "check condition without sense");
    case ss::kBusy:
        return {Action::kRetryLater, -SATORI_EBUSY, "device busy"};
    case ss::kTaskSetFull:
        return {Action::kRetryLater, -SATORI_EBUSY, "task set full"};
    case ss::kTaskAborted:
        return {Action::kRetryLater, -SATORI_EIO, "task aborted"};
    case ss::kReservationConflict:
        return done(-SATORI_EIO, "reservation conflict");
    default:
        return done(-SATORI_EIO, "unexpected SCSI status");
    }
}

} // namespace

Disposition classify_sense(const scsi::Sense &s) noexcept
{
    namespace sk = scsi::sense_key;
    switch (s.key) {
    case sk::kNoSense:
        return done(-SATORI_EIO, "check condition, no sense key");
    case sk::kRecoveredError:
        return done(0, "recovered error");
    case sk::kNotReady:
        return done(-SATORI_EIO, "not ready");
    case sk::kMediumError:
        return done(-SATORI_EIO, "medium error");
    case sk::kHardwareError:
        return done(-SATORI_EIO, "hardware error");
    case sk::kIllegalRequest:
        switch (s.asc) {
        case scsi::asc::kLbaOutOfRange:
            return done(-SATORI_EINVAL, "LBA out of range");
        case scsi::asc::kInvalidOpcode:
            return done(-SATORI_EOPNOTSUPP, "invalid command operation code");
        case scsi::asc::kLunNotSupported:
            return {Action::kLunGone, -SATORI_ENODEV, "logical unit not supported"};
        default:
            return done(-SATORI_EINVAL, "illegal request");
        }
    case sk::kUnitAttention:
        if (s.asc == scsi::asc::kParametersChanged && s.ascq == scsi::kAscqCapacityChanged)
            return {Action::kCapacityChanged, -SATORI_EIO, "capacity data changed"};
        if (s.asc == scsi::asc::kOperatingConditionsChanged && s.ascq != 0x03 && s.ascq != 0x0E)
            return {Action::kParametersChanged, -SATORI_EIO, "operating parameters changed"};
        return {Action::kRetryNow, -SATORI_EIO, "unit attention"};
    case sk::kDataProtect:
        return done(-SATORI_EPERM, "write protected");
    case sk::kBlankCheck:
        return done(-SATORI_EIO, "blank check");
    case sk::kAbortedCommand:
        return {Action::kRetryLater, -SATORI_EIO, "aborted command"};
    case sk::kVolumeOverflow:
        return done(-SATORI_ENOSPC, "volume overflow");
    case sk::kMiscompare:
        return done(-SATORI_EIO, "miscompare");
    default:
        return done(-SATORI_EIO, "unexpected sense key");
    }
}

Disposition classify(const SrbOutcome &o) noexcept
{
    namespace s = proto::srb;
    const uint8_t code = o.srb_status & proto::kSrbCodeMask;
    switch (code) {
    case s::kSuccess:
        return classify_scsi_status(o, 0, "success");

    // The command ran and failed: the SCSI status and sense tell how.
    case s::kError:
    case s::kInvalidRequest:
        return classify_scsi_status(o, -SATORI_EIO, srb_status_name(code));

    // Did not finish for a reason outside the command: retry a bounded number of times.
    case s::kBusy:
        return {Action::kRetryLater, -SATORI_EBUSY, "SRB busy"};
    case s::kAborted:
    case s::kBusReset:
    case s::kRequestFlushed:
    case s::kErrorRecovery:
        if (o.sense.valid) return classify_sense(o.sense);
        return {Action::kRetryLater, -SATORI_EIO, srb_status_name(code)};

    // The addressed unit is not there.
    case s::kInvalidLun:
    case s::kSelectionTimeout:
    case s::kNoDevice:
    case s::kInvalidTargetId:
    case s::kInvalidPathId:
    case s::kNoHba:
        return {Action::kLunGone, -SATORI_ENODEV, srb_status_name(code)};

    case s::kTimeout:
    case s::kCommandTimeout:
        if (o.sense.valid) return classify_sense(o.sense);
        return done(-SATORI_ETIMEDOUT, srb_status_name(code));

    // §8.2: the Windows side reports under/overrun with the real length. With sense it is a
    // failed command; without, it is fine unless a data command came up short.
    case s::kDataOverrun:
        if (o.sense.valid) return classify_sense(o.sense);
        if (o.short_transfer) return done(-SATORI_EIO, "data underrun");
        return done(0, "data overrun, full length");

    case s::kBadFunction:
        return done(-SATORI_EOPNOTSUPP, srb_status_name(code));

    case s::kPending:
    case s::kAbortFailed:
    case s::kMessageRejected:
    case s::kParityError:
    case s::kRequestSenseFailed:
    case s::kUnexpectedBusFree:
    case s::kPhaseSequenceFailure:
    case s::kBadSrbBlockLength:
    case s::kNotPowered:
    case s::kLinkDown:
    case s::kInternalError:
    default:
        return done(-SATORI_EIO, srb_status_name(code));
    }
}

const char *srb_status_name(uint8_t srb_status) noexcept
{
    namespace s = proto::srb;
    switch (srb_status & proto::kSrbCodeMask) {
    case s::kPending: return "PENDING";
    case s::kSuccess: return "SUCCESS";
    case s::kAborted: return "ABORTED";
    case s::kAbortFailed: return "ABORT_FAILED";
    case s::kError: return "ERROR";
    case s::kBusy: return "BUSY";
    case s::kInvalidRequest: return "INVALID_REQUEST";
    case s::kInvalidPathId: return "INVALID_PATH_ID";
    case s::kNoDevice: return "NO_DEVICE";
    case s::kTimeout: return "TIMEOUT";
    case s::kSelectionTimeout: return "SELECTION_TIMEOUT";
    case s::kCommandTimeout: return "COMMAND_TIMEOUT";
    case s::kMessageRejected: return "MESSAGE_REJECTED";
    case s::kBusReset: return "BUS_RESET";
    case s::kParityError: return "PARITY_ERROR";
    case s::kRequestSenseFailed: return "REQUEST_SENSE_FAILED";
    case s::kNoHba: return "NO_HBA";
    case s::kDataOverrun: return "DATA_OVERRUN";
    case s::kUnexpectedBusFree: return "UNEXPECTED_BUS_FREE";
    case s::kPhaseSequenceFailure: return "PHASE_SEQUENCE_FAILURE";
    case s::kBadSrbBlockLength: return "BAD_SRB_BLOCK_LENGTH";
    case s::kRequestFlushed: return "REQUEST_FLUSHED";
    case s::kInvalidLun: return "INVALID_LUN";
    case s::kInvalidTargetId: return "INVALID_TARGET_ID";
    case s::kBadFunction: return "BAD_FUNCTION";
    case s::kErrorRecovery: return "ERROR_RECOVERY";
    case s::kNotPowered: return "NOT_POWERED";
    case s::kLinkDown: return "LINK_DOWN";
    case s::kInternalError: return "INTERNAL_ERROR";
    default: return "unknown SRB status";
    }
}

} // namespace satori::storvsc
