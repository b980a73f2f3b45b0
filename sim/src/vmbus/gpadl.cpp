// SPDX-License-Identifier: MIT
#include "vmbus/gpadl.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>

#include <satori/errno.h>

namespace satori::sim::detail {

namespace {

constexpr uint32_t kMaxByteOffset = 0xFFF;

uint64_t pages_spanned(uint32_t byte_offset, uint32_t byte_count)
{
    return (uint64_t{byte_offset} + byte_count + kPageSize - 1) / kPageSize;
}

class MappedGpadl final : public GpadlMapping {
  public:
    MappedGpadl(uint32_t handle, std::vector<std::unique_ptr<PageMapping>> maps,
                std::vector<std::span<std::byte>> ranges)
        : handle_(handle), maps_(std::move(maps)), ranges_(std::move(ranges))
    {
    }
    uint32_t handle() const noexcept override { return handle_; }
    size_t range_count() const noexcept override { return ranges_.size(); }
    std::span<std::byte> range(size_t i) const noexcept override
    {
        return i < ranges_.size() ? ranges_[i] : std::span<std::byte>{};
    }

  private:
    uint32_t handle_;
    std::vector<std::unique_ptr<PageMapping>> maps_;
    std::vector<std::span<std::byte>> ranges_;
};

} // namespace

std::string check_gpadl_header(uint16_t range_buflen, uint16_t range_count)
{
    std::ostringstream why;
    if (range_count == 0)
        why << "rangecount is 0";
    else if (range_buflen % 8 != 0)
        why << "range_buflen " << range_buflen << " is not a multiple of 8";
    else if (size_t{range_buflen} < size_t{range_count} * 16)
        why << "range_buflen " << range_buflen << " too small for " << range_count
            << " ranges (16 bytes each at least)";
    return why.str();
}

GpadlAssembly::GpadlAssembly(uint32_t relid, uint32_t handle, uint16_t range_buflen,
                             uint16_t range_count)
    : relid_(relid), handle_(handle), range_count_(range_count), total_values_(range_buflen / 8)
{
    values_.reserve(total_values_);
}

void GpadlAssembly::append(std::span<const std::byte> raw)
{
    const size_t n = std::min(raw.size() / 8, total_values_ - values_.size());
    const size_t old = values_.size();
    values_.resize(old + n);
    std::memcpy(values_.data() + old, raw.data(), n * 8);
}

std::string GpadlAssembly::finish(const GuestMemory &mem, std::vector<GpadlRange> &out) const
{
    std::ostringstream why;
    std::vector<GpadlRange> ranges;
    size_t at = 0;
    for (uint32_t r = 0; r < range_count_; ++r) {
        if (at >= values_.size()) {
            why << "range " << r << " of " << range_count_ << " missing (range_buflen too small)";
            return why.str();
        }
        GpadlRange range;
        range.byte_count = static_cast<uint32_t>(values_[at]);
        range.byte_offset = static_cast<uint32_t>(values_[at] >> 32);
        ++at;
        if (range.byte_count == 0) {
            why << "range " << r << ": byte_count 0";
            return why.str();
        }
        if (range.byte_offset > kMaxByteOffset) {
            why << "range " << r << ": byte_offset " << range.byte_offset << " > 0xfff";
            return why.str();
        }
        const uint64_t pages = pages_spanned(range.byte_offset, range.byte_count);
        if (pages > values_.size() - at) {
            why << "range " << r << ": needs " << pages << " PFNs, only " << values_.size() - at
                << " left in range_buflen";
            return why.str();
        }
        range.pfns.assign(values_.begin() + static_cast<std::ptrdiff_t>(at),
                          values_.begin() + static_cast<std::ptrdiff_t>(at + pages));
        at += pages;
        for (uint64_t pfn : range.pfns) {
            if (!mem.pfn_valid(pfn)) {
                why << "range " << r << ": PFN 0x" << std::hex << pfn << " outside guest memory ("
                    << std::dec << mem.page_count() << " pages)";
                return why.str();
            }
        }
        ranges.push_back(std::move(range));
    }
    if (at != values_.size()) {
        why << (values_.size() - at) << " values left over after " << range_count_
            << " ranges (range_buflen does not match the ranges)";
        return why.str();
    }
    out = std::move(ranges);
    return {};
}

Gpadl::Gpadl(uint32_t relid, uint32_t handle, std::vector<GpadlRange> ranges)
    : relid_(relid), handle_(handle), ranges_(std::move(ranges))
{
}

uint64_t Gpadl::page_count() const noexcept
{
    uint64_t n = 0;
    for (const auto &r : ranges_)
        n += r.pfns.size();
    return n;
}

std::shared_ptr<const GpadlMapping> Gpadl::mapping(const GuestMemory &mem, int32_t &err) const
{
    std::lock_guard lock(mutex_);
    if (mapping_) {
        err = 0;
        return mapping_;
    }
    std::vector<std::unique_ptr<PageMapping>> maps;
    std::vector<std::span<std::byte>> spans;
    for (const auto &r : ranges_) {
        auto m = PageMapping::map(mem, r.pfns, err);
        if (!m) return nullptr;
        spans.emplace_back(m->data() + r.byte_offset, r.byte_count);
        maps.push_back(std::move(m));
    }
    mapping_ = std::make_shared<MappedGpadl>(handle_, std::move(maps), std::move(spans));
    err = 0;
    return mapping_;
}

void GpadlTable::add(std::shared_ptr<const Gpadl> g)
{
    std::lock_guard lock(mutex_);
    gpadls_[g->handle()] = std::move(g);
}

void GpadlTable::remove(uint32_t handle)
{
    std::lock_guard lock(mutex_);
    gpadls_.erase(handle);
}

void GpadlTable::clear()
{
    std::lock_guard lock(mutex_);
    gpadls_.clear();
}

std::shared_ptr<const Gpadl> GpadlTable::find(uint32_t handle) const
{
    std::lock_guard lock(mutex_);
    auto it = gpadls_.find(handle);
    return it == gpadls_.end() ? nullptr : it->second;
}

} // namespace satori::sim::detail
