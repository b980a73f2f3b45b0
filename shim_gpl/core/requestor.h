/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * requestor.h — transaction ids for completion-requested packets.
 *
 * The plugin's transaction id never goes on the wire. For each request the core takes a
 * free slot and sends its own id (slot + 1, with a generation in the upper 32 bits so a
 * stale id is caught); a completion is accepted only if its id names a slot in use, and
 * the slot is freed when it arrives. An unknown id is a host protocol violation.
 * Not thread-safe: the channel's lock protects it.
 */
#ifndef SATORI_CORE_REQUESTOR_H
#define SATORI_CORE_REQUESTOR_H

#include <stdint.h>
#include "os.h"
#include "compiler.h"

CORE_BEGIN_DECLS

struct requestor {
	const struct os_ops *os;
	uint64_t *user_id;   /* per slot: the caller's id */
	uint32_t *next_free; /* per slot: free-list link, or REQUESTOR_IN_USE */
	uint32_t *gen;       /* per slot: generation, bumped on every put */
	uint32_t size;
	uint32_t free_head;  /* size = none free */
	uint32_t in_use;
};

#define REQUESTOR_IN_USE 0xffffffffu

int32_t requestor_init(struct requestor *r, const struct os_ops *os, uint32_t size);
void requestor_destroy(struct requestor *r);
/* 0 and *wire_id (never 0), or -SATORI_ENOSPC when all slots are in use */
int32_t requestor_get(struct requestor *r, uint64_t user_id, uint64_t *wire_id);
/* 0 and *user_id, freeing the slot; -SATORI_EPROTO when @wire_id is not in flight */
int32_t requestor_put(struct requestor *r, uint64_t wire_id, uint64_t *user_id);
/* Calls fn for every id still in flight and frees them all (channel teardown). */
void requestor_drain(struct requestor *r, void (*fn)(void *ctx, uint64_t user_id), void *ctx);

CORE_END_DECLS

#endif /* SATORI_CORE_REQUESTOR_H */
