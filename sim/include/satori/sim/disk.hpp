// SPDX-License-Identifier: MIT
// Disk backends of the simulated host: what a storvsp LUN reads and writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace satori::sim {

/**
 * A block of bytes a simulated SCSI disk is built on. The SCSI model (storvsp) speaks only
 * this interface; image formats (raw, VHD, VHDX) live behind it and never leak into storvsp.
 *
 * Every method may be called from several threads at once ([any]); implementations must be
 * thread-safe. Offsets and lengths are in bytes; storvsp only passes multiples of
 * logical_sector_size() that lie inside [0, size_bytes()). Errors are negative SATORI_E*
 * (satori/errno.h): -SATORI_EIO for a failed medium, -SATORI_EPERM for a write to a
 * read-only disk, -SATORI_EOPNOTSUPP for an optional feature the backend lacks.
 */
class DiskBackend {
  public:
    virtual ~DiskBackend() = default;

    /// Current capacity. May change at run time (a resize); storvsp notices it and reports
    /// UNIT ATTENTION "capacity data has changed" once.
    virtual uint64_t size_bytes() const noexcept = 0;
    /// 512 or 4096.
    virtual uint32_t logical_sector_size() const noexcept { return 512; }
    /// A power-of-two multiple of the logical sector size.
    virtual uint32_t physical_sector_size() const noexcept { return logical_sector_size(); }
    /// Writes, discards and WRITE SAME then fail with DATA PROTECT.
    virtual bool read_only() const noexcept = 0;

    /// Fills all of @p dst from @p offset.
    virtual int32_t read(uint64_t offset, std::span<std::byte> dst) = 0;
    /// Writes all of @p src at @p offset.
    virtual int32_t write(uint64_t offset, std::span<const std::byte> src) = 0;
    /// Makes every completed write durable (fdatasync for files).
    virtual int32_t flush() = 0;

    /// Whether discard() does anything; storvsp advertises thin provisioning (UNMAP, VPD
    /// pages B0/B1/B2, LBPME) only when this is true.
    virtual bool supports_discard() const noexcept { return false; }
    /// Deallocates [offset, offset + len) (SCSI UNMAP). May be a no-op.
    virtual int32_t discard(uint64_t offset, uint64_t len)
    {
        (void)offset;
        (void)len;
        return 0;
    }
    /// Whether discarded ranges read back as zeros (reported as LBPRZ).
    virtual bool discard_zeroes() const noexcept { return false; }

    /// One line for logs and `satori list`, e.g. "raw /images/a.img (ro)".
    virtual std::string description() const = 0;
};

/// The outcome of opening a disk image: a backend, or an error code and one precise line.
struct DiskOpenResult {
    std::shared_ptr<DiskBackend> disk;
    int32_t error = 0;   ///< 0 or a negative SATORI_E*.
    std::string message; ///< Empty on success; otherwise names the path and the problem.

    explicit operator bool() const noexcept { return disk != nullptr; }
};

/**
 * Opens a raw image (a regular file or a block device) with pread/pwrite. Nothing is read
 * or written at open beyond the metadata, so sparse images stay sparse.
 * - @p read_only: opened O_RDONLY; the disk reports write-protected.
 * - Discard punches holes (fallocate PUNCH_HOLE|KEEP_SIZE) when the file system can; then
 *   discard_zeroes() is true. Flush is fdatasync.
 * Errors (message starts with the path): missing (-SATORI_ENOENT), not readable or not
 * writable (-SATORI_EPERM), not a regular file or block device (-SATORI_EINVAL), empty or
 * not a multiple of 512 bytes (-SATORI_EINVAL).
 * @context [any]
 */
DiskOpenResult open_raw_disk(const std::string &path, bool read_only);

/// Image formats the simulated host opens (DiskFormat::automatic: detected by content).
enum class DiskFormat { automatic, raw, vhd, vhdx };

