// SPDX-License-Identifier: MIT
#include "vsp/storvsp/data_buffer.hpp"

#include <satori/errno.h>

#include "vsp/storvsp/protocol.hpp"

namespace satori::sim::detail::storvsp {

namespace {

bool fits(uint64_t offset, size_t n, uint32_t length)
{
    return offset <= length && n <= length - offset;
}

} // namespace

int32_t DataBuffer::to_guest(uint64_t offset, std::span<const std::byte> src) const
{
    if (data_in_ != vstor::kDataIn) return -SATORI_EPERM;
    if (!fits(offset, src.size(), length_)) return -SATORI_ERANGE;
    return src.empty() ? 0 : ch_.write_gpa(pkt_, offset, src);
}

int32_t DataBuffer::from_guest(uint64_t offset, std::span<std::byte> dst) const
{
    if (data_in_ != vstor::kDataOut) return -SATORI_EPERM;
    if (!fits(offset, dst.size(), length_)) return -SATORI_ERANGE;
    return dst.empty() ? 0 : ch_.read_gpa(pkt_, offset, dst);
}

} // namespace satori::sim::detail::storvsp
