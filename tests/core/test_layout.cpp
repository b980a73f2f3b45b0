// SPDX-License-Identifier: MIT
// tests/core/test_layout.cpp — shared-memory and wire layouts of core/ pinned against the
// compiled Linux 6.1 figures in spec/linux61-layouts.md (Linux names in the comments).
#include <cstddef>
#include <string>

#include <catch2/catch.hpp>

#include "ring.h"
#include "vmbus_proto.h"

namespace {

struct Pin {
    std::string what;
    size_t actual, expected;
};

#define SIZE(type, n)                                                                              \
    Pin                                                                                            \
    {                                                                                              \
        "sizeof(" #type ")", sizeof(type), n                                                       \
    }
#define OFF(type, field, n)                                                                        \
    Pin                                                                                            \
    {                                                                                              \
#type "." #field, offsetof(type, field), n                                                 \
    }
#define VAL(name, n)                                                                               \
    Pin                                                                                            \
    {                                                                                              \
#name, static_cast < size_t>(name), n                                                      \
    }

void check(const Pin &pin)
{
    INFO(pin.what);
    CHECK(pin.actual == pin.expected);
}

} // namespace

TEST_CASE("the ring control page matches hv_ring_buffer", "[layout][ring]")
{
    auto pin = GENERATE(values<Pin>({
        SIZE(hv_ring_ctl, 4096), OFF(hv_ring_ctl, write_index, 0), OFF(hv_ring_ctl, read_index, 4),
        OFF(hv_ring_ctl, interrupt_mask, 8), OFF(hv_ring_ctl, pending_send_sz, 12),
        OFF(hv_ring_ctl, reserved1, 16),
        Pin{"sizeof reserved1", sizeof(hv_ring_ctl::reserved1), 48},
        OFF(hv_ring_ctl, feature_bits, 64), OFF(hv_ring_ctl, reserved2, 68),
        Pin{"sizeof reserved2", sizeof(hv_ring_ctl::reserved2), 4028}, VAL(RING_CTL_BYTES, 4096),
        VAL(RING_DESC_BYTES, 16), VAL(RING_TRAILER_BYTES, 8),
        VAL(RING_FEAT_PENDING_SEND_SZ, 1), // feat_pending_send_sz: bit 0 of byte 64
    }));
    check(pin);
}

TEST_CASE("packet headers match vmpacket_descriptor and friends", "[layout][packet]")
{
    auto pin = GENERATE(values<Pin>({
        // vmpacket_descriptor, 16
        SIZE(vmpacket_desc, 16),
        OFF(vmpacket_desc, type, 0),
        OFF(vmpacket_desc, offset8, 2),
        OFF(vmpacket_desc, len8, 4),
        OFF(vmpacket_desc, flags, 6),
        OFF(vmpacket_desc, trans_id, 8),
        // vmdata_gpa_direct is 32 with its first range; ours stops where `range` starts (24)
        SIZE(vmpacket_gpa_direct, 24),
        OFF(vmpacket_gpa_direct, d, 0),
        OFF(vmpacket_gpa_direct, reserved, 16),
        OFF(vmpacket_gpa_direct, range_cnt, 20),
        // gpa_range, 8 (+ flexible pfn_array)
        SIZE(vmbus_gpa_range, 8),
        OFF(vmbus_gpa_range, byte_count, 0),
        OFF(vmbus_gpa_range, byte_offset, 4),
        // vmtransfer_page_packet_header is 32 with its first range; `ranges` starts at 24
        SIZE(vmpacket_xfer_pages, 24),
        OFF(vmpacket_xfer_pages, d, 0),
        OFF(vmpacket_xfer_pages, xfer_pageset_id, 16),
        OFF(vmpacket_xfer_pages, sender_owns_set, 18),
        OFF(vmpacket_xfer_pages, reserved, 19),
        OFF(vmpacket_xfer_pages, range_cnt, 20),
        // vmtransfer_page_range, 8
        SIZE(vmbus_xfer_range, 8),
        OFF(vmbus_xfer_range, byte_count, 0),
        OFF(vmbus_xfer_range, byte_offset, 4),
        VAL(VM_PKT_DATA_INBAND, 0x6),
        VAL(VM_PKT_DATA_USING_XFER_PAGES, 0x7),
        VAL(VM_PKT_DATA_USING_GPA_DIRECT, 0x9),
        VAL(VM_PKT_COMP, 0xb),
        VAL(VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED, 1),
    }));
    check(pin);
}

