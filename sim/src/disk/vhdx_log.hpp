// SPDX-License-Identifier: MIT
// The VHDX log (MS-VHDX 2.3): a circular buffer of entries, each a set of 4 KiB sector
// writes and zero ranges, applied to the file in place only after the entry is durable.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "image_file.hpp"
#include "vhdx_format.hpp"

namespace satori::sim::disk::vhdx {

struct LogRegion {
    uint64_t offset = 0;
    uint32_t length = 0;
};

/// One 4 KiB sector to write through the log.
struct LogSector {
    uint64_t file_offset = 0;        ///< 4 KiB aligned
    std::span<const std::byte> data; ///< exactly 4096 bytes
};

/**
 * Finds the active sequence of entries carrying @p guid and applies it (data sectors, zero
 * ranges, the file size), then syncs. Every entry field is checked before anything is
 * written: @p writable_from is the lowest file offset an entry may touch (past the headers
 * and region tables). Returns "" or what is wrong; @p applied counts the entries replayed.
 */
std::string replay_log(ImageFile &f, const LogRegion &log, const Guid &guid, uint64_t writable_from,
                       uint64_t &applied);

/// Appends entries to the log, one sequence of one entry each: every entry's tail is itself,
/// so the caller must make the previous entry's in-place writes durable before the next.
class LogWriter {
  public:
    LogWriter(ImageFile &f, LogRegion log, Guid guid) : f_(f), log_(log), guid_(guid) {}
    /// Writes one entry holding @p sectors and syncs it. @p file_size is the size the file
    /// has (and keeps) once the entry is applied.
    int32_t write_entry(std::span<const LogSector> sectors, uint64_t file_size);
    /// How many sectors fit in one entry.
    size_t max_sectors() const noexcept;

  private:
    ImageFile &f_;
    LogRegion log_;
    Guid guid_;
    uint64_t head_ = 0; ///< offset in the log of the next entry
    uint64_t sequence_ = 1;
};

} // namespace satori::sim::disk::vhdx
