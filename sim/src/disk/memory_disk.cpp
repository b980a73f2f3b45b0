// SPDX-License-Identifier: MIT
// MemoryDisk: a RAM-backed DiskBackend for tests.
#include <satori/sim/disk.hpp>

#include <algorithm>
#include <cstring>

#include <satori/errno.h>

namespace satori::sim {

namespace {

bool inside(uint64_t offset, uint64_t len, uint64_t size)
{
    return offset <= size && len <= size - offset;
}

} // namespace

MemoryDisk::MemoryDisk(uint64_t size_bytes, uint32_t logical_sector_size,
                       uint32_t physical_sector_size, bool read_only)
    : data_(static_cast<size_t>(size_bytes - size_bytes % logical_sector_size)),
      logical_(logical_sector_size),
      physical_(physical_sector_size == 0 ? logical_sector_size : physical_sector_size),
      read_only_(read_only)
{
}

uint64_t MemoryDisk::size_bytes() const noexcept
{
    std::lock_guard lock(mutex_);
    return data_.size();
}

bool MemoryDisk::read_only() const noexcept
{
    std::lock_guard lock(mutex_);
    return read_only_;
}

int32_t MemoryDisk::read(uint64_t offset, std::span<std::byte> dst)
{
    std::lock_guard lock(mutex_);
    if (!inside(offset, dst.size(), data_.size())) return -SATORI_EIO;
    if (!dst.empty()) std::memcpy(dst.data(), data_.data() + offset, dst.size());
    return 0;
}

int32_t MemoryDisk::write(uint64_t offset, std::span<const std::byte> src)
{
    std::lock_guard lock(mutex_);
    if (read_only_) return -SATORI_EPERM;
    if (!inside(offset, src.size(), data_.size())) return -SATORI_EIO;
    if (!src.empty()) std::memcpy(data_.data() + offset, src.data(), src.size());
    return 0;
}

int32_t MemoryDisk::flush()
{
    std::lock_guard lock(mutex_);
    ++flushes_;
    return 0;
}

int32_t MemoryDisk::discard(uint64_t offset, uint64_t len)
{
    std::lock_guard lock(mutex_);
    if (read_only_) return -SATORI_EPERM;
    if (!inside(offset, len, data_.size())) return -SATORI_EIO;
    std::fill_n(data_.begin() + static_cast<long>(offset), len, std::byte{0});
    return 0;
}

std::string MemoryDisk::description() const
{
    std::lock_guard lock(mutex_);
    return "memory " + std::to_string(data_.size()) + " bytes" + (read_only_ ? " (ro)" : "");
}

void MemoryDisk::resize(uint64_t size_bytes)
{
    std::lock_guard lock(mutex_);
    data_.resize(static_cast<size_t>(size_bytes - size_bytes % logical_));
}

void MemoryDisk::set_read_only(bool read_only)
{
    std::lock_guard lock(mutex_);
    read_only_ = read_only;
}

uint64_t MemoryDisk::flushes() const
{
    std::lock_guard lock(mutex_);
    return flushes_;
}

std::vector<std::byte> MemoryDisk::snapshot(uint64_t offset, uint64_t len) const
{
    std::lock_guard lock(mutex_);
    if (!inside(offset, len, data_.size())) return {};
    return std::vector<std::byte>(data_.begin() + static_cast<long>(offset),
                                  data_.begin() + static_cast<long>(offset + len));
}

} // namespace satori::sim