/// "raw", "vhd", "vhdx" (or "auto") -> DiskFormat; false for anything else.
bool parse_disk_format(const std::string &text, DiskFormat &out);
const char *to_string(DiskFormat format) noexcept;

/**
 * Detects the format of @p path by its content, never its name: a VHDX file identifier
 * ("vhdxfile" at offset 0), a VHD footer ("conectix" in the last 512 bytes, or at 0 for a
 * dynamic disk's footer copy), else raw. On error returns false and sets @p message.
 * @context [any]
 */
bool detect_disk_format(const std::string &path, DiskFormat &out, std::string &message);

/**
 * Opens a VHD image (fixed, dynamic or differencing; Microsoft VHD format 1.0). Differencing
 * disks open their parent read-only through the parent locators (relative, then absolute
 * path). Every header, BAT entry and locator is validated; a bad image gives -SATORI_EINVAL
 * and one line naming the file and the problem. Discard: fixed disks punch holes, dynamic
 * disks unmap whole blocks and zero partial ranges; differencing disks do not discard.
 * @context [any]
 */
DiskOpenResult open_vhd_disk(const std::string &path, bool read_only);

/**
 * Opens a VHDX image (MS-VHDX 1.0): both headers (CRC-32C, sequence numbers), the region
 * table, metadata, the BAT. A pending log is replayed on open (read-write opens only;
 * a read-only open of an image with a pending log is refused). BAT updates go through
 * the log, so a crash mid-update leaves a consistent image. Differencing VHDX is refused.
 * @context [any]
 */
DiskOpenResult open_vhdx_disk(const std::string &path, bool read_only);

/// Opens @p path as @p format (detected by content when automatic).
DiskOpenResult open_disk(const std::string &path, bool read_only,
                         DiskFormat format = DiskFormat::automatic);

/// What create_vhd() makes.
struct VhdCreateOptions {
    enum class Type { fixed, dynamic, differencing } type = Type::dynamic;
    uint64_t size_bytes = 0;          ///< Virtual size; ignored for differencing (the parent's).
    uint32_t block_size = 2u << 20;   ///< Dynamic/differencing block size (power of two).
    std::string parent;               ///< Differencing: the parent image's path.
};

/**
 * Creates a VHD image at @p path (must not exist). Differencing children record the
 * parent both as a relative (W2ru) and an absolute (W2ku) locator. Returns 0 or a negative
 * SATORI_E* with @p message set.
 */
int32_t create_vhd(const std::string &path, const VhdCreateOptions &opt, std::string &message);

/// A RAM disk for tests. Discards zero the range. resize() simulates a capacity change.
class MemoryDisk final : public DiskBackend {
  public:
    /// @p size_bytes must be a multiple of @p logical_sector_size (rounded down otherwise).
    explicit MemoryDisk(uint64_t size_bytes, uint32_t logical_sector_size = 512,
                        uint32_t physical_sector_size = 0, bool read_only = false);

    uint64_t size_bytes() const noexcept override;
    uint32_t logical_sector_size() const noexcept override { return logical_; }
    uint32_t physical_sector_size() const noexcept override { return physical_; }
    bool read_only() const noexcept override;
    int32_t read(uint64_t offset, std::span<std::byte> dst) override;
    int32_t write(uint64_t offset, std::span<const std::byte> src) override;
    int32_t flush() override;
    bool supports_discard() const noexcept override { return true; }
    int32_t discard(uint64_t offset, uint64_t len) override;
    bool discard_zeroes() const noexcept override { return true; }
    std::string description() const override;

    /// New capacity (grows with zeros, shrinks by truncation).
    void resize(uint64_t size_bytes);
    void set_read_only(bool read_only);
    uint64_t flushes() const;
    /// A copy of [offset, offset + len) (test assertions).
    std::vector<std::byte> snapshot(uint64_t offset, uint64_t len) const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::byte> data_;
    uint32_t logical_, physical_;
    bool read_only_;
    uint64_t flushes_ = 0;
};

} // namespace satori::sim
