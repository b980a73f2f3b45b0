// SPDX-License-Identifier: MIT
// tests/storvsc/test_srb_status.cpp — SRB status / SCSI status / sense -> action and errno,
// for every SRB status of shared/spec/storvsc.md §6.4.
#include "srb_status.hpp"

#include <cstdint>
#include <string>

#include <catch2/catch.hpp>
#include <satori/errno.h>

#include "protocol.hpp"

using satori::storvsc::Action;
using satori::storvsc::classify;
using satori::storvsc::classify_sense;
using satori::storvsc::Disposition;
using satori::storvsc::SrbOutcome;
using satori::storvsc::srb_status_name;
namespace srb = satori::storvsc::proto::srb;
namespace ss = satori::storvsc::proto::scsi_status;
namespace sk = satori::storvsc::scsi::sense_key;

namespace {

Disposition bare(uint8_t code, uint8_t scsi = ss::kGood)
{
    SrbOutcome o;
    o.srb_status = code;
    o.scsi_status = scsi;
    return classify(o);
}

Disposition with_sense(uint8_t code, uint8_t key, uint8_t asc = 0, uint8_t ascq = 0)
{
    SrbOutcome o;
    o.srb_status = static_cast<uint8_t>(code | satori::storvsc::proto::kSrbAutosenseValid);
    o.scsi_status = ss::kCheckCondition;
    o.sense.valid = true;
    o.sense.key = key;
    o.sense.asc = asc;
    o.sense.ascq = ascq;
    return classify(o);
}

struct Row {
    uint8_t code;
    const char *name;
    Action action;
    int32_t error;
};

} // namespace

TEST_CASE("every SRB status of §6.4 without sense maps to an action and errno", "[storvsc][srb]")
{
    // The SCSI status is CHECK CONDITION without sense, except for SUCCESS (GOOD).
    const Row table[] = {
        {srb::kPending, "PENDING", Action::kComplete, -SATORI_EIO},
        {srb::kSuccess, "SUCCESS", Action::kComplete, 0},
        {srb::kAborted, "ABORTED", Action::kRetryLater, -SATORI_EIO},
        {srb::kAbortFailed, "ABORT_FAILED", Action::kComplete, -SATORI_EIO},
        {srb::kError, "ERROR", Action::kComplete, -SATORI_EIO},
        {srb::kBusy, "BUSY", Action::kRetryLater, -SATORI_EBUSY},
        {srb::kInvalidRequest, "INVALID_REQUEST", Action::kComplete, -SATORI_EIO},
        {srb::kInvalidPathId, "INVALID_PATH_ID", Action::kLunGone, -SATORI_ENODEV},
        {srb::kNoDevice, "NO_DEVICE", Action::kLunGone, -SATORI_ENODEV},
        {srb::kTimeout, "TIMEOUT", Action::kComplete, -SATORI_ETIMEDOUT},
        {srb::kSelectionTimeout, "SELECTION_TIMEOUT", Action::kLunGone, -SATORI_ENODEV},
        {srb::kCommandTimeout, "COMMAND_TIMEOUT", Action::kComplete, -SATORI_ETIMEDOUT},
        {srb::kMessageRejected, "MESSAGE_REJECTED", Action::kComplete, -SATORI_EIO},
        {srb::kBusReset, "BUS_RESET", Action::kRetryLater, -SATORI_EIO},
        {srb::kParityError, "PARITY_ERROR", Action::kComplete, -SATORI_EIO},
        {srb::kRequestSenseFailed, "REQUEST_SENSE_FAILED", Action::kComplete, -SATORI_EIO},
        {srb::kNoHba, "NO_HBA", Action::kLunGone, -SATORI_ENODEV},
        {srb::kDataOverrun, "DATA_OVERRUN", Action::kComplete, 0},
        {srb::kUnexpectedBusFree, "UNEXPECTED_BUS_FREE", Action::kComplete, -SATORI_EIO},
        {srb::kPhaseSequenceFailure, "PHASE_SEQUENCE_FAILURE", Action::kComplete, -SATORI_EIO},
        {srb::kBadSrbBlockLength, "BAD_SRB_BLOCK_LENGTH", Action::kComplete, -SATORI_EIO},
        {srb::kRequestFlushed, "REQUEST_FLUSHED", Action::kRetryLater, -SATORI_EIO},
        {srb::kInvalidLun, "INVALID_LUN", Action::kLunGone, -SATORI_ENODEV},
        {srb::kInvalidTargetId, "INVALID_TARGET_ID", Action::kLunGone, -SATORI_ENODEV},
        {srb::kBadFunction, "BAD_FUNCTION", Action::kComplete, -SATORI_EOPNOTSUPP},
        {srb::kErrorRecovery, "ERROR_RECOVERY", Action::kRetryLater, -SATORI_EIO},
        {srb::kNotPowered, "NOT_POWERED", Action::kComplete, -SATORI_EIO},
        {srb::kLinkDown, "LINK_DOWN", Action::kComplete, -SATORI_EIO},
        {srb::kInternalError, "INTERNAL_ERROR", Action::kComplete, -SATORI_EIO},
        {0x3e, "unknown SRB status", Action::kComplete, -SATORI_EIO},
    };
    for (const Row &row : table) {
        const uint8_t scsi = row.code == srb::kSuccess ? ss::kGood : ss::kCheckCondition;
        INFO("SRB status " << int(row.code) << " " << row.name);
        const Disposition d = bare(row.code, scsi);
        CHECK(std::string(srb_status_name(row.code)) == row.name);
        CHECK(d.action == row.action);
        CHECK(d.error == row.error);
        // The flag bits never change the meaning.
        const Disposition flagged =
            bare(static_cast<uint8_t>(row.code | satori::storvsc::proto::kSrbQueueFrozen), scsi);
        CHECK(flagged.action == row.action);
        CHECK(flagged.error == row.error);
    }
}

