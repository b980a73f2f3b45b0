// SPDX-License-Identifier: MIT
// The shared layout of a VMBus ring (vmbus.md §1.1, §1.2, §2.1) and the pieces both the
// host's reader and writer use: control-word access, index arithmetic, wrap-aware copies.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace satori::sim::detail::ring {

inline constexpr uint32_t kHeaderBytes = 4096;
inline constexpr uint32_t kTrailerBytes = 8;
inline constexpr uint32_t kDescriptorBytes = 16;
inline constexpr uint32_t kFeaturePendingSendSize = 0x1;

/// Control-word byte offsets in the ring header.
inline constexpr size_t kWriteIndex = 0x00;
inline constexpr size_t kReadIndex = 0x04;
inline constexpr size_t kInterruptMask = 0x08;
inline constexpr size_t kPendingSendSize = 0x0C;
inline constexpr size_t kFeatureBits = 0x40;

inline constexpr uint16_t kTypeInband = 0x6;
inline constexpr uint16_t kTypeXferPages = 0x7;
inline constexpr uint16_t kTypeGpaDirect = 0x9;
inline constexpr uint16_t kTypeCompletion = 0xB;
inline constexpr uint16_t kFlagCompletionRequested = 0x1;

struct Descriptor {
    uint16_t type;
    uint16_t offset8;
    uint16_t len8;
    uint16_t flags;
    uint64_t transaction_id;
};
static_assert(sizeof(Descriptor) == kDescriptorBytes);

/// One ring (header page + data area) in the host's mapping of the ring GPADL.
class RingMemory {
  public:
    RingMemory(std::byte *ring, uint32_t ring_bytes)
        : header_(ring), data_(ring + kHeaderBytes), size_(ring_bytes - kHeaderBytes)
    {
    }

    uint32_t data_size() const noexcept { return size_; }

    /// A shared 32-bit control word. The other side changes it concurrently.
    std::atomic_ref<uint32_t> word(size_t offset) const noexcept
    {
        return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(header_ + offset));
    }

    bool index_valid(uint32_t index) const noexcept { return index < size_ && index % 8 == 0; }

    /// Bytes between @p from and @p to going forward (to == from: 0).
    uint32_t distance(uint32_t from, uint32_t to) const noexcept
    {
        return to >= from ? to - from : size_ - from + to;
    }
    uint32_t advance(uint32_t index, uint32_t n) const noexcept
    {
        const uint64_t next = uint64_t{index} + n;
        return static_cast<uint32_t>(next >= size_ ? next - size_ : next);
    }
    /// Free bytes for the producer, Linux's definition (vmbus.md §1.2): a full ring is never
    /// written, so free == size means empty.
    uint32_t free_bytes(uint32_t write, uint32_t read) const noexcept
    {
        return write >= read ? size_ - (write - read) : read - write;
    }

    void copy_out(uint32_t offset, void *dst, uint32_t n) const noexcept
    {
        const uint32_t first = n <= size_ - offset ? n : size_ - offset;
        std::memcpy(dst, data_ + offset, first);
        std::memcpy(static_cast<std::byte *>(dst) + first, data_, n - first);
    }
    void copy_in(uint32_t offset, const void *src, uint32_t n) noexcept
    {
        const uint32_t first = n <= size_ - offset ? n : size_ - offset;
        std::memcpy(data_ + offset, src, first);
        std::memcpy(data_, static_cast<const std::byte *>(src) + first, n - first);
    }

  private:
    std::byte *header_;
    std::byte *data_;
    uint32_t size_;
};

} // namespace satori::sim::detail::ring
