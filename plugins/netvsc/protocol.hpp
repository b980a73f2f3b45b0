// SPDX-License-Identifier: MIT
// NVSP and RNDIS numbers the guest driver uses (../shared/spec/netvsc.md §3–§10).
#ifndef SATORI_NETVSC_PROTOCOL_HPP
#define SATORI_NETVSC_PROTOCOL_HPP

#include <array>
#include <cstdint>

namespace satori::netvsc::proto {

// NVSP versions, newest first (§3.1): Linux's order.
inline constexpr std::array<uint32_t, 6> kVersions = {0x00060001, 0x00060000, 0x00050000,
                                                      0x00040000, 0x00030002, 0x00000002};
inline constexpr uint32_t kV2 = 0x00030002;
inline constexpr uint32_t kV5 = 0x00050000;

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
inline constexpr uint32_t kSendVfAssociation = 128;
inline constexpr uint32_t kSendIndirectionTable = 134;

inline constexpr uint32_t kStatusSuccess = 1;
inline constexpr uint32_t kStatusFail = 2;
inline constexpr uint32_t kNoSection = 0xFFFFFFFFu;
inline constexpr uint16_t kRecvBufferId = 0xCAFE;
inline constexpr uint16_t kSendBufferId = 0;
inline constexpr std::size_t kMessageBytes = 40; // every NVSP message the guest sends

// RNDIS (§9)
inline constexpr uint32_t kRndisPacket = 1;
inline constexpr uint32_t kRndisInit = 2;
inline constexpr uint32_t kRndisHalt = 3;
inline constexpr uint32_t kRndisQuery = 4;
inline constexpr uint32_t kRndisSet = 5;
inline constexpr uint32_t kRndisIndicate = 7;
inline constexpr uint32_t kRndisKeepalive = 8;
inline constexpr uint32_t kRndisCompletion = 0x80000000u;
inline constexpr uint32_t kRndisSuccess = 0;
inline constexpr std::size_t kPacketHeader = 44;

inline constexpr uint32_t kMediaConnect = 0x4001000Bu;
inline constexpr uint32_t kMediaDisconnect = 0x4001000Cu;
inline constexpr uint32_t kLinkSpeedChange = 0x40010013u;
inline constexpr uint32_t kNetworkChange = 0x40010018u;

// OIDs (§10)
inline constexpr uint32_t kOidMaxFrameSize = 0x00010106;
inline constexpr uint32_t kOidLinkSpeed = 0x00010107;
inline constexpr uint32_t kOidPacketFilter = 0x0001010E;
inline constexpr uint32_t kOidMediaConnectStatus = 0x00010114;
inline constexpr uint32_t kOidPermanentAddress = 0x01010101;

// Packet filter (§10.1): DIRECTED | ALL_MULTICAST | BROADCAST, as Linux sets on ifup.
inline constexpr uint32_t kFilterDefault = 0x0000000D;
inline constexpr uint32_t kFilterPromiscuous = 0x00000020;

// Per-packet info (§9.4)
inline constexpr uint32_t kPpiChecksum = 0;
inline constexpr uint32_t kRxCsumTcpOk = 0x08;
inline constexpr uint32_t kRxCsumUdpOk = 0x10;

} // namespace satori::netvsc::proto

#endif // SATORI_NETVSC_PROTOCOL_HPP
