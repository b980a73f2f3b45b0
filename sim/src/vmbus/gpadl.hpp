// SPDX-License-Identifier: MIT
// GPADLs: assembling GPADL_HEADER + GPADL_BODY messages, validating the range list, and
// mapping the described pages for the host (vmbus.md §4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <satori/sim/host_channel.hpp>

#include "memory/guest_memory.hpp"

namespace satori::sim::detail {

struct GpadlRange {
    uint32_t byte_count = 0;
    uint32_t byte_offset = 0;
    std::vector<uint64_t> pfns;
};

/// Checks GPADL_HEADER's size fields before any range data is accepted. Empty = fine.
std::string check_gpadl_header(uint16_t range_buflen, uint16_t range_count);

/// Range data of one GPADL arriving over several messages, as u64 values.
class GpadlAssembly {
  public:
    GpadlAssembly(uint32_t relid, uint32_t handle, uint16_t range_buflen, uint16_t range_count);

    /// Appends whole u64 values from @p raw (a message's tail) up to the announced total;
    /// extra trailing bytes are ignored (some guests send full-size messages).
    void append(std::span<const std::byte> raw);
    bool complete() const noexcept { return values_.size() == total_values_; }

    uint32_t relid() const noexcept { return relid_; }
    uint32_t handle() const noexcept { return handle_; }

    /// Parses the complete value list into ranges and checks every PFN against guest
    /// memory. Empty string = valid, @p out filled.
    std::string finish(const GuestMemory &mem, std::vector<GpadlRange> &out) const;

  private:
    uint32_t relid_;
    uint32_t handle_;
    uint16_t range_count_;
    size_t total_values_;
    std::vector<uint64_t> values_;
};

/// A created GPADL. Immutable after creation; maps its pages on first use.
class Gpadl {
  public:
    Gpadl(uint32_t relid, uint32_t handle, std::vector<GpadlRange> ranges);

    uint32_t relid() const noexcept { return relid_; }
    uint32_t handle() const noexcept { return handle_; }
    const std::vector<GpadlRange> &ranges() const noexcept { return ranges_; }
    uint64_t page_count() const noexcept;

    /// Host mapping of every range; nullptr (+ @p err) if mmap failed.
    std::shared_ptr<const GpadlMapping> mapping(const GuestMemory &mem, int32_t &err) const;

  private:
    uint32_t relid_;
    uint32_t handle_;
    std::vector<GpadlRange> ranges_;
    mutable std::mutex mutex_;
    mutable std::shared_ptr<const GpadlMapping> mapping_;
};

/// The created GPADLs of one channel as VSPs see them (control thread writes, data-path
/// threads read).
class GpadlTable {
  public:
    void add(std::shared_ptr<const Gpadl> g);
    void remove(uint32_t handle);
    void clear();
    std::shared_ptr<const Gpadl> find(uint32_t handle) const;

  private:
    mutable std::mutex mutex_;
    std::map<uint32_t, std::shared_ptr<const Gpadl>> gpadls_;
};

} // namespace satori::sim::detail
