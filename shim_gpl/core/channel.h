/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * channel.h — one open VMBus channel: its two rings, the send path (packet building,
 * transaction ids, signalling) and the receive path (validation, copy-out, dispatch).
 *
 * The plugin-facing handle `struct satori_channel *` is a `struct vmbus_channel *`.
 * Threads: send may be called from any thread (the channel lock serializes writers);
 * vmbus_channel_poll runs only in the channel's own context, one call at a time.
 */
#ifndef SATORI_CORE_CHANNEL_H
#define SATORI_CORE_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <satori/channel.h>
#include "compiler.h"
#include "vmbus.h"

CORE_BEGIN_DECLS

#define VMBUS_CHANNEL_OPEN 1u
#define VMBUS_CHANNEL_DEAD 2u /* rescinded, protocol error or host gone: fail_reason says */

struct vmbus_channel_params {
	uint32_t ring_bytes_out;
	uint32_t ring_bytes_in;
	uint32_t max_packet_bytes;  /* 0 = 4096 */
	uint32_t max_outstanding;   /* 0 = 256 */
	const void *user_data;
	uint32_t user_data_len;     /* <= 120 */
	uint32_t target_vcpu;
	void *cookie;
	const struct satori_channel_callbacks *cb;
	void *owner;                /* runtime's object; see vmbus_channel_owner() */
};

/* Allocates rings, creates the ring GPADL, sends OPENCHANNEL and waits for the result. */
int32_t vmbus_channel_open(struct vmbus_conn *c, struct vmbus_offer *o,
			   const struct vmbus_channel_params *p, struct vmbus_channel **out);

/*
 * Stops routing interrupts to the channel. The caller then makes sure poll is not
 * running (stops the channel's context) before vmbus_channel_close().
 */
void vmbus_channel_detach(struct vmbus_channel *ch);

/* CLOSECHANNEL (unless rescinded), ring GPADL teardown, frees everything. */
void vmbus_channel_close(struct vmbus_channel *ch);

int32_t vmbus_channel_send(struct vmbus_channel *ch, const struct satori_send *s);
int32_t vmbus_channel_signal(struct vmbus_channel *ch);

/* Drains the inbound ring, dispatching callbacks; handles flow control and failures. */
void vmbus_channel_poll(struct vmbus_channel *ch);

/*
 * Marks the channel dead with @reason (negative SATORI_E*). The on_closed callback runs
 * at the next poll (channel context). Safe from any context.
 */
void vmbus_channel_fail(struct vmbus_channel *ch, int32_t reason);

void *vmbus_channel_owner(const struct vmbus_channel *ch);
struct vmbus_offer *vmbus_channel_offer(const struct vmbus_channel *ch);
uint32_t vmbus_channel_state(const struct vmbus_channel *ch);
int32_t vmbus_channel_info(struct vmbus_channel *ch, struct satori_channel_info *out);
/* GPADLs of the channel's own offer (plugin buffers). */
struct vmbus_conn *vmbus_channel_conn(const struct vmbus_channel *ch);

/*
 * Validates a packet copied out of the inbound ring and fills @out (minus the
 * transaction-id mapping). Returns 0 or -SATORI_EPROTO with *why set.
 */
int32_t vmbus_packet_parse(const uint8_t *buf, uint32_t len, struct satori_packet *out,
			   const char **why);

CORE_END_DECLS

#endif /* SATORI_CORE_CHANNEL_H */
