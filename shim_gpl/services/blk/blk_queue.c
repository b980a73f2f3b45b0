/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blk_queue.c — per-disk request accounting: the slot pool (plugin requests and their DMA
 * buffers, at most nslots in flight), FIFO waiting for slots, tags, completions, the check
 * of a client request against the disk, and the NBD error for a plugin status.
 */
#include "blk_internal.h"

#include <stdlib.h>
#include <string.h>

int32_t blk_queue_init(struct satori_blk_disk *d, uint32_t queue_depth)
{
	uint32_t n = queue_depth < 4 ? 4 : queue_depth;
	uint64_t max;

	d->chunk = d->max_transfer < BLK_CHUNK_MAX ? d->max_transfer : BLK_CHUNK_MAX;
	if (n > BLK_MAX_SLOTS)
		n = BLK_MAX_SLOTS;
	if (n > BLK_POOL_BUDGET / d->chunk)
		n = BLK_POOL_BUDGET / d->chunk; /* >= 16 */
	d->nslots = n;
	d->depth = queue_depth < n ? queue_depth : n;
	d->share = n - n / 4;
	max = (uint64_t)d->share * d->chunk;
	d->data_max = max < NBD_MAX_PAYLOAD ? (uint32_t)max : NBD_MAX_PAYLOAD;
	d->slots = calloc(n, sizeof(*d->slots));
	if (!d->slots)
		return -SATORI_ENOMEM;
	for (uint32_t i = n; i-- > 0;) {
		d->slots[i].index = i;
		d->slots[i].next_free = d->free_list;
		d->free_list = &d->slots[i];
	}
	d->nfree = n;
	return 0;
}

void blk_queue_free(struct satori_blk_disk *d)
{
	struct os_ops *os = &d->blk->shim->os;

	for (uint32_t i = 0; d->slots && i < d->nslots; i++) {
		if (d->slots[i].mem)
			os->gmem_free(os->ctx, d->slots[i].mem);
		free(d->slots[i].pfns);
	}
	free(d->slots);
	d->slots = NULL;
}

static uint16_t transmission_flags(const struct satori_blk_disk *d)
{
	/* Every connection reaches the same plugin disk and the server caches nothing, so a
	 * FLUSH on one connection covers writes answered on any other: multi-conn is safe. */
	uint16_t f = NBD_FLAG_HAS_FLAGS | NBD_FLAG_CAN_MULTI_CONN;

	if (d->flags & SATORI_BLK_F_FLUSH)
		f |= NBD_FLAG_SEND_FLUSH;
	if (d->flags & SATORI_BLK_F_ROTATIONAL)
		f |= NBD_FLAG_ROTATIONAL;
	if (d->flags & SATORI_BLK_F_READ_ONLY)
		return f | NBD_FLAG_READ_ONLY;
	if (d->flags & SATORI_BLK_F_FUA)
		f |= NBD_FLAG_SEND_FUA;
	if (d->flags & SATORI_BLK_F_DISCARD)
		f |= NBD_FLAG_SEND_TRIM;
	if (d->flags & SATORI_BLK_F_WRITE_ZEROES)
		f |= NBD_FLAG_SEND_WRITE_ZEROES;
	return f;
}

void blk_export_info_fill(struct satori_blk_disk *d, struct blk_export_info *out)
{
	uint32_t max = d->max_transfer < d->data_max ? d->max_transfer : d->data_max;
	uint32_t pref = d->pbs > 4096u ? d->pbs : 4096u;

	while (pref > max)
		pref >>= 1;
	memset(out, 0, sizeof(*out));
	memcpy(out->name, d->name, sizeof(out->name));
	memcpy(out->description, d->description, sizeof(out->description));
	pthread_mutex_lock(&d->mu);
	out->size = d->capacity_blocks * d->lbs;
	pthread_mutex_unlock(&d->mu);
	out->tflags = transmission_flags(d);
	out->min_block = d->lbs;
	out->pref_block = pref;
	out->max_block = max;
}

static uint32_t check_range(const struct satori_blk_disk *d, const struct nbd_req *r,
			    uint64_t size, uint32_t beyond, uint32_t max)
{
	if (r->length == 0 || r->offset % d->lbs || r->length % d->lbs)
		return NBD_EINVAL;
	if (r->offset > size || r->length > size - r->offset)
		return beyond;
	if (r->length > max)
		return NBD_EINVAL;
	return 0;
}

