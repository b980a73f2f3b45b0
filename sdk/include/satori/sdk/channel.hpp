// SPDX-License-Identifier: MIT
// satori::Channel: a move-only handle to an open VMBus channel; satori::OpenParams.
#ifndef SATORI_SDK_CHANNEL_HPP
#define SATORI_SDK_CHANNEL_HPP

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>

#include <satori/bus.h>
#include <satori/channel.h>
#include <satori/errno.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/detail/channel_core.hpp>
#include <satori/sdk/packet.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

/// Ring size used when OpenParams does not say: one control page plus three data pages.
inline constexpr uint32_t kDefaultRingBytes = 16384;

/// Most OPENCHANNEL user-data bytes the host accepts.
inline constexpr std::size_t kMaxOpenUserDataBytes = 120;

/// How to open a channel (Device::open_channel). Designated-initializer friendly:
/// `open_channel({.ring_bytes_out = 65536, .ring_bytes_in = 65536})`.
struct OpenParams {
    /// Guest->host ring including its 4 KiB control page; a 4 KiB multiple, >= 8 KiB.
    uint32_t ring_bytes_out = kDefaultRingBytes;
    /// Host->guest ring; same rules.
    uint32_t ring_bytes_in = kDefaultRingBytes;
    /// Largest inbound packet, descriptor included; 0 = the shim's default (4096).
    uint32_t max_packet_bytes = 0;
    /// Sends awaiting a completion at once; 0 = the shim's default (256).
    uint32_t max_outstanding = 0;
    /// OPENCHANNEL user data for the host, at most kMaxOpenUserDataBytes; copied by open.
    std::span<const std::byte> user_data = {};
    /// Interrupt vCPU, or SATORI_VCPU_ANY.
    uint32_t target_vcpu = SATORI_VCPU_ANY;
};

namespace detail {
struct ChannelAccess;

/// Wire structs that may be sent as they are: trivially copyable, and not a span or pointer
/// (those would send the view, not the bytes).
template <class T>
concept WireStruct = std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> &&
                     !std::is_convertible_v<const T &, std::span<const std::byte>>;

template <WireStruct T> std::span<const std::byte> wire_bytes(const T &msg) noexcept
{
    return std::as_bytes(std::span<const T, 1>(&msg, 1));
}
} // namespace detail

/**
 * A channel opened with Device::open_channel. Move-only; closing (explicitly or by the
 * destructor) calls satori_bus_ops::channel_close once. Callbacks receive a borrowed Channel
 * for the same channel; sending through either is the same.
 *
 * Sends are [any] and never block. close() is [probe]; called from one of the channel's own
 * callbacks it stops deliveries and sends at once and the SDK finishes the close when the
 * device is removed (the ABI forbids channel_close from a channel's callbacks).
 */
class Channel {
  public:
    Channel() noexcept = default;
    /// Takes over @p other's channel; @p other becomes closed.
    Channel(Channel &&other) noexcept
        : core_(std::move(other.core_)), owner_(std::exchange(other.owner_, false))
    {
    }
    /// Closes the current channel, then takes over @p other's.
    Channel &operator=(Channel &&other) noexcept
    {
        if (this != &other) {
            drop();
            core_ = std::move(other.core_);
            owner_ = std::exchange(other.owner_, false);
        }
        return *this;
    }
    Channel(const Channel &) = delete;
    Channel &operator=(const Channel &) = delete;
    ~Channel() { drop(); }

    /// True until close() (or a close requested from a callback).
    bool is_open() const noexcept { return core_ && !core_->closing() && core_->handle(); }
    /// Same as is_open().
    explicit operator bool() const noexcept { return is_open(); }
    /// 0 for the primary channel.
    uint16_t sub_index() const noexcept { return core_ ? core_->sub_index() : 0; }
    /// The C channel handle, or nullptr when closed.
    satori_channel *c_channel() const noexcept { return core_ ? core_->handle() : nullptr; }

    /// Sends an inband packet; with @p want_completion the host answers with a
    /// SATORI_PKT_COMP carrying @p trans_id.
    Status send_inband(std::span<const std::byte> payload, uint64_t trans_id,
                       bool want_completion = false, uint32_t send_flags = 0) const noexcept
    {
        satori_send pkt = make_send(SATORI_PKT_DATA_INBAND, payload, trans_id, send_flags);
        if (want_completion) pkt.flags = SATORI_PKT_FLAG_COMPLETION_REQUESTED;
        return checked_send(pkt, payload.size());
    }
    /// send_inband() with a trivially copyable wire struct as the payload.
    template <detail::WireStruct T>
    Status send_inband(const T &msg, uint64_t trans_id, bool want_completion = false,
                       uint32_t send_flags = 0) const noexcept
    {
        return send_inband(detail::wire_bytes(msg), trans_id, want_completion, send_flags);
    }

    /// Sends @p payload with guest pages described by @p ranges (e.g. DmaBuffer::gpa_range);
    /// a completion is always requested.
    Status send_gpa_direct(std::span<const std::byte> payload,
                           std::span<const satori_gpa_range> ranges, uint64_t trans_id,
                           uint32_t send_flags = 0) const noexcept
    {
        if (ranges.empty() || ranges.size() > std::numeric_limits<uint32_t>::max())
            return Status(-SATORI_EINVAL);
        satori_send pkt = make_send(SATORI_PKT_DATA_GPA_DIRECT, payload, trans_id, send_flags);
        pkt.flags = SATORI_PKT_FLAG_COMPLETION_REQUESTED;
        pkt.range_count = static_cast<uint32_t>(ranges.size());
        pkt.ranges = ranges.data();
        return checked_send(pkt, payload.size());
    }
    /// send_gpa_direct() with a trivially copyable wire struct as the payload.
    template <detail::WireStruct T>
    Status send_gpa_direct(const T &msg, std::span<const satori_gpa_range> ranges,
                           uint64_t trans_id, uint32_t send_flags = 0) const noexcept
    {
        return send_gpa_direct(detail::wire_bytes(msg), ranges, trans_id, send_flags);
    }

