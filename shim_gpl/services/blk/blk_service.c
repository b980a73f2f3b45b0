/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blk_service.c — the satori.blk/1 table (add_disk, complete, set_capacity, media_changed,
 * remove_disk), the export registry the NBD handshake looks names up in, and the runtime
 * hooks (create, options, start, stop, a device's leftover disks).
 */
#include "blk_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLK_ALL_FLAGS                                                                    \
	(SATORI_BLK_F_READ_ONLY | SATORI_BLK_F_FLUSH | SATORI_BLK_F_FUA | SATORI_BLK_F_DISCARD | \
	 SATORI_BLK_F_WRITE_ZEROES | SATORI_BLK_F_DISCARD_ZEROES | SATORI_BLK_F_ROTATIONAL)

static struct satori_blk_disk *disk_from(struct satori_blk_disk *d)
{
	return d && d->magic == BLK_DISK_MAGIC ? d : NULL;
}

static const char *plugin_name(const struct satori_blk_disk *d)
{
	return d->dev && d->dev->plugin ? d->dev->plugin->name : "a plugin";
}

/* ---- events ---- */

/* an export event: shim_emit's fields plus the URI in detail */
static void emit(struct satori_shim *shim, uint32_t kind, const struct satori_blk_disk *d,
		 const char *detail, const char *msg)
{
	struct satori_shim_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.message = msg;
	ev.detail = detail;
	if (d->dev) {
		ev.plugin = d->dev->plugin ? d->dev->plugin->name : NULL;
		ev.value = d->dev->offer->relid;
		memcpy(ev.class_id.b, d->dev->offer->class_id, 16);
		memcpy(ev.instance_id.b, d->dev->offer->instance_id, 16);
	}
	shim_emit_event(shim, &ev);
}

void blk_emit_export(struct blk_state *blk, struct satori_blk_disk *d, uint32_t kind)
{
	char uris[2][512], msg[700];
	uint64_t bytes;
	bool tcp;

	pthread_mutex_lock(&d->mu);
	bytes = d->capacity_blocks * d->lbs;
	pthread_mutex_unlock(&d->mu);
	pthread_mutex_lock(&blk->mu);
	if (!blk->server) {
		pthread_mutex_unlock(&blk->mu);
		return;
	}
	nbd_server_unix_uri(blk->server, d->name, uris[0], sizeof(uris[0]));
	tcp = nbd_server_tcp_uri(blk->server, d->name, uris[1], sizeof(uris[1]));
	pthread_mutex_unlock(&blk->mu);
	for (int i = 0; i < (tcp ? 2 : 1); i++) {
		if (kind == SATORI_SHIM_EV_EXPORT_ADDED)
			snprintf(msg, sizeof(msg), "%s exports disk %s (%llu bytes, %u-byte blocks%s) at %s",
				 plugin_name(d), d->name, (unsigned long long)bytes, d->lbs,
				 d->flags & SATORI_BLK_F_READ_ONLY ? ", read-only" : "", uris[i]);
		else
			snprintf(msg, sizeof(msg), "disk %s is no longer exported at %s", d->name,
				 uris[i]);
		emit(blk->shim, kind, d, uris[i], msg);
	}
}

/* ---- the export registry ---- */

int32_t blk_export_lookup(struct blk_state *blk, const char *name, struct nbd_conn *attach,
			  struct blk_export_info *out)
{
	struct satori_blk_disk *d;

	pthread_mutex_lock(&blk->mu);
	for (d = blk->disks; d; d = d->next)
		if (!name[0] || !strcmp(d->name, name))
			break;
	if (d && attach) {
		pthread_mutex_lock(&d->mu);
		if (d->removing) {
			pthread_mutex_unlock(&d->mu);
			d = NULL;
		} else {
			attach->disk = d;
			attach->disk_next = d->conns;
			d->conns = attach;
			d->nconns++;
			pthread_mutex_unlock(&d->mu);
		}
	}
	if (d)
		blk_export_info_fill(d, out);
	pthread_mutex_unlock(&blk->mu);
	return d ? 0 : -SATORI_ENOENT;
}

int32_t blk_export_list(struct blk_state *blk, struct blk_export_info **out, uint32_t *count)
{
	struct satori_blk_disk *d;
	uint32_t n = 0;

	pthread_mutex_lock(&blk->mu);
	for (d = blk->disks; d; d = d->next)
		n++;
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out) {
		pthread_mutex_unlock(&blk->mu);
		return -SATORI_ENOMEM;
	}
	n = 0;
	for (d = blk->disks; d; d = d->next)
		blk_export_info_fill(d, &(*out)[n++]);
	pthread_mutex_unlock(&blk->mu);
	*count = n;
	return 0;
}

