/* SPDX-License-Identifier: MIT */
/*
 * ramdisk.c — a satori.blk/1 test plugin written against abi/ only: one in-memory disk per
 * offered device, configured by the offer's user-defined bytes
 * (support/blk_ramdisk_config.h). Every request is checked against the blk.h contract
 * (violations are logged and counted); requests complete from two worker threads
 * (optionally shuffled and delayed), inside submit, or are held until a test releases them.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <satori/satori.h>

#include "support/blk_ramdisk_config.h"

#define RD_EXPORT __attribute__((visibility("default")))
#define RD_WORKERS 2

struct rd_item {
	struct satori_blk_disk *disk;
	const struct satori_blk_request *req;
	struct rd_item *next;
};

struct ramdisk {
	struct blk_ramdisk_config cfg;
	const struct satori_blk_service *blk;
	struct satori_device *dev;
	struct satori_blk_disk *disk;
	uint8_t *data;
	pthread_t workers[RD_WORKERS];
	uint32_t nworkers;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t blocks;
	struct rd_item *head, *tail, *held;
	uint32_t queued;
	bool stop;
	uint32_t inflight, peak;
	uint64_t requests, violations, max_bytes, fua, ops[6];
	int32_t fail;
	int32_t fail_submit;
	unsigned rng;
	struct ramdisk *next;
};

static const struct satori_host *host;
static const struct satori_guid classes[] = {
	SATORI_GUID_INIT(0x5a7f0000, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, BLK_RAMDISK_CLASS_BYTE),
};
static pthread_mutex_t list_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ramdisk *live;    /* probed and not removed */
static struct ramdisk *zombies; /* forgot remove_disk on purpose: kept until unload */

