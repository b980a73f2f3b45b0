/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmbus_proto.h — VMBus wire formats seen by the guest: ring packet headers and
 * channel-management messages (spec vmbus.md §2–3). Little-endian, packed. Every size
 * and offset is asserted below and pinned against linux61-layouts.md by tests.
 */
#ifndef SATORI_CORE_VMBUS_PROTO_H
#define SATORI_CORE_VMBUS_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include "compiler.h"

#define VMBUS_PACKED CORE_PACKED

/* ---- ring packets (spec §2) ---- */

struct vmpacket_desc {
	uint16_t type;
	uint16_t offset8;
	uint16_t len8;
	uint16_t flags;
	uint64_t trans_id;
} VMBUS_PACKED;

#define VM_PKT_DATA_INBAND         0x6u
#define VM_PKT_DATA_USING_XFER_PAGES 0x7u
#define VM_PKT_DATA_USING_GPA_DIRECT 0x9u
#define VM_PKT_COMP                0xBu
#define VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED 0x1u

/* type 0x9 header; followed by range_cnt gpa ranges */
struct vmpacket_gpa_direct {
	struct vmpacket_desc d;
	uint32_t reserved;
	uint32_t range_cnt;
} VMBUS_PACKED;

/* one GPA range header; followed by pfn_count u64 frame numbers */
struct vmbus_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} VMBUS_PACKED;

/* type 0x7 header; followed by range_cnt transfer ranges */
struct vmpacket_xfer_pages {
	struct vmpacket_desc d;
	uint16_t xfer_pageset_id;
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_cnt;
} VMBUS_PACKED;

struct vmbus_xfer_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} VMBUS_PACKED;

/* ---- channel-management messages (spec §3) ---- */

#define VMBUS_MSG_MAX 240u /* SynIC payload */

enum vmbus_msgtype {
	CHANNELMSG_INVALID = 0,
	CHANNELMSG_OFFERCHANNEL = 1,
	CHANNELMSG_RESCIND_CHANNELOFFER = 2,
	CHANNELMSG_REQUESTOFFERS = 3,
	CHANNELMSG_ALLOFFERS_DELIVERED = 4,
	CHANNELMSG_OPENCHANNEL = 5,
	CHANNELMSG_OPENCHANNEL_RESULT = 6,
	CHANNELMSG_CLOSECHANNEL = 7,
	CHANNELMSG_GPADL_HEADER = 8,
	CHANNELMSG_GPADL_BODY = 9,
	CHANNELMSG_GPADL_CREATED = 10,
	CHANNELMSG_GPADL_TEARDOWN = 11,
	CHANNELMSG_GPADL_TORNDOWN = 12,
	CHANNELMSG_RELID_RELEASED = 13,
	CHANNELMSG_INITIATE_CONTACT = 14,
	CHANNELMSG_VERSION_RESPONSE = 15,
	CHANNELMSG_UNLOAD = 16,
	CHANNELMSG_UNLOAD_RESPONSE = 17,
	CHANNELMSG_MODIFYCHANNEL = 22,
	CHANNELMSG_MODIFYCHANNEL_RESPONSE = 24,
	CHANNELMSG_COUNT = 25,
};

/* versions (major << 16 | minor), spec §3.4 */
#define VMBUS_VERSION_WS2008  0x0000000Du /* 0.13 */
#define VMBUS_VERSION_WIN7    0x00010001u /* 1.1 */
#define VMBUS_VERSION_WIN8    0x00020004u /* 2.4 */
#define VMBUS_VERSION_WIN8_1  0x00030000u /* 3.0 */
#define VMBUS_VERSION_WIN10   0x00040000u /* 4.0 */
#define VMBUS_VERSION_WIN10_V4_1 0x00040001u /* 4.1 */
#define VMBUS_VERSION_WIN10_V5   0x00050000u /* 5.0 */
#define VMBUS_VERSION_WIN10_V5_1 0x00050001u /* 5.1 */
#define VMBUS_VERSION_WIN10_V5_2 0x00050002u /* 5.2 */
#define VMBUS_VERSION_WIN10_V5_3 0x00050003u /* 5.3 */

#define VMBUS_MESSAGE_CONNECTION_ID   1u
#define VMBUS_MESSAGE_CONNECTION_ID_4 4u
#define VMBUS_EVENT_CONNECTION_ID     2u
#define VMBUS_MESSAGE_TYPE            1u /* SynIC message type of VMBus messages */
#define VMBUS_MAX_RELID               2048u

struct vmbus_msg_header {
	uint32_t msgtype;
	uint32_t padding;
} VMBUS_PACKED;

struct vmbus_msg_offer {
	struct vmbus_msg_header h;
	uint8_t if_type[16];
	uint8_t if_instance[16];
	uint64_t reserved1;
	uint64_t reserved2;
	uint16_t chn_flags;
	uint16_t mmio_megabytes;
	uint8_t user_defined[120];
	uint16_t sub_channel_index;
	uint16_t reserved3;
	uint32_t child_relid;
	uint8_t monitorid;
	uint8_t monitor_allocated; /* bit 0 */
	uint16_t is_dedicated_interrupt; /* bit 0 */
	uint32_t connection_id;
} VMBUS_PACKED;

#define VMBUS_CHANNEL_NAMED_PIPE_MODE 0x0010u

struct vmbus_msg_relid {
	struct vmbus_msg_header h;
	uint32_t child_relid;
} VMBUS_PACKED; /* RESCIND_CHANNELOFFER, CLOSECHANNEL, RELID_RELEASED */

struct vmbus_msg_open_channel {
	struct vmbus_msg_header h;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t ringbuffer_gpadlhandle;
	uint32_t target_vp;
	uint32_t downstream_ringbuffer_pageoffset;
	uint8_t userdata[120];
} VMBUS_PACKED;

