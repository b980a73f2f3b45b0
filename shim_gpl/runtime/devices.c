/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * devices.c — offers become devices; devices are matched to plugins by class GUID and
 * probed, removed on rescind or stop. All plugin lifecycle calls run on the lifecycle
 * work queue (the [probe] context), one at a time.
 */
#include "shim.h"
#include "services/net/net_service.h"

#include <stdlib.h>
#include <string.h>

struct lifecycle_work {
	struct satori_shim *shim;
	struct shim_device *dev;
	struct vmbus_offer *offer; /* sub-channel offers */
};

static struct lifecycle_work *work_new(struct satori_shim *shim, struct shim_device *dev,
				       struct vmbus_offer *offer)
{
	struct lifecycle_work *w = calloc(1, sizeof(*w));

	if (w) {
		w->shim = shim;
		w->dev = dev;
		w->offer = offer;
	}
	return w;
}

const struct shim_plugin *devices_match(struct satori_shim *shim, const uint8_t *class_id)
{
	const struct shim_plugin *p;

	for (p = shim->plugins; p; p = p->next) {
		for (uint32_t i = 0; i < p->desc.class_count; i++) {
			if (!memcmp(p->desc.classes[i].b, class_id, 16))
				return p;
		}
	}
	return NULL;
}

static void fill_info(const struct shim_device *dev, struct satori_device_info *info)
{
	const struct vmbus_offer *o = dev->offer;

	memset(info, 0, sizeof(*info));
	info->struct_size = sizeof(*info);
	info->vmbus_version = vmbus_conn_version(dev->shim->conn);
	memcpy(info->class_id.b, o->class_id, 16);
	memcpy(info->instance_id.b, o->instance_id, 16);
	info->offer_flags = o->chn_flags;
	info->mmio_megabytes = o->mmio_megabytes;
	info->relid = o->relid;
	memcpy(info->user_defined, o->user_defined, sizeof(info->user_defined));
}

/* Frees what a plugin left behind (after remove or a failed probe). */
static void release_leftovers(struct shim_device *dev)
{
	channels_release_device(dev);
	timers_release_device(dev->shim, dev);
	blk_release_device(dev->shim, dev);
	net_release_device(dev->shim, dev);
	hid_release_device(dev->shim, dev);
	dma_free_all(dev);
}

static void probe_work(void *arg)
{
	struct lifecycle_work *w = arg;
	struct shim_device *dev = w->dev;
	struct satori_shim *shim = w->shim;
	struct shim_plugin *p = (struct shim_plugin *)devices_match(shim, dev->offer->class_id);
	struct satori_device_info info;
	void *cookie = NULL;
	char cls[37], inst[37];
	int32_t r;

	free(w);
	shim_guid_str(dev->offer->class_id, cls);
	shim_guid_str(dev->offer->instance_id, inst);
	if (dev->offer->state != VMBUS_OFFER_OFFERED || shim->stopping)
		return;
	if (!p) {
		shim_emit(shim, SATORI_SHIM_EV_NO_DRIVER, 0, dev->offer->relid, NULL,
			  dev->offer->class_id, dev->offer->instance_id,
			  "no plugin drives class %s (device %s, relid %u)", cls, inst,
			  dev->offer->relid);
		return;
	}
	fill_info(dev, &info);
	pthread_mutex_lock(&shim->mu);
	dev->plugin = p;
	pthread_mutex_unlock(&shim->mu);
	r = p->desc.probe(p->desc.cookie, (struct satori_device *)dev, &info, &cookie);
	pthread_mutex_lock(&shim->mu);
	dev->status = r;
	if (r == 0) {
		dev->cookie = cookie;
		dev->bound = true;
		dev->state = SATORI_SHIM_DEV_BOUND;
	} else {
		dev->state = SATORI_SHIM_DEV_FAILED;
	}
	pthread_mutex_unlock(&shim->mu);
	if (r == 0) {
		shim_emit(shim, SATORI_SHIM_EV_BOUND, 0, dev->offer->relid, p->name,
			  dev->offer->class_id, dev->offer->instance_id,
			  "%s drives device %s (class %s, relid %u)", p->name, inst, cls,
			  dev->offer->relid);
		return;
	}
	release_leftovers(dev);
	shim_emit(shim, SATORI_SHIM_EV_PROBE_FAILED, r, dev->offer->relid, p->name,
		  dev->offer->class_id, dev->offer->instance_id,
		  "%s failed to probe device %s (relid %u): %s", p->name, inst, dev->offer->relid,
		  shim_strerror(r));
}

static void remove_device(struct shim_device *dev)
{
	struct satori_shim *shim = dev->shim;
	bool bound;

	pthread_mutex_lock(&shim->mu);
	bound = dev->bound;
	dev->bound = false;
	pthread_mutex_unlock(&shim->mu);
	if (bound) {
		dev->plugin->desc.remove(dev->cookie, (struct satori_device *)dev);
		release_leftovers(dev);
		shim_emit(shim, SATORI_SHIM_EV_REMOVED, 0, dev->offer->relid, dev->plugin->name,
			  dev->offer->class_id, dev->offer->instance_id, "%s released relid %u",
			  dev->plugin->name, dev->offer->relid);
	}
}

static void rescind_work(void *arg)
{
	struct lifecycle_work *w = arg;
	struct shim_device *dev = w->dev;
	struct satori_shim *shim = w->shim;

	free(w);
	remove_device(dev);
	pthread_mutex_lock(&shim->mu);
	dev->state = SATORI_SHIM_DEV_RESCINDED;
	pthread_mutex_unlock(&shim->mu);
	vmbus_offer_release(shim->conn, dev->offer); /* the device keeps its own reference */
}