void blk_export_detach(struct nbd_conn *c)
{
	struct satori_blk_disk *d = c->disk;
	struct nbd_conn **pp;

	pthread_mutex_lock(&d->mu);
	for (pp = &d->conns; *pp && *pp != c; pp = &(*pp)->disk_next)
		;
	if (*pp)
		*pp = c->disk_next;
	d->nconns--;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	c->disk = NULL;
}

/* ---- names and parameters ---- */

static bool valid_name(const char *s)
{
	size_t n = strnlen(s, BLK_NAME_MAX + 1);

	if (n == 0 || n > BLK_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

static bool name_taken(struct blk_state *blk, const char *name)
{
	for (struct satori_blk_disk *d = blk->disks; d; d = d->next)
		if (!strcmp(d->name, name))
			return true;
	return false;
}

/* "sda" ... "sdz", "sdaa" ...: the lowest one not in use. */
static void auto_name(struct blk_state *blk, char *out)
{
	for (uint32_t i = 0;; i++) {
		char rev[8];
		int n = 0;
		long v = i;

		do {
			rev[n++] = (char)('a' + v % 26);
			v = v / 26 - 1;
		} while (v >= 0 && n < 6);
		out[0] = 's';
		out[1] = 'd';
		for (int k = 0; k < n; k++)
			out[2 + k] = rev[n - 1 - k];
		out[2 + n] = 0;
		if (!name_taken(blk, out))
			return;
	}
}

static const char *bad_params(const struct satori_blk_disk_params *p)
{
	uint32_t lbs = p->logical_block_size;
	uint32_t pbs = p->physical_block_size ? p->physical_block_size : lbs;

	if (p->flags & ~BLK_ALL_FLAGS)
		return "unknown flags";
	if (lbs != 512 && lbs != 4096)
		return "logical_block_size must be 512 or 4096";
	if (pbs < lbs || (pbs & (pbs - 1)))
		return "physical_block_size must be a power of two >= logical_block_size";
	if (p->max_transfer_bytes < 4096 || p->max_transfer_bytes % lbs)
		return "max_transfer_bytes must be a multiple of logical_block_size, >= 4096";
	if (!p->queue_depth)
		return "queue_depth must be >= 1";
	if (p->capacity_blocks > UINT64_MAX / lbs)
		return "capacity_blocks is too large";
	if (p->reserved)
		return "reserved must be 0";
	if (p->name && !valid_name(p->name))
		return "name must be 1-31 characters of [a-z0-9_-]";
	if (!p->ops || p->ops->struct_size < offsetof(struct satori_blk_disk_ops, submit) +
						 sizeof(p->ops->submit) ||
	    !p->ops->submit || p->ops->reserved)
		return "ops must have struct_size, reserved = 0 and submit";
	return NULL;
}

static void copy_description(char *out, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < len; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = 0;
}

static void disk_free(struct satori_blk_disk *d)
{
	blk_queue_free(d);
	pthread_mutex_destroy(&d->submit_mu);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	d->magic = 0;
	free(d);
}

/* ---- the service table ---- */

static int32_t svc_add_disk(const struct satori_blk_service *svc, struct satori_device *dev,
			    const struct satori_blk_disk_params *params,
			    struct satori_blk_disk **out)
{
	struct blk_state *blk = (struct blk_state *)(uintptr_t)svc;
	struct shim_device *sdev = (struct shim_device *)dev;
	struct satori_blk_disk_params p;
	struct satori_blk_disk *d, **tail;
	pthread_condattr_t attr;
	const char *why;
	int32_t r;

	if (!blk || !params || !out)
		return -SATORI_EINVAL;
	if (!sdev || sdev->magic != SHIM_DEVICE_MAGIC)
		return -SATORI_EBADF;
	if (params->struct_size < offsetof(struct satori_blk_disk_params, ops) + sizeof(params->ops)) {
		shim_log(blk->shim, SATORI_LOG_ERROR, "add_disk: params struct_size %u is too small",
			 params->struct_size);
		return -SATORI_EINVAL;
	}
	shim_copy_sized(&p, sizeof(p), params, params->struct_size);
	why = bad_params(&p);
	if (why) {
		shim_log(blk->shim, SATORI_LOG_ERROR, "%s: add_disk refused: %s",
			 sdev->plugin ? sdev->plugin->name : "a plugin", why);
		return -SATORI_EINVAL;
	}

	d = calloc(1, sizeof(*d));
	if (!d)
		return -SATORI_ENOMEM;
	d->magic = BLK_DISK_MAGIC;
	d->blk = blk;
	d->dev = sdev;
	d->flags = p.flags;
	d->lbs = p.logical_block_size;
	d->pbs = p.physical_block_size ? p.physical_block_size : p.logical_block_size;
	d->max_transfer = p.max_transfer_bytes;
	d->capacity_blocks = p.capacity_blocks;
	d->present = true;
	d->cookie = p.cookie;
	d->ops = p.ops;
	copy_description(d->description, sizeof(d->description), p.description);
	pthread_mutex_init(&d->submit_mu, NULL);
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &attr);
	pthread_condattr_destroy(&attr);
	r = blk_queue_init(d, p.queue_depth);
	if (r < 0)
		goto out_free;

	pthread_mutex_lock(&blk->mu);
	if (blk->stopped) {
		r = -SATORI_ESHUTDOWN;
		goto out_unlock;
	}
	if (p.name && name_taken(blk, p.name)) {
		shim_log(blk->shim, SATORI_LOG_ERROR, "add_disk: a disk named %s exists already",
			 p.name);
		r = -SATORI_EEXIST;
		goto out_unlock;
	}
	if (p.name)
		snprintf(d->name, sizeof(d->name), "%s", p.name);
	else
		auto_name(blk, d->name);
	if (!blk->server) {
		r = nbd_server_start(blk, &blk->server);
		if (r < 0)
			goto out_unlock;
	}
	/* a client may submit as soon as the export is listed: the plugin has its handle first */
	*out = d;
	for (tail = &blk->disks; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	pthread_mutex_unlock(&blk->mu);

	blk_emit_export(blk, d, SATORI_SHIM_EV_EXPORT_ADDED);
	return 0;

out_unlock:
	pthread_mutex_unlock(&blk->mu);
out_free:
	disk_free(d);
	return r;
}

/*
 * Ends the export: no new client may use it, requests not yet submitted fail with
 * ESHUTDOWN, its clients are disconnected once their requests are answered, and the
 * plugin's requests in flight are waited for. @forced (the plugin is gone): requests
 * still in flight after the shim's timeout are failed with -SATORI_ENODEV.
 */
static void disk_remove(struct satori_blk_disk *d, bool forced)
{
	struct blk_state *blk = d->blk;
	struct satori_shim *shim = blk->shim;
	struct satori_blk_disk **pp;
	uint32_t inflight, clients, failed;

	pthread_mutex_lock(&blk->mu);
	for (pp = &blk->disks; *pp && *pp != d; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = d->next;
	pthread_mutex_unlock(&blk->mu);

	pthread_mutex_lock(&d->mu);
	d->removing = true;
	for (struct nbd_conn *c = d->conns; c; c = c->disk_next)
		shutdown(c->fd, SHUT_RD); /* replies still go out; no new requests come in */
	pthread_cond_broadcast(&d->cv);
	while (d->nconns || d->nfree != d->nslots) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += shim->cfg.timeout_ms / 1000;
		ts.tv_nsec += (long)(shim->cfg.timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&d->cv, &d->mu, &ts) != ETIMEDOUT)
			continue;
		failed = forced ? blk_fail_inflight_locked(d, -SATORI_ENODEV) : 0;
		inflight = d->inflight;
		clients = d->nconns;
		pthread_mutex_unlock(&d->mu);
		if (failed)
			shim_log(shim, SATORI_LOG_WARN,
				 "blk %s: %s never completed %u requests; failed them", d->name,
				 plugin_name(d), failed);
		else
			shim_log(shim, SATORI_LOG_WARN,
				 "blk %s: removal waits for %u requests in flight and %u clients",
				 d->name, inflight, clients);
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);

	shim_log(shim, SATORI_LOG_INFO, "blk %s: removed (%llu requests, at most %u in flight)",
		 d->name, (unsigned long long)d->submitted, d->peak_inflight);
	blk_emit_export(blk, d, SATORI_SHIM_EV_EXPORT_REMOVED);
	disk_free(d);
}

static void svc_complete(struct satori_blk_disk *disk, uint64_t tag, int32_t status)
{
	blk_complete(disk_from(disk), tag, status);
}

static int32_t svc_set_capacity(struct satori_blk_disk *disk, uint64_t capacity_blocks)
{
	struct satori_blk_disk *d = disk_from(disk);
	uint64_t old;

	if (!d)
		return -SATORI_EBADF;
	if (capacity_blocks > UINT64_MAX / d->lbs)
		return -SATORI_EINVAL;
	pthread_mutex_lock(&d->mu);
	old = d->capacity_blocks;
	d->capacity_blocks = capacity_blocks;
	pthread_mutex_unlock(&d->mu);
	shim_log(d->blk->shim, SATORI_LOG_INFO,
		 "blk %s: capacity %llu -> %llu blocks (clients see it when they reconnect)",
		 d->name, (unsigned long long)old, (unsigned long long)capacity_blocks);
	return 0;
}

static int32_t svc_media_changed(struct satori_blk_disk *disk, uint32_t present)
{
	struct satori_blk_disk *d = disk_from(disk);

	if (!d)
		return -SATORI_EBADF;
	pthread_mutex_lock(&d->mu);
	d->present = present != 0;
	pthread_mutex_unlock(&d->mu);
	shim_log(d->blk->shim, SATORI_LOG_INFO, "blk %s: medium %s", d->name,
		 present ? "present" : "gone; requests fail until it is back");
	return 0;
}

static void svc_remove_disk(struct satori_blk_disk *disk)
{
	struct satori_blk_disk *d = disk_from(disk);

	if (d)
		disk_remove(d, false);
}

/* ---- runtime hooks ---- */

int32_t blk_create(struct satori_shim *shim)
{
	struct blk_state *blk = calloc(1, sizeof(*blk));

	if (!blk)
		return -SATORI_ENOMEM;
	blk->shim = shim;
	pthread_mutex_init(&blk->mu, NULL);
	blk->tbl.struct_size = sizeof(blk->tbl);
	blk->tbl.add_disk = svc_add_disk;
	blk->tbl.complete = svc_complete;
	blk->tbl.set_capacity = svc_set_capacity;
	blk->tbl.media_changed = svc_media_changed;
	blk->tbl.remove_disk = svc_remove_disk;
	shim->blk = blk;
	return 0;
}

void blk_destroy(struct satori_shim *shim)
{
	struct blk_state *blk = shim->blk;

	if (!blk)
		return;
	blk_stop(shim);
	pthread_mutex_destroy(&blk->mu);
	free(blk);
	shim->blk = NULL;
}

const void *blk_service_table(struct satori_shim *shim)
{
	return shim->blk ? &shim->blk->tbl : NULL;
}

static int32_t parse_tcp(const char *v, struct sockaddr_in *sa)
{
	const char *colon = strrchr(v, ':');
	char host[INET_ADDRSTRLEN];
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - v) >= sizeof(host) || !colon[1])
		return -SATORI_EINVAL;
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port > 65535 || colon[1] < '0' || colon[1] > '9')
		return -SATORI_EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -SATORI_EINVAL;
}

