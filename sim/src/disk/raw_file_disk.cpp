// SPDX-License-Identifier: MIT
// A raw image (regular file or block device) accessed with pread/pwrite.
#include <satori/sim/disk.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <satori/errno.h>

namespace satori::sim {

namespace {

constexpr uint32_t kSector = 512;
constexpr size_t kZeroChunk = 256 * 1024;

int32_t io_error(int err)
{
    return err == ENOSPC ? -SATORI_ENOSPC : -SATORI_EIO;
}

class RawFileDisk final : public DiskBackend {
  public:
    RawFileDisk(int fd, std::string path, uint64_t size, uint32_t logical, uint32_t physical,
                bool read_only, bool discard)
        : fd_(fd), path_(std::move(path)), size_(size), logical_(logical), physical_(physical),
          read_only_(read_only), discard_(discard)
    {
    }
    ~RawFileDisk() override { ::close(fd_); }

    uint64_t size_bytes() const noexcept override { return size_; }
    uint32_t logical_sector_size() const noexcept override { return logical_; }
    uint32_t physical_sector_size() const noexcept override { return physical_; }
    bool read_only() const noexcept override { return read_only_; }

    int32_t read(uint64_t offset, std::span<std::byte> dst) override
    {
        if (!inside(offset, dst.size())) return -SATORI_EIO;
        for (size_t done = 0; done < dst.size();) {
            const ssize_t n = ::pread(fd_, dst.data() + done, dst.size() - done,
                                      static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return io_error(errno);
            if (n == 0) return -SATORI_EIO; // the file shrank under us
            done += static_cast<size_t>(n);
        }
        return 0;
    }

    int32_t write(uint64_t offset, std::span<const std::byte> src) override
    {
        if (read_only_) return -SATORI_EPERM;
        if (!inside(offset, src.size())) return -SATORI_EIO;
        for (size_t done = 0; done < src.size();) {
            const ssize_t n = ::pwrite(fd_, src.data() + done, src.size() - done,
                                       static_cast<off_t>(offset + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return io_error(n < 0 ? errno : EIO);
            done += static_cast<size_t>(n);
        }
        return 0;
    }

    int32_t flush() override
    {
        while (::fdatasync(fd_) != 0) {
            if (errno == EINTR) continue;
            // A read-only descriptor of a file system without fsync support has nothing to
            // write back.
            if (read_only_ && (errno == EINVAL || errno == EROFS)) return 0;
            return -SATORI_EIO;
        }
        return 0;
    }

    bool supports_discard() const noexcept override { return discard_ && !read_only_; }
    bool discard_zeroes() const noexcept override { return supports_discard(); }

    int32_t discard(uint64_t offset, uint64_t len) override
    {
        if (read_only_) return -SATORI_EPERM;
        if (!inside(offset, len)) return -SATORI_EIO;
        if (len == 0) return 0;
        if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                        static_cast<off_t>(len)) == 0)
            return 0;
        // No hole punching here after all (e.g. a block device without write-zeroes): keep
        // the promise that discarded blocks read back as zeros.
        return write_zeroes(offset, len);
    }

    std::string description() const override
    {
        return "raw " + path_ + (read_only_ ? " (ro)" : "");
    }

  private:
    bool inside(uint64_t offset, uint64_t len) const noexcept
    {
        return offset <= size_ && len <= size_ - offset;
    }

    int32_t write_zeroes(uint64_t offset, uint64_t len)
    {
        const std::vector<std::byte> zeros(std::min<uint64_t>(len, kZeroChunk));
        for (uint64_t done = 0; done < len;) {
            const auto n = static_cast<size_t>(std::min<uint64_t>(len - done, zeros.size()));
            if (const int32_t err = write(offset + done, std::span(zeros.data(), n)); err != 0)
                return err;
            done += n;
        }
        return 0;
    }

    int fd_;
    std::string path_;
    uint64_t size_;
    uint32_t logical_, physical_;
    bool read_only_;
    bool discard_;
};

DiskOpenResult failure(int32_t error, const std::string &path, const std::string &what)
{
    return {nullptr, error, path + ": " + what};
}

std::string errno_text(int err)
{
    return std::strerror(err);
}

} // namespace

DiskOpenResult open_raw_disk(const std::string &path, bool read_only)
{
    // stat before open: opening a FIFO would block, a directory is not an image.
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        if (err == ENOENT || err == ENOTDIR) return failure(-SATORI_ENOENT, path, "no such file");
        if (err == EACCES) return failure(-SATORI_EPERM, path, "permission denied");
        return failure(-SATORI_EIO, path, "cannot stat: " + errno_text(err));
    }
    const bool block = S_ISBLK(st.st_mode);
    if (!S_ISREG(st.st_mode) && !block)
        return failure(-SATORI_EINVAL, path, "not a regular file or block device");

    const int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        if (err == EACCES || err == EPERM)
            return failure(-SATORI_EPERM, path,
                           read_only ? "not readable (permission denied)"
                                     : "not writable (permission denied); add ,ro to attach "
                                       "it read-only");
        if (err == EROFS)
            return failure(-SATORI_EPERM, path,
                           "on a read-only file system; add ,ro to attach it read-only");
        return failure(-SATORI_EIO, path, "cannot open: " + errno_text(err));
    }

    uint64_t size = static_cast<uint64_t>(st.st_size);
    uint32_t logical = kSector, physical = kSector;
    if (block) {
        int lss = 0;
        unsigned int pss = 0;
        if (::ioctl(fd, BLKGETSIZE64, &size) != 0 || ::ioctl(fd, BLKSSZGET, &lss) != 0) {
            const int err = errno;
            ::close(fd);
            return failure(-SATORI_EIO, path,
                           "cannot read the block device's geometry: " + errno_text(err));
        }
        logical = static_cast<uint32_t>(lss);
        physical = ::ioctl(fd, BLKPBSZGET, &pss) == 0 && pss >= logical ? pss : logical;
        if (logical != 512 && logical != 4096) {
            ::close(fd);
            return failure(-SATORI_EINVAL, path,
                           "logical sector size " + std::to_string(logical) +
                               " is not supported (512 or 4096)");
        }
    }
    if (size == 0) {
        ::close(fd);
        return failure(-SATORI_EINVAL, path, "empty image (0 bytes)");
    }
    if (size % logical != 0) {
        ::close(fd);
        return failure(-SATORI_EINVAL, path,
                       "size " + std::to_string(size) + " bytes is not a multiple of " +
                           std::to_string(logical));
    }
    // Hole punching past the end of a file changes nothing (KEEP_SIZE) but tells whether
    // the file system can do it at all. Block devices try at discard time.
    bool discard = !read_only;
    if (discard && !block)
        discard = ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                              static_cast<off_t>(size), kSector) == 0;
    return {std::make_shared<RawFileDisk>(fd, path, size, logical, physical, read_only, discard),
            0,
            {}};
}

} // namespace satori::sim
