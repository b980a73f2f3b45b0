/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * channel.c — opening and closing a channel (spec vmbus.md §1.7, §3.7): both rings in
 * one block of guest memory, guest->host ring first, described by one GPADL; the
 * host->guest ring starts at downstream_ringbuffer_pageoffset.
 */
#include "channel.h"

#include <string.h>
#include <satori/dma.h>
#include <satori/errno.h>
#include <satori/log.h>
#include "channel_internal.h"

#define RING_BYTES_MIN (2u * SATORI_PAGE_SIZE)
#define DEFAULT_MAX_PACKET 4096u
#define DEFAULT_MAX_OUTSTANDING 256u
#define MAX_OUTSTANDING_LIMIT 65536u

static int32_t check_params(const struct vmbus_channel_params *p, const char **why)
{
	uint64_t pages = ((uint64_t)p->ring_bytes_out + p->ring_bytes_in) / SATORI_PAGE_SIZE;

	*why = NULL;
	if (p->ring_bytes_out % SATORI_PAGE_SIZE || p->ring_bytes_in % SATORI_PAGE_SIZE)
		*why = "ring sizes must be multiples of 4096";
	else if (p->ring_bytes_out < RING_BYTES_MIN || p->ring_bytes_in < RING_BYTES_MIN)
		*why = "ring sizes must be at least 8192 bytes";
	else if (pages > VMBUS_GPADL_PAGES_MAX)
		*why = "both rings together exceed 8190 pages (one GPADL)";
	else if (p->user_data_len > 120 || (p->user_data_len && !p->user_data))
		*why = "user data is at most 120 bytes";
	else if (!p->cb || !p->cb->on_packet)
		*why = "callbacks with on_packet are required";
	else if (p->max_packet_bytes && (p->max_packet_bytes < 16u ||
					 p->max_packet_bytes > p->ring_bytes_in - SATORI_PAGE_SIZE))
		*why = "max_packet_bytes must be between 16 and the inbound data area";
	else if (p->max_outstanding > MAX_OUTSTANDING_LIMIT)
		*why = "max_outstanding is at most 65536";
	return *why ? -SATORI_EINVAL : 0;
}

static void channel_free(struct vmbus_channel *ch, bool free_rings)
{
	const struct os_ops *os = ch->os;

	if (ch->req.size)
		requestor_destroy(&ch->req);
	if (ch->ring_handle && free_rings)
		os->gmem_free(os->ctx, ch->ring_handle);
	os->free(os->ctx, ch->ring_pfns);
	os->free(os->ctx, ch->rxbuf);
	if (ch->lock)
		os->lock_destroy(os->ctx, ch->lock);
	vmbus_offer_put(ch->conn, ch->offer);
	os->free(os->ctx, ch);
}

static int32_t send_open(struct vmbus_channel *ch, const struct vmbus_channel_params *p)
{
	struct vmbus_conn *c = ch->conn;
	const struct vmbus_msg_open_result *resp;
	struct vmbus_msg_open_channel m;
	struct vmbus_waiter w;
	uint32_t relid = ch->offer->relid;
	int32_t r;

	memset(&m, 0, sizeof(m));
	m.h.msgtype = CHANNELMSG_OPENCHANNEL;
	m.child_relid = relid;
	m.openid = relid;
	m.ringbuffer_gpadlhandle = ch->ring_gpadl;
	m.target_vp = p->target_vcpu == SATORI_VCPU_ANY ? 0 : p->target_vcpu;
	m.downstream_ringbuffer_pageoffset = p->ring_bytes_out / SATORI_PAGE_SIZE;
	if (p->user_data_len)
		memcpy(m.userdata, p->user_data, p->user_data_len);
	r = conn_waiter_init(c, &w, CHANNELMSG_OPENCHANNEL_RESULT, relid, relid);
	if (r < 0)
		return r;
	conn_waiter_add(c, &w);
	r = conn_post(c, &m, sizeof(m));
	if (r < 0) {
		conn_waiter_cancel(c, &w);
		return r;
	}
	r = conn_waiter_wait(c, &w, "OPENCHANNEL");
	if (r < 0)
		return r;
	resp = (const struct vmbus_msg_open_result *)(const void *)w.msg;
	if (resp->status != 0) {
		os_log(c->os, SATORI_LOG_ERROR, "vmbus: host refused to open relid %u: status 0x%x",
		       relid, resp->status);
		return -SATORI_EIO;
	}
	return 0;
}

static void attach(struct vmbus_channel *ch, bool on)
{
	struct vmbus_conn *c = ch->conn;

	c->os->lock(c->lock);
	if (on)
		ch->offer->channel = ch;
	else if (ch->offer->channel == ch)
		ch->offer->channel = NULL;
	c->os->unlock(c->lock);
}

