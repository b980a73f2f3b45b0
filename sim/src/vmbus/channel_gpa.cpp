// SPDX-License-Identifier: MIT
// VSP access to guest memory: GPA-direct buffers of a packet and GPADLs of the channel.
#include "vmbus/channel_runtime.hpp"

#include <algorithm>
#include <cstring>

#include <satori/errno.h>

namespace satori::sim::detail {

namespace {

/// Calls @p chunk(guest_ptr, done, n) for consecutive pieces of [offset, offset+len) of the
/// concatenated GPA ranges; each piece lies within one guest page.
template <class F>
int32_t for_each_gpa_chunk(const GuestMemory &mem, const HostPacket &pkt, uint64_t offset,
                           uint64_t len, F &&chunk)
{
    if (offset > pkt.gpa_bytes() || len > pkt.gpa_bytes() - offset) return -SATORI_ERANGE;
    uint64_t done = 0;
    for (const GpaRange &r : pkt.gpa_ranges) {
        if (len == 0) break;
        if (offset >= r.byte_count) {
            offset -= r.byte_count;
            continue;
        }
        // Walk this range page by page: its PFNs need not be contiguous.
        uint64_t pos = r.byte_offset + offset; // byte position from the range's first page
        uint64_t left_in_range = r.byte_count - offset;
        while (len > 0 && left_in_range > 0) {
            const uint64_t page = pos / kPageSize;
            const uint64_t in_page = pos % kPageSize;
            const uint64_t n = std::min({len, left_in_range, kPageSize - in_page});
            if (page >= r.pfns.size()) return -SATORI_EFAULT;
            std::byte *host = mem.at((r.pfns[page] << kPageShift) + in_page, n);
            if (!host) return -SATORI_EFAULT;
            chunk(host, done, n);
            done += n;
            len -= n;
            pos += n;
            left_in_range -= n;
        }
        offset = 0;
    }
    return len == 0 ? 0 : -SATORI_ERANGE;
}

} // namespace

int32_t ChannelRuntime::read_gpa(const HostPacket &pkt, uint64_t offset,
                                 std::span<std::byte> dst) const
{
    return for_each_gpa_chunk(*env_->memory, pkt, offset, dst.size(),
                              [&](const std::byte *guest, uint64_t done, uint64_t n) {
                                  std::memcpy(dst.data() + done, guest, n);
                              });
}

int32_t ChannelRuntime::write_gpa(const HostPacket &pkt, uint64_t offset,
                                  std::span<const std::byte> src) const
{
    return for_each_gpa_chunk(*env_->memory, pkt, offset, src.size(),
                              [&](std::byte *guest, uint64_t done, uint64_t n) {
                                  std::memcpy(guest, src.data() + done, n);
                              });
}

std::shared_ptr<const GpadlMapping> ChannelRuntime::gpadl(uint32_t handle) const
{
    auto g = p_.gpadls->find(handle);
    if (!g) return nullptr;
    int32_t err = 0;
    auto m = g->mapping(*env_->memory, err);
    if (!m)
        env_->log->error("relid ", p_.relid, ": cannot map GPADL ", Hex{handle}, " (", err, ")");
    return m;
}

} // namespace satori::sim::detail
