/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmbus.h — the guest's VMBus connection: version negotiation, offers, GPADLs,
 * channel open/close, rescind and unload (spec vmbus.md §3–4).
 *
 * Threading: vmbus_conn_on_message() and vmbus_conn_on_event() are called by the
 * back end, in order, from one message context that never blocks on the host.
 * Everything that waits for a host answer (connect, GPADL, open, close, unload) runs
 * in another thread (the probe context) and blocks on an os completion.
 */
#ifndef SATORI_CORE_VMBUS_H
#define SATORI_CORE_VMBUS_H

#include <stdbool.h>
#include <stdint.h>
#include "compiler.h"
#include "hv.h"
#include "os.h"

CORE_BEGIN_DECLS

struct vmbus_conn;
struct vmbus_channel;

#define VMBUS_OFFER_OFFERED   1u
#define VMBUS_OFFER_RESCINDED 2u

/* The guest's record of one offer (primary channel or sub-channel). */
struct vmbus_offer {
	uint32_t relid;
	uint32_t connection_id;     /* for HvCallSignalEvent */
	uint16_t sub_channel_index; /* 0 = primary */
	uint16_t chn_flags;
	uint16_t mmio_megabytes;
	uint8_t monitor_id;
	uint8_t monitor_allocated;
	uint8_t dedicated_interrupt;
	uint8_t class_id[16];
	uint8_t instance_id[16];
	uint8_t user_defined[120];
	uint32_t state;             /* VMBUS_OFFER_* */
	/* private to core */
	uint32_t refs;
	struct vmbus_channel *channel; /* open channel, under the conn lock */
	void *owner;                /* runtime's object for this offer */
};

struct vmbus_conn_events {
	void *ctx;
	/* The host accepted @version; offers follow. Optional. Probe context. */
	void (*on_connected)(void *ctx, uint32_t version);
	/* A new offer (hot-add included). Message context: must not block. */
	void (*on_offer)(void *ctx, struct vmbus_offer *offer);
	/*
	 * The host rescinded @offer. Its open channel (if any) was already marked dead and
	 * the channel's on_closed callback is pending. Message context: must not block.
	 * The runtime later closes the channel and calls vmbus_offer_release().
	 */
	void (*on_rescind)(void *ctx, struct vmbus_offer *offer);
	/*
	 * The host signalled @ch; schedule vmbus_channel_poll(ch) in its channel context.
	 * Called with the connection lock held: only wake something up.
	 */
	void (*on_channel_interrupt)(void *ctx, struct vmbus_channel *ch);
};

struct vmbus_conn_params {
	const struct os_ops *os;
	const struct hv_adapter *hv;
	struct vmbus_conn_events ev;
	uint32_t max_version;  /* newest version to propose; 0 = 5.3 */
	uint64_t timeout_ns;   /* wait for each host answer; 0 = 10 s */
};

int32_t vmbus_conn_create(const struct vmbus_conn_params *p, struct vmbus_conn **out);
void vmbus_conn_destroy(struct vmbus_conn *c);

/*
 * INITIATE_CONTACT from the newest version (<= max_version) down to 0.13, then
 * REQUESTOFFERS; returns once ALLOFFERS_DELIVERED arrived (offers were passed to
 * ev.on_offer before). -SATORI_EPROTONOSUPPORT if the host refuses every version.
 */
int32_t vmbus_conn_connect(struct vmbus_conn *c);
/* UNLOAD and wait for UNLOAD_RESPONSE (versions >= 3.0), then forget all offers. */
int32_t vmbus_conn_disconnect(struct vmbus_conn *c);
/* The host went away: fail every waiter and mark every channel dead (-SATORI_ECONNRESET). */
void vmbus_conn_host_gone(struct vmbus_conn *c);

uint32_t vmbus_conn_version(const struct vmbus_conn *c);
bool vmbus_conn_connected(const struct vmbus_conn *c);
const struct os_ops *vmbus_conn_os(const struct vmbus_conn *c);

/* Back end entry points (message context). */
void vmbus_conn_on_message(struct vmbus_conn *c, const void *msg, uint32_t size);
void vmbus_conn_on_event(struct vmbus_conn *c, uint32_t flag);

/* Offer references: the runtime takes one per offer it keeps. */
void vmbus_offer_get(struct vmbus_conn *c, struct vmbus_offer *o);
void vmbus_offer_put(struct vmbus_conn *c, struct vmbus_offer *o);
/* After a rescind, once the channel is closed: send RELID_RELEASED and forget the offer. */
void vmbus_offer_release(struct vmbus_conn *c, struct vmbus_offer *o);
/* Find the offer of sub-channel @index of the device that owns @primary (NULL if none). */
struct vmbus_offer *vmbus_offer_find_sub(struct vmbus_conn *c, const struct vmbus_offer *primary,
					 uint16_t index);

/* GPADLs (spec §4): one range over @pages frames; blocks for GPADL_CREATED / _TORNDOWN. */
int32_t vmbus_gpadl_create(struct vmbus_conn *c, struct vmbus_offer *o, const uint64_t *pfns,
			   uint32_t pages, uint32_t *handle);
int32_t vmbus_gpadl_teardown(struct vmbus_conn *c, struct vmbus_offer *o, uint32_t handle);

/* largest GPADL one message sequence can describe: range_buflen is 16 bits */
#define VMBUS_GPADL_PAGES_MAX 8190u

CORE_END_DECLS

#endif /* SATORI_CORE_VMBUS_H */
