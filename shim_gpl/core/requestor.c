/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * requestor.c — slot table behind the transaction ids of completion-requested packets.
 *
 * Free slots form a LIFO list threaded through next_free[]. A wire id is
 * ((u64)gen[slot] << 32) | (slot + 1): never 0 (reserved for unsolicited host messages,
 * spec vmbus.md §1.6), and since put bumps gen[slot], a completion that names a freed or
 * reused slot with its old generation is rejected instead of completing someone else's
 * request.
 */
#include "requestor.h"

#include <string.h>
#include <satori/errno.h>

static void free_list_reset(struct requestor *r)
{
	uint32_t i;

	for (i = 0; i < r->size; i++)
		r->next_free[i] = i + 1; /* the last one links to size: the end */
	r->free_head = 0;
	r->in_use = 0;
}

/* Zeroed array of @count elements; NULL on failure or if the size overflows size_t. */
static void *zalloc_array(const struct os_ops *os, uint32_t count, size_t elem)
{
	if ((size_t)count > (size_t)-1 / elem)
		return NULL;
	return os->zalloc(os->ctx, (size_t)count * elem);
}

int32_t requestor_init(struct requestor *r, const struct os_ops *os, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	/* slot + 1 must fit the low 32 bits, and REQUESTOR_IN_USE must not be a slot link */
	if (!os || size == 0 || size >= REQUESTOR_IN_USE)
		return -SATORI_EINVAL;

	r->user_id = zalloc_array(os, size, sizeof(*r->user_id));
	if (!r->user_id)
		goto out_nomem;
	r->next_free = zalloc_array(os, size, sizeof(*r->next_free));
	if (!r->next_free)
		goto out_free_user_id;
	r->gen = zalloc_array(os, size, sizeof(*r->gen));
	if (!r->gen)
		goto out_free_next_free;

	r->os = os;
	r->size = size;
	free_list_reset(r);
	return 0;

out_free_next_free:
	os->free(os->ctx, r->next_free);
out_free_user_id:
	os->free(os->ctx, r->user_id);
out_nomem:
	memset(r, 0, sizeof(*r));
	return -SATORI_ENOMEM;
}

void requestor_destroy(struct requestor *r)
{
	const struct os_ops *os = r->os;

	if (!os)
		return; /* never initialised, or destroyed already */
	os->free(os->ctx, r->gen);
	os->free(os->ctx, r->next_free);
	os->free(os->ctx, r->user_id);
	memset(r, 0, sizeof(*r));
}

int32_t requestor_get(struct requestor *r, uint64_t user_id, uint64_t *wire_id)
{
	uint32_t slot = r->free_head;

	if (slot >= r->size)
		return -SATORI_ENOSPC;
	r->free_head = r->next_free[slot];
	r->next_free[slot] = REQUESTOR_IN_USE;
	r->user_id[slot] = user_id;
	r->in_use++;
	*wire_id = ((uint64_t)r->gen[slot] << 32) | (slot + 1u);
	return 0;
}

/* Frees an in-use slot; the new generation retires every id issued for it so far. */
static void slot_release(struct requestor *r, uint32_t slot)
{
	r->gen[slot]++;
	r->next_free[slot] = r->free_head;
	r->free_head = slot;
	r->in_use--;
}

int32_t requestor_put(struct requestor *r, uint64_t wire_id, uint64_t *user_id)
{
	/* Host-supplied: every part of the id is checked before it indexes anything. */
	uint32_t low = (uint32_t)wire_id;
	uint32_t gen = (uint32_t)(wire_id >> 32);
	uint32_t slot;

	if (low == 0 || low > r->size)
		return -SATORI_EPROTO;
	slot = low - 1;
	if (r->next_free[slot] != REQUESTOR_IN_USE || r->gen[slot] != gen)
		return -SATORI_EPROTO;

	*user_id = r->user_id[slot];
	slot_release(r, slot);
	return 0;
}

void requestor_drain(struct requestor *r, void (*fn)(void *ctx, uint64_t user_id), void *ctx)
{
	uint32_t slot;

	for (slot = 0; slot < r->size; slot++) {
		if (r->next_free[slot] != REQUESTOR_IN_USE)
			continue;
		if (fn)
			fn(ctx, r->user_id[slot]);
		r->gen[slot]++;
	}
	free_list_reset(r);
}