int32_t blk_set_option(struct satori_shim *shim, const char *key, const char *value)
{
	struct blk_state *blk = shim->blk;
	struct sockaddr_in sa;
	int32_t r = 0;

	if (!strcmp(key, "blk.nbd_socket")) {
		char path[sizeof(blk->sock_opt)], cwd[sizeof(blk->sock_opt)];
		int n;

		/* the URI needs an absolute path: a relative one is taken from here */
		if (!value[0] || value[0] == '/')
			n = snprintf(path, sizeof(path), "%s", value);
		else if (getcwd(cwd, sizeof(cwd)))
			n = snprintf(path, sizeof(path), "%s/%s", cwd, value);
		else
			return -SATORI_EINVAL;
		if (n < 0 || (size_t)n >= sizeof(path))
			return -SATORI_EINVAL;
		pthread_mutex_lock(&blk->mu);
		memcpy(blk->sock_opt, path, (size_t)n + 1);
		pthread_mutex_unlock(&blk->mu);
		return 0;
	}
	if (!strcmp(key, "blk.nbd_tcp")) {
		if (value[0])
			r = parse_tcp(value, &sa);
		if (r < 0)
			return r;
		pthread_mutex_lock(&blk->mu);
		blk->tcp_on = value[0] != 0;
		if (blk->tcp_on)
			blk->tcp_addr = sa;
		pthread_mutex_unlock(&blk->mu);
		return 0;
	}
	return -SATORI_ENOENT;
}