int32_t vmbus_channel_open(struct vmbus_conn *c, struct vmbus_offer *o,
			   const struct vmbus_channel_params *p, struct vmbus_channel **out)
{
	const struct os_ops *os = c->os;
	struct vmbus_channel *ch;
	const char *why;
	bool busy;
	int32_t r;

	r = check_params(p, &why);
	if (r < 0) {
		os_log(os, SATORI_LOG_ERROR, "vmbus: cannot open relid %u: %s", o->relid, why);
		return r;
	}
	if (o->state != VMBUS_OFFER_OFFERED || !vmbus_conn_connected(c))
		return -SATORI_ENODEV;
	os->lock(c->lock);
	busy = o->channel != NULL;
	os->unlock(c->lock);
	if (busy)
		return -SATORI_EBUSY;

	ch = os->zalloc(os->ctx, sizeof(*ch));
	if (!ch)
		return -SATORI_ENOMEM;
	vmbus_offer_get(c, o);
	ch->conn = c;
	ch->os = os;
	ch->offer = o;
	ch->owner = p->owner;
	ch->cb = p->cb;
	ch->cookie = p->cookie;
	ch->ring_pages = (p->ring_bytes_out + p->ring_bytes_in) / SATORI_PAGE_SIZE;
	ch->rxcap = p->max_packet_bytes ? p->max_packet_bytes : DEFAULT_MAX_PACKET;

	r = -SATORI_ENOMEM;
	ch->lock = os->lock_create(os->ctx);
	ch->ring_pfns = os->zalloc(os->ctx, sizeof(uint64_t) * ch->ring_pages);
	ch->rxbuf = os->zalloc(os->ctx, ch->rxcap);
	if (!ch->lock || !ch->ring_pfns || !ch->rxbuf)
		goto out_free;
	r = requestor_init(&ch->req, os,
			   p->max_outstanding ? p->max_outstanding : DEFAULT_MAX_OUTSTANDING);
	if (r < 0)
		goto out_free;
	r = os->gmem_alloc(os->ctx, ch->ring_pages, 0, &ch->ring_va, ch->ring_pfns, &ch->ring_handle);
	if (r < 0)
		goto out_free;
	r = ring_init(&ch->out, ch->ring_va, p->ring_bytes_out);
	if (r == 0)
		r = ring_init(&ch->in, (uint8_t *)ch->ring_va + p->ring_bytes_out, p->ring_bytes_in);
	if (r < 0)
		goto out_free;
	r = vmbus_gpadl_create(c, o, ch->ring_pfns, ch->ring_pages, &ch->ring_gpadl);
	if (r < 0)
		goto out_free;

	ch->state = VMBUS_CHANNEL_OPEN;
	attach(ch, true); /* the host may signal as soon as it has opened */
	r = send_open(ch, p);
	if (r < 0)
		goto out_teardown;
	*out = ch;
	return 0;

out_teardown:
	attach(ch, false);
	if (vmbus_gpadl_teardown(c, o, ch->ring_gpadl) < 0) {
		os_log(os, SATORI_LOG_WARN,
		       "vmbus: ring GPADL of relid %u not torn down; its memory is kept", o->relid);
		channel_free(ch, false);
		return r;
	}
out_free:
	channel_free(ch, true);
	return r;
}

void vmbus_channel_detach(struct vmbus_channel *ch)
{
	attach(ch, false);
}

void vmbus_channel_close(struct vmbus_channel *ch)
{
	struct vmbus_conn *c = ch->conn;
	struct vmbus_offer *o = ch->offer;
	bool free_rings = true;

	attach(ch, false);
	if (o->state == VMBUS_OFFER_OFFERED && vmbus_conn_connected(c)) {
		struct vmbus_msg_relid m;
		int32_t r;

		memset(&m, 0, sizeof(m));
		m.h.msgtype = CHANNELMSG_CLOSECHANNEL;
		m.child_relid = o->relid;
		r = conn_post(c, &m, sizeof(m));
		if (r == 0)
			r = vmbus_gpadl_teardown(c, o, ch->ring_gpadl);
		if (r < 0 && r != -SATORI_ECONNRESET) {
			/* the host may still write the rings: never hand that memory out again */
			os_log(c->os, SATORI_LOG_WARN,
			       "vmbus: close of relid %u incomplete (%d); ring memory is kept", o->relid,
			       r);
			free_rings = false;
		}
	}
	os_log(c->os, SATORI_LOG_DEBUG, "vmbus: closed relid %u", o->relid);
	channel_free(ch, free_rings);
}

void *vmbus_channel_owner(const struct vmbus_channel *ch)
{
	return ch->owner;
}

struct vmbus_offer *vmbus_channel_offer(const struct vmbus_channel *ch)
{
	return ch->offer;
}

struct vmbus_conn *vmbus_channel_conn(const struct vmbus_channel *ch)
{
	return ch->conn;
}

uint32_t vmbus_channel_state(const struct vmbus_channel *ch)
{
	uint32_t s;

	ch->os->lock(ch->lock);
	s = ch->state;
	ch->os->unlock(ch->lock);
	return s;
}

void vmbus_channel_fail(struct vmbus_channel *ch, int32_t reason)
{
	ch->os->lock(ch->lock);
	if (ch->state == VMBUS_CHANNEL_OPEN) {
		ch->state = VMBUS_CHANNEL_DEAD;
		ch->fail_reason = reason;
	}
	ch->os->unlock(ch->lock);
}

int32_t vmbus_channel_info(struct vmbus_channel *ch, struct satori_channel_info *out)
{
	struct satori_channel_info info;
	uint32_t n = out->struct_size < sizeof(info) ? out->struct_size : (uint32_t)sizeof(info);

	if (n < 8)
		return -SATORI_EINVAL;
	memset(&info, 0, sizeof(info));
	info.struct_size = n;
	info.relid = ch->offer->relid;
	info.sub_channel_index = ch->offer->sub_channel_index;
	info.ring_bytes_out = ch->out.data_size + RING_CTL_BYTES;
	info.ring_bytes_in = ch->in.data_size + RING_CTL_BYTES;
	ch->os->lock(ch->lock);
	info.packets_sent = ch->sent;
	info.packets_received = ch->received;
	info.signals_sent = ch->signals;
	info.interrupts = ch->interrupts;
	info.ring_full = ch->full;
	ch->os->unlock(ch->lock);
	memcpy(out, &info, n);
	return 0;
}
