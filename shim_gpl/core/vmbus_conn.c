/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmbus_conn.c — the VMBus connection: posting messages, waiting for answers,
 * version negotiation, offers, rescind and unload (spec vmbus.md §3).
 *
 * The host is untrusted. Every message is length-checked against its type before a
 * field is read; unknown or out-of-state messages are logged and dropped; a relid is
 * used only after it was checked against the table of offers.
 */
#include "vmbus.h"

#include <string.h>
#include <satori/dma.h>
#include <satori/errno.h>
#include <satori/hvlink.h>
#include <satori/log.h>
#include "barrier.h"
#include "channel.h"
#include "vmbus_internal.h"

#define DEFAULT_TIMEOUT_NS (10ull * 1000 * 1000 * 1000)
#define POST_RETRIES 100u
#define POST_BACKOFF_NS (1000ull * 1000)

static const uint32_t vmbus_versions[] = {
	VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V5_2, VMBUS_VERSION_WIN10_V5_1,
	VMBUS_VERSION_WIN10_V5,   VMBUS_VERSION_WIN10_V4_1, VMBUS_VERSION_WIN10,
	VMBUS_VERSION_WIN8_1,     VMBUS_VERSION_WIN8,       VMBUS_VERSION_WIN7,
	VMBUS_VERSION_WS2008,
};

const char *vmbus_msgtype_name(uint32_t type)
{
	static const char *const names[CHANNELMSG_COUNT] = {
		[CHANNELMSG_OFFERCHANNEL] = "OFFERCHANNEL",
		[CHANNELMSG_RESCIND_CHANNELOFFER] = "RESCIND_CHANNELOFFER",
		[CHANNELMSG_REQUESTOFFERS] = "REQUESTOFFERS",
		[CHANNELMSG_ALLOFFERS_DELIVERED] = "ALLOFFERS_DELIVERED",
		[CHANNELMSG_OPENCHANNEL] = "OPENCHANNEL",
		[CHANNELMSG_OPENCHANNEL_RESULT] = "OPENCHANNEL_RESULT",
		[CHANNELMSG_CLOSECHANNEL] = "CLOSECHANNEL",
		[CHANNELMSG_GPADL_HEADER] = "GPADL_HEADER",
		[CHANNELMSG_GPADL_BODY] = "GPADL_BODY",
		[CHANNELMSG_GPADL_CREATED] = "GPADL_CREATED",
		[CHANNELMSG_GPADL_TEARDOWN] = "GPADL_TEARDOWN",
		[CHANNELMSG_GPADL_TORNDOWN] = "GPADL_TORNDOWN",
		[CHANNELMSG_RELID_RELEASED] = "RELID_RELEASED",
		[CHANNELMSG_INITIATE_CONTACT] = "INITIATE_CONTACT",
		[CHANNELMSG_VERSION_RESPONSE] = "VERSION_RESPONSE",
		[CHANNELMSG_UNLOAD] = "UNLOAD",
		[CHANNELMSG_UNLOAD_RESPONSE] = "UNLOAD_RESPONSE",
		[CHANNELMSG_MODIFYCHANNEL] = "MODIFYCHANNEL",
		[CHANNELMSG_MODIFYCHANNEL_RESPONSE] = "MODIFYCHANNEL_RESPONSE",
	};

	if (type < CHANNELMSG_COUNT && names[type])
		return names[type];
	return "unknown";
}

/* ---- posting and waiting ---- */

