// SPDX-License-Identifier: MIT
// What a VSP sees of one open channel: received packets and the ways to answer them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <satori/sim/log.hpp>
#include <satori/sim/timers.hpp>

namespace satori::sim {

class Vsp;

/// VMBus packet types (vmbus.md §2.2) a host sees or sends.
enum class PacketType : uint16_t {
    data_inband = 0x6,
    data_using_xfer_pages = 0x7,
    data_using_gpa_direct = 0x9,
    completion = 0xB,
};

/// One GPA range of a GPA-direct packet (vmbus.md §2.5), already bounds-checked against guest
/// memory: byte_count > 0, byte_offset <= 0xFFF, every PFN inside guest memory.
struct GpaRange {
    uint32_t byte_count = 0;
    uint32_t byte_offset = 0;
    std::vector<uint64_t> pfns;
};

/// One range of a transfer-page packet (vmbus.md §2.4).
struct XferPageRange {
    uint32_t byte_count = 0;
    uint32_t byte_offset = 0;
};

/// A packet the guest wrote into its guest->host ring, copied out of shared memory and
/// validated. Only valid during on_packet; copy what you keep.
struct HostPacket {
    PacketType type = PacketType::data_inband;
    uint16_t flags = 0;          ///< Bit 0: the guest wants a completion.
    uint64_t transaction_id = 0; ///< Echo it in the completion.
    /// Device payload (bytes from offset8*8 to len8*8; may include the guest's zero padding).
    std::span<const std::byte> payload;
    std::vector<GpaRange> gpa_ranges;       ///< type data_using_gpa_direct only.
    uint16_t xfer_pageset_id = 0;           ///< type data_using_xfer_pages only.
    std::vector<XferPageRange> xfer_ranges; ///< type data_using_xfer_pages only.

    bool completion_requested() const noexcept { return (flags & 0x1u) != 0; }
    /// Total bytes described by gpa_ranges.
    uint64_t gpa_bytes() const noexcept;
};

/**
 * Host view of a GPADL the guest created on a channel: every range mapped contiguously in
 * the host's address space. The mapping stays valid while you hold the pointer, even after
 * the guest tore the GPADL down (the guest may then reuse that memory: stop using it).
 */
class GpadlMapping {
  public:
    virtual ~GpadlMapping() = default;
    virtual uint32_t handle() const noexcept = 0;
    virtual size_t range_count() const noexcept = 0;
    /// Bytes of range @p i (byte_offset applied, byte_count long); empty if out of range.
    virtual std::span<std::byte> range(size_t i) const noexcept = 0;
    /// range(0): the usual single-range buffer (receive/send buffers).
    std::span<std::byte> buffer() const noexcept { return range(0); }
};

/**
 * One open channel (primary or sub-channel) of a VSP.
 *
 * Lifetime: valid from on_open until on_close returns; keep shared() to hold it longer —
 * after close every send returns -SATORI_ENODEV. All send_* calls are safe from any thread;
 * they wait up to HostConfig::send_timeout for ring space, then return -SATORI_EAGAIN.
 * Return values: 0 or a negative SATORI_E* (satori/errno.h).
 */
class HostChannel : public std::enable_shared_from_this<HostChannel> {
  public:
    virtual ~HostChannel() = default;

    virtual uint32_t relid() const noexcept = 0;
    virtual uint16_t sub_channel_index() const noexcept = 0;
    virtual Vsp &vsp() const noexcept = 0;
    /// The 120 user bytes of the guest's OPENCHANNEL.
    virtual std::span<const std::byte> open_user_data() const noexcept = 0;
    /// Negotiated VMBus version of the connection.
    virtual uint32_t vmbus_version() const noexcept = 0;

    /// In-band packet (type 6). @p transaction_id 0 for unsolicited messages.
    virtual int32_t send_inband(std::span<const std::byte> payload, uint64_t transaction_id = 0,
                                bool completion_requested = false) = 0;
    /// Completion (type 0xB) for a guest packet with @p transaction_id.
    virtual int32_t send_completion(uint64_t transaction_id,
                                    std::span<const std::byte> payload) = 0;
    /// Transfer-page packet (type 7) referencing the guest's transfer page set @p pageset_id.
    virtual int32_t send_xfer_pages(uint16_t pageset_id, std::span<const XferPageRange> ranges,
                                    std::span<const std::byte> payload, uint64_t transaction_id,
                                    bool completion_requested = true) = 0;

    /// Copies from the guest buffer described by @p pkt's GPA ranges, starting @p offset
    /// bytes into their concatenation. -SATORI_ERANGE past the end, -SATORI_EFAULT outside
    /// guest memory.
    virtual int32_t read_gpa(const HostPacket &pkt, uint64_t offset,
                             std::span<std::byte> dst) const = 0;
    /// Copies into the guest buffer described by @p pkt's GPA ranges (same rules).
    virtual int32_t write_gpa(const HostPacket &pkt, uint64_t offset,
                              std::span<const std::byte> src) const = 0;

    /// A GPADL the guest created on this channel, or nullptr (unknown handle, torn down,
    /// still being created).
    virtual std::shared_ptr<const GpadlMapping> gpadl(uint32_t handle) const = 0;

    /// Asks the host to offer @p count more sub-channels of this device (same class and
    /// instance GUID, sub_channel_index continuing from the last one). Asynchronous.
    virtual void offer_subchannels(uint16_t count) = 0;
    /// Makes sure at least @p total sub-channels of this device are offered in the current
    /// VMBus connection: offers only the missing ones, never rescinds (OpenVMM's
    /// enable_subchannels). Asynchronous; only on a primary channel.
    virtual void ensure_subchannels(uint16_t total) = 0;

    /// Stops taking packets out of the guest->host ring once the current on_packet returns;
    /// the guest's packets wait in the ring (which stays masked) until resume_reading().
    /// For a VSP's per-channel queue-depth limit. @context [any]
    virtual void pause_reading() = 0;
    /// Undoes pause_reading(): the data-path thread drains the ring again. @context [any]
    virtual void resume_reading() = 0;

    /// Timers of this guest connection.
    virtual Timers &timers() noexcept = 0;

    /// Writes a line to the host's log, prefixed with the relid and the VSP's name.
    virtual void log(LogLevel level, std::string_view message) const = 0;

    /// False once the channel is closed (guest CLOSECHANNEL, rescind, unload, disconnect).
    virtual bool is_open() const noexcept = 0;

    std::shared_ptr<HostChannel> shared() { return shared_from_this(); }
};

} // namespace satori::sim