uint32_t blk_check_request(struct satori_blk_disk *d, uint16_t tflags, const struct nbd_req *r)
{
	uint16_t allowed = (tflags & NBD_FLAG_SEND_FUA) ? NBD_CMD_FLAG_FUA : 0;
	bool ro = d->flags & SATORI_BLK_F_READ_ONLY;
	bool removing, present;
	uint64_t size;
	uint32_t err;

	pthread_mutex_lock(&d->mu);
	size = d->capacity_blocks * d->lbs;
	removing = d->removing;
	present = d->present;
	pthread_mutex_unlock(&d->mu);

	switch (r->type) {
	case NBD_CMD_READ:
		err = check_range(d, r, size, NBD_EINVAL, d->data_max);
		break;
	case NBD_CMD_WRITE:
		err = ro ? NBD_EPERM : check_range(d, r, size, NBD_ENOSPC, d->data_max);
		break;
	case NBD_CMD_FLUSH:
		err = !(tflags & NBD_FLAG_SEND_FLUSH) || r->offset || r->length ? NBD_EINVAL : 0;
		break;
	case NBD_CMD_TRIM:
		if (ro)
			return NBD_EPERM;
		err = !(tflags & NBD_FLAG_SEND_TRIM) ? NBD_EINVAL
						     : check_range(d, r, size, NBD_EINVAL, UINT32_MAX);
		break;
	case NBD_CMD_WRITE_ZEROES:
		if (ro)
			return NBD_EPERM;
		allowed |= NBD_CMD_FLAG_NO_HOLE;
		err = !(tflags & NBD_FLAG_SEND_WRITE_ZEROES)
			      ? NBD_EINVAL
			      : check_range(d, r, size, NBD_ENOSPC, UINT32_MAX);
		break;
	default:
		return NBD_EINVAL;
	}
	if (err)
		return err;
	if (r->flags & ~allowed)
		return NBD_EINVAL;
	if (removing)
		return NBD_ESHUTDOWN;
	if (!present)
		return NBD_EIO;
	return 0;
}

uint32_t blk_nbd_error(int32_t err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return 0;
	case SATORI_EPERM:
		return NBD_EPERM;
	case SATORI_ENOMEM:
		return NBD_ENOMEM;
	case SATORI_EINVAL:
	case SATORI_EOPNOTSUPP:
		return NBD_EINVAL;
	case SATORI_ENOSPC:
		return NBD_ENOSPC;
	case SATORI_EOVERFLOW:
		return NBD_EOVERFLOW;
	case SATORI_ESHUTDOWN:
		return NBD_ESHUTDOWN;
	default:
		return NBD_EIO; /* EIO, ENODEV, ETIMEDOUT and anything unexpected */
	}
}

static void waiter_unlink(struct satori_blk_disk *d, struct blk_waiter *w)
{
	struct blk_waiter **pp, *prev = NULL;

	for (pp = &d->wait_head; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			if (d->wait_tail == w)
				d->wait_tail = prev;
			return;
		}
	}
}

static bool within_share(const struct satori_blk_disk *d, const struct blk_waiter *w)
{
	return w->conn->slots_held + w->need <= d->share;
}

/* @w goes first among the waiters whose connection may take more slots. */
static bool may_take(const struct satori_blk_disk *d, const struct blk_waiter *w)
{
	if (!within_share(d, w) || d->nfree < w->need)
		return false;
	for (const struct blk_waiter *o = d->wait_head; o && o != w; o = o->next)
		if (within_share(d, o))
			return false;
	return true;
}

int32_t blk_slots_get(struct satori_blk_disk *d, struct nbd_conn *c, uint32_t n,
		      struct blk_slot **out)
{
	struct blk_waiter w = { .conn = c, .need = n };