int32_t blk_start(struct satori_shim *shim)
{
	pthread_mutex_lock(&shim->blk->mu);
	shim->blk->stopped = false;
	pthread_mutex_unlock(&shim->blk->mu);
	return 0;
}

void blk_stop(struct satori_shim *shim)
{
	struct blk_state *blk = shim->blk;
	struct nbd_server *srv;

	pthread_mutex_lock(&blk->mu);
	blk->stopped = true;
	pthread_mutex_unlock(&blk->mu);
	for (;;) {
		struct satori_blk_disk *d;

		pthread_mutex_lock(&blk->mu);
		d = blk->disks;
		pthread_mutex_unlock(&blk->mu);
		if (!d)
			break;
		shim_log(shim, SATORI_LOG_WARN, "blk %s: still registered at stop; removing it",
			 d->name);
		disk_remove(d, true);
	}
	pthread_mutex_lock(&blk->mu);
	srv = blk->server;
	blk->server = NULL;
	pthread_mutex_unlock(&blk->mu);
	nbd_server_stop(srv);
}

void blk_release_device(struct satori_shim *shim, struct shim_device *dev)
{
	struct blk_state *blk = shim->blk;

	for (;;) {
		struct satori_blk_disk *d;

		pthread_mutex_lock(&blk->mu);
		for (d = blk->disks; d && d->dev != dev; d = d->next)
			;
		pthread_mutex_unlock(&blk->mu);
		if (!d)
			break;
		shim_log(shim, SATORI_LOG_WARN, "%s left disk %s registered; removing it",
			 plugin_name(d), d->name);
		disk_remove(d, true);
	}
}