int32_t conn_post(struct vmbus_conn *c, const void *msg, uint32_t size)
{
	const struct vmbus_msg_header *h = msg;
	uint32_t conn_id = c->msg_conn_id;
	uint32_t status = 0;
	uint32_t attempt;

	if (h->msgtype == CHANNELMSG_INITIATE_CONTACT) {
		const struct vmbus_msg_initiate_contact *ic = msg;

		conn_id = ic->vmbus_version_requested >= VMBUS_VERSION_WIN10_V5 ?
				  VMBUS_MESSAGE_CONNECTION_ID_4 :
				  VMBUS_MESSAGE_CONNECTION_ID;
	}
	for (attempt = 0; attempt < POST_RETRIES; attempt++) {
		status = c->hv->post_message(c->hv->ctx, conn_id, VMBUS_MESSAGE_TYPE, msg, size);
		if (status != SATORI_HV_STATUS_INSUFFICIENT_MEMORY &&
		    status != SATORI_HV_STATUS_INSUFFICIENT_BUFFERS)
			break;
		c->os->completion_wait(c->backoff, POST_BACKOFF_NS << (attempt < 6 ? attempt : 6));
	}
	if (status == SATORI_HV_STATUS_SUCCESS)
		return 0;
	if (status == SATORI_HV_STATUS_INVALID_CONNECTION_ID)
		return -SATORI_ENOENT;
	os_log(c->os, SATORI_LOG_ERROR, "vmbus: posting %s failed: hypervisor status 0x%x",
	       vmbus_msgtype_name(h->msgtype), status);
	return -SATORI_EIO;
}

int32_t conn_waiter_init(struct vmbus_conn *c, struct vmbus_waiter *w, uint32_t msgtype,
			 uint32_t relid, uint32_t key)
{
	memset(w, 0, sizeof(*w));
	w->msgtype = msgtype;
	w->relid = relid;
	w->key = key;
	w->comp = c->os->completion_create(c->os->ctx);
	return w->comp ? 0 : -SATORI_ENOMEM;
}

void conn_waiter_add(struct vmbus_conn *c, struct vmbus_waiter *w)
{
	c->os->lock(c->lock);
	if (c->host_gone) {
		w->done = true;
		w->result = -SATORI_ECONNRESET;
		c->os->complete(w->comp);
	} else {
		w->next = c->waiters;
		c->waiters = w;
	}
	c->os->unlock(c->lock);
}

