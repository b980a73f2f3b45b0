// SPDX-License-Identifier: MIT
// tests/support/ring_packet.hpp — building and inspecting ring packets as plain bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "vmbus_proto.h"

namespace satori::test {

using Bytes = std::vector<uint8_t>;

inline uint32_t round_up8(uint64_t n)
{
    return static_cast<uint32_t>((n + 7u) & ~uint64_t{7});
}

// Deterministic, seed-dependent filler (xorshift32), never all zero.
inline Bytes pattern_bytes(size_t n, uint32_t seed)
{
    Bytes out(n);
    uint32_t x = seed * 2654435761u + 0x9e3779b9u;
    for (auto &b : out) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<uint8_t>(x);
    }
    return out;
}

struct PacketSpec {
    uint16_t type = VM_PKT_DATA_INBAND;
    uint16_t offset8 = 2;
    uint16_t flags = 0;
    uint64_t trans_id = 0;
};

inline vmpacket_desc desc_of(const Bytes &packet)
{
    vmpacket_desc d{};
    std::memcpy(&d, packet.data(), sizeof(d));
    return d;
}

inline void set_desc(Bytes &packet, const vmpacket_desc &d)
{
    std::memcpy(packet.data(), &d, sizeof(d));
}

// Descriptor + @body (type header and payload), unpadded; len8 frames it exactly.
inline Bytes make_packet(const Bytes &body, PacketSpec spec = {})
{
    Bytes packet(sizeof(vmpacket_desc) + body.size());
    if (!body.empty()) std::memcpy(packet.data() + sizeof(vmpacket_desc), body.data(), body.size());
    vmpacket_desc d{};
    d.type = spec.type;
    d.offset8 = spec.offset8;
    d.len8 = static_cast<uint16_t>(round_up8(packet.size()) / 8u);
    d.flags = spec.flags;
    d.trans_id = spec.trans_id;
    set_desc(packet, d);
    return packet;
}

// An in-band packet whose body is @payload_len pattern bytes.
inline Bytes make_inband(uint32_t payload_len, uint32_t seed = 1, uint64_t trans_id = 0)
{
    return make_packet(pattern_bytes(payload_len, seed), {.trans_id = trans_id});
}

// What the reader hands back: the packet padded with zeros to len8 * 8 bytes.
inline Bytes padded(Bytes packet)
{
    packet.resize(round_up8(packet.size()), 0);
    return packet;
}

// Bytes a packet occupies in the ring, trailer included.
inline uint32_t ring_footprint(const Bytes &packet)
{
    return round_up8(packet.size()) + 8u;
}

} // namespace satori::test
