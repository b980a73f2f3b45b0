// SPDX-License-Identifier: MIT
#include "rndis.hpp"

#include "protocol.hpp"

namespace satori::netvsc::rndis {

std::vector<std::byte> nvsp(std::initializer_list<uint32_t> words)
{
    std::vector<std::byte> out(proto::kMessageBytes);
    std::size_t off = 0;
    for (uint32_t w : words) {
        put32(out, off, w);
        off += 4;
    }
    return out;
}

std::vector<std::byte> build_init(uint32_t request_id, uint32_t max_transfer)
{
    std::vector<std::byte> m(24);
    put32(m, 0, proto::kRndisInit);
    put32(m, 4, 24);
    put32(m, 8, request_id);
    put32(m, 12, 1); // RNDIS 1.0
    put32(m, 16, 0);
    put32(m, 20, max_transfer);
    return m;
}

std::vector<std::byte> build_query(uint32_t request_id, uint32_t oid)
{
    std::vector<std::byte> m(28);
    put32(m, 0, proto::kRndisQuery);
    put32(m, 4, 28);
    put32(m, 8, request_id);
    put32(m, 12, oid);
    put32(m, 16, 0);  // no input buffer
    put32(m, 20, 20); // offsets count from byte 8: the buffer would start at 28
    return m;
}

std::vector<std::byte> build_set(uint32_t request_id, uint32_t oid, std::span<const std::byte> data)
{
    std::vector<std::byte> m(28 + data.size());
    put32(m, 0, proto::kRndisSet);
    put32(m, 4, static_cast<uint32_t>(m.size()));
    put32(m, 8, request_id);
    put32(m, 12, oid);
    put32(m, 16, static_cast<uint32_t>(data.size()));
    put32(m, 20, 20);
    if (!data.empty()) std::memcpy(m.data() + 28, data.data(), data.size());
    return m;
}

std::size_t write_packet_header(std::span<std::byte> out, uint32_t frame_len) noexcept
{
    if (out.size() < proto::kPacketHeader) return 0;
    std::memset(out.data(), 0, proto::kPacketHeader);
    put32(out, 0, proto::kRndisPacket);
    put32(out, 4, static_cast<uint32_t>(proto::kPacketHeader + frame_len));
    put32(out, 8, proto::kPacketHeader - 8); // data offset, from byte 8
    put32(out, 12, frame_len);
    return proto::kPacketHeader;
}

std::optional<Completion> parse_completion(std::span<const std::byte> msg) noexcept
{
    if (msg.size() < 16) return std::nullopt;
    Completion c;
    c.type = get32(msg, 0);
    c.request_id = get32(msg, 8);
    c.status = get32(msg, 12);
    if (c.type == (proto::kRndisQuery | proto::kRndisCompletion)) {
        if (msg.size() < 24) return std::nullopt;
        const uint64_t len = get32(msg, 16);
        const uint64_t off = get32(msg, 20);
        if (len != 0) {
            // The buffer starts after the completion header (offset >= 16 from byte 8).
            if (off < 16 || off + 8 > msg.size() || len > msg.size() - (off + 8))
                return std::nullopt;
            c.info = msg.subspan(static_cast<std::size_t>(off + 8), static_cast<std::size_t>(len));
        }
    }
    return c;
}

std::optional<RxPacket> parse_packet(std::span<const std::byte> msg) noexcept
{
    if (msg.size() < proto::kPacketHeader) return std::nullopt;
    const uint64_t data_off = uint64_t{get32(msg, 8)} + 8;
    const uint64_t data_len = get32(msg, 12);
    if (data_off < proto::kPacketHeader || data_off > msg.size() ||
        data_len > msg.size() - data_off || data_len < 14)
        return std::nullopt;
    RxPacket p;
    p.frame = msg.subspan(static_cast<std::size_t>(data_off), static_cast<std::size_t>(data_len));
    const uint64_t ppi_off = uint64_t{get32(msg, 28)} + 8;
    const uint64_t ppi_len = get32(msg, 32);
    if (ppi_len != 0) {
        if (ppi_off < proto::kPacketHeader || ppi_off > msg.size() ||
            ppi_len > msg.size() - ppi_off)
            return std::nullopt;
        auto ppis =
            msg.subspan(static_cast<std::size_t>(ppi_off), static_cast<std::size_t>(ppi_len));
        while (ppis.size() >= 12) {
            const uint32_t size = get32(ppis, 0);
            const uint32_t type = get32(ppis, 4);
            const uint32_t off = get32(ppis, 8);
            if (size < 12 || size > ppis.size()) return std::nullopt;
            if (type == proto::kPpiChecksum && off >= 12 && off <= size - 4) {
                const uint32_t info = get32(ppis, off);
                p.csum_ok = (info & (proto::kRxCsumTcpOk | proto::kRxCsumUdpOk)) != 0;
            }
            ppis = ppis.subspan(size);
        }
    }
    return p;
}

std::optional<uint32_t> parse_indication(std::span<const std::byte> msg) noexcept
{
    if (msg.size() < 12) return std::nullopt;
    return get32(msg, 8);
}

} // namespace satori::netvsc::rndis
