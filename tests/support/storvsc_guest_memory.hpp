// SPDX-License-Identifier: MIT
// Fake "guest memory" for the storvsc unit tests: DMA allocations with unique page frame
// numbers, so that a fake host can follow a GPA-direct range back to the bytes (the SDK's
// FakeHost hands out PFNs that repeat across allocations).
#ifndef SATORI_TESTS_SUPPORT_STORVSC_GUEST_MEMORY_HPP
#define SATORI_TESTS_SUPPORT_STORVSC_GUEST_MEMORY_HPP

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include <satori/satori.h>

namespace satori::test::stv {

/// A GPA range as a host sees it, with its own copy of the PFN list.
struct RangeCopy {
    uint32_t byte_count = 0;
    uint32_t byte_offset = 0;
    std::vector<uint64_t> pfns;
};

class GuestMemory {
  public:
    GuestMemory() = default;
    GuestMemory(const GuestMemory &) = delete;
    GuestMemory &operator=(const GuestMemory &) = delete;
    ~GuestMemory()
    {
        for (auto &[handle, a] : allocs_)
            std::free(a.va);
    }

    int32_t alloc(uint64_t bytes, satori_dma_buffer *out)
    {
        if (bytes == 0 || !out) return -SATORI_EINVAL;
        const uint64_t rounded = (bytes + SATORI_PAGE_SIZE - 1) & ~uint64_t{SATORI_PAGE_SIZE - 1};
        auto *va = static_cast<std::byte *>(std::aligned_alloc(SATORI_PAGE_SIZE, rounded));
        if (!va) return -SATORI_ENOMEM;
        std::memset(va, 0, rounded);
        std::lock_guard lock(mu_);
        Alloc a{va, {}, rounded};
        for (uint64_t i = 0; i < rounded / SATORI_PAGE_SIZE; ++i) {
            a.pfns.push_back(next_pfn_);
            pages_[next_pfn_] = va + i * SATORI_PAGE_SIZE;
            ++next_pfn_;
        }
        next_pfn_ += 16; // a hole between allocations
        const uint64_t handle = ++next_handle_;
        auto [it, ok] = allocs_.emplace(handle, std::move(a));
        (void)ok;
        out->page_count = static_cast<uint32_t>(rounded / SATORI_PAGE_SIZE);
        out->bytes = rounded;
        out->va = va;
        out->pfns = it->second.pfns.data();
        out->handle = handle;
        ++allocs;
        return 0;
    }

    void free(const satori_dma_buffer *buf)
    {
        std::lock_guard lock(mu_);
        auto it = allocs_.find(buf->handle);
        if (it == allocs_.end() || it->second.va != buf->va) {
            ++bad_frees;
            return;
        }
        for (uint64_t pfn : it->second.pfns)
            pages_.erase(pfn);
        std::free(it->second.va);
        allocs_.erase(it);
        ++frees;
    }

    std::size_t live() const
    {
        std::lock_guard lock(mu_);
        return allocs_.size();
    }

    /// Copies @p range out of guest memory (empty when a PFN is unknown).
    std::vector<std::byte> read(const RangeCopy &range) const
    {
        std::vector<std::byte> out(range.byte_count);
        return walk(range, [&](std::byte *page, std::size_t in_page, std::size_t off, std::size_t n) {
            std::memcpy(out.data() + off, page + in_page, n);
        })
                   ? out
                   : std::vector<std::byte>{};
    }
    /// Copies @p data into guest memory at @p range (at most byte_count bytes).
    bool write(const RangeCopy &range, std::span<const std::byte> data) const
    {
        RangeCopy cut = range;
        cut.byte_count = static_cast<uint32_t>(std::min<std::size_t>(range.byte_count, data.size()));
        return walk(cut, [&](std::byte *page, std::size_t in_page, std::size_t off, std::size_t n) {
            std::memcpy(page + in_page, data.data() + off, n);
        });
    }

    int allocs = 0;
    int frees = 0;
    int bad_frees = 0;

  private:
    struct Alloc {
        std::byte *va;
        std::vector<uint64_t> pfns;
        uint64_t bytes;
    };

    template <class Fn> bool walk(const RangeCopy &range, Fn &&fn) const
    {
        std::lock_guard lock(mu_);
        std::size_t done = 0;
        std::size_t in_page = range.byte_offset;
        for (uint64_t pfn : range.pfns) {
            if (done >= range.byte_count) break;
            auto it = pages_.find(pfn);
            if (it == pages_.end()) return false;
            const std::size_t n = std::min<std::size_t>(SATORI_PAGE_SIZE - in_page, range.byte_count - done);
            fn(it->second, in_page, done, n);
            done += n;
            in_page = 0;
        }
        return done == range.byte_count;
    }

    mutable std::mutex mu_;
    std::map<uint64_t, Alloc> allocs_;
    std::map<uint64_t, std::byte *> pages_;
    uint64_t next_pfn_ = 0x100000;
    uint64_t next_handle_ = 0;
};

} // namespace satori::test::stv

#endif // SATORI_TESTS_SUPPORT_STORVSC_GUEST_MEMORY_HPP
