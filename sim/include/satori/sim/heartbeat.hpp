// SPDX-License-Identifier: MIT
// The heartbeat integration component (IC) VSP.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include <satori/sim/vsp.hpp>

namespace satori::sim {

/// Heartbeat IC class GUID 57164f39-9115-4e78-ab55-382f3bd5422d.
inline constexpr Guid kHeartbeatClassId =
    Guid::from_fields(0x57164f39, 0x9115, 0x4e78, {0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d});
/// Instance GUID the simulator uses unless told otherwise (Satori's own choice).
inline constexpr Guid kHeartbeatDefaultInstanceId =
    Guid::from_fields(0x2b1c54a7, 0x5d0e, 0x4a1b, {0x8f, 0x3e, 0x53, 0x61, 0x74, 0x6f, 0x72, 0x69});

/// One answered heartbeat.
struct HeartbeatBeat {
    uint64_t sequence = 0; ///< The value the host sent (the guest answered sequence + 1).
    std::chrono::nanoseconds round_trip{0};
    bool late = false; ///< Answer took longer than the interval.
};

struct HeartbeatConfig {
    std::chrono::milliseconds interval{1000};
    /// First sequence number; random when empty.
    std::optional<uint64_t> first_sequence;
    Guid instance_id = kHeartbeatDefaultInstanceId;
    /// Called for every correct answer. @context [channel] of the heartbeat channel.
    std::function<void(const HeartbeatBeat &)> on_beat;
};

struct HeartbeatStats {
    bool channel_open = false;
    bool negotiated = false;
    uint16_t framework_major = 0, framework_minor = 0; ///< Chosen by the guest.
    uint16_t message_major = 0, message_minor = 0;
    uint64_t negotiation_failures = 0;
    uint64_t sent = 0;          ///< Heartbeat requests written to the ring.
    uint64_t answered = 0;      ///< Correct answers (sequence + 1, TRANSACTION|RESPONSE).
    uint64_t wrong = 0;         ///< Answers with a bad size, type, flags, sequence or transaction.
    uint64_t late = 0;          ///< Correct answers that took longer than the interval.
    uint64_t last_sequence = 0; ///< Last sequence number sent.
};

/**
 * Host side of the heartbeat IC (vmbus.md §6, "Integration-Component payloads"): offered
 * as a message-mode pipe; on open it negotiates framework and message versions {1.0, 3.0}
 * and then sends a heartbeat every interval.
 */
class HeartbeatVsp final : public Vsp {
  public:
    explicit HeartbeatVsp(HeartbeatConfig config = {});
    ~HeartbeatVsp() override;

    HeartbeatStats stats() const;

    void on_open(HostChannel &ch) override;
    void on_packet(HostChannel &ch, const HostPacket &pkt) override;
    void on_close(HostChannel &ch) override;

    struct State;

  private:
    void send_heartbeat();
    void handle_negotiate_response(const HostPacket &pkt);
    void handle_heartbeat_response(const HostPacket &pkt);

    HeartbeatConfig config_;
    std::unique_ptr<State> state_;
};

} // namespace satori::sim
