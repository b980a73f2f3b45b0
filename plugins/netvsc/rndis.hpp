// SPDX-License-Identifier: MIT
// RNDIS message builders and validating parsers (netvsc.md §9). Pure functions over bytes:
// every offset and length read from a host message is checked before use.
#ifndef SATORI_NETVSC_RNDIS_HPP
#define SATORI_NETVSC_RNDIS_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace satori::netvsc::rndis {

inline uint32_t get32(std::span<const std::byte> b, std::size_t off) noexcept
{
    uint32_t v = 0;
    if (off <= b.size() && b.size() - off >= 4) std::memcpy(&v, b.data() + off, 4);
    return v;
}
inline void put32(std::span<std::byte> b, std::size_t off, uint32_t v) noexcept
{
    if (off <= b.size() && b.size() - off >= 4) std::memcpy(b.data() + off, &v, 4);
}

/// An NVSP message of the guest's fixed size (40 bytes) with the given leading words.
std::vector<std::byte> nvsp(std::initializer_list<uint32_t> words);

std::vector<std::byte> build_init(uint32_t request_id, uint32_t max_transfer);
std::vector<std::byte> build_query(uint32_t request_id, uint32_t oid);
std::vector<std::byte> build_set(uint32_t request_id, uint32_t oid,
                                 std::span<const std::byte> data);
/// Writes a PACKET header for a @p frame_len frame right after it; returns kPacketHeader.
std::size_t write_packet_header(std::span<std::byte> out, uint32_t frame_len) noexcept;

/// A control completion (INIT/QUERY/SET/KEEPALIVE_CMPLT).
struct Completion {
    uint32_t type = 0; ///< request type | 0x80000000
    uint32_t request_id = 0;
    uint32_t status = 0;
    std::span<const std::byte> info; ///< QUERY_CMPLT: the validated information buffer
};
/// Parses a completion; nullopt when lengths or offsets do not fit inside @p msg.
std::optional<Completion> parse_completion(std::span<const std::byte> msg) noexcept;

/// A received data packet: the frame inside the message, and its checksum PPI if any.
struct RxPacket {
    std::span<const std::byte> frame;
    bool csum_ok = false;
};
/// Parses a PACKET message; nullopt when data or PPI offsets/lengths do not fit.
std::optional<RxPacket> parse_packet(std::span<const std::byte> msg) noexcept;

/// INDICATE_STATUS: the status code, or nullopt when the message is too short.
std::optional<uint32_t> parse_indication(std::span<const std::byte> msg) noexcept;

} // namespace satori::netvsc::rndis

#endif // SATORI_NETVSC_RNDIS_HPP