struct vmbus_msg_open_result {
	struct vmbus_msg_header h;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t status;
} VMBUS_PACKED;

struct vmbus_msg_gpadl_header {
	struct vmbus_msg_header h;
	uint32_t child_relid;
	uint32_t gpadl;
	uint16_t range_buflen;
	uint16_t rangecount;
	/* struct vmbus_gpa_range + pfns follow */
} VMBUS_PACKED;

struct vmbus_msg_gpadl_body {
	struct vmbus_msg_header h;
	uint32_t msgnumber;
	uint32_t gpadl;
	/* pfns follow */
} VMBUS_PACKED;

#define VMBUS_GPADL_HEADER_PFNS ((VMBUS_MSG_MAX - sizeof(struct vmbus_msg_gpadl_header) - \
				  sizeof(struct vmbus_gpa_range)) / 8u) /* 26 */
#define VMBUS_GPADL_BODY_PFNS ((VMBUS_MSG_MAX - sizeof(struct vmbus_msg_gpadl_body)) / 8u) /* 28 */
#define VMBUS_GPADL_MAX_PAGES ((0xffffu - sizeof(struct vmbus_gpa_range)) / 8u) /* 8190 per range */

struct vmbus_msg_gpadl_created {
	struct vmbus_msg_header h;
	uint32_t child_relid;
	uint32_t gpadl;
	uint32_t creation_status;
} VMBUS_PACKED;

struct vmbus_msg_gpadl_teardown {
	struct vmbus_msg_header h;
	uint32_t child_relid;
	uint32_t gpadl;
} VMBUS_PACKED;

struct vmbus_msg_gpadl_torndown {
	struct vmbus_msg_header h;
	uint32_t gpadl;
} VMBUS_PACKED;

struct vmbus_msg_initiate_contact {
	struct vmbus_msg_header h;
	uint32_t vmbus_version_requested;
	uint32_t target_vcpu;
	union {
		uint64_t interrupt_page; /* < 5.0 */
		struct {
			uint8_t msg_sint;
			uint8_t msg_vtl;
			uint8_t reserved[2];
			uint32_t feature_flags;
		} VMBUS_PACKED v5; /* >= 5.0 */
	} VMBUS_PACKED u;
	uint64_t monitor_page1;
	uint64_t monitor_page2;
} VMBUS_PACKED;

struct vmbus_msg_version_response {
	struct vmbus_msg_header h;
	uint8_t version_supported;
	uint8_t connection_state;
	uint16_t padding;
	uint32_t msg_conn_id;
} VMBUS_PACKED;

struct vmbus_msg_modifychannel {
	struct vmbus_msg_header h;
	uint32_t child_relid;
	uint32_t target_vp;
} VMBUS_PACKED;

struct vmbus_msg_modifychannel_response {
	struct vmbus_msg_header h;
	uint32_t child_relid;
	uint32_t status;
} VMBUS_PACKED;

#define VMBUS_ASSERT_LAYOUT(type, field, off) \
	CORE_STATIC_ASSERT(offsetof(type, field) == (off), #type "." #field " offset")
#define VMBUS_ASSERT_SIZE(type, size) CORE_STATIC_ASSERT(sizeof(type) == (size), #type " size")

VMBUS_ASSERT_SIZE(struct vmpacket_desc, 16);
VMBUS_ASSERT_LAYOUT(struct vmpacket_desc, trans_id, 8);
VMBUS_ASSERT_SIZE(struct vmpacket_gpa_direct, 24);
VMBUS_ASSERT_SIZE(struct vmpacket_xfer_pages, 24);
VMBUS_ASSERT_LAYOUT(struct vmpacket_xfer_pages, range_cnt, 20);
VMBUS_ASSERT_SIZE(struct vmbus_msg_offer, 196);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_offer, chn_flags, 56);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_offer, user_defined, 60);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_offer, sub_channel_index, 180);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_offer, child_relid, 184);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_offer, monitorid, 188);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_offer, connection_id, 192);
VMBUS_ASSERT_SIZE(struct vmbus_msg_relid, 12);
VMBUS_ASSERT_SIZE(struct vmbus_msg_open_channel, 148);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_open_channel, downstream_ringbuffer_pageoffset, 24);
VMBUS_ASSERT_SIZE(struct vmbus_msg_open_result, 20);
VMBUS_ASSERT_SIZE(struct vmbus_msg_gpadl_header, 20);
VMBUS_ASSERT_SIZE(struct vmbus_msg_gpadl_body, 16);
VMBUS_ASSERT_SIZE(struct vmbus_msg_gpadl_created, 20);
VMBUS_ASSERT_SIZE(struct vmbus_msg_gpadl_teardown, 16);
VMBUS_ASSERT_SIZE(struct vmbus_msg_gpadl_torndown, 12);
VMBUS_ASSERT_SIZE(struct vmbus_msg_initiate_contact, 40);
VMBUS_ASSERT_LAYOUT(struct vmbus_msg_initiate_contact, monitor_page1, 24);
VMBUS_ASSERT_SIZE(struct vmbus_msg_version_response, 16);
VMBUS_ASSERT_SIZE(struct vmbus_msg_modifychannel, 16);
VMBUS_ASSERT_SIZE(struct vmbus_msg_modifychannel_response, 16);
CORE_STATIC_ASSERT(VMBUS_GPADL_HEADER_PFNS == 26, "26 PFNs in a GPADL_HEADER");
CORE_STATIC_ASSERT(VMBUS_GPADL_BODY_PFNS == 28, "28 PFNs in a GPADL_BODY");

#endif /* SATORI_CORE_VMBUS_PROTO_H */
