// SPDX-License-Identifier: MIT
// VMBus control messages as the host reads and writes them (vmbus.md §3.3,
// linux61-layouts.md). Little-endian host assumed; every offset is pinned below.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

namespace satori::sim::detail::wire {

static_assert(std::endian::native == std::endian::little, "wire structs assume little-endian");

enum class MsgType : uint32_t {
    invalid = 0,
    offer_channel = 1,
    rescind_channel_offer = 2,
    request_offers = 3,
    all_offers_delivered = 4,
    open_channel = 5,
    open_channel_result = 6,
    close_channel = 7,
    gpadl_header = 8,
    gpadl_body = 9,
    gpadl_created = 10,
    gpadl_teardown = 11,
    gpadl_torndown = 12,
    relid_released = 13,
    initiate_contact = 14,
    version_response = 15,
    unload = 16,
    unload_response = 17,
    open_reserved_channel = 18,
    close_reserved_channel = 19,
    close_reserved_response = 20,
    tl_connect_request = 21,
    modify_channel = 22,
    tl_connect_result = 23,
    modify_channel_response = 24,
};

inline constexpr uint32_t kMessageConnectionId = 1;
inline constexpr uint32_t kMessageConnectionIdMultiClient = 4; ///< INITIATE_CONTACT >= 5.0
inline constexpr uint32_t kSharedEventConnectionId = 2;        ///< pre-2.4 interrupt page
inline constexpr uint32_t kVmbusMessageType = 1;               ///< SynIC message type
inline constexpr uint32_t kMaxMessageBytes = 240;

/// Windows STATUS_UNSUCCESSFUL: the host's generic failure status.
inline constexpr uint32_t kStatusUnsuccessful = 0xC0000001u;
/// STATUS_CONNECTION_REFUSED, for TL_CONNECT_RESULT.
inline constexpr uint32_t kStatusConnectionRefused = 0xC0000236u;

struct MsgHeader {
    uint32_t type;
    uint32_t padding;
};

struct OfferChannel {
    MsgHeader header;
    std::array<uint8_t, 16> if_type;
    std::array<uint8_t, 16> if_instance;
    uint32_t reserved1[2];
    uint32_t reserved2[2];
    uint16_t chn_flags;
    uint16_t mmio_megabytes;
    std::array<uint8_t, 120> user_defined;
    uint16_t sub_channel_index;
    uint16_t reserved3;
    uint32_t child_relid;
    uint8_t monitor_id;
    uint8_t monitor_allocated; ///< bit 0
    uint16_t interrupt_flags;  ///< bit 0: is_dedicated_interrupt
    uint32_t connection_id;
};
static_assert(sizeof(OfferChannel) == 196);
static_assert(offsetof(OfferChannel, if_type) == 8);
static_assert(offsetof(OfferChannel, if_instance) == 24);
static_assert(offsetof(OfferChannel, reserved1) == 40);
static_assert(offsetof(OfferChannel, chn_flags) == 56);
static_assert(offsetof(OfferChannel, mmio_megabytes) == 58);
static_assert(offsetof(OfferChannel, user_defined) == 60);
static_assert(offsetof(OfferChannel, sub_channel_index) == 180);
static_assert(offsetof(OfferChannel, child_relid) == 184);
static_assert(offsetof(OfferChannel, monitor_id) == 188);
static_assert(offsetof(OfferChannel, monitor_allocated) == 189);
static_assert(offsetof(OfferChannel, interrupt_flags) == 190);
static_assert(offsetof(OfferChannel, connection_id) == 192);

/// RESCIND_CHANNELOFFER, CLOSECHANNEL and RELID_RELEASED share this shape.
struct RelidOnly {
    MsgHeader header;
    uint32_t child_relid;
};
static_assert(sizeof(RelidOnly) == 12);

struct OpenChannel {
    MsgHeader header;
    uint32_t child_relid;
    uint32_t open_id;
    uint32_t ring_gpadl;
    uint32_t target_vp;
    uint32_t downstream_page_offset;
    std::array<uint8_t, 120> user_data;
};
static_assert(sizeof(OpenChannel) == 148);
static_assert(offsetof(OpenChannel, child_relid) == 8);
static_assert(offsetof(OpenChannel, open_id) == 12);
static_assert(offsetof(OpenChannel, ring_gpadl) == 16);
static_assert(offsetof(OpenChannel, target_vp) == 20);
static_assert(offsetof(OpenChannel, downstream_page_offset) == 24);
static_assert(offsetof(OpenChannel, user_data) == 28);

struct OpenChannelResult {
    MsgHeader header;
    uint32_t child_relid;
    uint32_t open_id;
    uint32_t status;
};
static_assert(sizeof(OpenChannelResult) == 20);

/// Fixed part of GPADL_HEADER; range data (u64 values) follows at offset 20.
struct GpadlHeader {
    MsgHeader header;
    uint32_t child_relid;
    uint32_t gpadl;
    uint16_t range_buflen;
    uint16_t range_count;
};
static_assert(sizeof(GpadlHeader) == 20);
static_assert(offsetof(GpadlHeader, range_buflen) == 16);
static_assert(offsetof(GpadlHeader, range_count) == 18);

/// Fixed part of GPADL_BODY; PFNs follow at offset 16.
struct GpadlBody {
    MsgHeader header;
    uint32_t msg_number;
    uint32_t gpadl;
};
static_assert(sizeof(GpadlBody) == 16);

/// Header messages carry 27 u64 values (one range header + 26 PFNs), bodies 28.
inline constexpr size_t kGpadlHeaderValues = (kMaxMessageBytes - sizeof(GpadlHeader)) / 8;
inline constexpr size_t kGpadlBodyValues = (kMaxMessageBytes - sizeof(GpadlBody)) / 8;
static_assert(kGpadlHeaderValues == 27 && kGpadlBodyValues == 28);

struct GpadlCreated {
    MsgHeader header;
    uint32_t child_relid;
    uint32_t gpadl;
    uint32_t status;
};
static_assert(sizeof(GpadlCreated) == 20);

struct GpadlTeardown {
    MsgHeader header;
    uint32_t child_relid;
    uint32_t gpadl;
};
static_assert(sizeof(GpadlTeardown) == 16);

struct GpadlTorndown {
    MsgHeader header;
    uint32_t gpadl;
};
static_assert(sizeof(GpadlTorndown) == 12);

struct InitiateContact {
    MsgHeader header;
    uint32_t version;
    uint32_t target_vcpu;
    uint64_t interrupt_page_or_sint; ///< < 5.0: interrupt page GPA; >= 5.0: byte 0 = msg_sint
    uint64_t monitor_page1;
    uint64_t monitor_page2;
};
static_assert(sizeof(InitiateContact) == 40);
static_assert(offsetof(InitiateContact, version) == 8);
static_assert(offsetof(InitiateContact, target_vcpu) == 12);
static_assert(offsetof(InitiateContact, interrupt_page_or_sint) == 16);
static_assert(offsetof(InitiateContact, monitor_page1) == 24);
static_assert(offsetof(InitiateContact, monitor_page2) == 32);

struct VersionResponse {
    MsgHeader header;
    uint8_t version_supported;
    uint8_t connection_state;
    uint16_t padding;
    uint32_t msg_conn_id;
};
static_assert(sizeof(VersionResponse) == 16);
static_assert(offsetof(VersionResponse, msg_conn_id) == 12);

struct ModifyChannel {
    MsgHeader header;
    uint32_t child_relid;
    uint32_t target_vp;
};
static_assert(sizeof(ModifyChannel) == 16);

struct ModifyChannelResponse {
    MsgHeader header;
    uint32_t child_relid;
    uint32_t status;
};
static_assert(sizeof(ModifyChannelResponse) == 16);

struct TlConnectRequest {
    MsgHeader header;
    std::array<uint8_t, 16> guest_endpoint_id;
    std::array<uint8_t, 16> host_service_id;
};
static_assert(sizeof(TlConnectRequest) == 40);

struct TlConnectResult {
    MsgHeader header;
    std::array<uint8_t, 16> endpoint_id;
    std::array<uint8_t, 16> service_id;
    uint32_t status;
};
static_assert(sizeof(TlConnectResult) == 44);

/// Reads a fixed-size message; nullopt when @p bytes is shorter than T.
template <class T> std::optional<T> read(std::span<const std::byte> bytes) noexcept
{
    static_assert(std::is_trivially_copyable_v<T>);
    if (bytes.size() < sizeof(T)) return std::nullopt;
    T out;
    std::memcpy(&out, bytes.data(), sizeof(T));
    return out;
}

/// A zeroed message of type T with its header set.
template <class T> T make(MsgType type) noexcept
{
    T out;
    std::memset(&out, 0, sizeof(T));
    out.header.type = static_cast<uint32_t>(type);
    return out;
}

inline MsgHeader header_only(MsgType type) noexcept
{
    return MsgHeader{static_cast<uint32_t>(type), 0};
}

template <class T> std::vector<std::byte> bytes_of(const T &msg)
{
    std::vector<std::byte> out(sizeof(T));
    std::memcpy(out.data(), &msg, sizeof(T));
    return out;
}

} // namespace satori::sim::detail::wire
