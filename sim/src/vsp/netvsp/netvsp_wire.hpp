// SPDX-License-Identifier: MIT
// NVSP and RNDIS numbers the simulated host uses (netvsc.md §4–§10), and byte helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace satori::sim::nvsp {

// NVSP message types (§5)
inline constexpr uint32_t kInit = 1;
inline constexpr uint32_t kInitComplete = 2;
inline constexpr uint32_t kSendNdisVersion = 100;
inline constexpr uint32_t kSendRecvBuf = 101;
inline constexpr uint32_t kSendRecvBufComplete = 102;
inline constexpr uint32_t kRevokeRecvBuf = 103;
inline constexpr uint32_t kSendSendBuf = 104;
inline constexpr uint32_t kSendSendBufComplete = 105;
inline constexpr uint32_t kRevokeSendBuf = 106;
inline constexpr uint32_t kSendRndisPkt = 107;
inline constexpr uint32_t kSendRndisPktComplete = 108;
inline constexpr uint32_t kSendNdisConfig = 125;
inline constexpr uint32_t kSwitchDataPath = 129;
inline constexpr uint32_t kSubchannel = 133;

inline constexpr uint32_t kStatusSuccess = 1;
inline constexpr uint32_t kStatusFail = 2;
inline constexpr uint32_t kNoSection = 0xFFFFFFFFu;
inline constexpr size_t kMessageBytes = 40; // what the host sends (6.1 size, fine for all)

} // namespace satori::sim::nvsp

namespace satori::sim::rndis {

inline constexpr uint32_t kPacket = 1;
inline constexpr uint32_t kInitialize = 2;
inline constexpr uint32_t kHalt = 3;
inline constexpr uint32_t kQuery = 4;
inline constexpr uint32_t kSet = 5;
inline constexpr uint32_t kReset = 6;
inline constexpr uint32_t kIndicateStatus = 7;
inline constexpr uint32_t kKeepalive = 8;
inline constexpr uint32_t kCompletion = 0x80000000u;

inline constexpr uint32_t kSuccess = 0;
inline constexpr uint32_t kFailure = 0xC0000001u;
inline constexpr uint32_t kNotSupported = 0xC00000BBu;
inline constexpr uint32_t kInvalidData = 0xC0010015u;
inline constexpr uint32_t kMediaConnect = 0x4001000Bu;
inline constexpr uint32_t kMediaDisconnect = 0x4001000Cu;

inline constexpr size_t kPacketHeader = 44;

// OIDs (§10)
inline constexpr uint32_t kOidSupportedList = 0x00010101;
inline constexpr uint32_t kOidHardwareStatus = 0x00010102;
inline constexpr uint32_t kOidMediaSupported = 0x00010103;
inline constexpr uint32_t kOidMediaInUse = 0x00010104;
inline constexpr uint32_t kOidMaxLookahead = 0x00010105;
inline constexpr uint32_t kOidMaxFrameSize = 0x00010106;
inline constexpr uint32_t kOidLinkSpeed = 0x00010107;
inline constexpr uint32_t kOidVendorId = 0x0001010C;
inline constexpr uint32_t kOidPacketFilter = 0x0001010E;
inline constexpr uint32_t kOidMaxTotalSize = 0x00010111;
inline constexpr uint32_t kOidMediaConnectStatus = 0x00010114;
inline constexpr uint32_t kOidMaxSendPackets = 0x00010115;
inline constexpr uint32_t kOidPermanentAddress = 0x01010101;
inline constexpr uint32_t kOidCurrentAddress = 0x01010102;
inline constexpr uint32_t kOidOffloadParams = 0xFC01020C;
inline constexpr uint32_t kOidNetworkLayerAddresses = 0x00010118;
inline constexpr uint32_t kOidConfigParameter = 0x0001021B;

} // namespace satori::sim::rndis

namespace satori::sim::wire {

inline uint32_t get32(std::span<const std::byte> b, size_t off)
{
    uint32_t v = 0;
    if (off <= b.size() && b.size() - off >= 4) std::memcpy(&v, b.data() + off, 4);
    return v;
}
inline void put32(std::vector<std::byte> &b, size_t off, uint32_t v)
{
    if (b.size() < off + 4) b.resize(off + 4);
    std::memcpy(b.data() + off, &v, 4);
}
inline std::vector<std::byte> words(std::initializer_list<uint32_t> w, size_t min_bytes = 0)
{
    std::vector<std::byte> out(std::max(w.size() * 4, min_bytes));
    size_t i = 0;
    for (uint32_t v : w)
        std::memcpy(out.data() + 4 * i++, &v, 4);
    return out;
}

} // namespace satori::sim::wire
