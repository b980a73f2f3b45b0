/* SPDX-License-Identifier: GPL-2.0-only */
/* channel_internal.h — struct vmbus_channel, shared by channel*.c only. */
#ifndef SATORI_CORE_CHANNEL_INTERNAL_H
#define SATORI_CORE_CHANNEL_INTERNAL_H

#include "channel.h"
#include "requestor.h"
#include "ring.h"
#include "vmbus_internal.h"

struct vmbus_channel {
	struct vmbus_conn *conn;
	const struct os_ops *os;
	struct vmbus_offer *offer;
	void *owner;
	const struct satori_channel_callbacks *cb;
	void *cookie;

	struct os_lock *lock;   /* state, out ring, requestor, flow control, counters */
	uint32_t state;         /* VMBUS_CHANNEL_* */
	int32_t fail_reason;
	bool closed_notified;   /* on_closed was called (channel context only) */

	struct ring out;        /* guest -> host */
	struct ring in;         /* host -> guest; read only in channel context */
	void *ring_va;
	void *ring_handle;
	uint64_t *ring_pfns;
	uint32_t ring_pages;
	uint32_t ring_gpadl;

	struct requestor req;
	uint8_t *rxbuf;
	uint32_t rxcap;

	bool want_space;        /* a send got -EAGAIN; on_send_space is owed */
	uint32_t want_bytes;    /* ring bytes that send needed */
	bool signal_deferred;   /* SATORI_SEND_DEFER_SIGNAL writes wanted a signal */

	uint64_t sent, received, signals, interrupts, full;
};

#endif /* SATORI_CORE_CHANNEL_INTERNAL_H */
