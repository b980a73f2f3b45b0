// SPDX-License-Identifier: MIT
// StorvspVsp's insides, shared by the files of sim/src/vsp/storvsp/.
//
// Threads and locks:
//   data-path thread of each channel: on_open / on_packet / on_close — copies each packet
//     into a Request, answers init packets at once, admits SCSI requests;
//   worker pool: runs SRBs (disk I/O) and sends their completions;
//   timer thread: delayed completions (fault hook).
// Lock order: Impl::mutex -> ChannelCtx::mutex -> Impl::stats_mutex. Nothing is sent to the
// guest with a lock held (a send may wait for ring space).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <satori/sim/storvsp.hpp>

#include "vsp/storvsp/handshake.hpp"
#include "vsp/storvsp/protocol.hpp"
#include "vsp/storvsp/scsi_disk.hpp"
#include "vsp/storvsp/worker_pool.hpp"

namespace satori::sim::detail::storvsp {

/// A guest request kept beyond on_packet.
struct Request {
    uint64_t transaction_id = 0;
    uint32_t operation = 0;
    size_t payload_size = 0; ///< the completion is sized exactly like this (§6.3)
    /// The first bytes of the payload, zero-filled: the vstor header + up to 0x34 SRB bytes.
    std::array<std::byte, vstor::kPacketBytesV2> head{};
    HostPacket data;  ///< type and gpa_ranges only (payload empty): for read_gpa/write_gpa
    uint64_t seq = 0; ///< admission number on its channel
};

struct PendingReset {
    uint64_t transaction_id = 0;
    size_t payload_size = 0;
    uint64_t seq = 0;
};

/// One open channel of the controller.
struct ChannelCtx {
    std::shared_ptr<HostChannel> ch;
    uint16_t index = 0; ///< sub-channel index, 0 = primary

    std::mutex mutex; ///< guards everything below
    bool open = true;
    uint32_t in_flight = 0; ///< admitted, completion not sent yet
    bool paused = false;    ///< ring reading paused (queue depth or waiting for ready)
    uint64_t next_seq = 1;
    std::set<uint64_t> outstanding; ///< seqs in flight, resets included
    std::vector<PendingReset> resets;
    std::vector<Request> stash; ///< sub-channel requests that arrived before the primary was ready
};

/// A completion on its way to the guest.
struct Outgoing {
    std::shared_ptr<ChannelCtx> ctx;
    uint64_t transaction_id = 0;
    uint64_t seq = 0;
    std::vector<std::byte> payload;
    bool bogus_id = false;  ///< fault hook: send under an id the guest never used
    bool then_real = false; ///< ... followed by the real one
};

/// The outcome of one EXECUTE_SRB before it is framed.
struct SrbOutcome {
    ScsiResult result;
    uint32_t ntstatus = 0;
    bool disable_autosense = false;
};

/// vstor completion helpers (vstor_packet.cpp).
std::vector<std::byte> completion_payload(size_t size, uint32_t status,
                                          std::span<const std::byte> body);
std::vector<std::byte> srb_completion_payload(size_t size, const SrbOutcome &o);
/// Packet size a completion gets when the request was too short to size it by (§6.3).
size_t packet_size_for(uint16_t version) noexcept;

/// Throws std::invalid_argument naming the first bad field (config_check.cpp).
void check_config(const StorvspConfig &config);
/// 0 or -SATORI_EINVAL with @p why.
int32_t check_lun(const LunConfig &lun, std::string &why);

} // namespace satori::sim::detail::storvsp

namespace satori::sim {

struct StorvspVsp::Impl {
    using Ctx = detail::storvsp::ChannelCtx;
    using Request = detail::storvsp::Request;
    using Outgoing = detail::storvsp::Outgoing;

    explicit Impl(const StorvspConfig &config);

    // packet_intake.cpp — data-path thread
    void on_open(HostChannel &ch);
    void on_close(HostChannel &ch);
    void on_packet(HostChannel &ch, const HostPacket &pkt);
    void init_packet(const std::shared_ptr<Ctx> &ctx, const Request &req);
    void admit_io(const std::shared_ptr<Ctx> &ctx, Request req);
    void dispatch(const std::shared_ptr<Ctx> &ctx, Request req);
    /// Answers at once (no queue-depth accounting): init packets and rejected packets.
    void reply_now(Ctx &ctx, const Request &req, uint32_t status,
                   std::span<const std::byte> body = {});
    void protocol_error(Ctx &ctx, const std::string &what);

    // srb_exec.cpp — worker threads
    void execute_srb(const std::shared_ptr<Ctx> &ctx, const Request &req);
    detail::storvsp::SrbOutcome run_srb(const Ctx &ctx, const Request &req);

    // completion.cpp
    /// Admits a request on @p ctx (lock held): seq, in-flight, queue depth.
    uint64_t admit_locked(Ctx &ctx);
    /// Pauses or resumes the ring to match the queue depth (ctx lock held).
    void reconcile_locked(Ctx &ctx);
    void finish(Outgoing out);
    void deliver(const Outgoing &out);
    /// Applies drop/duplicate/corrupt (faults.cpp); true when it handled @p out itself.
    bool deliver_faulty(const Outgoing &out);
    void add_reset(const std::shared_ptr<Ctx> &ctx, const Request &req);
    void retire(const std::shared_ptr<Ctx> &ctx, uint64_t seq);
    bool send(Ctx &ctx, uint64_t transaction_id, std::span<const std::byte> payload);
    size_t release(bool stop_holding);

    // hotplug.cpp
    int32_t add_lun(LunConfig lun);
    int32_t remove_lun(uint8_t lun);
    void lun_set_changed(const char *what, uint8_t lun);

    template <class F> void with_stats(F &&f)
    {
        std::lock_guard lock(stats_mutex);
        f(stats);
    }
    template <class F> void with_channel_stats(uint16_t index, F &&f)
    {
        std::lock_guard lock(stats_mutex);
        f(channel_stats[index]);
    }

    const StorvspConfig &config;

    mutable std::mutex mutex; ///< guards the handshake, the maps and the fault hooks
    detail::storvsp::Handshake handshake;
    std::shared_ptr<Ctx> primary;
    std::map<const HostChannel *, std::shared_ptr<Ctx>> channels;
    std::map<uint8_t, std::shared_ptr<detail::storvsp::ScsiDisk>> luns;
    uint16_t subchannels_requested = 0;
    uint32_t fail_count = 0;
    StorvspFault fault;
    std::chrono::milliseconds delay{0};
    bool hold = false;
    std::vector<Outgoing> held;
    uint32_t unknown_id_count = 0;
    bool unknown_then_real = false;
    uint64_t next_bogus_id = 0x5A7D000000000001ull;
    // completion faults (faults.cpp): lost, sent twice, damaged
    uint32_t drop_count = 0;
    uint32_t duplicate_count = 0;
    uint32_t corrupt_count = 0;

    mutable std::mutex stats_mutex;
    StorvspStats stats;
    std::map<uint16_t, StorvspChannelStats> channel_stats;

    /// Last member: destroyed first, so no job runs while the rest goes away.
    detail::storvsp::WorkerPool pool;
};

} // namespace satori::sim