	pthread_mutex_lock(&d->mu);
	if (!d->removing && !may_take(d, &w)) {
		if (d->wait_tail)
			d->wait_tail->next = &w;
		else
			d->wait_head = &w;
		d->wait_tail = &w;
		while (!d->removing && !may_take(d, &w))
			pthread_cond_wait(&d->cv, &d->mu);
		waiter_unlink(d, &w);
		pthread_cond_broadcast(&d->cv); /* the next waiter is at the head now */
	}
	if (d->removing) {
		pthread_mutex_unlock(&d->mu);
		return -SATORI_ESHUTDOWN;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct blk_slot *s = d->free_list;

		d->free_list = s->next_free;
		s->next_free = NULL;
		s->state = BLK_SLOT_RESERVED;
		s->gen++;
		s->cmd = NULL;
		s->owner = c;
		out[i] = s;
	}
	d->nfree -= n;
	c->slots_held += n;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

static void release_locked(struct satori_blk_disk *d, struct blk_slot *s)
{
	s->state = BLK_SLOT_FREE;
	s->cmd = NULL;
	s->owner->slots_held--;
	s->owner = NULL;
	s->next_free = d->free_list;
	d->free_list = s;
	d->nfree++;
}

void blk_slots_put(struct satori_blk_disk *d, struct blk_slot **slots, uint32_t n)
{
	pthread_mutex_lock(&d->mu);
	for (uint32_t i = 0; i < n; i++)
		release_locked(d, slots[i]);
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

int32_t blk_slot_buffer(struct satori_blk_disk *d, struct blk_slot *s)
{
	struct os_ops *os = &d->blk->shim->os;
	uint32_t pages = (d->chunk + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE;
	int32_t r;

	if (s->buf)
		return 0;
	s->pfns = calloc(pages, sizeof(*s->pfns));
	if (!s->pfns)
		return -SATORI_ENOMEM;
	r = os->gmem_alloc(os->ctx, pages, SATORI_DMA_CONTIGUOUS, &s->buf, s->pfns, &s->mem);
	if (r < 0) {
		free(s->pfns);
		s->pfns = NULL;
		s->buf = NULL;
		return r;
	}
	return 0;
}

static void cmd_put_locked(struct nbd_cmd *cmd)
{
	if (--cmd->pending == 0)
		nbd_conn_queue_reply(cmd->conn, cmd);
}

/* A plugin request finished: record its status, free or hold its slot. */
static void finish_locked(struct satori_blk_disk *d, struct blk_slot *s, int32_t status)
{
	struct nbd_cmd *cmd = s->cmd;

	d->inflight--;
	if (status && !cmd->error)
		cmd->error = blk_nbd_error(status);
	if (cmd->type == NBD_CMD_READ)
		s->state = BLK_SLOT_HELD;
	else
		release_locked(d, s);
	cmd_put_locked(cmd);
	pthread_cond_broadcast(&d->cv);
}

void blk_submit(struct satori_blk_disk *d, struct nbd_cmd *cmd, struct blk_slot *s, uint32_t op,
		uint64_t offset, uint32_t len, uint32_t req_flags)
{
	struct satori_blk_request *q = &s->req;
	bool violated = false;
	uint32_t gen;
	int32_t r;

	memset(q, 0, sizeof(*q));
	q->struct_size = sizeof(*q);
	q->op = op;
	q->lba = offset / d->lbs;
	q->block_count = len / d->lbs;
	q->flags = req_flags;
	if (op == SATORI_BLK_OP_READ || op == SATORI_BLK_OP_WRITE) {
		memset(&s->seg, 0, sizeof(s->seg));
		s->seg.va = s->buf;
		s->seg.len = len;
		s->seg.pfn_count = (len + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE;
		s->seg.pfns = s->pfns;
		q->segment_count = 1;
		q->segments = &s->seg;
	}

	pthread_mutex_lock(&d->mu);
	while (d->inflight >= d->depth && !d->removing)
		pthread_cond_wait(&d->cv, &d->mu); /* the plugin's queue is full */
	gen = s->gen;
	q->tag = (uint64_t)gen << 32 | s->index;
	s->cmd = cmd;
	s->state = BLK_SLOT_INFLIGHT;
	cmd->pending++;
	d->inflight++;
	if (d->removing) {
		/* remove_disk started after this slot was taken: nothing new reaches the plugin */
		finish_locked(d, s, -SATORI_ESHUTDOWN);
		pthread_mutex_unlock(&d->mu);
		return;
	}
	if (d->inflight > d->peak_inflight)
		d->peak_inflight = d->inflight;
	d->submitted++;
	pthread_mutex_unlock(&d->mu);

	pthread_mutex_lock(&d->submit_mu);
	r = d->ops->submit(d->cookie, d, q);
	pthread_mutex_unlock(&d->submit_mu);
	if (r == 0)
		return;

	/* failed at once: complete() must not have been called for it */
	pthread_mutex_lock(&d->mu);
	if (s->state == BLK_SLOT_INFLIGHT && s->gen == gen)
		finish_locked(d, s, r < 0 ? r : -SATORI_EIO);
	else
		violated = true;
	pthread_mutex_unlock(&d->mu);
	if (violated)
		shim_log(d->blk->shim, SATORI_LOG_ERROR,
			 "blk %s: submit failed (%s) but the request was completed too",
			 d->name, shim_strerror(r));
}

void blk_cmd_put(struct satori_blk_disk *d, struct nbd_cmd *cmd, uint32_t error)
{
	pthread_mutex_lock(&d->mu);
	if (error && !cmd->error)
		cmd->error = error;
	cmd_put_locked(cmd);
	pthread_mutex_unlock(&d->mu);
}

void blk_cmd_release(struct nbd_cmd *cmd)
{
	struct satori_blk_disk *d = cmd->disk;

	if (!d || !cmd->nsub)
		return;
	pthread_mutex_lock(&d->mu);
	for (uint32_t i = 0; i < cmd->nsub; i++)
		release_locked(d, cmd->sub[i]);
	cmd->nsub = 0;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

void blk_complete(struct satori_blk_disk *d, uint64_t tag, int32_t status)
{
	uint32_t index = (uint32_t)tag, gen = (uint32_t)(tag >> 32);
	bool ok = false;

	if (!d || d->magic != BLK_DISK_MAGIC)
		return;
	pthread_mutex_lock(&d->mu);
	if (index < d->nslots && d->slots[index].gen == gen &&
	    d->slots[index].state == BLK_SLOT_INFLIGHT) {
		finish_locked(d, &d->slots[index], status > 0 ? -SATORI_EIO : status);
		ok = true;
	}
	pthread_mutex_unlock(&d->mu);
	if (!ok)
		shim_log(d->blk->shim, SATORI_LOG_WARN,
			 "blk %s: complete() for an unknown or finished tag %#llx ignored", d->name,
			 (unsigned long long)tag);
}

uint32_t blk_fail_inflight_locked(struct satori_blk_disk *d, int32_t status)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < d->nslots; i++) {
		if (d->slots[i].state == BLK_SLOT_INFLIGHT) {
			finish_locked(d, &d->slots[i], status);
			n++;
		}
	}
	return n;
}
