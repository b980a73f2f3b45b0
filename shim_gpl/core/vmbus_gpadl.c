/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmbus_gpadl.c — GPADL creation and teardown (spec vmbus.md §4).
 *
 * A GPADL is one range {byte_count, byte_offset = 0, pfns[]} sent as a GPADL_HEADER
 * holding the first 26 PFNs and GPADL_BODY messages of 28 PFNs each, all posted back to
 * back before waiting for GPADL_CREATED. range_buflen is 16 bits, so one GPADL holds at
 * most 8190 pages (32 MiB - 8 KiB).
 */
#include "vmbus.h"

#include <string.h>
#include <satori/dma.h>
#include <satori/errno.h>
#include <satori/log.h>
#include "vmbus_internal.h"

CORE_STATIC_ASSERT(VMBUS_GPADL_PAGES_MAX == VMBUS_GPADL_MAX_PAGES, "range_buflen limit");

static uint32_t next_handle(struct vmbus_conn *c)
{
	uint32_t h;

	c->os->lock(c->lock);
	h = c->next_gpadl++;
	if (h == 0) /* 0 means "no GPADL" to every peer */
		h = c->next_gpadl++;
	c->os->unlock(c->lock);
	return h;
}

static int32_t post_gpadl(struct vmbus_conn *c, uint32_t relid, uint32_t handle,
			  const uint64_t *pfns, uint32_t pages)
{
	uint8_t buf[VMBUS_MSG_MAX];
	struct vmbus_msg_gpadl_header *hdr = (struct vmbus_msg_gpadl_header *)(void *)buf;
	struct vmbus_gpa_range *range = (struct vmbus_gpa_range *)(void *)(hdr + 1);
	struct vmbus_msg_gpadl_body *body = (struct vmbus_msg_gpadl_body *)(void *)buf;
	uint32_t n = pages < VMBUS_GPADL_HEADER_PFNS ? pages : (uint32_t)VMBUS_GPADL_HEADER_PFNS;
	uint32_t done;
	int32_t r;

	memset(buf, 0, sizeof(buf));
	hdr->h.msgtype = CHANNELMSG_GPADL_HEADER;
	hdr->child_relid = relid;
	hdr->gpadl = handle;
	hdr->range_buflen = (uint16_t)(sizeof(*range) + 8u * pages);
	hdr->rangecount = 1;
	range->byte_count = pages * SATORI_PAGE_SIZE;
	range->byte_offset = 0;
	memcpy(range + 1, pfns, 8u * n);
	r = conn_post(c, buf, (uint32_t)(sizeof(*hdr) + sizeof(*range) + 8u * n));
	for (done = n; r == 0 && done < pages; done += n) {
		n = pages - done;
		if (n > VMBUS_GPADL_BODY_PFNS)
			n = VMBUS_GPADL_BODY_PFNS;
		memset(buf, 0, sizeof(buf));
		body->h.msgtype = CHANNELMSG_GPADL_BODY;
		body->msgnumber = 0;
		body->gpadl = handle;
		memcpy(body + 1, pfns + done, 8u * n);
		r = conn_post(c, buf, (uint32_t)(sizeof(*body) + 8u * n));
	}
	return r;
}

int32_t vmbus_gpadl_create(struct vmbus_conn *c, struct vmbus_offer *o, const uint64_t *pfns,
			   uint32_t pages, uint32_t *handle)
{
	const struct vmbus_msg_gpadl_created *resp;
	struct vmbus_waiter w;
	uint32_t h;
	int32_t r;

	if (pages == 0 || !pfns)
		return -SATORI_EINVAL;
	if (pages > VMBUS_GPADL_PAGES_MAX) {
		os_log(c->os, SATORI_LOG_ERROR,
		       "vmbus: GPADL of %u pages is larger than the protocol allows (%u pages)", pages,
		       VMBUS_GPADL_PAGES_MAX);
		return -SATORI_E2BIG;
	}
	if (o->state != VMBUS_OFFER_OFFERED || !vmbus_conn_connected(c))
		return -SATORI_ENODEV;
	h = next_handle(c);
	r = conn_waiter_init(c, &w, CHANNELMSG_GPADL_CREATED, o->relid, h);
	if (r < 0)
		return r;
	conn_waiter_add(c, &w);
	r = post_gpadl(c, o->relid, h, pfns, pages);
	if (r < 0) {
		conn_waiter_cancel(c, &w);
		return r;
	}
	r = conn_waiter_wait(c, &w, "GPADL_HEADER");
	if (r < 0)
		return r;
	resp = (const struct vmbus_msg_gpadl_created *)(const void *)w.msg;
	if (resp->creation_status != 0) {
		os_log(c->os, SATORI_LOG_ERROR,
		       "vmbus: host refused GPADL 0x%x (%u pages) on relid %u: status 0x%x", h, pages,
		       o->relid, resp->creation_status);
		return -SATORI_EIO;
	}
	*handle = h;
	return 0;
}

int32_t vmbus_gpadl_teardown(struct vmbus_conn *c, struct vmbus_offer *o, uint32_t handle)
{
	struct vmbus_msg_gpadl_teardown m;
	struct vmbus_waiter w;
	int32_t r;

	/* after a rescind the host drops the channel's GPADLs at RELID_RELEASED */
	if (o->state != VMBUS_OFFER_OFFERED)
		return 0;
	if (!vmbus_conn_connected(c))
		return -SATORI_ECONNRESET;
	r = conn_waiter_init(c, &w, CHANNELMSG_GPADL_TORNDOWN, o->relid, handle);
	if (r < 0)
		return r;
	memset(&m, 0, sizeof(m));
	m.h.msgtype = CHANNELMSG_GPADL_TEARDOWN;
	m.child_relid = o->relid;
	m.gpadl = handle;
	conn_waiter_add(c, &w);
	r = conn_post(c, &m, sizeof(m));
	if (r < 0) {
		conn_waiter_cancel(c, &w);
		return r;
	}
	r = conn_waiter_wait(c, &w, "GPADL_TEARDOWN");
	if (r == -SATORI_ENODEV) /* rescinded meanwhile: the host forgets it on its own */
		return 0;
	return r;
}