TEST_CASE("channel messages match the vmbus_channel_* structs", "[layout][message]")
{
    auto pin = GENERATE(values<Pin>({
        // vmbus_channel_message_header, 8
        SIZE(vmbus_msg_header, 8),
        OFF(vmbus_msg_header, msgtype, 0),
        OFF(vmbus_msg_header, padding, 4),
        // vmbus_channel_offer_channel, 196
        SIZE(vmbus_msg_offer, 196),
        OFF(vmbus_msg_offer, if_type, 8),
        OFF(vmbus_msg_offer, if_instance, 24),
        OFF(vmbus_msg_offer, reserved1, 40),
        OFF(vmbus_msg_offer, reserved2, 48),
        OFF(vmbus_msg_offer, chn_flags, 56),
        OFF(vmbus_msg_offer, mmio_megabytes, 58),
        OFF(vmbus_msg_offer, user_defined, 60),
        Pin{"sizeof offer.user_defined", sizeof(vmbus_msg_offer::user_defined), 120},
        OFF(vmbus_msg_offer, sub_channel_index, 180),
        OFF(vmbus_msg_offer, reserved3, 182),
        OFF(vmbus_msg_offer, child_relid, 184),
        OFF(vmbus_msg_offer, monitorid, 188),
        OFF(vmbus_msg_offer, monitor_allocated, 189),      // bit-field byte 189
        OFF(vmbus_msg_offer, is_dedicated_interrupt, 190), // bit 0 of the u16 at 190
        OFF(vmbus_msg_offer, connection_id, 192),
        // rescind_offer / close_channel / relid_released, 12
        SIZE(vmbus_msg_relid, 12),
        OFF(vmbus_msg_relid, child_relid, 8),
        // vmbus_channel_open_channel, 148
        SIZE(vmbus_msg_open_channel, 148),
        OFF(vmbus_msg_open_channel, child_relid, 8),
        OFF(vmbus_msg_open_channel, openid, 12),
        OFF(vmbus_msg_open_channel, ringbuffer_gpadlhandle, 16),
        OFF(vmbus_msg_open_channel, target_vp, 20),
        OFF(vmbus_msg_open_channel, downstream_ringbuffer_pageoffset, 24),
        OFF(vmbus_msg_open_channel, userdata, 28),
        // vmbus_channel_open_result, 20
        SIZE(vmbus_msg_open_result, 20),
        OFF(vmbus_msg_open_result, child_relid, 8),
        OFF(vmbus_msg_open_result, openid, 12),
        OFF(vmbus_msg_open_result, status, 16),
        // vmbus_channel_gpadl_header, 20 (+ ranges)
        SIZE(vmbus_msg_gpadl_header, 20),
        OFF(vmbus_msg_gpadl_header, child_relid, 8),
        OFF(vmbus_msg_gpadl_header, gpadl, 12),
        OFF(vmbus_msg_gpadl_header, range_buflen, 16),
        OFF(vmbus_msg_gpadl_header, rangecount, 18),
        // vmbus_channel_gpadl_body, 16 (+ pfns)
        SIZE(vmbus_msg_gpadl_body, 16),
        OFF(vmbus_msg_gpadl_body, msgnumber, 8),
        OFF(vmbus_msg_gpadl_body, gpadl, 12),
        // vmbus_channel_gpadl_created, 20
        SIZE(vmbus_msg_gpadl_created, 20),
        OFF(vmbus_msg_gpadl_created, child_relid, 8),
        OFF(vmbus_msg_gpadl_created, gpadl, 12),
        OFF(vmbus_msg_gpadl_created, creation_status, 16),
        // vmbus_channel_gpadl_teardown, 16
        SIZE(vmbus_msg_gpadl_teardown, 16),
        OFF(vmbus_msg_gpadl_teardown, child_relid, 8),
        OFF(vmbus_msg_gpadl_teardown, gpadl, 12),
        // vmbus_channel_gpadl_torndown, 12
        SIZE(vmbus_msg_gpadl_torndown, 12),
        OFF(vmbus_msg_gpadl_torndown, gpadl, 8),
        // vmbus_channel_initiate_contact, 40
        SIZE(vmbus_msg_initiate_contact, 40),
        OFF(vmbus_msg_initiate_contact, vmbus_version_requested, 8),
        OFF(vmbus_msg_initiate_contact, target_vcpu, 12),
        OFF(vmbus_msg_initiate_contact, u.interrupt_page, 16),
        OFF(vmbus_msg_initiate_contact, u.v5.msg_sint, 16),
        OFF(vmbus_msg_initiate_contact, monitor_page1, 24),
        OFF(vmbus_msg_initiate_contact, monitor_page2, 32),
        // vmbus_channel_version_response, 16
        SIZE(vmbus_msg_version_response, 16),
        OFF(vmbus_msg_version_response, version_supported, 8),
        OFF(vmbus_msg_version_response, connection_state, 9),
        OFF(vmbus_msg_version_response, padding, 10),
        OFF(vmbus_msg_version_response, msg_conn_id, 12),
        // vmbus_channel_modifychannel, 16
        SIZE(vmbus_msg_modifychannel, 16),
        OFF(vmbus_msg_modifychannel, child_relid, 8),
        OFF(vmbus_msg_modifychannel, target_vp, 12),
        // vmbus_channel_modifychannel_response, 16
        SIZE(vmbus_msg_modifychannel_response, 16),
        OFF(vmbus_msg_modifychannel_response, child_relid, 8),
        OFF(vmbus_msg_modifychannel_response, status, 12),
    }));
    check(pin);
}

