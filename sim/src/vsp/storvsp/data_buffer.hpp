// SPDX-License-Identifier: MIT
// The guest's data buffer of one SRB: the first data_transfer_length bytes of its single
// GPA-direct range. Every access is bounds-checked by HostChannel::read_gpa/write_gpa, and
// the direction must match vmscsi_request.data_in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <satori/sim/host_channel.hpp>

namespace satori::sim::detail::storvsp {

/// Disk data moves through the host in pieces of at most this many bytes, so a request's
/// host memory does not grow with its transfer length.
inline constexpr size_t kChunkBytes = 256 * 1024;

class DataBuffer {
  public:
    /// @p pkt carries the validated range (or none when @p length is 0).
    DataBuffer(const HostChannel &ch, const HostPacket &pkt, uint32_t length, uint8_t data_in)
        : ch_(ch), pkt_(pkt), length_(length), data_in_(data_in)
    {
    }

    uint32_t size() const noexcept { return length_; }

    /// Host -> guest (a data-in command). -SATORI_EPERM if the guest declared another
    /// direction, -SATORI_ERANGE past size().
    int32_t to_guest(uint64_t offset, std::span<const std::byte> src) const;
    /// Guest -> host (a data-out command). Same errors.
    int32_t from_guest(uint64_t offset, std::span<std::byte> dst) const;

  private:
    const HostChannel &ch_;
    const HostPacket &pkt_;
    uint32_t length_;
    uint8_t data_in_;
};

} // namespace satori::sim::detail::storvsp
