// SPDX-License-Identifier: MIT
// tests/support/sim_wire.hpp — VMBus control messages as a test guest builds and reads them.
// Written from vmbus.md / linux61-layouts.md offsets, independently of sim/src/vmbus/wire.hpp,
// so that a layout mistake on one side shows up as a failing test.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace satori::sim::testing {

using Bytes = std::vector<std::byte>;

template <class T> T get(const Bytes &b, size_t off)
{
    T v{};
    if (off + sizeof(T) <= b.size()) std::memcpy(&v, b.data() + off, sizeof(T));
    return v;
}

template <class T> void put(Bytes &b, size_t off, T v)
{
    if (b.size() < off + sizeof(T)) b.resize(off + sizeof(T));
    std::memcpy(b.data() + off, &v, sizeof(T));
}

namespace msg {

constexpr uint32_t kOffer = 1, kRescind = 2, kRequestOffers = 3, kAllOffers = 4, kOpen = 5,
                   kOpenResult = 6, kClose = 7, kGpadlHeader = 8, kGpadlBody = 9,
                   kGpadlCreated = 10, kGpadlTeardown = 11, kGpadlTorndown = 12,
                   kRelidReleased = 13, kInitiateContact = 14, kVersionResponse = 15, kUnload = 16,
                   kUnloadResponse = 17, kTlConnect = 21, kModify = 22, kTlConnectResult = 23,
                   kModifyResponse = 24;

inline Bytes header(uint32_t type, size_t size)
{
    Bytes b(size);
    put<uint32_t>(b, 0, type);
    return b;
}

inline Bytes initiate_contact(uint32_t version, uint64_t page_or_sint = 2, uint64_t mon1 = 0,
                              uint64_t mon2 = 0, uint32_t vcpu = 0)
{
    Bytes b = header(kInitiateContact, 40);
    put<uint32_t>(b, 8, version);
    put<uint32_t>(b, 12, vcpu);
    put<uint64_t>(b, 16, page_or_sint);
    put<uint64_t>(b, 24, mon1);
    put<uint64_t>(b, 32, mon2);
    return b;
}

inline Bytes relid_only(uint32_t type, uint32_t relid)
{
    Bytes b = header(type, 12);
    put<uint32_t>(b, 8, relid);
    return b;
}

inline Bytes open_channel(uint32_t relid, uint32_t openid, uint32_t gpadl, uint32_t target_vp,
                          uint32_t downstream_offset)
{
    Bytes b = header(kOpen, 148);
    put<uint32_t>(b, 8, relid);
    put<uint32_t>(b, 12, openid);
    put<uint32_t>(b, 16, gpadl);
    put<uint32_t>(b, 20, target_vp);
    put<uint32_t>(b, 24, downstream_offset);
    for (size_t i = 0; i < 120; ++i)
        b[28 + i] = std::byte(i);
    return b;
}

inline Bytes gpadl_teardown(uint32_t relid, uint32_t gpadl)
{
    Bytes b = header(kGpadlTeardown, 16);
    put<uint32_t>(b, 8, relid);
    put<uint32_t>(b, 12, gpadl);
    return b;
}

inline Bytes modify_channel(uint32_t relid, uint32_t vp)
{
    Bytes b = header(kModify, 16);
    put<uint32_t>(b, 8, relid);
    put<uint32_t>(b, 12, vp);
    return b;
}

struct Range {
    uint32_t byte_count;
    uint32_t byte_offset;
    std::vector<uint64_t> pfns;
};

/// GPADL_HEADER + GPADL_BODY messages as Linux sends them: range data flattened into u64
/// values, 27 in the header (20-byte fixed part), 28 per body.
inline std::vector<Bytes> gpadl_messages(uint32_t relid, uint32_t handle,
                                         const std::vector<Range> &ranges,
                                         int range_buflen_override = -1,
                                         int range_count_override = -1)
{
    std::vector<uint64_t> values;
    for (const auto &r : ranges) {
        values.push_back(uint64_t{r.byte_count} | (uint64_t{r.byte_offset} << 32));
        values.insert(values.end(), r.pfns.begin(), r.pfns.end());
    }
    const size_t buflen = values.size() * 8;
    std::vector<Bytes> out;
    size_t at = 0;
    const size_t first = std::min<size_t>(values.size(), 27);
    Bytes h = header(kGpadlHeader, 20 + first * 8);
    put<uint32_t>(h, 8, relid);
    put<uint32_t>(h, 12, handle);
    put<uint16_t>(h, 16,
                  static_cast<uint16_t>(range_buflen_override >= 0 ? range_buflen_override
                                                                   : static_cast<int>(buflen)));
    put<uint16_t>(h, 18,
                  static_cast<uint16_t>(range_count_override >= 0
                                            ? range_count_override
                                            : static_cast<int>(ranges.size())));
    std::memcpy(h.data() + 20, values.data(), first * 8);
    out.push_back(std::move(h));
    at = first;
    while (at < values.size()) {
        const size_t n = std::min<size_t>(values.size() - at, 28);
        Bytes b = header(kGpadlBody, 16 + n * 8);
        put<uint32_t>(b, 12, handle);
        std::memcpy(b.data() + 16, values.data() + at, n * 8);
        out.push_back(std::move(b));
        at += n;
    }
    return out;
}

} // namespace msg

/// An OFFERCHANNEL as the guest reads it.
struct Offer {
    std::array<uint8_t, 16> class_id{};
    std::array<uint8_t, 16> instance_id{};
    uint16_t flags = 0;
    std::array<uint8_t, 120> user_defined{};
    uint16_t sub_channel_index = 0;
    uint32_t relid = 0;
    uint8_t monitor_id = 0;
    uint8_t monitor_allocated = 0;
    uint16_t dedicated_interrupt = 0;
    uint32_t connection_id = 0;

    static Offer parse(const Bytes &b)
    {
        Offer o;
        std::memcpy(o.class_id.data(), b.data() + 8, 16);
        std::memcpy(o.instance_id.data(), b.data() + 24, 16);
        o.flags = get<uint16_t>(b, 56);
        std::memcpy(o.user_defined.data(), b.data() + 60, 120);
        o.sub_channel_index = get<uint16_t>(b, 180);
        o.relid = get<uint32_t>(b, 184);
        o.monitor_id = get<uint8_t>(b, 188);
        o.monitor_allocated = get<uint8_t>(b, 189);
        o.dedicated_interrupt = get<uint16_t>(b, 190);
        o.connection_id = get<uint32_t>(b, 192);
        return o;
    }
};

} // namespace satori::sim::testing