TEST_CASE("protocol numbers match Linux 6.1", "[layout][message]")
{
    auto pin = GENERATE(values<Pin>({
        VAL(VMBUS_VERSION_WS2008, 13),
        VAL(VMBUS_VERSION_WIN7, 65537),
        VAL(VMBUS_VERSION_WIN8, 131076),
        VAL(VMBUS_VERSION_WIN8_1, 196608),
        VAL(VMBUS_VERSION_WIN10, 262144),
        VAL(VMBUS_VERSION_WIN10_V4_1, 262145),
        VAL(VMBUS_VERSION_WIN10_V5, 327680),
        VAL(VMBUS_VERSION_WIN10_V5_1, 327681),
        VAL(VMBUS_VERSION_WIN10_V5_2, 327682),
        VAL(VMBUS_VERSION_WIN10_V5_3, 327683),
        VAL(VMBUS_MESSAGE_CONNECTION_ID, 1),
        VAL(VMBUS_MESSAGE_CONNECTION_ID_4, 4),
        VAL(VMBUS_EVENT_CONNECTION_ID, 2),
        VAL(VMBUS_CHANNEL_NAMED_PIPE_MODE, 0x10),
        VAL(CHANNELMSG_OFFERCHANNEL, 1),
        VAL(CHANNELMSG_OPENCHANNEL, 5),
        VAL(CHANNELMSG_GPADL_HEADER, 8),
        VAL(CHANNELMSG_INITIATE_CONTACT, 14),
        VAL(CHANNELMSG_UNLOAD_RESPONSE, 17),
        VAL(CHANNELMSG_MODIFYCHANNEL, 22),
        VAL(CHANNELMSG_MODIFYCHANNEL_RESPONSE, 24),
    }));
    check(pin);
}
