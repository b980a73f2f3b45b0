// SPDX-License-Identifier: MIT
// Wire layout of Hyper-V Integration-Component ("util") messages, as the heartbeat uses them.
// Source: shared/spec/vmbus.md §6 "Integration-Component payloads" + "Clarifications".
//
// Every IC packet payload is: pipe header (8) | IC message header (20) | body (from offset 28).
// All fields are little-endian; the body starts 4 bytes past an 8-byte boundary, so the code
// reads and writes fields by copying, never through a cast pointer.
#ifndef SATORI_HEARTBEAT_IC_PROTOCOL_HPP
#define SATORI_HEARTBEAT_IC_PROTOCOL_HPP

#include <bit>
#include <cstddef>
#include <cstdint>

namespace satori::heartbeat::ic {

static_assert(std::endian::native == std::endian::little, "IC structs are little-endian");

/// message_type values.
inline constexpr uint16_t kTypeNegotiate = 0;
inline constexpr uint16_t kTypeHeartbeat = 1;

/// flags bits.
inline constexpr uint8_t kFlagTransaction = 0x1;
inline constexpr uint8_t kFlagRequest = 0x2;
inline constexpr uint8_t kFlagResponse = 0x4;

/// status values (HRESULTs).
inline constexpr uint32_t kStatusOk = 0;
inline constexpr uint32_t kStatusFail = 0x80004005; // E_FAIL

/// Most versions of one kind a negotiate message may list (more is treated as malformed).
inline constexpr uint16_t kMaxVersionsPerKind = 100;

/// A framework or message version.
struct Version {
    uint16_t major;
    uint16_t minor;
    friend constexpr bool operator==(const Version &, const Version &) = default;
};
static_assert(sizeof(Version) == 4);
static_assert(offsetof(Version, major) == 0);
static_assert(offsetof(Version, minor) == 2);

/// The 8-byte header of every message on a pipe-mode channel.
struct PipeHeader {
    uint32_t flags;        ///< Pipe packet type (1 = data); echoed unchanged.
    uint32_t message_size; ///< Bytes after this header: IC header + body.
};
static_assert(sizeof(PipeHeader) == 8);
static_assert(offsetof(PipeHeader, flags) == 0);
static_assert(offsetof(PipeHeader, message_size) == 4);

/// The IC message header (Linux `icmsg_hdr`).
struct MessageHeader {
    Version framework_version; ///< icverframe
    uint16_t message_type;     ///< icmsgtype: kType*
    Version message_version;   ///< icvermsg
    uint16_t body_size;        ///< icmsgsize: bytes of body after this header
    uint32_t status;           ///< kStatusOk or an HRESULT failure
    uint8_t transaction_id;    ///< ictransaction_id; echoed
    uint8_t flags;             ///< kFlag* bits
    uint8_t reserved[2];
};
static_assert(sizeof(MessageHeader) == 20);
static_assert(offsetof(MessageHeader, framework_version) == 0);
static_assert(offsetof(MessageHeader, message_type) == 4);
static_assert(offsetof(MessageHeader, message_version) == 6);
static_assert(offsetof(MessageHeader, body_size) == 10);
static_assert(offsetof(MessageHeader, status) == 12);
static_assert(offsetof(MessageHeader, transaction_id) == 16);
static_assert(offsetof(MessageHeader, flags) == 17);
static_assert(offsetof(MessageHeader, reserved) == 18);

/// Body of a negotiate message; followed by framework_count framework versions, then
/// message_count message versions (Linux `icmsg_negotiate`).
struct NegotiateHeader {
    uint16_t framework_count; ///< icframe_vercnt
    uint16_t message_count;   ///< icmsg_vercnt
    uint32_t reserved;
};
static_assert(sizeof(NegotiateHeader) == 8);
static_assert(offsetof(NegotiateHeader, framework_count) == 0);
static_assert(offsetof(NegotiateHeader, message_count) == 2);
static_assert(offsetof(NegotiateHeader, reserved) == 4);

/// Body of a heartbeat message (Linux `heartbeat_msg_data`).
struct HeartbeatBody {
    uint64_t sequence; ///< seq_num; the guest answers with sequence + 1
    uint32_t reserved[8];
};
static_assert(sizeof(HeartbeatBody) == 40);
static_assert(offsetof(HeartbeatBody, sequence) == 0);
static_assert(offsetof(HeartbeatBody, reserved) == 8);

/// Payload offsets.
inline constexpr std::size_t kMessageHeaderOffset = sizeof(PipeHeader);                  // 8
inline constexpr std::size_t kBodyOffset = kMessageHeaderOffset + sizeof(MessageHeader); // 28
static_assert(kBodyOffset == 28, "Linux ICMSG_HDR");
inline constexpr std::size_t kVersionsOffset = kBodyOffset + sizeof(NegotiateHeader); // 36

} // namespace satori::heartbeat::ic

#endif // SATORI_HEARTBEAT_IC_PROTOCOL_HPP