    /// Answers @p request with a SATORI_PKT_COMP carrying its transaction id.
    Status complete(const Packet &request, std::span<const std::byte> payload = {},
                    uint32_t send_flags = 0) const noexcept
    {
        return checked_send(make_send(SATORI_PKT_COMP, payload, request.trans_id(), send_flags),
                            payload.size());
    }
    /// complete() with a trivially copyable wire struct as the payload.
    template <detail::WireStruct T>
    Status complete(const Packet &request, const T &msg, uint32_t send_flags = 0) const noexcept
    {
        return complete(request, detail::wire_bytes(msg), send_flags);
    }

    /// Answers @p request with an inband packet carrying its transaction id, no completion
    /// requested (how Integration Components reply).
    Status reply_inband(const Packet &request, std::span<const std::byte> payload,
                        uint32_t send_flags = 0) const noexcept
    {
        return send_inband(payload, request.trans_id(), false, send_flags);
    }
    /// reply_inband() with a trivially copyable wire struct as the payload.
    template <detail::WireStruct T>
    Status reply_inband(const Packet &request, const T &msg, uint32_t send_flags = 0) const noexcept
    {
        return reply_inband(request, detail::wire_bytes(msg), send_flags);
    }

    /// Sends a packet built by hand. struct_size is set here.
    Status send(satori_send pkt) const noexcept
    {
        pkt.struct_size = sizeof(pkt);
        return checked_send(pkt, pkt.data_len);
    }

    /// Signals the host after sends made with SATORI_SEND_DEFER_SIGNAL.
    Status signal() const noexcept
    {
        satori_channel *ch = nullptr;
        if (Status st = usable(ch); !st) return st;
        if (!SATORI_SDK_HAS(satori_bus_ops, core_->bus(), signal) || !core_->bus()->signal)
            return Status(-SATORI_EOPNOTSUPP);
        return Status(core_->bus()->signal(ch));
    }

    /// Ids and counters, for diagnostics.
    Result<satori_channel_info> info() const noexcept
    {
        satori_channel *ch = nullptr;
        if (Status st = usable(ch); !st) return st;
        const satori_bus_ops *bus = core_->bus();
        if (!SATORI_SDK_HAS(satori_bus_ops, bus, channel_info) || !bus->channel_info)
            return Status(-SATORI_EOPNOTSUPP);
        satori_channel_info out{};
        out.struct_size = sizeof(out);
        if (Status st(bus->channel_info(ch, &out)); !st) return st;
        return out;
    }

    /// Closes the channel (see the class description), also through a borrowed handle; the
    /// handle is empty afterwards.
    void close() noexcept
    {
        if (!core_) return;
        const bool closed_now = core_->close();
        if (owner_ && closed_now)
            if (detail::ChannelRegistry *registry = core_->registry())
                registry->remove(core_.get());
        core_.reset();
        owner_ = false;
    }

  private:
    friend class Gpadl;
    friend struct detail::ChannelAccess;

    Channel(std::shared_ptr<detail::ChannelCore> core, bool owner) noexcept
        : core_(std::move(core)), owner_(owner)
    {
    }

    /// Lets go of the handle: an owner closes the channel, a borrowed handle just forgets it.
    void drop() noexcept
    {
        if (owner_) close();
        core_.reset();
    }

    static satori_send make_send(uint16_t type, std::span<const std::byte> payload,
                                 uint64_t trans_id, uint32_t send_flags) noexcept
    {
        satori_send pkt{};
        pkt.struct_size = sizeof(pkt);
        pkt.type = type;
        pkt.trans_id = trans_id;
        pkt.data = payload.data();
        pkt.data_len = static_cast<uint32_t>(payload.size());
        pkt.send_flags = send_flags;
        return pkt;
    }

    Status usable(satori_channel *&ch) const noexcept
    {
        ch = core_ ? core_->handle() : nullptr;
        if (!ch) return Status(-SATORI_EBADF);                  // never opened, or closed
        if (core_->closing()) return Status(-SATORI_ESHUTDOWN); // close requested from a callback
        return Status::ok();
    }

    Status checked_send(const satori_send &pkt, std::size_t payload_size) const noexcept
    {
        if (payload_size > std::numeric_limits<uint32_t>::max()) return Status(-SATORI_EMSGSIZE);
        satori_channel *ch = nullptr;
        if (Status st = usable(ch); !st) return st;
        const satori_bus_ops *bus = core_->bus();
        if (!SATORI_SDK_HAS(satori_bus_ops, bus, send) || !bus->send)
            return Status(-SATORI_EOPNOTSUPP);
        return Status(bus->send(ch, &pkt));
    }

    std::shared_ptr<detail::ChannelCore> core_;
    bool owner_ = false;
};

namespace detail {
/// How the SDK's own trampolines make Channel handles; not for plugins.
struct ChannelAccess {
    static Channel owning(std::shared_ptr<ChannelCore> core) noexcept
    {
        return Channel(std::move(core), true);
    }
    /// A handle for the duration of one callback; closing it does not unregister the core.
    static Channel borrowed(ChannelCore &core) noexcept
    {
        return Channel(core.weak_from_this().lock(), false);
    }
    static bool is_owner(const Channel &ch) noexcept { return ch.owner_; }
};
} // namespace detail

} // namespace satori

#endif // SATORI_SDK_CHANNEL_HPP