static void waiter_unlink(struct vmbus_conn *c, struct vmbus_waiter *w)
{
	struct vmbus_waiter **pp;

	for (pp = &c->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
}

void conn_waiter_cancel(struct vmbus_conn *c, struct vmbus_waiter *w)
{
	c->os->lock(c->lock);
	waiter_unlink(c, w);
	c->os->unlock(c->lock);
	c->os->completion_destroy(c->os->ctx, w->comp);
	w->comp = NULL;
}

int32_t conn_waiter_wait(struct vmbus_conn *c, struct vmbus_waiter *w, const char *what)
{
	int32_t r;
	bool done;

	r = c->os->completion_wait(w->comp, c->timeout_ns);
	c->os->lock(c->lock);
	done = w->done;
	if (!done)
		waiter_unlink(c, w);
	c->os->unlock(c->lock);
	c->os->completion_destroy(c->os->ctx, w->comp);
	w->comp = NULL;
	if (!done) {
		os_log(c->os, SATORI_LOG_ERROR, "vmbus: no %s from the host within %llu ms (%s)",
		       vmbus_msgtype_name(w->msgtype),
		       (unsigned long long)(c->timeout_ns / 1000000u), what);
		return r < 0 ? r : -SATORI_ETIMEDOUT;
	}
	return w->result;
}

/* Completes the first waiter matching @msg. Called with the lock held. */
static bool waiters_match(struct vmbus_conn *c, uint32_t type, uint32_t relid, uint32_t key,
			  const void *msg, uint32_t size)
{
	struct vmbus_waiter *w;

	for (w = c->waiters; w; w = w->next) {
		if (w->msgtype != type)
			continue;
		if (w->relid != VMBUS_MATCH_ANY && relid != VMBUS_MATCH_ANY && w->relid != relid)
			continue;
		if (w->key != VMBUS_MATCH_ANY && w->key != key)
			continue;
		waiter_unlink(c, w);
		w->len = size < sizeof(w->msg) ? size : (uint32_t)sizeof(w->msg);
		memcpy(w->msg, msg, w->len);
		w->result = 0;
		w->done = true;
		c->os->complete(w->comp);
		return true;
	}
	return false;
}

void conn_fail_waiters(struct vmbus_conn *c, uint32_t relid, int32_t reason)
{
	struct vmbus_waiter **pp = &c->waiters;

	while (*pp) {
		struct vmbus_waiter *w = *pp;

		if (relid != VMBUS_MATCH_ANY && w->relid != relid) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		w->result = reason;
		w->done = true;
		c->os->complete(w->comp);
	}
}

void conn_signal_host(struct vmbus_conn *c, const struct vmbus_offer *o)
{
	/*
	 * Channels without a dedicated interrupt (and every channel before Win8) also name
	 * themselves in the guest->host half of the interrupt page (spec §5.5).
	 */
	if (!o->dedicated_interrupt || c->version < VMBUS_VERSION_WIN8) {
		uint32_t *words = (uint32_t *)(c->int_page + VMBUS_INT_PAGE_HALF);

		barrier_or_u32(&words[o->relid / 32u], 1u << (o->relid % 32u));
	}
	c->hv->signal_event(c->hv->ctx, o->connection_id, 0);
}

/* ---- lifecycle ---- */

int32_t vmbus_conn_create(const struct vmbus_conn_params *p, struct vmbus_conn **out)
{
	const struct os_ops *os = p->os;
	struct vmbus_conn *c;
	void *va;
	int32_t r;

	if (!os || !p->hv || !p->hv->post_message || !p->hv->signal_event)
		return -SATORI_EINVAL;
	c = os->zalloc(os->ctx, sizeof(*c));
	if (!c)
		return -SATORI_ENOMEM;
	c->os = os;
	c->hv = p->hv;
	c->ev = p->ev;
	c->max_version = p->max_version ? p->max_version : VMBUS_VERSION_WIN10_V5_3;
	c->timeout_ns = p->timeout_ns ? p->timeout_ns : DEFAULT_TIMEOUT_NS;
	c->msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
	c->next_gpadl = 0xE1E10u;
	c->lock = os->lock_create(os->ctx);
	c->backoff = os->completion_create(os->ctx);
	r = -SATORI_ENOMEM;
	if (!c->lock || !c->backoff)
		goto out_free;
	r = os->gmem_alloc(os->ctx, 3, 0, &va, c->page_pfns, &c->pages_handle);
	if (r < 0)
		goto out_free;
	c->int_page = va;
	c->monitor[0] = (uint8_t *)va + SATORI_PAGE_SIZE;
	c->monitor[1] = (uint8_t *)va + 2u * SATORI_PAGE_SIZE;
	*out = c;
	return 0;

out_free:
	if (c->backoff)
		os->completion_destroy(os->ctx, c->backoff);
	if (c->lock)
		os->lock_destroy(os->ctx, c->lock);
	os->free(os->ctx, c);
	return r;
}

static void offers_free_all(struct vmbus_conn *c)
{
	uint32_t i;

	for (i = 0; i < VMBUS_MAX_RELID; i++) {
		if (c->offers[i]) {
			c->os->free(c->os->ctx, c->offers[i]);
			c->offers[i] = NULL;
		}
	}
}

void vmbus_conn_destroy(struct vmbus_conn *c)
{
	if (!c)
		return;
	offers_free_all(c);
	c->os->gmem_free(c->os->ctx, c->pages_handle);
	c->os->completion_destroy(c->os->ctx, c->backoff);
	c->os->lock_destroy(c->os->ctx, c->lock);
	c->os->free(c->os->ctx, c);
}

uint32_t vmbus_conn_version(const struct vmbus_conn *c)
{
	return c->version;
}

bool vmbus_conn_connected(const struct vmbus_conn *c)
{
	return c->version != 0 && !c->host_gone;
}

const struct os_ops *vmbus_conn_os(const struct vmbus_conn *c)
{
	return c->os;
}

static int32_t try_version(struct vmbus_conn *c, uint32_t version, bool *accepted)
{
	struct vmbus_msg_initiate_contact m;
	struct vmbus_waiter w;
	const struct vmbus_msg_version_response *resp;
	int32_t r;

	memset(&m, 0, sizeof(m));
	m.h.msgtype = CHANNELMSG_INITIATE_CONTACT;
	m.vmbus_version_requested = version;
	m.target_vcpu = 0;
	if (version >= VMBUS_VERSION_WIN10_V5)
		m.u.v5.msg_sint = SATORI_HV_VMBUS_SINT;
	else
		m.u.interrupt_page = c->page_pfns[0] << SATORI_PAGE_SHIFT;
	m.monitor_page1 = c->page_pfns[1] << SATORI_PAGE_SHIFT;
	m.monitor_page2 = c->page_pfns[2] << SATORI_PAGE_SHIFT;

	r = conn_waiter_init(c, &w, CHANNELMSG_VERSION_RESPONSE, VMBUS_MATCH_ANY, VMBUS_MATCH_ANY);
	if (r < 0)
		return r;
	conn_waiter_add(c, &w);
	r = conn_post(c, &m, sizeof(m));
	if (r < 0) {
		conn_waiter_cancel(c, &w);
		if (r == -SATORI_ENOENT) { /* no connection id 4: an older host */
			*accepted = false;
			return 0;
		}
		return r;
	}
	r = conn_waiter_wait(c, &w, "INITIATE_CONTACT");
	if (r < 0)
		return r;
	resp = (const struct vmbus_msg_version_response *)w.msg;
	*accepted = resp->version_supported != 0;
	if (!*accepted)
		return 0;
	if (version >= VMBUS_VERSION_WIN10_V5) {
		uint32_t id = resp->msg_conn_id;

		if (id == 0 || id >= (1u << 24)) {
			os_log(c->os, SATORI_LOG_ERROR,
			       "vmbus: host accepted version %u.%u but gave message connection id 0x%x",
			       version >> 16, version & 0xffffu, id);
			return -SATORI_EPROTO;
		}
		c->msg_conn_id = id;
	} else {
		c->msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
	}
	return 0;
}

int32_t vmbus_conn_connect(struct vmbus_conn *c)
{
	struct vmbus_msg_header req = { .msgtype = CHANNELMSG_REQUESTOFFERS };
	struct vmbus_waiter w;
	uint32_t i, refused = 0;
	bool accepted = false;
	int32_t r;

	for (i = 0; i < sizeof(vmbus_versions) / sizeof(vmbus_versions[0]); i++) {
		uint32_t v = vmbus_versions[i];

		if (v > c->max_version)
			continue;
		r = try_version(c, v, &accepted);
		if (r < 0)
			return r;
		if (accepted) {
			c->os->lock(c->lock);
			c->version = v;
			c->os->unlock(c->lock);
			break;
		}
		refused++;
	}
	if (!accepted) {
		os_log(c->os, SATORI_LOG_ERROR,
		       "vmbus: the host refused every protocol version from %u.%u down to 0.13",
		       c->max_version >> 16, c->max_version & 0xffffu);
		return -SATORI_EPROTONOSUPPORT;
	}
	os_log(c->os, SATORI_LOG_INFO, "vmbus: connected, protocol %u.%u (%u newer refused)",
	       c->version >> 16, c->version & 0xffffu, refused);
	if (c->ev.on_connected)
		c->ev.on_connected(c->ev.ctx, c->version);

	r = conn_waiter_init(c, &w, CHANNELMSG_ALLOFFERS_DELIVERED, VMBUS_MATCH_ANY,
			     VMBUS_MATCH_ANY);
	if (r < 0)
		return r;
	conn_waiter_add(c, &w);
	r = conn_post(c, &req, sizeof(req));
	if (r < 0) {
		conn_waiter_cancel(c, &w);
		return r;
	}
	return conn_waiter_wait(c, &w, "REQUESTOFFERS");
}

int32_t vmbus_conn_disconnect(struct vmbus_conn *c)
{
	struct vmbus_msg_header m = { .msgtype = CHANNELMSG_UNLOAD };
	struct vmbus_waiter w;
	int32_t r = 0;

	if (!vmbus_conn_connected(c))
		goto out;
	/* hosts before 3.0 (WS2012 R2) do not support UNLOAD; there is nothing to wait for */
	if (c->version < VMBUS_VERSION_WIN8_1)
		goto out;
	r = conn_waiter_init(c, &w, CHANNELMSG_UNLOAD_RESPONSE, VMBUS_MATCH_ANY, VMBUS_MATCH_ANY);
	if (r < 0)
		goto out;
	conn_waiter_add(c, &w);
	r = conn_post(c, &m, sizeof(m));
	if (r < 0) {
		conn_waiter_cancel(c, &w);
		goto out;
	}
	r = conn_waiter_wait(c, &w, "UNLOAD");
out:
	c->os->lock(c->lock);
	c->version = 0;
	c->msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID;
	conn_fail_waiters(c, VMBUS_MATCH_ANY, -SATORI_ESHUTDOWN);
	c->os->unlock(c->lock);
	return r;
}

void vmbus_conn_host_gone(struct vmbus_conn *c)
{
	uint32_t i;

	c->os->lock(c->lock);
	c->host_gone = true;
	conn_fail_waiters(c, VMBUS_MATCH_ANY, -SATORI_ECONNRESET);
	for (i = 0; i < VMBUS_MAX_RELID; i++) {
		struct vmbus_offer *o = c->offers[i];

		if (o && o->channel) {
			vmbus_channel_fail(o->channel, -SATORI_ECONNRESET);
			c->ev.on_channel_interrupt(c->ev.ctx, o->channel);
		}
	}
	c->os->unlock(c->lock);
}

/* ---- offers ---- */

void vmbus_offer_get(struct vmbus_conn *c, struct vmbus_offer *o)
{
	c->os->lock(c->lock);
	o->refs++;
	c->os->unlock(c->lock);
}

void vmbus_offer_put(struct vmbus_conn *c, struct vmbus_offer *o)
{
	bool last;

	c->os->lock(c->lock);
	last = --o->refs == 0;
	if (last && c->offers[o->relid] == o)
		c->offers[o->relid] = NULL;
	c->os->unlock(c->lock);
	if (last)
		c->os->free(c->os->ctx, o);
}

void vmbus_offer_release(struct vmbus_conn *c, struct vmbus_offer *o)
{
	struct vmbus_msg_relid m;
	bool listed, post;

	c->os->lock(c->lock);
	listed = c->offers[o->relid] == o;
	post = listed && c->version != 0 && !c->host_gone;
	if (listed)
		c->offers[o->relid] = NULL;
	c->os->unlock(c->lock);
	if (!listed) /* released before: the connection's reference is gone already */
		return;
	if (post) {
		memset(&m, 0, sizeof(m));
		m.h.msgtype = CHANNELMSG_RELID_RELEASED;
		m.child_relid = o->relid;
		conn_post(c, &m, sizeof(m));
	}
	vmbus_offer_put(c, o);
}

struct vmbus_offer *vmbus_offer_find_sub(struct vmbus_conn *c, const struct vmbus_offer *primary,
					 uint16_t index)
{
	struct vmbus_offer *found = NULL;
	uint32_t i;

	c->os->lock(c->lock);
	for (i = 1; i < VMBUS_MAX_RELID && !found; i++) {
		struct vmbus_offer *o = c->offers[i];

		if (o && o->sub_channel_index == index && o->state == VMBUS_OFFER_OFFERED &&
		    !memcmp(o->instance_id, primary->instance_id, 16) &&
		    !memcmp(o->class_id, primary->class_id, 16))
			found = o;
	}
	c->os->unlock(c->lock);
	return found;
}

static bool offer_duplicate(struct vmbus_conn *c, const struct vmbus_msg_offer *m)
{
	uint32_t i;

	for (i = 1; i < VMBUS_MAX_RELID; i++) {
		const struct vmbus_offer *o = c->offers[i];

		/* A rescinded offer still being released does not count: the host may offer the
		 * same device again before the guest has let go of the old one. */
		if (o && o->state == VMBUS_OFFER_OFFERED && o->sub_channel_index == m->sub_channel_index &&
		    !memcmp(o->instance_id, m->if_instance, 16) && !memcmp(o->class_id, m->if_type, 16))
			return true;
	}
	return false;
}

static bool offer_has_primary(struct vmbus_conn *c, const struct vmbus_msg_offer *m)
{
	uint32_t i;

	for (i = 1; i < VMBUS_MAX_RELID; i++) {
		const struct vmbus_offer *o = c->offers[i];

		if (o && o->state == VMBUS_OFFER_OFFERED && o->sub_channel_index == 0 &&
		    !memcmp(o->instance_id, m->if_instance, 16) &&
		    !memcmp(o->class_id, m->if_type, 16))
			return true;
	}
	return false;
}

static void handle_offer(struct vmbus_conn *c, const struct vmbus_msg_offer *m)
{
	uint32_t relid = m->child_relid;
	const char *why = NULL;
	struct vmbus_offer *o;

	if (relid == 0 || relid >= VMBUS_MAX_RELID) {
		os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped offer with relid %u (valid 1..%u)",
		       relid, VMBUS_MAX_RELID - 1);
		return;
	}
	o = c->os->zalloc(c->os->ctx, sizeof(*o));
	if (!o) {
		os_log(c->os, SATORI_LOG_ERROR, "vmbus: out of memory for offer relid %u", relid);
		return;
	}
	o->relid = relid;
	o->sub_channel_index = m->sub_channel_index;
	o->chn_flags = m->chn_flags;
	o->mmio_megabytes = m->mmio_megabytes;
	o->monitor_id = m->monitorid;
	o->monitor_allocated = m->monitor_allocated & 1u;
	memcpy(o->class_id, m->if_type, 16);
	memcpy(o->instance_id, m->if_instance, 16);
	memcpy(o->user_defined, m->user_defined, sizeof(o->user_defined));
	o->state = VMBUS_OFFER_OFFERED;
	o->refs = 1;

	c->os->lock(c->lock);
	/* the connection id and dedicated-interrupt fields exist from Win7 on */
	if (c->version > VMBUS_VERSION_WS2008 && m->connection_id != 0) {
		o->connection_id = m->connection_id;
		o->dedicated_interrupt = m->is_dedicated_interrupt & 1u;
	} else {
		o->connection_id = VMBUS_EVENT_CONNECTION_ID;
	}
	if (c->offers[relid])
		why = "relid already in use";
	else if (offer_duplicate(c, m))
		why = "same class, instance and sub-channel index as an existing offer";
	else if (m->sub_channel_index != 0 && !offer_has_primary(c, m))
		why = "sub-channel of a device that was never offered";
	if (!why)
		c->offers[relid] = o;
	c->os->unlock(c->lock);

	if (why) {
		os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped offer relid %u: %s", relid, why);
		c->os->free(c->os->ctx, o);
		return;
	}
	c->ev.on_offer(c->ev.ctx, o);
}

