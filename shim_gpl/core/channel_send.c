/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * channel_send.c — building and writing guest->host packets (spec vmbus.md §2):
 * in-band (type 6), GPA direct (type 9, with page lists) and completions (type 0xB).
 *
 * A completion-requested packet carries a wire id from the channel's requestor, never
 * the plugin's id, so a completion can only match a request in flight.
 */
#include "channel.h"

#include <string.h>
#include <satori/dma.h>
#include <satori/errno.h>
#include <satori/log.h>
#include "channel_internal.h"

#define SEND_MAX_RANGES 64u
#define PACKET_MAX_BYTES (0xffffu * 8u)

struct send_plan {
	struct vmpacket_gpa_direct hdr;      /* descriptor (+ GPA header for type 9) */
	uint32_t hdr_bytes;
	struct vmbus_gpa_range ranges[SEND_MAX_RANGES];
	struct ring_iov iov[2u + 2u * SEND_MAX_RANGES];
	uint32_t iov_count;
	uint32_t total;                      /* bytes before padding */
};

static int32_t check_ranges(const struct satori_send *s)
{
	uint32_t i;

	if (s->range_count == 0 || s->range_count > SEND_MAX_RANGES || !s->ranges)
		return -SATORI_EINVAL;
	for (i = 0; i < s->range_count; i++) {
		const struct satori_gpa_range *g = &s->ranges[i];
		uint64_t end = (uint64_t)g->byte_offset + g->byte_count;

		if (g->byte_count == 0 || g->byte_offset >= SATORI_PAGE_SIZE || g->reserved || !g->pfns)
			return -SATORI_EINVAL;
		if (g->pfn_count != (end + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE)
			return -SATORI_EINVAL;
	}
	return 0;
}

static int32_t plan_packet(const struct satori_send *s, struct send_plan *p)
{
	uint32_t i, hdr_bytes = sizeof(struct vmpacket_desc);
	uint64_t total;

	memset(&p->hdr, 0, sizeof(p->hdr));
	p->iov_count = 1;
	if (s->type == SATORI_PKT_DATA_GPA_DIRECT) {
		hdr_bytes = sizeof(struct vmpacket_gpa_direct);
		p->hdr.range_cnt = s->range_count;
		for (i = 0; i < s->range_count; i++) {
			const struct satori_gpa_range *g = &s->ranges[i];

			p->ranges[i].byte_count = g->byte_count;
			p->ranges[i].byte_offset = g->byte_offset;
			p->iov[p->iov_count].base = &p->ranges[i];
			p->iov[p->iov_count++].len = sizeof(p->ranges[i]);
			p->iov[p->iov_count].base = g->pfns;
			p->iov[p->iov_count++].len = 8u * g->pfn_count;
			hdr_bytes += (uint32_t)sizeof(p->ranges[i]) + 8u * g->pfn_count;
		}
	}
	p->hdr_bytes = hdr_bytes;
	p->iov[0].base = &p->hdr;
	p->iov[0].len = s->type == SATORI_PKT_DATA_GPA_DIRECT ? (uint32_t)sizeof(p->hdr) :
								 (uint32_t)sizeof(p->hdr.d);
	if (s->data_len) {
		p->iov[p->iov_count].base = s->data;
		p->iov[p->iov_count++].len = s->data_len;
	}
	total = (uint64_t)hdr_bytes + s->data_len;
	if (total > PACKET_MAX_BYTES)
		return -SATORI_EMSGSIZE;
	p->total = (uint32_t)total;
	p->hdr.d.type = s->type;
	p->hdr.d.offset8 = (uint16_t)(hdr_bytes / 8u);
	p->hdr.d.len8 = (uint16_t)((p->total + 7u) / 8u);
	p->hdr.d.flags = s->flags;
	return 0;
}

static int32_t check_send(const struct satori_send *s)
{
	if (!s || s->struct_size < offsetof(struct satori_send, send_flags))
		return -SATORI_EINVAL;
	if (s->data_len && !s->data)
		return -SATORI_EINVAL;
	if (s->flags & ~(uint16_t)SATORI_PKT_FLAG_COMPLETION_REQUESTED)
		return -SATORI_EINVAL;
	if (s->struct_size >= offsetof(struct satori_send, reserved) + sizeof(s->reserved) &&
	    ((s->send_flags & ~SATORI_SEND_DEFER_SIGNAL) || s->reserved))
		return -SATORI_EINVAL;
	switch (s->type) {
	case SATORI_PKT_DATA_INBAND:
	case SATORI_PKT_COMP:
		return s->range_count ? -SATORI_EINVAL : 0;
	case SATORI_PKT_DATA_GPA_DIRECT:
		return check_ranges(s);
	default:
		return -SATORI_EINVAL;
	}
}

int32_t vmbus_channel_send(struct vmbus_channel *ch, const struct satori_send *s)
{
	struct send_plan plan;
	uint16_t flags;
	uint32_t send_flags;
	uint64_t wire_id = 0;
	bool signal = false, want_id, kick = false;
	int32_t r;

	r = check_send(s);
	if (r < 0)
		return r;
	send_flags = s->struct_size >= offsetof(struct satori_send, send_flags) + sizeof(uint32_t) ?
			     s->send_flags : 0;
	flags = s->flags;
	if (s->type == SATORI_PKT_DATA_GPA_DIRECT)
		flags |= SATORI_PKT_FLAG_COMPLETION_REQUESTED;
	if (s->type == SATORI_PKT_COMP)
		flags = 0;
	want_id = flags & SATORI_PKT_FLAG_COMPLETION_REQUESTED;
	{
		struct satori_send local = *s;

		local.flags = flags;
		r = plan_packet(&local, &plan);
	}
	if (r < 0)
		return r;
	if (plan.total > ring_max_packet(&ch->out))
		return -SATORI_EMSGSIZE;

	ch->os->lock(ch->lock);
	if (ch->state != VMBUS_CHANNEL_OPEN) {
		r = ch->fail_reason ? ch->fail_reason : -SATORI_ENODEV;
		goto out_unlock;
	}
	if (want_id) {
		r = requestor_get(&ch->req, s->trans_id, &wire_id);
		if (r < 0)
			goto out_unlock;
		plan.hdr.d.trans_id = wire_id;
	} else {
		plan.hdr.d.trans_id = s->trans_id;
	}
	r = ring_write(&ch->out, plan.iov, plan.iov_count, &signal);
	if (r == -SATORI_EAGAIN) {
		uint64_t unused;

		if (want_id)
			requestor_put(&ch->req, wire_id, &unused);
		ch->full++;
		ch->want_space = true;
		ch->want_bytes = ring_packet_bytes(plan.total);
		/*
		 * ring_set_pending_send ends with a full barrier, ordering the store before the
		 * re-read of read_index below: if the host drained everything before it saw our
		 * pending_send_sz it will not signal, and only this re-check notices.
		 */
		ring_set_pending_send(&ch->out, ring_packet_bytes(plan.total));
		kick = ring_can_write(&ch->out, ring_packet_bytes(plan.total));
	} else if (r == -SATORI_EPROTO) {
		uint64_t unused;

		if (want_id)
			requestor_put(&ch->req, wire_id, &unused);
		ch->state = VMBUS_CHANNEL_DEAD;
		ch->fail_reason = -SATORI_EPROTO;
		os_log(ch->os, SATORI_LOG_ERROR,
		       "vmbus: relid %u: host corrupted the outbound ring indices; channel closed",
		       ch->offer->relid);
	} else if (r == 0) {
		ch->sent++;
		if (send_flags & SATORI_SEND_DEFER_SIGNAL) {
			ch->signal_deferred |= signal;
			signal = false;
		} else if (signal) {
			ch->signals++;
		}
	}
out_unlock:
	ch->os->unlock(ch->lock);
	if (signal)
		conn_signal_host(ch->conn, ch->offer);
	if (r == -SATORI_EPROTO || kick) {
		/* on_closed / on_send_space run in channel context */
		ch->conn->os->lock(ch->conn->lock);
		if (ch->offer->channel == ch)
			ch->conn->ev.on_channel_interrupt(ch->conn->ev.ctx, ch);
		ch->conn->os->unlock(ch->conn->lock);
	}
	return r;
}

int32_t vmbus_channel_signal(struct vmbus_channel *ch)
{
	bool signal;
	int32_t r = 0;

	ch->os->lock(ch->lock);
	signal = ch->signal_deferred;
	ch->signal_deferred = false;
	if (ch->state != VMBUS_CHANNEL_OPEN) {
		signal = false;
		r = ch->fail_reason ? ch->fail_reason : -SATORI_ENODEV;
	}
	if (signal)
		ch->signals++;
	ch->os->unlock(ch->lock);
	if (signal)
		conn_signal_host(ch->conn, ch->offer);
	return r;
}
