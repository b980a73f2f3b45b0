// SPDX-License-Identifier: MIT
#include "image_file.hpp"

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <satori/errno.h>

namespace satori::sim::disk {

ImageFile::~ImageFile()
{
    if (fd_ >= 0) ::close(fd_);
}

int32_t ImageFile::open(const std::string &path, bool read_only, std::string &message)
{
    path_ = path;
    read_only_ = read_only;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        message = path + (err == ENOENT || err == ENOTDIR
                              ? ": no such file"
                              : ": cannot stat: " + std::string(strerror(err)));
        return err == ENOENT || err == ENOTDIR ? -SATORI_ENOENT : -SATORI_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        message = path + ": not a regular file (images must be files)";
        return -SATORI_EINVAL;
    }
    fd_ = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd_ < 0) {
        const int err = errno;
        if (err == EACCES || err == EPERM || err == EROFS) {
            message = path + (read_only ? ": not readable (permission denied)"
                                        : ": not writable; add ,ro to attach it read-only");
            return -SATORI_EPERM;
        }
        message = path + ": cannot open: " + strerror(err);
        return -SATORI_EIO;
    }
    return 0;
}

uint64_t ImageFile::size() const noexcept
{
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return 0;
    return static_cast<uint64_t>(st.st_size);
}

int32_t ImageFile::read(uint64_t offset, std::span<std::byte> dst) const noexcept
{
    for (size_t done = 0; done < dst.size();) {
        const ssize_t n =
            ::pread(fd_, dst.data() + done, dst.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -SATORI_EIO;
        done += static_cast<size_t>(n);
    }
    return 0;
}

int32_t ImageFile::write(uint64_t offset, std::span<const std::byte> src) noexcept
{
    if (read_only_) return -SATORI_EPERM;
    for (size_t done = 0; done < src.size();) {
        const ssize_t n =
            ::pwrite(fd_, src.data() + done, src.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 && errno == ENOSPC ? -SATORI_ENOSPC : -SATORI_EIO;
        done += static_cast<size_t>(n);
    }
    return 0;
}

int32_t ImageFile::truncate(uint64_t size) noexcept
{
    if (read_only_) return -SATORI_EPERM;
    return ::ftruncate(fd_, static_cast<off_t>(size)) == 0 ? 0 : -SATORI_EIO;
}

int32_t ImageFile::sync() noexcept
{
    if (read_only_) return 0;
    while (::fdatasync(fd_) != 0) {
        if (errno == EINTR) continue;
        return -SATORI_EIO;
    }
    return 0;
}

bool ImageFile::punch_hole(uint64_t offset, uint64_t len) noexcept
{
    if (read_only_ || len == 0) return false;
    return ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                       static_cast<off_t>(len)) == 0;
}

int32_t ImageFile::write_zeroes(uint64_t offset, uint64_t len) noexcept
{
    try {
        const std::vector<std::byte> zeros(std::min<uint64_t>(len, 1u << 20));
        for (uint64_t done = 0; done < len;) {
            const auto n = static_cast<size_t>(std::min<uint64_t>(len - done, zeros.size()));
            if (const int32_t err = write(offset + done, std::span(zeros.data(), n)); err)
                return err;
            done += n;
        }
    } catch (...) {
        return -SATORI_ENOMEM;
    }
    return 0;
}

} // namespace satori::sim::disk