static void handle_rescind(struct vmbus_conn *c, uint32_t relid)
{
	struct vmbus_offer *o = NULL;

	c->os->lock(c->lock);
	if (relid < VMBUS_MAX_RELID)
		o = c->offers[relid];
	if (o && o->state == VMBUS_OFFER_OFFERED) {
		o->state = VMBUS_OFFER_RESCINDED;
		if (o->channel) {
			vmbus_channel_fail(o->channel, -SATORI_ENODEV);
			c->ev.on_channel_interrupt(c->ev.ctx, o->channel);
		}
		conn_fail_waiters(c, relid, -SATORI_ENODEV);
	} else {
		o = NULL;
	}
	c->os->unlock(c->lock);

	if (!o) {
		os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped rescind of unknown relid %u", relid);
		return;
	}
	os_log(c->os, SATORI_LOG_INFO, "vmbus: host rescinded relid %u", relid);
	c->ev.on_rescind(c->ev.ctx, o);
}

/* Smallest valid size of each host->guest message, 0 for guest->host-only types. */
static uint32_t host_msg_min_size(uint32_t type)
{
	switch (type) {
	case CHANNELMSG_OFFERCHANNEL: return sizeof(struct vmbus_msg_offer);
	case CHANNELMSG_RESCIND_CHANNELOFFER: return sizeof(struct vmbus_msg_relid);
	case CHANNELMSG_ALLOFFERS_DELIVERED: return sizeof(struct vmbus_msg_header);
	case CHANNELMSG_OPENCHANNEL_RESULT: return sizeof(struct vmbus_msg_open_result);
	case CHANNELMSG_GPADL_CREATED: return sizeof(struct vmbus_msg_gpadl_created);
	case CHANNELMSG_GPADL_TORNDOWN: return sizeof(struct vmbus_msg_gpadl_torndown);
	case CHANNELMSG_VERSION_RESPONSE: return sizeof(struct vmbus_msg_version_response);
	case CHANNELMSG_UNLOAD_RESPONSE: return sizeof(struct vmbus_msg_header);
	case CHANNELMSG_MODIFYCHANNEL_RESPONSE:
		return sizeof(struct vmbus_msg_modifychannel_response);
	default: return 0;
	}
}

