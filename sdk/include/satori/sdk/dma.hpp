// SPDX-License-Identifier: MIT
// satori::DmaBuffer (host-allocated DMA memory) and satori::Gpadl (a GPADL over it).
#ifndef SATORI_SDK_DMA_HPP
#define SATORI_SDK_DMA_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <utility>
#include <vector>

#include <satori/bus.h>
#include <satori/dma.h>
#include <satori/errno.h>
#include <satori/gpadl.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/channel.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

/**
 * DMA-able memory from satori_bus_ops::dma_alloc, returned with dma_free exactly once
 * (destructor or release()). Move-only. Memory and PFN list belong to the shim.
 */
class DmaBuffer {
  public:
    DmaBuffer() noexcept = default;
    /// Takes over @p other's buffer; @p other becomes invalid.
    DmaBuffer(DmaBuffer &&other) noexcept
        : bus_(std::exchange(other.bus_, nullptr)), dev_(std::exchange(other.dev_, nullptr)),
          buf_(std::exchange(other.buf_, satori_dma_buffer{}))
    {
    }
    /// Frees the current buffer, then takes over @p other's.
    DmaBuffer &operator=(DmaBuffer &&other) noexcept
    {
        if (this != &other) {
            release();
            bus_ = std::exchange(other.bus_, nullptr);
            dev_ = std::exchange(other.dev_, nullptr);
            buf_ = std::exchange(other.buf_, satori_dma_buffer{});
        }
        return *this;
    }
    DmaBuffer(const DmaBuffer &) = delete;
    DmaBuffer &operator=(const DmaBuffer &) = delete;
    ~DmaBuffer() { release(); }

    /// At least @p bytes (rounded up to 4 KiB), zeroed. @p flags: SATORI_DMA_* bits.
    /// @context [any]
    static Result<DmaBuffer> allocate(const Host &host, satori_device *dev, uint64_t bytes,
                                      uint32_t flags = 0) noexcept
    {
        const satori_bus_ops *bus = host.bus();
        if (!SATORI_SDK_HAS(satori_bus_ops, bus, dma_free) || !bus->dma_alloc || !bus->dma_free)
            return Status(-SATORI_EOPNOTSUPP);
        satori_dma_buffer buf{};
        buf.struct_size = sizeof(buf);
        if (Status st(bus->dma_alloc(dev, bytes, flags, &buf)); !st) return st;
        DmaBuffer out;
        out.bus_ = bus;
        out.dev_ = dev;
        out.buf_ = buf;
        if (!buf.va || !buf.pfns || buf.bytes < bytes ||
            buf.page_count < buf.bytes / SATORI_PAGE_SIZE)
            return Status(-SATORI_EPROTO); // `out` gives the memory back
        return out;
    }

    /// True while the buffer is allocated.
    bool valid() const noexcept { return buf_.va != nullptr; }
    /// Same as valid().
    explicit operator bool() const noexcept { return valid(); }
    /// Start of the buffer in the plugin's address space.
    void *data() const noexcept { return buf_.va; }
    /// The whole buffer as bytes.
    std::span<std::byte> span() const noexcept
    {
        return {static_cast<std::byte *>(buf_.va), static_cast<std::size_t>(buf_.bytes)};
    }
    /// Size in bytes (a multiple of SATORI_PAGE_SIZE).
    uint64_t size() const noexcept { return buf_.bytes; }
    /// Number of guest pages.
    uint32_t page_count() const noexcept { return buf_.page_count; }
    /// Guest page frame numbers, one per page.
    std::span<const uint64_t> pfns() const noexcept { return {buf_.pfns, buf_.page_count}; }
    /// The C description of the buffer.
    const satori_dma_buffer &c_buffer() const noexcept { return buf_; }