static void rd_log(struct ramdisk *rd, uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rd_log(struct ramdisk *rd, uint32_t level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	host->log(host, rd ? rd->dev : NULL, level, line);
}

/* What the shim promised in blk.h; NULL when @q keeps the promise. */
static const char *contract_broken(struct ramdisk *rd, const struct satori_blk_request *q)
{
	uint32_t lbs = rd->cfg.logical_block_size, f = rd->cfg.disk_flags;
	uint64_t bytes = (uint64_t)q->block_count * lbs, total = 0;
	bool data = q->op == SATORI_BLK_OP_READ || q->op == SATORI_BLK_OP_WRITE;
	bool writes = q->op == SATORI_BLK_OP_WRITE || q->op == SATORI_BLK_OP_DISCARD ||
		      q->op == SATORI_BLK_OP_WRITE_ZEROES;

	if (q->struct_size < sizeof(*q) || q->reserved)
		return "bad struct_size or reserved";
	if (q->op < SATORI_BLK_OP_READ || q->op > SATORI_BLK_OP_WRITE_ZEROES)
		return "unknown op";
	if (q->op == SATORI_BLK_OP_FLUSH) {
		if (q->lba || q->block_count || !(f & SATORI_BLK_F_FLUSH))
			return "FLUSH with blocks, or on a disk without a cache";
	} else if (!q->block_count || q->lba > rd->blocks || q->block_count > rd->blocks - q->lba) {
		return "no blocks, or blocks past the end";
	}
	if (data && bytes > rd->cfg.max_transfer_bytes)
		return "READ/WRITE longer than max_transfer_bytes";
	if (data) {
		if (!q->segment_count || !q->segments)
			return "no segments";
		for (uint32_t i = 0; i < q->segment_count; i++) {
			const struct satori_blk_segment *s = &q->segments[i];

			if (!s->va || !s->len || s->byte_offset >= 4096 || s->reserved || !s->pfns ||
			    s->pfn_count != (s->byte_offset + s->len + 4095) / 4096)
				return "bad segment";
			for (uint32_t k = 0; k < s->pfn_count; k++)
				if (!s->pfns[k])
					return "segment with page frame 0";
			total += s->len;
		}
		if (total != bytes)
			return "segments do not add up to block_count";
	} else if (q->segment_count) {
		return "segments on an operation without data";
	}
	if (q->flags & ~SATORI_BLK_REQ_FUA)
		return "unknown request flags";
	if ((q->flags & SATORI_BLK_REQ_FUA) &&
	    (!(f & SATORI_BLK_F_FUA) || (q->op != SATORI_BLK_OP_WRITE &&
					 q->op != SATORI_BLK_OP_WRITE_ZEROES)))
		return "FUA where the disk did not offer it";
	if (writes && (f & SATORI_BLK_F_READ_ONLY))
		return "a write to a read-only disk";
	if (q->op == SATORI_BLK_OP_DISCARD && !(f & SATORI_BLK_F_DISCARD))
		return "DISCARD the disk did not offer";
	if (q->op == SATORI_BLK_OP_WRITE_ZEROES && !(f & SATORI_BLK_F_WRITE_ZEROES))
		return "WRITE_ZEROES the disk did not offer";
	return NULL;
}

/* With rd->mu held. */
static int32_t do_io(struct ramdisk *rd, const struct satori_blk_request *q)
{
	uint64_t bytes = (uint64_t)q->block_count * rd->cfg.logical_block_size;
	uint8_t *at = rd->data + q->lba * rd->cfg.logical_block_size;

	switch (q->op) {
	case SATORI_BLK_OP_READ:
	case SATORI_BLK_OP_WRITE:
		if (rd->fail)
			return rd->fail;
		for (uint32_t i = 0; i < q->segment_count; i++) {
			const struct satori_blk_segment *s = &q->segments[i];

			if (q->op == SATORI_BLK_OP_READ)
				memcpy(s->va, at, s->len);
			else
				memcpy(at, s->va, s->len);
			at += s->len;
		}
		return 0;
	case SATORI_BLK_OP_DISCARD:
		if (rd->cfg.disk_flags & SATORI_BLK_F_DISCARD_ZEROES)
			memset(at, 0, bytes);
		else
			memset(at, 0xdd, bytes); /* "no longer needed": anything may read back */
		return 0;
	case SATORI_BLK_OP_WRITE_ZEROES:
		memset(at, 0, bytes);
		return 0;
	default:
		return 0;
	}
}

static int32_t rd_submit(void *cookie, struct satori_blk_disk *disk,
			 const struct satori_blk_request *q)
{
	struct ramdisk *rd = cookie;
	const char *why;
	struct rd_item *it = NULL;
	bool too_many;
	int32_t st;

	pthread_mutex_lock(&rd->mu);
	why = contract_broken(rd, q);
	rd->requests++;
	if (q->op < 6)
		rd->ops[q->op]++;
	if (q->flags & SATORI_BLK_REQ_FUA)
		rd->fua++;
	if ((uint64_t)q->block_count * rd->cfg.logical_block_size > rd->max_bytes)
		rd->max_bytes = (uint64_t)q->block_count * rd->cfg.logical_block_size;
	if (why) {
		rd->violations++;
		pthread_mutex_unlock(&rd->mu);
		rd_log(rd, SATORI_LOG_ERROR, "ramdisk violation: %s (op %u, lba %llu, %u blocks)", why,
		       q->op, (unsigned long long)q->lba, q->block_count);
		return -SATORI_EINVAL;
	}
	if (rd->fail_submit) {
		st = rd->fail_submit;
		pthread_mutex_unlock(&rd->mu);
		return st;
	}
	if (++rd->inflight > rd->peak)
		rd->peak = rd->inflight;
	too_many = rd->inflight > rd->cfg.queue_depth;
	if (too_many)
		rd->violations++;
	if (rd->cfg.mode == BLK_RAMDISK_SYNC) {
		st = do_io(rd, q);
		rd->inflight--;
		pthread_mutex_unlock(&rd->mu);
		rd->blk->complete(disk, q->tag, st);
		goto out;
	}
	it = calloc(1, sizeof(*it));
	if (!it) {
		rd->inflight--;
		pthread_mutex_unlock(&rd->mu);
		return -SATORI_ENOMEM;
	}
	it->disk = disk;
	it->req = q;
	if (rd->cfg.mode == BLK_RAMDISK_HOLD) {
		it->next = rd->held;
		rd->held = it;
	} else {
		if (rd->tail)
			rd->tail->next = it;
		else
			rd->head = it;
		rd->tail = it;
		rd->queued++;
		pthread_cond_signal(&rd->cv);
	}
	pthread_mutex_unlock(&rd->mu);
out:
	if (too_many)
		rd_log(rd, SATORI_LOG_ERROR, "ramdisk violation: more than %u requests in flight",
		       rd->cfg.queue_depth);
	return 0;
}

/* With rd->mu held and rd->head set: the next request to serve. */
static struct rd_item *take_locked(struct ramdisk *rd)
{
	struct rd_item **pp = &rd->head, *it, *prev = NULL;
	uint32_t k = 0;

	if ((rd->cfg.options & BLK_RAMDISK_O_SHUFFLE) && rd->queued > 1)
		k = (unsigned)rand_r(&rd->rng) % rd->queued;
	for (; k; k--) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	it = *pp;
	*pp = it->next;
	if (rd->tail == it)
		rd->tail = prev;
	rd->queued--;
	return it;
}

static void *rd_worker(void *arg)
{
	struct ramdisk *rd = arg;

	pthread_mutex_lock(&rd->mu);
	for (;;) {
		struct rd_item *it;
		int32_t st;

		if (!rd->head) {
			if (rd->stop)
				break;
			pthread_cond_wait(&rd->cv, &rd->mu);
			continue;
		}
		it = take_locked(rd);
		if (rd->cfg.delay_us) {
			struct timespec ts = { .tv_sec = rd->cfg.delay_us / 1000000u,
					       .tv_nsec = (long)(rd->cfg.delay_us % 1000000u) * 1000L };

			pthread_mutex_unlock(&rd->mu);
			nanosleep(&ts, NULL);
			pthread_mutex_lock(&rd->mu);
		}
		st = do_io(rd, it->req);
		rd->inflight--;
		pthread_mutex_unlock(&rd->mu);
		rd->blk->complete(it->disk, it->req->tag, st);
		free(it);
		pthread_mutex_lock(&rd->mu);
	}
	pthread_mutex_unlock(&rd->mu);
	return NULL;
}

static uint32_t release_held(struct ramdisk *rd, int32_t status)
{
	struct rd_item *it;
	uint32_t n = 0;

	pthread_mutex_lock(&rd->mu);
	it = rd->held;
	rd->held = NULL;
	pthread_mutex_unlock(&rd->mu);
	while (it) {
		struct rd_item *next = it->next;
		int32_t st = status;

		pthread_mutex_lock(&rd->mu);
		if (!st)
			st = do_io(rd, it->req);
		rd->inflight--;
		pthread_mutex_unlock(&rd->mu);
		rd->blk->complete(it->disk, it->req->tag, st);
		free(it);
		it = next;
		n++;
	}
	return n;
}

static const struct satori_blk_disk_ops rd_ops = {
	.struct_size = sizeof(struct satori_blk_disk_ops),
	.submit = rd_submit,
};

static void rd_free(struct ramdisk *rd)
{
	while (rd->held) {
		struct rd_item *it = rd->held;

		rd->held = it->next;
		free(it);
	}
	pthread_mutex_destroy(&rd->mu);
	pthread_cond_destroy(&rd->cv);
	free(rd->data);
	free(rd);
}

static void stop_workers(struct ramdisk *rd)
{
	pthread_mutex_lock(&rd->mu);
	rd->stop = true;
	pthread_cond_broadcast(&rd->cv);
	pthread_mutex_unlock(&rd->mu);
	for (uint32_t i = 0; i < rd->nworkers; i++)
		pthread_join(rd->workers[i], NULL);
	rd->nworkers = 0;
}

static void unlink_live(struct ramdisk *rd)
{
	pthread_mutex_lock(&list_mu);
	for (struct ramdisk **pp = &live; *pp; pp = &(*pp)->next) {
		if (*pp == rd) {
			*pp = rd->next;
			break;
		}
	}
	pthread_mutex_unlock(&list_mu);
}

static int32_t rd_probe(void *cookie, struct satori_device *dev,
			const struct satori_device_info *info, void **device_cookie)
{
	struct satori_blk_disk_params p;
	struct ramdisk *rd;
	char desc[64];
	int32_t r;

	const struct satori_blk_service *blk =
		satori_get_service(host, SATORI_SERVICE_BLK, sizeof(struct satori_blk_service));

	(void)cookie;
	if (!blk)
		return -SATORI_ENOENT;
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return -SATORI_ENOMEM;
	rd->blk = blk;
	memcpy(&rd->cfg, info->user_defined, sizeof(rd->cfg));
	if (rd->cfg.magic != BLK_RAMDISK_MAGIC || !rd->cfg.logical_block_size) {
		free(rd);
		return -SATORI_EINVAL;
	}
	rd->dev = dev;
	rd->blocks = rd->cfg.capacity_bytes / rd->cfg.logical_block_size;
	rd->rng = rd->cfg.id * 7919u + 1u;
	rd->data = calloc(1, rd->cfg.capacity_bytes ? rd->cfg.capacity_bytes : 1);
	pthread_mutex_init(&rd->mu, NULL);
	pthread_cond_init(&rd->cv, NULL);
	if (!rd->data) {
		rd_free(rd);
		return -SATORI_ENOMEM;
	}
	if (rd->cfg.mode == BLK_RAMDISK_ASYNC) {
		for (; rd->nworkers < RD_WORKERS; rd->nworkers++)
			if (pthread_create(&rd->workers[rd->nworkers], NULL, rd_worker, rd) != 0)
				break;
	}

	snprintf(desc, sizeof(desc), "ramdisk %u", rd->cfg.id);
	memset(&p, 0, sizeof(p));
	p.struct_size = sizeof(p);
	p.flags = rd->cfg.disk_flags;
	p.name = rd->cfg.name[0] ? rd->cfg.name : NULL;
	p.description = desc;
	p.logical_block_size = rd->cfg.logical_block_size;
	p.physical_block_size = rd->cfg.physical_block_size;
	p.capacity_blocks = rd->blocks;
	p.max_transfer_bytes = rd->cfg.max_transfer_bytes;
	p.queue_depth = rd->cfg.queue_depth;
	p.cookie = rd;
	p.ops = &rd_ops;
	pthread_mutex_lock(&list_mu);
	rd->next = live;
	live = rd;
	pthread_mutex_unlock(&list_mu);
	r = blk->add_disk(blk, dev, &p, &rd->disk);
	if (r < 0) {
		unlink_live(rd);
		stop_workers(rd);
		rd_free(rd);
		return r;
	}
	*device_cookie = rd;
	return 0;
}

static void rd_remove(void *device_cookie, struct satori_device *dev)
{
	struct ramdisk *rd = device_cookie;

	(void)dev;
	unlink_live(rd);
	if (rd->cfg.options & BLK_RAMDISK_O_FORGET_REMOVE) {
		/* a buggy plugin: held requests stay held, the shim has to clean up */
		stop_workers(rd);
		pthread_mutex_lock(&list_mu);
		rd->next = zombies;
		zombies = rd;
		pthread_mutex_unlock(&list_mu);
		return;
	}
	release_held(rd, -SATORI_ENODEV); /* the device is gone */
	rd->blk->remove_disk(rd->disk);
	stop_workers(rd);
	rd_free(rd);
}

/* add_disk with one parameter broken; the status it returned */
static int32_t try_add(struct ramdisk *rd, uint32_t variant)
{
	struct satori_blk_disk_params p;
	struct satori_blk_disk *d = NULL;
	int32_t r;

	memset(&p, 0, sizeof(p));
	p.struct_size = sizeof(p);
	p.flags = rd->cfg.disk_flags;
	p.name = "spare";
	p.logical_block_size = rd->cfg.logical_block_size;
	p.capacity_blocks = 8;
	p.max_transfer_bytes = rd->cfg.max_transfer_bytes;
	p.queue_depth = 4;
	p.cookie = rd;
	p.ops = &rd_ops;
	switch (variant) {
	case 0: p.logical_block_size = 1024; break;
	case 1: p.physical_block_size = p.logical_block_size / 2; break;
	case 2: p.physical_block_size = 3 * p.logical_block_size; break;
	case 3: p.max_transfer_bytes = 1000; break;
	case 4: p.queue_depth = 0; break;
	case 5: p.name = "Bad!"; break;
	case 6: p.name = "sda"; break; /* taken */
	case 7: p.flags |= 0x80000000u; break;
	case 8: p.reserved = 1; break;
	case 9: p.ops = NULL; break;
	case 10: p.struct_size = 8; break;
	default: p.capacity_blocks = UINT64_MAX / 2; break;
	}
	r = rd->blk->add_disk(rd->blk, rd->dev, &p, &d);
	if (r == 0)
		rd->blk->remove_disk(d); /* should not have been accepted */
	return r == 0 ? 1 : r;
}

static void rd_unload(void *cookie)
{
	(void)cookie;
	pthread_mutex_lock(&list_mu);
	while (zombies) {
		struct ramdisk *rd = zombies;

		zombies = rd->next;
		rd_free(rd);
	}
	pthread_mutex_unlock(&list_mu);
}

RD_EXPORT uint64_t satori_test_ramdisk_ctl(uint32_t id, uint32_t op, uint64_t arg)
{
	struct ramdisk *rd;
	uint64_t v = 0;

	pthread_mutex_lock(&list_mu);
	for (rd = live; rd && rd->cfg.id != id; rd = rd->next)
		;
	if (!rd) {
		pthread_mutex_unlock(&list_mu);
		return UINT64_MAX;
	}
	switch (op) {
	case BLK_RAMDISK_CTL_SET_CAPACITY:
		if (arg * rd->cfg.logical_block_size > rd->cfg.capacity_bytes) {
			v = (uint64_t)(int64_t)-SATORI_EINVAL; /* larger than the memory behind it */
			break;
		}
		pthread_mutex_lock(&rd->mu);
		rd->blocks = arg;
		pthread_mutex_unlock(&rd->mu);
		v = (uint64_t)(int64_t)rd->blk->set_capacity(rd->disk, arg);
		break;
	case BLK_RAMDISK_CTL_MEDIA:
		v = (uint64_t)(int64_t)rd->blk->media_changed(rd->disk, (uint32_t)arg);
		break;
	case BLK_RAMDISK_CTL_RELEASE:
		v = release_held(rd, (int32_t)arg);
		break;
	case BLK_RAMDISK_CTL_DATA:
		/* the lock orders the caller's look at the bytes after every completed request */
		pthread_mutex_lock(&rd->mu);
		v = (uint64_t)(uintptr_t)rd->data;
		pthread_mutex_unlock(&rd->mu);
		break;
	case BLK_RAMDISK_CTL_BOGUS_COMPLETE:
		rd->blk->complete(rd->disk, 0xdead0000beefull, 0);
		break;
	case BLK_RAMDISK_CTL_TRY_ADD:
		v = (uint64_t)(int64_t)try_add(rd, (uint32_t)arg);
		break;
	default:
		pthread_mutex_lock(&rd->mu);
		switch (op) {
		case BLK_RAMDISK_CTL_PEAK: v = rd->peak; break;
		case BLK_RAMDISK_CTL_REQUESTS: v = rd->requests; break;
		case BLK_RAMDISK_CTL_VIOLATIONS: v = rd->violations; break;
		case BLK_RAMDISK_CTL_MAX_BYTES: v = rd->max_bytes; break;
		case BLK_RAMDISK_CTL_FUA: v = rd->fua; break;
		case BLK_RAMDISK_CTL_OPS: v = arg < 6 ? rd->ops[arg] : 0; break;
		case BLK_RAMDISK_CTL_FAIL: rd->fail = (int32_t)arg; break;
		case BLK_RAMDISK_CTL_FAIL_SUBMIT: rd->fail_submit = (int32_t)arg; break;
		case BLK_RAMDISK_CTL_HELD:
			for (struct rd_item *it = rd->held; it; it = it->next)
				v++;
			break;
		default: v = UINT64_MAX; break;
		}
		pthread_mutex_unlock(&rd->mu);
	}
	pthread_mutex_unlock(&list_mu);
	return v;
}

RD_EXPORT int32_t satori_plugin_entry(const struct satori_host *h, struct satori_plugin *out)
{
	host = h;
	out->struct_size = sizeof(*out) < out->struct_size ? sizeof(*out) : out->struct_size;
	out->abi_version = SATORI_ABI_VERSION_CURRENT;
	out->name = "test-ramdisk";
	out->version = "1.0.0";
	out->description = "blk test: an in-memory disk per device";
	out->class_count = 1;
	out->classes = classes;
	out->probe = rd_probe;
	out->remove = rd_remove;
	out->unload = rd_unload;
	return 0;
}