/* Matches an answer to its waiter. Returns false if nobody asked for it. */
static bool handle_answer(struct vmbus_conn *c, const uint8_t *msg, uint32_t size, uint32_t type)
{
	uint32_t relid = VMBUS_MATCH_ANY, key = VMBUS_MATCH_ANY;
	bool matched;

	switch (type) {
	case CHANNELMSG_OPENCHANNEL_RESULT: {
		const struct vmbus_msg_open_result *m = (const void *)msg;

		relid = m->child_relid;
		key = m->openid;
		break;
	}
	case CHANNELMSG_GPADL_CREATED: {
		const struct vmbus_msg_gpadl_created *m = (const void *)msg;

		relid = m->child_relid;
		key = m->gpadl;
		break;
	}
	case CHANNELMSG_GPADL_TORNDOWN:
		key = ((const struct vmbus_msg_gpadl_torndown *)(const void *)msg)->gpadl;
		break;
	case CHANNELMSG_MODIFYCHANNEL_RESPONSE:
		relid = ((const struct vmbus_msg_modifychannel_response *)(const void *)msg)->child_relid;
		break;
	default:
		break;
	}
	c->os->lock(c->lock);
	matched = waiters_match(c, type, relid, key, msg, size);
	c->os->unlock(c->lock);
	return matched;
}

