// SPDX-License-Identifier: MIT
// satori::Packet: a size-checked view over a received `struct satori_packet`.
#ifndef SATORI_SDK_PACKET_HPP
#define SATORI_SDK_PACKET_HPP

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include <satori/channel.h>
#include <satori/errno.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

/**
 * A received packet. Like the `satori_packet` it wraps, it is valid only during the
 * on_packet call: copy what you keep. Every accessor stays inside `data_len`; typed reads
 * copy the bytes out (no alignment or aliasing assumptions about the payload).
 */
class Packet {
  public:
    /// A view of @p pkt; valid only during the callback that received it.
    explicit Packet(const satori_packet &pkt) noexcept : pkt_(&pkt)
    {
        if (SATORI_SDK_HAS(satori_packet, pkt_, data_len) && pkt.data)
            data_ = {reinterpret_cast<const std::byte *>(pkt.data), pkt.data_len};
        if (SATORI_SDK_HAS(satori_packet, pkt_, ranges) && pkt.ranges)
            ranges_ = {pkt.ranges, pkt.range_count};
        if (SATORI_SDK_HAS(satori_packet, pkt_, raw_len) && pkt.raw)
            raw_ = {reinterpret_cast<const std::byte *>(pkt.raw), pkt.raw_len};
    }

    /// SATORI_PKT_DATA_INBAND, SATORI_PKT_DATA_XFER_PAGES or SATORI_PKT_COMP.
    uint16_t type() const noexcept { return pkt_->type; }
    /// True for SATORI_PKT_DATA_INBAND.
    bool is_inband() const noexcept { return type() == SATORI_PKT_DATA_INBAND; }
    /// True for SATORI_PKT_COMP.
    bool is_completion() const noexcept { return type() == SATORI_PKT_COMP; }
    /// True for SATORI_PKT_DATA_XFER_PAGES.
    bool is_xfer_pages() const noexcept { return type() == SATORI_PKT_DATA_XFER_PAGES; }
    /// SATORI_PKT_FLAG_* bits.
    uint16_t flags() const noexcept { return pkt_->flags; }
    /// The sender asked for a SATORI_PKT_COMP (see Channel::complete).
    bool completion_requested() const noexcept
    {
        return (flags() & SATORI_PKT_FLAG_COMPLETION_REQUESTED) != 0;
    }
    /// Host transaction id, or for completions the id given to the matching send.
    uint64_t trans_id() const noexcept { return pkt_->trans_id; }

    /// The payload (including the sender's padding to 8 bytes).
    std::span<const std::byte> data() const noexcept { return data_; }
    /// Payload size in bytes.
    std::size_t size() const noexcept { return data_.size(); }

    /// @p length payload bytes from @p offset, or -SATORI_EBADMSG when they are not all there.
    Result<std::span<const std::byte>> bytes(std::size_t offset, std::size_t length) const noexcept
    {
        if (offset > data_.size() || length > data_.size() - offset) return Status(-SATORI_EBADMSG);
        return data_.subspan(offset, length);
    }

    /// A copy of the T at payload @p offset, or -SATORI_EBADMSG when the packet is too short.
    template <class T>
    requires std::is_trivially_copyable_v<T> && std::default_initializable<T> Result<T>
    view(std::size_t offset = 0)
    const noexcept
    {
        Result<std::span<const std::byte>> span = bytes(offset, sizeof(T));
        if (!span) return span.error();
        T value;
        std::memcpy(&value, span->data(), sizeof(T));
        return value;
    }

    /// SATORI_PKT_DATA_XFER_PAGES only: the transfer page set and its ranges (offsets and
    /// counts are the host's; check them against your receive buffer).
    uint16_t xfer_pageset_id() const noexcept { return pkt_->xfer_pageset_id; }
    /// Transfer-page ranges (SATORI_PKT_DATA_XFER_PAGES only).
    std::span<const satori_xfer_range> xfer_ranges() const noexcept { return ranges_; }

    /// The whole packet from its descriptor, for tracing.
    std::span<const std::byte> raw() const noexcept { return raw_; }
    /// The C packet.
    const satori_packet &c_packet() const noexcept { return *pkt_; }

  private:
    const satori_packet *pkt_;
    std::span<const std::byte> data_;
    std::span<const satori_xfer_range> ranges_;
    std::span<const std::byte> raw_;
};

} // namespace satori

#endif // SATORI_SDK_PACKET_HPP
