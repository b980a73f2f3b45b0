// SPDX-License-Identifier: MIT
#include "memory/guest_memory.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <satori/errno.h>

namespace satori::sim::detail {

std::unique_ptr<GuestMemory> GuestMemory::map(int fd, uint64_t bytes, int32_t &err)
{
    if (fd < 0) {
        err = -SATORI_EBADF;
        return nullptr;
    }
    if (bytes < kPageSize || bytes > (uint64_t{1} << 46)) {
        err = -SATORI_EINVAL;
        return nullptr;
    }
    const int own_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own_fd < 0) {
        err = -SATORI_EBADF;
        return nullptr;
    }
    // Touching a mapping past the end of the file raises SIGBUS: refuse a guest that claims
    // more memory than its file holds. (A guest that shrinks the file later can still do
    // that; memfd seals would prevent it.)
    struct stat st {};
    if (::fstat(own_fd, &st) != 0 || st.st_size < 0 || static_cast<uint64_t>(st.st_size) < bytes) {
        ::close(own_fd);
        err = -SATORI_EINVAL;
        return nullptr;
    }
    void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, own_fd, 0);
    if (p == MAP_FAILED) {
        ::close(own_fd);
        err = errno == ENOMEM ? -SATORI_ENOMEM : -SATORI_EINVAL;
        return nullptr;
    }
    err = 0;
    return std::unique_ptr<GuestMemory>(
        new GuestMemory(static_cast<std::byte *>(p), bytes, own_fd));
}

GuestMemory::~GuestMemory()
{
    ::munmap(base_, size_);
    ::close(fd_);
}

std::unique_ptr<PageMapping> PageMapping::map(const GuestMemory &mem,
                                              std::span<const uint64_t> pfns, int32_t &err)
{
    if (pfns.empty()) {
        err = -SATORI_EINVAL;
        return nullptr;
    }
    const size_t bytes = pfns.size() * kPageSize;
    // Reserve the whole window first, then map runs of consecutive PFNs into it.
    void *window = ::mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (window == MAP_FAILED) {
        err = -SATORI_ENOMEM;
        return nullptr;
    }
    auto *base = static_cast<std::byte *>(window);
    size_t i = 0;
    while (i < pfns.size()) {
        size_t run = 1;
        while (i + run < pfns.size() && pfns[i + run] == pfns[i] + run)
            ++run;
        void *want = base + i * kPageSize;
        void *got = ::mmap(want, run * kPageSize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                           mem.fd(), static_cast<off_t>(pfns[i] << kPageShift));
        if (got != want) {
            ::munmap(window, bytes);
            err = -SATORI_ENOMEM;
            return nullptr;
        }
        i += run;
    }
    err = 0;
    return std::unique_ptr<PageMapping>(new PageMapping(base, bytes));
}

PageMapping::~PageMapping()
{
    ::munmap(base_, size_);
}

} // namespace satori::sim::detail