void vmbus_conn_on_message(struct vmbus_conn *c, const void *msg, uint32_t size)
{
	uint8_t buf[VMBUS_MSG_MAX];
	uint32_t type, min;

	/* one private copy; nothing below reads the caller's buffer again */
	if (size < sizeof(struct vmbus_msg_header) || size > VMBUS_MSG_MAX) {
		os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped host message of %u bytes (valid 8..%u)",
		       size, VMBUS_MSG_MAX);
		return;
	}
	memcpy(buf, msg, size);
	type = ((const struct vmbus_msg_header *)(const void *)buf)->msgtype;
	min = host_msg_min_size(type);
	if (min == 0) {
		os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped host message type %u (%s): not sent by hosts",
		       type, vmbus_msgtype_name(type));
		return;
	}
	if (size < min) {
		os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped %s of %u bytes (needs %u)",
		       vmbus_msgtype_name(type), size, min);
		return;
	}
	if (type != CHANNELMSG_VERSION_RESPONSE && c->version == 0) {
		os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped %s before version negotiation",
		       vmbus_msgtype_name(type));
		return;
	}
	switch (type) {
	case CHANNELMSG_OFFERCHANNEL:
		handle_offer(c, (const struct vmbus_msg_offer *)(const void *)buf);
		return;
	case CHANNELMSG_RESCIND_CHANNELOFFER:
		handle_rescind(c, ((const struct vmbus_msg_relid *)(const void *)buf)->child_relid);
		return;
	default:
		if (!handle_answer(c, buf, size, type))
			os_log(c->os, SATORI_LOG_WARN, "vmbus: dropped unexpected %s",
			       vmbus_msgtype_name(type));
		return;
	}
}

/* ---- events ---- */

static void dispatch_relid(struct vmbus_conn *c, uint32_t relid)
{
	struct vmbus_offer *o;

	if (relid == 0 || relid >= VMBUS_MAX_RELID)
		return;
	c->os->lock(c->lock);
	o = c->offers[relid];
	if (o && o->channel)
		c->ev.on_channel_interrupt(c->ev.ctx, o->channel);
	c->os->unlock(c->lock);
}

void vmbus_conn_on_event(struct vmbus_conn *c, uint32_t flag)
{
	uint32_t *words = (uint32_t *)c->int_page;
	uint32_t i;

	if (flag != 0) {
		dispatch_relid(c, flag);
		return;
	}
	/* flag 0: the shared interrupt page names the channels (protocols before Win8) */
	for (i = 0; i < VMBUS_INT_PAGE_HALF / 4u; i++) {
		uint32_t bits = barrier_xchg_u32(&words[i], 0);

		while (bits) {
			uint32_t bit = (uint32_t)__builtin_ctz(bits);

			bits &= bits - 1u;
			dispatch_relid(c, i * 32u + bit);
		}
	}
}
