// SPDX-License-Identifier: MIT
// Wire layout of the Hyper-V storage protocol ("vstor") as the guest speaks it.
// Facts from shared/spec/storvsc.md §3-§7; every offset is checked against
// shared/spec/linux61-layouts.md §3 (vmscsi_request, vmstorage_channel_properties,
// vmstorage_protocol_version, vstor_packet). Little-endian; SCSI data inside is big-endian.
//
// The structs are naturally aligned without packing: the vstor payload starts at 0x0C and
// every multi-byte field sits on its own size (the u64 reserved2 of the properties is kept
// as two u32 so that the union member stays 4-byte aligned). Packets are built and read by
// copying bytes (memcpy), never through a cast pointer into a received buffer.
#ifndef SATORI_STORVSC_PROTOCOL_HPP
#define SATORI_STORVSC_PROTOCOL_HPP

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace satori::storvsc::proto {

static_assert(std::endian::native == std::endian::little, "vstor packets are little-endian");

/// @name Protocol versions, (major << 8) | minor (§3)
/// @{
inline constexpr uint16_t kVersionWin6 = 0x0200;
inline constexpr uint16_t kVersionWin7 = 0x0402;
inline constexpr uint16_t kVersionWin8 = 0x0501;
inline constexpr uint16_t kVersionWin8_1 = 0x0600;
inline constexpr uint16_t kVersionWin10 = 0x0602;
/// What this guest proposes, newest first (WIN6 is not proposed).
inline constexpr std::array<uint16_t, 4> kGuestVersions = {kVersionWin10, kVersionWin8_1,
                                                           kVersionWin8, kVersionWin7};
constexpr unsigned version_major(uint16_t v) noexcept { return v >> 8; }
constexpr unsigned version_minor(uint16_t v) noexcept { return v & 0xffu; }
/// @}

/// @name vstor_packet.operation (§4)
/// @{
inline constexpr uint32_t kOpCompleteIo = 1;
inline constexpr uint32_t kOpRemoveDevice = 2;
inline constexpr uint32_t kOpExecuteSrb = 3;
inline constexpr uint32_t kOpResetLun = 4;
inline constexpr uint32_t kOpResetAdapter = 5;
inline constexpr uint32_t kOpResetBus = 6;
inline constexpr uint32_t kOpBeginInitialization = 7;
inline constexpr uint32_t kOpEndInitialization = 8;
inline constexpr uint32_t kOpQueryProtocolVersion = 9;
inline constexpr uint32_t kOpQueryProperties = 10;
inline constexpr uint32_t kOpEnumerateBus = 11;
inline constexpr uint32_t kOpFcHbaData = 12;
inline constexpr uint32_t kOpCreateSubChannels = 13;
/// @}

/// vstor_packet.flags: the guest wants a COMPLETE_IO (set on every request, §5).
inline constexpr uint32_t kFlagRequestCompletion = 0x1;

/// @name vstor_packet.status: NTSTATUS values (§5)
/// @{
inline constexpr uint32_t kStatusSuccess = 0x00000000;
inline constexpr uint32_t kStatusBufferOverflow = 0x80000005;
inline constexpr uint32_t kStatusDeviceBusy = 0x80000011;
inline constexpr uint32_t kStatusUnsuccessful = 0xC0000001;
inline constexpr uint32_t kStatusInvalidParameter = 0xC000000D;
inline constexpr uint32_t kStatusInvalidDeviceRequest = 0xC0000010;
inline constexpr uint32_t kStatusRevisionMismatch = 0xC0000059;
inline constexpr uint32_t kStatusDeviceNotConnected = 0xC000009D;
inline constexpr uint32_t kStatusIoTimeout = 0xC00000B5;
inline constexpr uint32_t kStatusDeviceDoesNotExist = 0xC00000C0;
inline constexpr uint32_t kStatusCancelled = 0xC0000120;
inline constexpr uint32_t kStatusInvalidDeviceState = 0xC0000184;
inline constexpr uint32_t kStatusIoDeviceError = 0xC0000185;
/// @}

/// @name SRB status byte (§6.4): bits 7-6 flags, bits 5-0 the code
/// @{
inline constexpr uint8_t kSrbAutosenseValid = 0x80;
inline constexpr uint8_t kSrbQueueFrozen = 0x40;
inline constexpr uint8_t kSrbCodeMask = 0x3f;
namespace srb {
inline constexpr uint8_t kPending = 0x00;
inline constexpr uint8_t kSuccess = 0x01;
inline constexpr uint8_t kAborted = 0x02;
inline constexpr uint8_t kAbortFailed = 0x03;
inline constexpr uint8_t kError = 0x04;
inline constexpr uint8_t kBusy = 0x05;
inline constexpr uint8_t kInvalidRequest = 0x06;
inline constexpr uint8_t kInvalidPathId = 0x07;
inline constexpr uint8_t kNoDevice = 0x08;
inline constexpr uint8_t kTimeout = 0x09;
inline constexpr uint8_t kSelectionTimeout = 0x0A;
inline constexpr uint8_t kCommandTimeout = 0x0B;
inline constexpr uint8_t kMessageRejected = 0x0D;
inline constexpr uint8_t kBusReset = 0x0E;
inline constexpr uint8_t kParityError = 0x0F;
inline constexpr uint8_t kRequestSenseFailed = 0x10;
inline constexpr uint8_t kNoHba = 0x11;
inline constexpr uint8_t kDataOverrun = 0x12;
inline constexpr uint8_t kUnexpectedBusFree = 0x13;
inline constexpr uint8_t kPhaseSequenceFailure = 0x14;
inline constexpr uint8_t kBadSrbBlockLength = 0x15;
inline constexpr uint8_t kRequestFlushed = 0x16;
inline constexpr uint8_t kInvalidLun = 0x20;
inline constexpr uint8_t kInvalidTargetId = 0x21;
inline constexpr uint8_t kBadFunction = 0x22;
inline constexpr uint8_t kErrorRecovery = 0x23;
inline constexpr uint8_t kNotPowered = 0x24;
inline constexpr uint8_t kLinkDown = 0x25;
/// Not in §6.4's table: a Linux constant the spec mentions in §8.2.
inline constexpr uint8_t kInternalError = 0x30;
} // namespace srb
/// @}

/// @name SCSI status byte (vmscsi_request.scsi_status, §6.1)
/// @{
namespace scsi_status {
inline constexpr uint8_t kGood = 0x00;
inline constexpr uint8_t kCheckCondition = 0x02;
inline constexpr uint8_t kConditionMet = 0x04;
inline constexpr uint8_t kBusy = 0x08;
inline constexpr uint8_t kReservationConflict = 0x18;
inline constexpr uint8_t kTaskSetFull = 0x28;
inline constexpr uint8_t kAcaActive = 0x30;
inline constexpr uint8_t kTaskAborted = 0x40;
} // namespace scsi_status
/// @}

/// @name vmscsi_request.data_in (§6.1)
/// @{
inline constexpr uint8_t kDataOut = 0;  ///< WRITE_TYPE: guest memory -> device
inline constexpr uint8_t kDataIn = 1;   ///< READ_TYPE: device -> guest memory
inline constexpr uint8_t kDataNone = 2; ///< UNKNOWN_TYPE: no data
/// @}

/// @name vmscsi_request.srb_flags (§6.5)
/// @{
inline constexpr uint32_t kSrbFlagQueueActionEnable = 0x00000002;
inline constexpr uint32_t kSrbFlagDisableSynchTransfer = 0x00000008;
inline constexpr uint32_t kSrbFlagDataIn = 0x00000040;
inline constexpr uint32_t kSrbFlagDataOut = 0x00000080;
inline constexpr uint32_t kSrbFlagNoQueueFreeze = 0x00000100;
/// @}

/// Win8 extension request values (§6.1): untagged queue tag, simple-tag queue action.
inline constexpr uint8_t kQueueTagUntagged = 0xff;
inline constexpr uint8_t kQueueActionSimpleTag = 0x20;
/// vmscsi_request.time_out_value the guest sends, seconds (Linux sends 60).
inline constexpr uint32_t kSrbTimeoutSeconds = 60;

/// vmstorage_channel_properties.flags bit 0 (§7.2).
inline constexpr uint32_t kPropertyMultiChannel = 0x1;

/// @name Sizes (§5, §6.1, §6.3)
/// @{
inline constexpr std::size_t kPayloadOffset = 0x0C;      ///< vstor_packet payload union
inline constexpr std::size_t kCdbMax = 0x10;             ///< STORVSC_MAX_CMD_LEN
inline constexpr std::size_t kSenseMax = 0x14;           ///< STORVSC_SENSE_BUFFER_SIZE
inline constexpr std::size_t kSenseWin7 = 0x12;          ///< sense buffer before WIN8
inline constexpr std::size_t kSrbSizeWin8 = 0x34;        ///< sizeof(vmscsi_request)
inline constexpr std::size_t kSizeDelta = 0x10;          ///< the Win8 extension
inline constexpr std::size_t kSrbSizeWin7 = kSrbSizeWin8 - kSizeDelta;      // 0x24
inline constexpr std::size_t kPacketSizeWin8 = 0x40;     ///< sizeof(vstor_packet)
inline constexpr std::size_t kPacketSizeWin7 = kPacketSizeWin8 - kSizeDelta; // 0x30
/// @}

/// `struct vmscsi_request` (§6.1), 0x34 bytes; only 0x24 exist before WIN8.
struct VmscsiRequest {
    uint16_t length;               ///< sizeof as sent: 0x34 or 0x24
    uint8_t srb_status;            ///< completion: SRB status + flags
    uint8_t scsi_status;           ///< completion: SCSI status byte
    uint8_t port_number;
    uint8_t path_id;
    uint8_t target_id;
    uint8_t lun;
    uint8_t cdb_length;
    uint8_t sense_info_length;     ///< request: sense room; completion: valid sense bytes
    uint8_t data_in;               ///< kDataOut / kDataIn / kDataNone
    uint8_t reserved;
    uint32_t data_transfer_length; ///< request: buffer bytes; completion: bytes moved
    uint8_t cdb_or_sense[kSenseMax]; ///< union: cdb[16] (request) / sense_data[20] (completion)
    // Win8 extension (absent for WIN6/WIN7):
    uint16_t reserve;
    uint8_t queue_tag;
    uint8_t queue_action;
    uint32_t srb_flags;
    uint32_t time_out_value;
    uint32_t queue_sort_key;
};
static_assert(sizeof(VmscsiRequest) == 0x34);
static_assert(offsetof(VmscsiRequest, length) == 0x00);
static_assert(offsetof(VmscsiRequest, srb_status) == 0x02);
static_assert(offsetof(VmscsiRequest, scsi_status) == 0x03);
static_assert(offsetof(VmscsiRequest, port_number) == 0x04);
static_assert(offsetof(VmscsiRequest, path_id) == 0x05);
static_assert(offsetof(VmscsiRequest, target_id) == 0x06);
static_assert(offsetof(VmscsiRequest, lun) == 0x07);
static_assert(offsetof(VmscsiRequest, cdb_length) == 0x08);
static_assert(offsetof(VmscsiRequest, sense_info_length) == 0x09);
static_assert(offsetof(VmscsiRequest, data_in) == 0x0A);
static_assert(offsetof(VmscsiRequest, reserved) == 0x0B);
static_assert(offsetof(VmscsiRequest, data_transfer_length) == 0x0C);
static_assert(offsetof(VmscsiRequest, cdb_or_sense) == 0x10);
static_assert(offsetof(VmscsiRequest, reserve) == 0x24);
static_assert(offsetof(VmscsiRequest, queue_tag) == 0x26);
static_assert(offsetof(VmscsiRequest, queue_action) == 0x27);
static_assert(offsetof(VmscsiRequest, srb_flags) == 0x28);
static_assert(offsetof(VmscsiRequest, time_out_value) == 0x2C);
static_assert(offsetof(VmscsiRequest, queue_sort_key) == 0x30);
static_assert(offsetof(VmscsiRequest, reserve) == kSrbSizeWin7, "Win8 extension starts at 0x24");

/// `struct vmstorage_channel_properties` (§7.2), 0x18 bytes.
struct ChannelProperties {
    uint32_t reserved;
    uint16_t max_channel_cnt;    ///< sub-channels the host can offer
    uint16_t reserved1;
    uint32_t flags;              ///< kPropertyMultiChannel
    uint32_t max_transfer_bytes; ///< largest data transfer per SRB
    uint32_t reserved2[2];       ///< u64 unique_id on the wire (FreeBSD); unused
};
static_assert(sizeof(ChannelProperties) == 0x18);
static_assert(offsetof(ChannelProperties, reserved) == 0x00);
static_assert(offsetof(ChannelProperties, max_channel_cnt) == 0x04);
static_assert(offsetof(ChannelProperties, reserved1) == 0x06);
static_assert(offsetof(ChannelProperties, flags) == 0x08);
static_assert(offsetof(ChannelProperties, max_transfer_bytes) == 0x0C);
static_assert(offsetof(ChannelProperties, reserved2) == 0x10);

/// `struct vmstorage_protocol_version` (§7.1), 4 bytes.
struct ProtocolVersion {
    uint16_t major_minor;
    uint16_t revision; ///< guests send 0
};
static_assert(sizeof(ProtocolVersion) == 0x04);
static_assert(offsetof(ProtocolVersion, major_minor) == 0x00);
static_assert(offsetof(ProtocolVersion, revision) == 0x02);

/// `struct vstor_packet` (§5), 0x40 bytes; the payload is a union (vmscsi_request,
/// properties, version, sub-channel count, FC WWN), kept as bytes and accessed by copy.
struct VstorPacket {
    uint32_t operation;
    uint32_t flags;
    uint32_t status;
    uint8_t payload[kSrbSizeWin8];
};
static_assert(sizeof(VstorPacket) == kPacketSizeWin8);
static_assert(offsetof(VstorPacket, operation) == 0x00);
static_assert(offsetof(VstorPacket, flags) == 0x04);
static_assert(offsetof(VstorPacket, status) == 0x08);
static_assert(offsetof(VstorPacket, payload) == kPayloadOffset);
static_assert(kPayloadOffset + sizeof(ChannelProperties) <= kPacketSizeWin7,
              "properties fit in a pre-Win8 packet");

/// What the negotiated version changes on the wire (§6.3 "size delta").
struct VersionParams {
    uint32_t packet_size; ///< bytes of every vstor packet the guest sends: 0x40 or 0x30
    uint16_t srb_length;  ///< vmscsi_request.length: 0x34 or 0x24
    uint8_t sense_size;   ///< sense_info_length offered: 0x14 or 0x12
};
constexpr VersionParams params_for(uint16_t version) noexcept
{
    if (version >= kVersionWin8)
        return {static_cast<uint32_t>(kPacketSizeWin8), static_cast<uint16_t>(kSrbSizeWin8),
                static_cast<uint8_t>(kSenseMax)};
    return {static_cast<uint32_t>(kPacketSizeWin7), static_cast<uint16_t>(kSrbSizeWin7),
            static_cast<uint8_t>(kSenseWin7)};
}
/// Before a version is agreed the guest assumes the pre-Win8 sizes (§6.3).
inline constexpr VersionParams kPreNegotiationParams = params_for(kVersionWin7);

/// A zeroed request packet for @p operation with the completion flag set.
inline VstorPacket make_packet(uint32_t operation) noexcept
{
    VstorPacket pkt{};
    pkt.operation = operation;
    pkt.flags = kFlagRequestCompletion;
    return pkt;
}

/// Copies @p value into the payload union of @p pkt.
template <class T> void put_payload(VstorPacket &pkt, const T &value) noexcept
{
    static_assert(sizeof(T) <= sizeof(pkt.payload));
    std::memcpy(pkt.payload, &value, sizeof(T));
}

/// The packet as bytes, cut to @p size (0x40 or 0x30).
inline std::span<const std::byte> packet_bytes(const VstorPacket &pkt, std::size_t size) noexcept
{
    return std::as_bytes(std::span<const VstorPacket, 1>(&pkt, 1)).first(size);
}

/// Header fields of a received vstor packet (12 bytes).
struct ReceivedHeader {
    uint32_t operation;
    uint32_t flags;
    uint32_t status;
};
inline constexpr std::size_t kHeaderSize = 12;
static_assert(kHeaderSize == kPayloadOffset);

/// Reads the header; false when @p data is shorter than 12 bytes.
inline bool read_header(std::span<const std::byte> data, ReceivedHeader &out) noexcept
{
    if (data.size() < kHeaderSize) return false;
    std::memcpy(&out, data.data(), kHeaderSize);
    return true;
}

/// Copies the vmscsi_request of a received packet. Bytes beyond @p data (a pre-Win8 packet)
/// read as zero. False when not even the pre-Win8 part (0x0C + 0x24) is there.
inline bool read_srb(std::span<const std::byte> data, VmscsiRequest &out) noexcept
{
    out = VmscsiRequest{};
    if (data.size() < kPayloadOffset + kSrbSizeWin7) return false;
    const std::size_t n = std::min(data.size() - kPayloadOffset, sizeof(VmscsiRequest));
    std::memcpy(&out, data.data() + kPayloadOffset, n);
    return true;
}

} // namespace satori::storvsc::proto

#endif // SATORI_STORVSC_PROTOCOL_HPP