TEST_CASE("sense data decides failed commands", "[storvsc][srb][sense]")
{
    CHECK(with_sense(srb::kError, sk::kDataProtect, 0x27).error == -SATORI_EPERM);
    CHECK(with_sense(srb::kError, sk::kMediumError, 0x11).error == -SATORI_EIO);
    CHECK(with_sense(srb::kError, sk::kHardwareError).error == -SATORI_EIO);
    CHECK(with_sense(srb::kError, sk::kNotReady, 0x04, 0x01).error == -SATORI_EIO);
    CHECK(with_sense(srb::kInvalidRequest, sk::kIllegalRequest, 0x21).error == -SATORI_EINVAL);
    CHECK(with_sense(srb::kInvalidRequest, sk::kIllegalRequest, 0x24).error == -SATORI_EINVAL);
    CHECK(with_sense(srb::kInvalidRequest, sk::kIllegalRequest, 0x20).error == -SATORI_EOPNOTSUPP);
    CHECK(with_sense(srb::kInvalidRequest, sk::kIllegalRequest, 0x25).action == Action::kLunGone);
    CHECK(with_sense(srb::kError, sk::kVolumeOverflow).error == -SATORI_ENOSPC);
    CHECK(with_sense(srb::kError, sk::kRecoveredError).error == 0);
    CHECK(with_sense(srb::kError, sk::kAbortedCommand).action == Action::kRetryLater);

    SECTION("UNIT ATTENTION")
    {
        CHECK(with_sense(srb::kError, sk::kUnitAttention, 0x2a, 0x09).action == Action::kCapacityChanged);
        CHECK(with_sense(srb::kError, sk::kUnitAttention, 0x3f, 0x05).action == Action::kParametersChanged);
        CHECK(with_sense(srb::kError, sk::kUnitAttention, 0x3f, 0x03).action == Action::kRetryNow);
        CHECK(with_sense(srb::kError, sk::kUnitAttention, 0x29, 0x00).action == Action::kRetryNow);
    }
    SECTION("sense also counts with ABORTED, TIMEOUT and DATA_OVERRUN (§8.2)")
    {
        CHECK(with_sense(srb::kAborted, sk::kUnitAttention, 0x2a, 0x09).action == Action::kCapacityChanged);
        CHECK(with_sense(srb::kTimeout, sk::kMediumError).error == -SATORI_EIO);
        CHECK(with_sense(srb::kDataOverrun, sk::kIllegalRequest, 0x24).error == -SATORI_EINVAL);
    }
}

TEST_CASE("SCSI status without sense", "[storvsc][srb]")
{
    CHECK(bare(srb::kSuccess, ss::kBusy).action == Action::kRetryLater);
    CHECK(bare(srb::kError, ss::kTaskSetFull).action == Action::kRetryLater);
    CHECK(bare(srb::kError, ss::kBusy).action == Action::kRetryLater);
    CHECK(bare(srb::kError, ss::kReservationConflict).error == -SATORI_EIO);
    CHECK(bare(srb::kError, ss::kTaskAborted).action == Action::kRetryLater);
    CHECK(bare(srb::kSuccess, ss::kConditionMet).error == 0);
    CHECK(bare(srb::kSuccess, ss::kCheckCondition).error == -SATORI_EIO);
}

TEST_CASE("short transfers of data commands fail, of others do not", "[storvsc][srb]")
{
    SrbOutcome o;
    o.srb_status = srb::kSuccess;
    o.short_transfer = true;
    CHECK(classify(o).error == -SATORI_EIO);
    o.srb_status = srb::kDataOverrun;
    CHECK(classify(o).error == -SATORI_EIO);
    o.short_transfer = false;
    CHECK(classify(o).error == 0);
    CHECK(classify_sense({}).error == -SATORI_EIO); // valid=false never reaches here; key 0 = NO SENSE
}
