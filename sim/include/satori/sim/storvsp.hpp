// SPDX-License-Identifier: MIT
// The storage VSP ("storvsp"): a synthetic SCSI controller with SCSI disks (storvsc.md).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <satori/sim/disk.hpp>
#include <satori/sim/vsp.hpp>

namespace satori::sim {

/// Synthetic SCSI controller class GUID ba6163d9-04a1-4d29-b605-72e2ffb1dc7f.
inline constexpr Guid kStorvspClassId =
    Guid::from_fields(0xba6163d9, 0x04a1, 0x4d29, {0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f});
/// Instance GUID the simulator uses unless told otherwise (Satori's own choice).
inline constexpr Guid kStorvspDefaultInstanceId =
    Guid::from_fields(0x5a70d15c, 0x0001, 0x4c7e, {0x9b, 0x2d, 0x53, 0x61, 0x74, 0x6f, 0x72, 0x69});

/// vstor protocol versions, (major << 8) | minor (storvsc.md §3).
inline constexpr uint16_t kVstorWin6 = 0x0200;
inline constexpr uint16_t kVstorWin7 = 0x0402;
inline constexpr uint16_t kVstorWin8 = 0x0501;
inline constexpr uint16_t kVstorWin8_1 = 0x0600;
inline constexpr uint16_t kVstorWin10 = 0x0602;

/// One SCSI disk on the controller, addressed as path 0, target 0, LUN @p lun.
struct LunConfig {
    uint8_t lun = 0; ///< 0..254.
    std::shared_ptr<DiskBackend> backend;
    std::string vendor = "Msft";          ///< INQUIRY vendor, up to 8 ASCII characters.
    std::string product = "Virtual Disk"; ///< INQUIRY product, up to 16.
    std::string revision = "1.0";         ///< INQUIRY revision, up to 4.
    std::string serial;                   ///< VPD 0x80; empty: page 0x80 is not offered.
    /// The disk's GUID in VPD 0x83 designators; default derived from the controller's
    /// instance GUID and the LUN number.
    std::optional<Guid> disk_id;
    uint16_t rotation_rate = 1; ///< VPD 0xB1; 1 = non-rotating.
};

struct StorvspConfig {
    Guid instance_id = kStorvspDefaultInstanceId;
    std::string name = "storvsp";
    std::vector<LunConfig> luns;
    /// Sub-channels offered at most (QUERY_PROPERTIES max_channel_cnt from protocol WIN8).
    uint16_t max_subchannels = 4;
    /// QUERY_PROPERTIES max_transfer_bytes; 4 KiB multiple in [4 KiB, 1 MiB].
    uint32_t max_transfer_bytes = 0x40000;
    /// Requests in flight per channel; at the limit the host stops reading that channel's
    /// ring until a completion goes out. 1..4096.
    uint32_t io_queue_depth = 256;
    /// Protocol versions the host accepts (any of kVstorWin6..kVstorWin10). The default is
    /// OpenVMM's set, which refuses WIN10, so a current Linux guest ends up on WIN8.1.
    std::vector<uint16_t> protocol_versions = {kVstorWin6, kVstorWin7, kVstorWin8, kVstorWin8_1};
    /// Disk I/O threads of this controller (requests of all channels share them). 1..64.
    unsigned worker_threads = 4;
};

/// What an injected failure makes the next commands complete with.
struct StorvspFault {
    uint8_t srb_status = 0x04; ///< SRB status code (0x80 AUTOSENSE_VALID is added if sense).
    uint8_t scsi_status = 0x02;
    /// Fixed-format sense (key, ASC, ASCQ) placed in the completion; none if empty.
    std::optional<std::array<uint8_t, 3>> sense;
    /// NTSTATUS in vstor_packet.status; empty: derived from srb_status as the host does.
    std::optional<uint32_t> ntstatus;

