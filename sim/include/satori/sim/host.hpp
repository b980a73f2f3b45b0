// SPDX-License-Identifier: MIT
// The simulated Hyper-V host: a VMBus server behind the satori_hvlink_host table.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <satori/hvlink.h>
#include <satori/sim/guid.hpp>
#include <satori/sim/heartbeat.hpp>
#include <satori/sim/log.hpp>
#include <satori/sim/vmbus_version.hpp>
#include <satori/sim/vsp.hpp>

namespace satori::sim {

struct HostConfig {
    /// Newest VMBus version accepted (emulate an older host). Below 5.0 the host does not
    /// listen on message connection id 4.
    uint32_t max_version = kVmbusWin10V5_3;
    LogLevel log_level = LogLevel::info;
    LogSink log; ///< Empty: stderr.
    /// How long a host send waits for ring space before giving up with -SATORI_EAGAIN.
    std::chrono::milliseconds send_timeout{5000};
    /// Guest messages waiting for the control thread; beyond this post_message returns
    /// SATORI_HV_STATUS_INSUFFICIENT_BUFFERS.
    size_t max_queued_messages = 4096;
    /// GPADLs being assembled at once (hostile-guest bound).
    size_t max_gpadls_in_progress = 256;
    /// GPADLs per channel (hostile-guest bound).
    size_t max_gpadls_per_channel = 4096;
    /// Delay before each host->guest control message (0 = none).
    std::chrono::milliseconds response_delay{0};
    /// When set, the host offers a heartbeat IC with this configuration.
    std::optional<HeartbeatConfig> heartbeat;
};

enum class OfferState : uint32_t {
    not_offered, ///< No guest asked for offers yet (relid 0).
    offered,     ///< Offered, closed.
    open,
    rescinded, ///< Rescind sent, waiting for RELID_RELEASED.
};

struct OfferInfo {
    Guid class_id;
    Guid instance_id;
    std::string name;
    uint16_t sub_channel_index = 0;
    uint32_t relid = 0; ///< 0 while not offered.
    uint32_t connection_id = 0;
    OfferState state = OfferState::not_offered;
};

struct HostCounters {
    uint64_t messages_received = 0; ///< Guest control messages accepted by post_message.
    uint64_t messages_sent = 0;     ///< Host control messages delivered.
    uint64_t protocol_errors = 0;   ///< Malformed or out-of-state guest messages.
    uint64_t gpadls_created = 0;
    uint64_t gpadls_failed = 0;
    uint64_t gpadls_torn_down = 0;
    uint64_t channels_opened = 0;
    uint64_t channels_closed = 0;
    uint64_t offers_sent = 0;
    uint64_t rescinds_sent = 0;
    uint64_t guest_signals = 0; ///< signal_event calls from the guest.
    uint64_t host_signals = 0;  ///< signal_event calls into the guest.
    uint64_t packets_received = 0;
    uint64_t packets_sent = 0;
    uint64_t packets_dropped = 0; ///< Framed correctly but unusable (e.g. bad GPA range).
    uint64_t ring_errors = 0;     ///< Corrupt guest ring: the channel stops reading it.
};

/// Which ring of a channel a test hook touches (named from the guest's view).
enum class RingSide : uint32_t { guest_to_host, host_to_guest };
/// Control words of a ring header (vmbus.md §1.1).
enum class RingWord : uint32_t {
    write_index = 0x00,
    read_index = 0x04,
    interrupt_mask = 0x08,
    pending_send_sz = 0x0C,
    feature_bits = 0x40,
};

class Host;

/**
 * Fault injection for the guest's hardening tests. Every call needs a connected guest and
 * returns 0 or a negative SATORI_E* (-SATORI_ENODEV: no such open channel / no guest).
 * @context [any], except from inside a guest callback where noted.
 */
class TestHooks {
  public:
    /// Writes @p bytes as-is at the host->guest ring's write index (padded with zeros to 8,
    /// plus the usual trailer), publishes it and signals like a normal send.
    int32_t inject_packet(uint32_t relid, std::span<const std::byte> bytes);
    /// Stores @p value into a control word of one of the channel's rings. Writing the host's
    /// own index (host->guest write_index, guest->host read_index) also freezes that ring on
    /// the host side, so the value stays: later sends fail with -SATORI_EPROTO, or the host
    /// stops reading the guest's packets.
    int32_t write_ring_word(uint32_t relid, RingSide side, RingWord word, uint32_t value);
    /// Reads a control word (for assertions).
    int32_t read_ring_word(uint32_t relid, RingSide side, RingWord word, uint32_t &value);
    /// Queues @p bytes as a host->guest control message, unchecked (any length, any type).
    int32_t send_raw_message(std::span<const std::byte> bytes);
    /// Signals the channel's event to the guest without writing anything.
    int32_t signal_guest(uint32_t relid);
    /// Holds host->guest control messages (they queue, in order) until resume_responses().
    void pause_responses();
    void resume_responses();
    /// Delay before each host->guest control message from now on.
    void set_response_delay(std::chrono::milliseconds delay);

  private:
    friend class Host;
    explicit TestHooks(Host &host) : host_(host) {}
    Host &host_;
};

/**
 * The simulated host. Owns its devices; one guest at a time attaches through hvlink().
 * Threads (per guest connection): one control thread, one message-delivery thread, one
 * timer thread and one data-path thread per open channel; all joined on disconnect.
 */
class Host {
  public:
    explicit Host(HostConfig config = {});
    ~Host(); ///< Disconnects the guest if one is attached.
    Host(const Host &) = delete;
    Host &operator=(const Host &) = delete;

    /// The table a guest shim calls. Valid for the Host's lifetime.
    const satori_hvlink_host *hvlink() const noexcept;

    /// Adds a device. Offered at once if the guest already asked for offers (hot-add).
    /// @context [any]
    void add_device(std::shared_ptr<Vsp> vsp);
    /// Removes a device: RESCIND_CHANNELOFFER for its channels, then the host waits for
    /// the guest's RELID_RELEASED. False if @p vsp is not a device of this host.
    /// @context [any]
    bool rescind(const std::shared_ptr<Vsp> &vsp);

    /// Devices and their channels, in offer order, as the control thread last saw them
    /// (add_device/rescind are asynchronous: call sync() first to see their effect).
    std::vector<OfferInfo> offers() const;
    HostCounters counters() const noexcept;
    bool guest_attached() const;
    /// Negotiated VMBus version, 0 when the guest is not connected at the VMBus level.
    uint32_t negotiated_version() const;
    /// The built-in heartbeat IC (HostConfig::heartbeat), else nullptr.
    std::shared_ptr<HeartbeatVsp> heartbeat() const noexcept;

    /// Waits until the control thread has handled everything queued before this call (guest
    /// messages and API requests). Not from a VSP callback or a guest callback.
    void sync();

    TestHooks &test_hooks() noexcept { return hooks_; }

    const HostConfig &config() const noexcept;

    struct Impl;

  private:
    friend class TestHooks;
    std::unique_ptr<Impl> impl_;
    TestHooks hooks_;
};

} // namespace satori::sim