    /**
     * One GPA range for bytes [@p offset, @p offset + @p length): byte_offset inside the first
     * page, and every page the bytes touch. It points into this buffer's PFN list, so it is
     * valid while the buffer is.
     * @return the range; -SATORI_EINVAL empty or outside the buffer; -SATORI_ERANGE too long
     *         for one range (4 GiB).
     */
    Result<satori_gpa_range> gpa_range(uint64_t offset, uint64_t length) const noexcept
    {
        if (Status st = check_span(offset, length); !st) return st;
        if (length > std::numeric_limits<uint32_t>::max()) return Status(-SATORI_ERANGE);
        const uint64_t in_page = offset % SATORI_PAGE_SIZE;
        const uint64_t pages = (in_page + length + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE;
        satori_gpa_range range{};
        range.byte_count = static_cast<uint32_t>(length);
        range.byte_offset = static_cast<uint32_t>(in_page);
        range.pfn_count = static_cast<uint32_t>(pages);
        range.pfns = buf_.pfns + offset / SATORI_PAGE_SIZE;
        return range;
    }

    /**
     * The same bytes as one range per page touched (page-buffer style: pfn_count 1 each; the
     * first may start inside its page, the last may end inside its page).
     * @return the ranges; errors as gpa_range, or -SATORI_ENOMEM.
     */
    Result<std::vector<satori_gpa_range>> page_ranges(uint64_t offset,
                                                      uint64_t length) const noexcept
    {
        if (Status st = check_span(offset, length); !st) return st;
        try {
            std::vector<satori_gpa_range> out;
            out.reserve(static_cast<std::size_t>(
                (offset % SATORI_PAGE_SIZE + length + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE));
            while (length > 0) {
                const uint64_t in_page = offset % SATORI_PAGE_SIZE;
                const uint64_t chunk = std::min<uint64_t>(length, SATORI_PAGE_SIZE - in_page);
                satori_gpa_range range{};
                range.byte_count = static_cast<uint32_t>(chunk);
                range.byte_offset = static_cast<uint32_t>(in_page);
                range.pfn_count = 1;
                range.pfns = buf_.pfns + offset / SATORI_PAGE_SIZE;
                out.push_back(range);
                offset += chunk;
                length -= chunk;
            }
            return out;
        } catch (const std::bad_alloc &) {
            return Status(-SATORI_ENOMEM);
        }
    }

    /// Gives the memory back now (dma_free); the buffer is empty afterwards. [any]
    void release() noexcept
    {
        if (buf_.va && bus_ && bus_->dma_free) bus_->dma_free(dev_, &buf_);
        bus_ = nullptr;
        dev_ = nullptr;
        buf_ = satori_dma_buffer{};
    }

  private:
    Status check_span(uint64_t offset, uint64_t length) const noexcept
    {
        const uint64_t usable =
            std::min<uint64_t>(buf_.bytes, uint64_t{buf_.page_count} * SATORI_PAGE_SIZE);
        if (!valid() || length == 0 || offset > usable || length > usable - offset)
            return Status(-SATORI_EINVAL);
        return Status::ok();
    }

    const satori_bus_ops *bus_ = nullptr;
    satori_device *dev_ = nullptr;
    satori_dma_buffer buf_{};
};

/**
 * A GPADL over (part of) a DmaBuffer on one channel, torn down exactly once (destructor or
 * teardown()). Move-only. Destroy it before the DmaBuffer; declare it after its Channel so
 * that it goes first (after a channel close the shim has torn it down itself).
 */
class Gpadl {
  public:
    /// Pass as @p bytes to cover the buffer from @p offset to its end.
    static constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

    Gpadl() noexcept = default;
    /// Takes over @p other's GPADL; @p other becomes invalid.
    Gpadl(Gpadl &&other) noexcept
        : core_(std::move(other.core_)), handle_(std::exchange(other.handle_, SATORI_GPADL_INVALID))
    {
    }
    /// Tears the current GPADL down, then takes over @p other's.
    Gpadl &operator=(Gpadl &&other) noexcept
    {
        if (this != &other) {
            (void)teardown();
            core_ = std::move(other.core_);
            handle_ = std::exchange(other.handle_, SATORI_GPADL_INVALID);
        }
        return *this;
    }
    Gpadl(const Gpadl &) = delete;
    Gpadl &operator=(const Gpadl &) = delete;
    ~Gpadl() { (void)teardown(); }

    /// Describes bytes [@p offset, @p offset + @p bytes) of @p buf (4 KiB aligned) to the host.
    /// @context [probe] Blocks until the host answers.
    static Result<Gpadl> create(const Channel &channel, const DmaBuffer &buf, uint64_t offset = 0,
                                uint64_t bytes = kToEnd) noexcept
    {
        const std::shared_ptr<detail::ChannelCore> &core = channel.core_;
        satori_channel *ch = core ? core->handle() : nullptr;
        if (!ch || core->closing()) return Status(-SATORI_EBADF);
        const satori_bus_ops *bus = core->bus();
        if (!SATORI_SDK_HAS(satori_bus_ops, bus, gpadl_teardown) || !bus->gpadl_create ||
            !bus->gpadl_teardown)
            return Status(-SATORI_EOPNOTSUPP);
        if (!buf.valid() || offset > buf.size()) return Status(-SATORI_EINVAL);
        if (bytes == kToEnd) bytes = buf.size() - offset;
        satori_gpadl_t handle = SATORI_GPADL_INVALID;
        if (Status st(bus->gpadl_create(ch, &buf.c_buffer(), offset, bytes, &handle)); !st)
            return st;
        Gpadl out;
        out.core_ = core;
        out.handle_ = handle;
        return out;
    }

    /// The handle device protocols carry; SATORI_GPADL_INVALID when empty.
    satori_gpadl_t handle() const noexcept { return handle_; }
    /// True while the GPADL is established.
    bool valid() const noexcept { return handle_ != SATORI_GPADL_INVALID; }
    /// Same as valid().
    explicit operator bool() const noexcept { return valid(); }

    /// Tears the GPADL down now. -SATORI_ENODEV when its channel is already closed (the shim
    /// tore it down then). The Gpadl is empty afterwards. @context [probe] Blocks.
    Status teardown() noexcept
    {
        if (!valid()) return Status::ok();
        const satori_gpadl_t handle = std::exchange(handle_, SATORI_GPADL_INVALID);
        const std::shared_ptr<detail::ChannelCore> core = std::move(core_);
        satori_channel *ch = core ? core->handle() : nullptr;
        if (!ch) return Status(-SATORI_ENODEV);
        return Status(core->bus()->gpadl_teardown(ch, handle));
    }

  private:
    std::shared_ptr<detail::ChannelCore> core_;
    satori_gpadl_t handle_ = SATORI_GPADL_INVALID;
};

} // namespace satori

#endif // SATORI_SDK_DMA_HPP
