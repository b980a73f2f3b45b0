// SPDX-License-Identifier: MIT
#include "ring/packet_parser.hpp"

#include <cstring>
#include <sstream>

#include "ring/ring_layout.hpp"

namespace satori::sim::detail::ring {

namespace {

/// Fixed part of GPA-direct and transfer-page headers: 16-byte descriptor, then these.
constexpr size_t kRangeListStart = 24;
constexpr uint32_t kMaxGpaByteOffset = 0xFFF;

template <class T> T load(std::span<const std::byte> raw, size_t at)
{
    T v;
    std::memcpy(&v, raw.data() + at, sizeof(T));
    return v;
}

std::string parse_gpa_direct(std::span<const std::byte> raw, size_t header_end,
                             const GuestMemory &mem, HostPacket &out)
{
    std::ostringstream why;
    if (header_end < kRangeListStart) {
        why << "GPA-direct header of " << header_end << " bytes is too short";
        return why.str();
    }
    const uint32_t count = load<uint32_t>(raw, 20);
    if (count == 0) return "GPA-direct packet with range_cnt 0";
    size_t at = kRangeListStart;
    for (uint32_t i = 0; i < count; ++i) {
        if (header_end - at < 8) {
            why << "GPA range " << i << " of " << count << " runs past offset8";
            return why.str();
        }
        GpaRange range;
        range.byte_count = load<uint32_t>(raw, at);
        range.byte_offset = load<uint32_t>(raw, at + 4);
        at += 8;
        if (range.byte_count == 0 || range.byte_offset > kMaxGpaByteOffset) {
            why << "GPA range " << i << ": byte_count " << range.byte_count << ", byte_offset "
                << range.byte_offset;
            return why.str();
        }
        const uint64_t pages =
            (uint64_t{range.byte_offset} + range.byte_count + kPageSize - 1) / kPageSize;
        if ((header_end - at) / 8 < pages) {
            why << "GPA range " << i << " needs " << pages << " PFNs past offset8";
            return why.str();
        }
        range.pfns.resize(pages);
        std::memcpy(range.pfns.data(), raw.data() + at, pages * 8);
        at += pages * 8;
        for (uint64_t pfn : range.pfns) {
            if (!mem.pfn_valid(pfn)) {
                why << "GPA range " << i << ": PFN 0x" << std::hex << pfn
                    << " outside guest memory";
                return why.str();
            }
        }
        out.gpa_ranges.push_back(std::move(range));
    }
    return {};
}

std::string parse_xfer_pages(std::span<const std::byte> raw, size_t header_end, HostPacket &out)
{
    std::ostringstream why;
    if (header_end < kRangeListStart) {
        why << "transfer-page header of " << header_end << " bytes is too short";
        return why.str();
    }
    out.xfer_pageset_id = load<uint16_t>(raw, 16);
    const uint32_t count = load<uint32_t>(raw, 20);
    if (uint64_t{count} * 8 > header_end - kRangeListStart) {
        why << "transfer-page range_cnt " << count << " runs past offset8";
        return why.str();
    }
    for (uint32_t i = 0; i < count; ++i) {
        const size_t at = kRangeListStart + size_t{i} * 8;
        out.xfer_ranges.push_back({load<uint32_t>(raw, at), load<uint32_t>(raw, at + 4)});
    }
    return {};
}

} // namespace

std::string parse_packet(std::span<const std::byte> raw, const GuestMemory &mem, HostPacket &out)
{
    const auto d = load<Descriptor>(raw, 0);
    const size_t header_end = size_t{d.offset8} * 8;
    out = HostPacket{};
    out.type = static_cast<PacketType>(d.type);
    out.flags = d.flags;
    out.transaction_id = d.transaction_id;
    out.payload = raw.subspan(header_end);
    switch (d.type) {
    case kTypeGpaDirect:
        return parse_gpa_direct(raw, header_end, mem, out);
    case kTypeXferPages:
        return parse_xfer_pages(raw, header_end, out);
    default:
        return {};
    }
}

} // namespace satori::sim::detail::ring

namespace satori::sim {

uint64_t HostPacket::gpa_bytes() const noexcept
{
    uint64_t n = 0;
    for (const auto &r : gpa_ranges)
        n += r.byte_count;
    return n;
}

} // namespace satori::sim
