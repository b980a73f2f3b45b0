// SPDX-License-Identifier: MIT
// The host's own mapping of guest memory (a memfd the guest shares). GPA = file offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace satori::sim::detail {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr unsigned kPageShift = 12;

class GuestMemory {
  public:
    /// Maps @p fd (dup'ed; the caller keeps its own) MAP_SHARED. nullptr + @p err on failure.
    static std::unique_ptr<GuestMemory> map(int fd, uint64_t bytes, int32_t &err);
    ~GuestMemory();
    GuestMemory(const GuestMemory &) = delete;
    GuestMemory &operator=(const GuestMemory &) = delete;

    uint64_t size() const noexcept { return size_; }
    uint64_t page_count() const noexcept { return size_ >> kPageShift; }
    /// The host's own descriptor of the guest memory file (for per-GPADL mappings).
    int fd() const noexcept { return fd_; }

    bool contains(uint64_t gpa, uint64_t len) const noexcept
    {
        return gpa <= size_ && len <= size_ - gpa;
    }
    bool pfn_valid(uint64_t pfn) const noexcept { return pfn < page_count(); }

    /// Host pointer for [gpa, gpa+len), or nullptr when outside guest memory.
    std::byte *at(uint64_t gpa, uint64_t len) const noexcept
    {
        return contains(gpa, len) ? base_ + gpa : nullptr;
    }

  private:
    GuestMemory(std::byte *base, uint64_t size, int fd) : base_(base), size_(size), fd_(fd) {}

    std::byte *base_;
    uint64_t size_;
    int fd_;
};

/**
 * A list of guest pages mapped back to back in the host's address space (a GPADL's pages
 * need not be contiguous in guest memory). Each page maps the memfd at pfn * 4096.
 */
class PageMapping {
  public:
    /// Every PFN must already be checked with GuestMemory::pfn_valid.
    static std::unique_ptr<PageMapping> map(const GuestMemory &mem, std::span<const uint64_t> pfns,
                                            int32_t &err);
    ~PageMapping();
    PageMapping(const PageMapping &) = delete;
    PageMapping &operator=(const PageMapping &) = delete;

    std::byte *data() const noexcept { return base_; }
    size_t size() const noexcept { return size_; }

  private:
    PageMapping(std::byte *base, size_t size) : base_(base), size_(size) {}

    std::byte *base_;
    size_t size_;
};

} // namespace satori::sim::detail