    /// SRB BUSY, SCSI BUSY.
    static StorvspFault busy() { return {0x05, 0x08, std::nullopt, std::nullopt}; }
    /// Queue full: SRB ERROR, SCSI TASK SET FULL.
    static StorvspFault task_set_full() { return {0x04, 0x28, std::nullopt, std::nullopt}; }
    /// CHECK CONDITION with UNIT ATTENTION / @p asc / @p ascq (e.g. 0x29/0x00 reset).
    static StorvspFault unit_attention(uint8_t asc, uint8_t ascq)
    {
        return {0x04, 0x02, std::array<uint8_t, 3>{0x06, asc, ascq}, std::nullopt};
    }
    /// CHECK CONDITION with MEDIUM ERROR / unrecovered read error.
    static StorvspFault medium_error()
    {
        return {0x04, 0x02, std::array<uint8_t, 3>{0x03, 0x11, 0x00}, std::nullopt};
    }
};

/// Counters of one channel (by sub-channel index; 0 = primary).
struct StorvspChannelStats {
    uint16_t sub_channel_index = 0;
    bool open = false;
    uint64_t requests = 0;    ///< Packets accepted as requests on this channel.
    uint64_t completions = 0; ///< Completions sent on this channel.
    uint32_t in_flight = 0;
    uint32_t in_flight_peak = 0;
    uint64_t ring_pauses = 0; ///< Times the queue depth stopped reading the ring.
};

struct StorvspStats {
    bool ready = false;              ///< Primary handshake done (END_INITIALIZATION).
    uint16_t protocol_version = 0;   ///< Negotiated; 0 before QUERY_PROTOCOL_VERSION succeeds.
    uint64_t version_mismatches = 0; ///< QUERY_PROTOCOL_VERSION answered REVISION_MISMATCH.
    std::array<uint64_t, 256> commands_by_opcode{}; ///< EXECUTE_SRB by CDB byte 0.
    uint64_t srbs = 0;                              ///< EXECUTE_SRB requests completed.
    uint64_t srb_errors = 0;                        ///< ... with an SRB status other than SUCCESS.
    uint64_t malformed = 0;       ///< Requests rejected as malformed (bad lengths, ranges, CDB).
    uint64_t protocol_errors = 0; ///< Out-of-state or unknown operations, missing flags.
    uint64_t bytes_read = 0;      ///< Disk -> guest bytes of READ commands.
    uint64_t bytes_written = 0;   ///< Guest -> disk bytes of WRITE and WRITE SAME.
    uint64_t flushes = 0;
    uint64_t unmapped_blocks = 0;
    uint64_t resets = 0; ///< RESET_LUN/ADAPTER/BUS completed.
    uint64_t enumerate_bus_sent = 0;
    uint64_t enumerate_bus_dropped = 0; ///< LUN changes while not ready (the guest scans anyway).
    uint16_t subchannels_offered = 0;   ///< Highest count asked of the host this connection.
    uint32_t in_flight = 0;             ///< All channels.
    uint32_t in_flight_peak = 0;
    uint64_t faults_injected = 0;
    uint64_t completions_held = 0;             ///< Currently held by hold_completions().
    uint64_t send_failures = 0;                ///< Completions the ring did not take.
    std::vector<StorvspChannelStats> channels; ///< Sorted by sub-channel index.
};

/**
 * Host side of the synthetic SCSI controller. Handshake (storvsc.md §9), sub-channels
 * (§10), hot-plug (§11) and the SCSI disk model (§13) of every configured LUN.
 *
 * Threads: handshake packets are answered on the channel's data-path thread; SCSI commands
 * run on a pool of worker threads of this controller and complete in completion order on
 * the channel they arrived on. Every public method is [any] (not from a VSP callback of
 * this device where noted).
 */
class StorvspVsp final : public Vsp {
  public:
    /// Throws std::invalid_argument with one line naming the bad field.
    explicit StorvspVsp(StorvspConfig config);
    ~StorvspVsp() override;

    /// Attaches a disk at run time (hot add). Sends ENUMERATE_BUS on the primary channel when
    /// the channel is ready and the protocol is >= WIN7. 0, -SATORI_EINVAL (lun > 254, no
    /// backend, bad sector size) or -SATORI_EEXIST.
    int32_t add_lun(LunConfig lun);
    /// Convenience: a LUN with default identity.
    int32_t add_lun(uint8_t lun, std::shared_ptr<DiskBackend> backend);
    /// Detaches a disk (hot remove): later commands to it get INVALID_LUN; commands in flight
    /// finish. ENUMERATE_BUS as for add_lun. 0 or -SATORI_ENOENT.
    int32_t remove_lun(uint8_t lun);
    /// Attached LUN numbers, sorted.
    std::vector<uint8_t> luns() const;

    StorvspStats stats() const;
    const StorvspConfig &config() const noexcept { return config_; }

    // ---- fault injection (tests of the guest) ----
    // These act on EXECUTE_SRB only; handshake packets and resets are always answered at
    // once. A held or delayed completion still counts as in flight (queue depth, resets).

    /// The next @p count well-formed EXECUTE_SRB commands are not executed; they complete
    /// with @p fault. A new call replaces the previous one.
    void fail_next(uint32_t count, const StorvspFault &fault);
    /// Every EXECUTE_SRB completion from now on is sent @p delay late (0 = off).
    void set_completion_delay(std::chrono::milliseconds delay);
    /// On: EXECUTE_SRB completions are kept until release_held(). Off: stops holding and
    /// sends what is held. Held completions of a channel that closes are dropped.
    void hold_completions(bool on);
    /// Sends every held completion (in the order they were held), still holding later ones;
    /// returns how many were sent.
    size_t release_held();
    /// The next @p count EXECUTE_SRB completions carry a transaction id the guest never used.
    /// With @p then_real the correct completion follows each bogus one; otherwise the
    /// request is never completed (the guest is expected to give up on the channel).
    void complete_with_unknown_id(uint32_t count, bool then_real = false);
    /// The next @p count EXECUTE_SRB completions are lost: never sent (the host forgets the
    /// request; the guest must time it out).
    void drop_next(uint32_t count);
    /// The next @p count EXECUTE_SRB completions are sent twice.
    void duplicate_next(uint32_t count);
    /// The next @p count EXECUTE_SRB completions are damaged: cut to 4 bytes (shorter than
    /// any vstor packet), so the guest must refuse them.
    void corrupt_next(uint32_t count);
    /// Like release_held(), newest first: completions arrive in the reverse order.
    size_t release_held_reversed();

    // ---- Vsp ----
    void on_open(HostChannel &ch) override;
    void on_packet(HostChannel &ch, const HostPacket &pkt) override;
    void on_close(HostChannel &ch) override;

    struct Impl;

  private:
    StorvspConfig config_;
    std::unique_ptr<Impl> impl_;
};

} // namespace satori::sim
