// SPDX-License-Identifier: MIT
// One SCSI disk (a LUN) over a DiskBackend: the command model of storvsc.md §13.2–§13.7.
// Each command family lives in its own scsi_*.cpp; this file holds what they share.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include <satori/sim/disk.hpp>
#include <satori/sim/guid.hpp>
#include <satori/sim/storvsp.hpp>

#include "vsp/storvsp/data_buffer.hpp"
#include "vsp/storvsp/scsi_result.hpp"

namespace satori::sim::detail::storvsp {

/// INQUIRY / VPD identity, already padded the way the pages carry it.
struct LunIdentity {
    std::array<uint8_t, 8> vendor{};
    std::array<uint8_t, 16> product{};
    std::array<uint8_t, 4> revision{};
    std::string serial;
    Guid disk_id;
    uint16_t rotation_rate = 1;
};

/// Space-pads or truncates the configured strings; derives the disk GUID if not set.
LunIdentity make_identity(const LunConfig &config, const Guid &controller_id);

/// Controller limits a command may depend on.
struct ExecEnv {
    uint32_t max_transfer_bytes = 0;
    uint32_t srb_flags = 0;
};

/// The backend's shape, sampled once per command.
struct Geometry {
    uint64_t sectors = 0;
    uint32_t block = 512;
    uint32_t physical = 512;
    bool read_only = false;
    bool thin = false;  ///< backend discards: UNMAP and the provisioning pages exist
    bool lbprz = false; ///< discarded blocks read back as zeros

    bool in_range(uint64_t lba, uint64_t count) const noexcept
    {
        return lba <= sectors && count <= sectors - lba;
    }
    /// Blocks of the longest WRITE SAME: min(8 MiB, max transfer) / block size.
    uint32_t max_write_same_blocks(uint32_t max_transfer_bytes) const noexcept;
};

/// One command as a family handler sees it; cdb holds at least the opcode's CDB size.
struct Command {
    std::span<const uint8_t> cdb;
    const DataBuffer &buf;
    const ExecEnv &env;
    Geometry geo;

    uint8_t opcode() const noexcept { return cdb[0]; }
};

class ScsiDisk {
  public:
    ScsiDisk(uint8_t lun, std::shared_ptr<DiskBackend> backend, LunIdentity identity);

    /// Runs one CDB. Thread-safe: commands of a LUN may run concurrently.
    ScsiResult execute(std::span<const uint8_t> cdb, const DataBuffer &buf, const ExecEnv &env);

    uint8_t lun() const noexcept { return lun_; }
    const LunIdentity &identity() const noexcept { return identity_; }
    DiskBackend &backend() const noexcept { return *backend_; }
    Geometry geometry() const noexcept;

    /// The sense of the last failed command, cleared by this call (REQUEST SENSE).
    std::optional<Sense> take_sense();

  private:
    ScsiResult dispatch(const Command &c);
    /// True once per capacity change (UNIT ATTENTION 2A/09).
    bool capacity_changed(uint64_t sectors);

    uint8_t lun_;
    std::shared_ptr<DiskBackend> backend_;
    LunIdentity identity_;
    std::mutex mutex_; ///< guards the two fields below
    uint64_t known_sectors_;
    std::optional<Sense> last_sense_;
};

/// Copies min(@p alloc, data, buffer) bytes of a response into the guest buffer.
ScsiResult reply(const DataBuffer &buf, std::span<const uint8_t> data, size_t alloc);

// ---- command families (one file each) ----
ScsiResult cmd_inquiry(ScsiDisk &disk, const Command &c);             // scsi_inquiry.cpp
ScsiResult cmd_read_write(ScsiDisk &disk, const Command &c);          // scsi_rw.cpp
ScsiResult cmd_verify(ScsiDisk &disk, const Command &c);              // scsi_rw.cpp
ScsiResult cmd_read_capacity10(ScsiDisk &disk, const Command &c);     // scsi_capacity.cpp
ScsiResult cmd_service_action_in16(ScsiDisk &disk, const Command &c); // scsi_capacity.cpp
ScsiResult cmd_mode_sense(ScsiDisk &disk, const Command &c);          // scsi_mode.cpp
ScsiResult cmd_mode_select(ScsiDisk &disk, const Command &c);         // scsi_mode.cpp
ScsiResult cmd_unmap(ScsiDisk &disk, const Command &c);               // scsi_provisioning.cpp
ScsiResult cmd_write_same(ScsiDisk &disk, const Command &c);          // scsi_provisioning.cpp
ScsiResult cmd_request_sense(ScsiDisk &disk, const Command &c);       // scsi_misc.cpp
ScsiResult cmd_start_stop_unit(ScsiDisk &disk, const Command &c);     // scsi_misc.cpp
ScsiResult cmd_synchronize_cache(ScsiDisk &disk, const Command &c);   // scsi_misc.cpp
ScsiResult cmd_send_diagnostic(ScsiDisk &disk, const Command &c);     // scsi_misc.cpp

/// Standard INQUIRY data (104 bytes) for @p identity.
std::array<uint8_t, 104> standard_inquiry(const LunIdentity &identity);
/// INQUIRY to a LUN that is not attached (§13.1): the "no device" template or a failure.
ScsiResult absent_lun_inquiry(uint8_t lun, std::span<const uint8_t> cdb, const DataBuffer &buf,
                              uint8_t data_in);
/// REPORT LUNS (§13.1) listing @p luns (sorted).
ScsiResult report_luns(std::span<const uint8_t> luns, std::span<const uint8_t> cdb,
                       const DataBuffer &buf);

/// Minimal CDB size of @p opcode's group (6, 10, 12 or 16); 0 for variable/vendor groups.
size_t cdb_size_for(uint8_t opcode) noexcept;

} // namespace satori::sim::detail::storvsp
