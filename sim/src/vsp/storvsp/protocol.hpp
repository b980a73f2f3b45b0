// SPDX-License-Identifier: MIT
// vstor wire format (storvsc.md §4–§7, linux61-layouts.md §3). Little-endian, byte-packed:
// every struct is read and written with memcpy, never through a pointer into the ring.
#pragma once

#include <cstddef>
#include <cstdint>

namespace satori::sim::detail::vstor {

// ---- operations (§4) ----
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
inline constexpr uint32_t kOpFchbaData = 12;
inline constexpr uint32_t kOpCreateSubChannels = 13;

// ---- NTSTATUS values in vstor_packet.status (§5) ----
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

// ---- SRB status byte (§6.4): flags in bits 7..6, code in bits 5..0 ----
inline constexpr uint8_t kSrbAutosenseValid = 0x80;
inline constexpr uint8_t kSrbQueueFrozen = 0x40;
inline constexpr uint8_t kSrbCodeMask = 0x3F;
inline constexpr uint8_t kSrbSuccess = 0x01;
inline constexpr uint8_t kSrbAborted = 0x02;
inline constexpr uint8_t kSrbError = 0x04;
inline constexpr uint8_t kSrbBusy = 0x05;
inline constexpr uint8_t kSrbInvalidRequest = 0x06;
inline constexpr uint8_t kSrbNoDevice = 0x08;
inline constexpr uint8_t kSrbTimeout = 0x09;
inline constexpr uint8_t kSrbSelectionTimeout = 0x0A;
inline constexpr uint8_t kSrbCommandTimeout = 0x0B;
inline constexpr uint8_t kSrbNoHba = 0x11;
inline constexpr uint8_t kSrbDataOverrun = 0x12;
inline constexpr uint8_t kSrbBadSrbBlockLength = 0x15;
inline constexpr uint8_t kSrbRequestFlushed = 0x16;
inline constexpr uint8_t kSrbInvalidLun = 0x20;
inline constexpr uint8_t kSrbInvalidTargetId = 0x21;
inline constexpr uint8_t kSrbBadFunction = 0x22;

// ---- SRB flags (§6.5), data_in (§6.1) ----
inline constexpr uint32_t kSrbFlagDisableAutosense = 0x00000020;
inline constexpr uint8_t kDataOut = 0;     ///< WRITE_TYPE: the host reads guest memory
inline constexpr uint8_t kDataIn = 1;      ///< READ_TYPE: the host writes guest memory
inline constexpr uint8_t kDataUnknown = 2; ///< UNKNOWN_TYPE: no data

// ---- sizes (§5, §6.3) ----
inline constexpr size_t kHeaderBytes = 12;  ///< operation, flags, status
inline constexpr size_t kSrbBytesV1 = 0x24; ///< WIN6/WIN7 vmscsi_request
inline constexpr size_t kSrbBytesV2 = 0x34; ///< >= WIN8 (with the Win8 extension)
inline constexpr size_t kPacketBytesV1 = kHeaderBytes + kSrbBytesV1; ///< 0x30
inline constexpr size_t kPacketBytesV2 = kHeaderBytes + kSrbBytesV2; ///< 0x40
inline constexpr size_t kCdbBytes = 16;
inline constexpr size_t kSenseAreaBytes = 0x14;
inline constexpr uint32_t kChannelFlagMultiChannel = 0x1;

struct PacketHeader {
    uint32_t operation;
    uint32_t flags;  ///< guest: REQUEST_COMPLETION_FLAG (1); host completions: 0
    uint32_t status; ///< NTSTATUS, host -> guest
};
static_assert(sizeof(PacketHeader) == kHeaderBytes);
static_assert(offsetof(PacketHeader, operation) == 0x0);
static_assert(offsetof(PacketHeader, flags) == 0x4);
static_assert(offsetof(PacketHeader, status) == 0x8);

/// vmscsi_request, offsets relative to the payload union at packet offset 0x0C.
struct ScsiRequest {
    uint16_t length;
    uint8_t srb_status;
    uint8_t scsi_status;
    uint8_t port_number;
    uint8_t path_id;
    uint8_t target_id;
    uint8_t lun;
    uint8_t cdb_length;
    uint8_t sense_info_length;
    uint8_t data_in;
    uint8_t reserved;
    uint32_t data_transfer_length;
    uint8_t cdb_or_sense[kSenseAreaBytes]; ///< CDB (request) or sense data (completion)
    // Win8 extension (absent for WIN6/WIN7: the packet is 0x10 shorter)
    uint16_t reserve;
    uint8_t queue_tag;
    uint8_t queue_action;
    uint32_t srb_flags;
    uint32_t time_out_value;
    uint32_t queue_sort_key;
};
static_assert(sizeof(ScsiRequest) == kSrbBytesV2);
static_assert(offsetof(ScsiRequest, length) == 0x00);
static_assert(offsetof(ScsiRequest, srb_status) == 0x02);
static_assert(offsetof(ScsiRequest, scsi_status) == 0x03);
static_assert(offsetof(ScsiRequest, port_number) == 0x04);
static_assert(offsetof(ScsiRequest, path_id) == 0x05);
static_assert(offsetof(ScsiRequest, target_id) == 0x06);
static_assert(offsetof(ScsiRequest, lun) == 0x07);
static_assert(offsetof(ScsiRequest, cdb_length) == 0x08);
static_assert(offsetof(ScsiRequest, sense_info_length) == 0x09);
static_assert(offsetof(ScsiRequest, data_in) == 0x0A);
static_assert(offsetof(ScsiRequest, reserved) == 0x0B);
static_assert(offsetof(ScsiRequest, data_transfer_length) == 0x0C);
static_assert(offsetof(ScsiRequest, cdb_or_sense) == 0x10);
static_assert(offsetof(ScsiRequest, reserve) == 0x24);
static_assert(offsetof(ScsiRequest, queue_tag) == 0x26);
static_assert(offsetof(ScsiRequest, queue_action) == 0x27);
static_assert(offsetof(ScsiRequest, srb_flags) == 0x28);
static_assert(offsetof(ScsiRequest, time_out_value) == 0x2C);
static_assert(offsetof(ScsiRequest, queue_sort_key) == 0x30);

struct ProtocolVersion {
    uint16_t major_minor;
    uint16_t revision; ///< Windows build revision; guests send 0, the host answers 0
};
static_assert(sizeof(ProtocolVersion) == 4);
static_assert(offsetof(ProtocolVersion, revision) == 0x2);

struct ChannelProperties {
    uint32_t reserved;
    uint16_t max_channel_cnt; ///< sub-channels the host can offer
    uint16_t reserved1;
    uint32_t flags; ///< kChannelFlagMultiChannel
    uint32_t max_transfer_bytes;
    uint64_t reserved2;
};
static_assert(sizeof(ChannelProperties) == 0x18);
static_assert(offsetof(ChannelProperties, max_channel_cnt) == 0x04);
static_assert(offsetof(ChannelProperties, reserved1) == 0x06);
static_assert(offsetof(ChannelProperties, flags) == 0x08);
static_assert(offsetof(ChannelProperties, max_transfer_bytes) == 0x0C);
static_assert(offsetof(ChannelProperties, reserved2) == 0x10);

/// The NTSTATUS the host reports for an SRB status code (§5, OpenVMM's mapping).
constexpr uint32_t ntstatus_for_srb(uint8_t srb_status) noexcept
{
    switch (srb_status & kSrbCodeMask) {
    case kSrbSuccess:
        return kStatusSuccess;
    case kSrbDataOverrun:
        return kStatusBufferOverflow;
    case kSrbBusy:
        return kStatusDeviceBusy;
    case kSrbRequestFlushed:
        return kStatusUnsuccessful;
    case kSrbBadFunction:
    case kSrbBadSrbBlockLength:
        return kStatusInvalidDeviceRequest;
    case kSrbSelectionTimeout:
        return kStatusDeviceNotConnected;
    case kSrbTimeout:
    case kSrbCommandTimeout:
        return kStatusIoTimeout;
    case kSrbInvalidLun:
    case kSrbInvalidTargetId:
    case kSrbNoDevice:
    case kSrbNoHba:
        return kStatusDeviceDoesNotExist;
    case kSrbAborted:
        return kStatusCancelled;
    default:
        return kStatusIoDeviceError;
    }
}

} // namespace satori::sim::detail::vstor