static void subchannel_work(void *arg)
{
	struct lifecycle_work *w = arg;
	struct shim_device *dev = w->dev;
	struct vmbus_offer *o = w->offer;
	bool bound;

	free(w);
	pthread_mutex_lock(&dev->shim->mu);
	bound = dev->bound;
	pthread_mutex_unlock(&dev->shim->mu);
	if (bound && o->state == VMBUS_OFFER_OFFERED && dev->plugin->desc.on_subchannel)
		dev->plugin->desc.on_subchannel(dev->cookie, (struct satori_device *)dev,
						o->sub_channel_index);
	vmbus_offer_put(dev->shim->conn, o);
}

static void sub_rescind_work(void *arg)
{
	struct lifecycle_work *w = arg;
	struct vmbus_offer *o = w->offer;
	struct satori_shim *shim = w->shim;
	bool open;

	free(w);
	pthread_mutex_lock(&shim->mu);
	open = o->owner != NULL; /* a shim_channel still uses it; channels_close releases */
	pthread_mutex_unlock(&shim->mu);
	if (!open)
		vmbus_offer_release(shim->conn, o);
	vmbus_offer_put(shim->conn, o);
}

static struct shim_device *find_device(struct satori_shim *shim, const struct vmbus_offer *o)
{
	struct shim_device *d;

	for (d = shim->devices; d; d = d->next) {
		if (!memcmp(d->offer->instance_id, o->instance_id, 16) &&
		    !memcmp(d->offer->class_id, o->class_id, 16) &&
		    d->offer->state == VMBUS_OFFER_OFFERED)
			return d;
	}
	return NULL;
}

void devices_on_offer(void *ctx, struct vmbus_offer *o)
{
	struct satori_shim *shim = ctx;
	struct lifecycle_work *w;
	struct shim_device *dev;
	char cls[37], inst[37];

	shim_guid_str(o->class_id, cls);
	shim_guid_str(o->instance_id, inst);
	if (o->sub_channel_index != 0) {
		pthread_mutex_lock(&shim->mu);
		dev = find_device(shim, o);
		pthread_mutex_unlock(&shim->mu);
		if (!dev) {
			shim_log(shim, SATORI_LOG_WARN, "sub-channel %u of unknown device %s ignored",
				 o->sub_channel_index, inst);
			return;
		}
		vmbus_offer_get(shim->conn, o);
		w = work_new(shim, dev, o);
		if (!w || workq_push(shim->lifecycle, subchannel_work, w) < 0) {
			free(w);
			vmbus_offer_put(shim->conn, o);
		}
		return;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		shim_log(shim, SATORI_LOG_ERROR, "out of memory for device %s", inst);
		return;
	}
	dev->magic = SHIM_DEVICE_MAGIC;
	dev->shim = shim;
	dev->offer = o;
	dev->state = SATORI_SHIM_DEV_OFFERED;
	pthread_mutex_init(&dev->mu, NULL);
	vmbus_offer_get(shim->conn, o);
	o->owner = dev;
	pthread_mutex_lock(&shim->mu);
	dev->next = shim->devices;
	shim->devices = dev;
	pthread_mutex_unlock(&shim->mu);
	shim_emit(shim, SATORI_SHIM_EV_OFFER, 0, o->relid, NULL, o->class_id, o->instance_id,
		  "host offers device %s (class %s, relid %u)", inst, cls, o->relid);
	w = work_new(shim, dev, NULL);
	if (!w || workq_push(shim->lifecycle, probe_work, w) < 0)
		free(w);
}

void devices_on_rescind(void *ctx, struct vmbus_offer *o)
{
	struct satori_shim *shim = ctx;
	struct lifecycle_work *w;
	char inst[37];

	shim_guid_str(o->instance_id, inst);
	if (o->sub_channel_index != 0) {
		vmbus_offer_get(shim->conn, o);
		w = work_new(shim, NULL, o);
		if (!w || workq_push(shim->lifecycle, sub_rescind_work, w) < 0) {
			free(w);
			vmbus_offer_put(shim->conn, o);
		}
		return;
	}
	shim_emit(shim, SATORI_SHIM_EV_RESCINDED, -SATORI_ENODEV, o->relid, NULL, o->class_id,
		  o->instance_id, "host rescinded device %s (relid %u)", inst, o->relid);
	w = work_new(shim, o->owner, NULL);
	if (!o->owner || !w || workq_push(shim->lifecycle, rescind_work, w) < 0)
		free(w);
}

static void remove_all_work(void *arg)
{
	struct satori_shim *shim = arg;
	struct shim_device *d;

	/* devices are only ever prepended; next pointers never change once published */
	pthread_mutex_lock(&shim->mu);
	d = shim->devices;
	pthread_mutex_unlock(&shim->mu);
	for (; d; d = d->next)
		remove_device(d);
}

void devices_remove_all(struct satori_shim *shim)
{
	workq_push(shim->lifecycle, remove_all_work, shim);
	workq_flush(shim->lifecycle);
}

void devices_free_all(struct satori_shim *shim)
{
	struct shim_device *d = shim->devices;

	shim->devices = NULL;
	while (d) {
		struct shim_device *next = d->next;

		d->offer->owner = NULL;
		vmbus_offer_put(shim->conn, d->offer);
		pthread_mutex_destroy(&d->mu);
		free(d);
		d = next;
	}
}
