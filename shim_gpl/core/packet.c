/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * packet.c — validating a host->guest packet after it was copied out of the ring.
 * The ring reader already checked offset8 >= 2, len8 >= offset8 and the total length;
 * this checks the type, the flags and the transfer-page header.
 */
#include "channel.h"

#include <string.h>
#include <satori/errno.h>
#include "vmbus_proto.h"

int32_t vmbus_packet_parse(const uint8_t *buf, uint32_t len, struct satori_packet *out,
			   const char **why)
{
	struct vmpacket_desc d;
	uint32_t data_off;

	*why = NULL;
	if (len < sizeof(d)) {
		*why = "packet shorter than its descriptor";
		return -SATORI_EPROTO;
	}
	memcpy(&d, buf, sizeof(d));
	data_off = (uint32_t)d.offset8 * 8u;
	if (d.offset8 < 2 || data_off > len || (uint32_t)d.len8 * 8u != len) {
		*why = "descriptor offset or length outside the packet";
		return -SATORI_EPROTO;
	}
	if (d.flags & ~VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED) {
		*why = "unknown descriptor flags";
		return -SATORI_EPROTO;
	}
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	out->type = d.type;
	out->flags = d.flags;
	out->trans_id = d.trans_id;
	out->data = buf + data_off;
	out->data_len = len - data_off;
	out->raw = buf;
	out->raw_len = len;
	switch (d.type) {
	case VM_PKT_DATA_INBAND:
	case VM_PKT_COMP:
		return 0;
	case VM_PKT_DATA_USING_XFER_PAGES: {
		struct vmpacket_xfer_pages x;

		if (data_off < sizeof(x)) {
			*why = "transfer-page header longer than the descriptor's data offset";
			return -SATORI_EPROTO;
		}
		memcpy(&x, buf, sizeof(x));
		if (x.range_cnt > (data_off - sizeof(x)) / sizeof(struct vmbus_xfer_range)) {
			*why = "transfer-page range count beyond the header";
			return -SATORI_EPROTO;
		}
		out->xfer_pageset_id = x.xfer_pageset_id;
		out->range_count = x.range_cnt;
		out->ranges = x.range_cnt ?
				      (const struct satori_xfer_range *)(const void *)(buf + sizeof(x)) :
				      NULL;
		return 0;
	}
	default:
		*why = "packet type a host never sends";
		return -SATORI_EPROTO;
	}
}
