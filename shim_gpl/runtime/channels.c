/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * channels.c — the [channel] context: one thread per open channel that runs
 * vmbus_channel_poll whenever the host signals (or the core asks for a callback).
 */
#include "shim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *channel_main(void *arg)
{
	struct shim_channel *sc = arg;
	uint64_t seen = 0;
	char name[16];

	snprintf(name, sizeof(name), "satori-ch%u", sc->offer->relid);
	pthread_setname_np(pthread_self(), name);
	pthread_mutex_lock(&sc->mu);
	for (;;) {
		while (sc->kicks == seen && !sc->stop)
			pthread_cond_wait(&sc->cv, &sc->mu);
		if (sc->stop)
			break;
		seen = sc->kicks;
		pthread_mutex_unlock(&sc->mu);
		vmbus_channel_poll(sc->ch);
		pthread_mutex_lock(&sc->mu);
	}
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

/* Called by core with its connection lock held: only wake the thread. */
void channels_on_interrupt(void *ctx, struct vmbus_channel *ch)
{
	struct shim_channel *sc = vmbus_channel_owner(ch);

	(void)ctx;
	pthread_mutex_lock(&sc->mu);
	sc->kicks++;
	pthread_cond_signal(&sc->cv);
	pthread_mutex_unlock(&sc->mu);
}

struct shim_channel *channels_from_handle(struct satori_channel *ch)
{
	struct shim_channel *sc;

	if (!ch)
		return NULL;
	sc = vmbus_channel_owner((struct vmbus_channel *)ch);
	return sc && sc->magic == SHIM_CHANNEL_MAGIC ? sc : NULL;
}

static void link_channel(struct shim_device *dev, struct shim_channel *sc, bool on)
{
	struct shim_channel **pp;

	pthread_mutex_lock(&dev->mu);
	if (on) {
		sc->next = dev->channels;
		dev->channels = sc;
	} else {
		for (pp = &dev->channels; *pp; pp = &(*pp)->next) {
			if (*pp == sc) {
				*pp = sc->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&dev->mu);
}

int32_t channels_open(struct shim_device *dev, uint16_t sub_index,
		      const struct satori_channel_open_params *p, struct satori_channel **out)
{
	struct satori_shim *shim = dev->shim;
	struct vmbus_channel_params vp;
	struct vmbus_offer *o = dev->offer;
	struct shim_channel *sc;
	int32_t r;

	if (!p || !out || p->struct_size < offsetof(struct satori_channel_open_params, callbacks) +
						   sizeof(p->callbacks))
		return -SATORI_EINVAL;
	if (p->flags)
		return -SATORI_EINVAL;
	if (!p->callbacks || p->callbacks->struct_size <
				     offsetof(struct satori_channel_callbacks, on_closed) +
					     sizeof(p->callbacks->on_closed))
		return -SATORI_EINVAL;
	if (sub_index != 0) {
		o = vmbus_offer_find_sub(shim->conn, dev->offer, sub_index);
		if (!o)
			return -SATORI_ENOENT;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -SATORI_ENOMEM;
	sc->magic = SHIM_CHANNEL_MAGIC;
	sc->dev = dev;
	sc->offer = o;
	pthread_mutex_init(&sc->mu, NULL);
	pthread_cond_init(&sc->cv, NULL);

	memset(&vp, 0, sizeof(vp));
	vp.ring_bytes_out = p->ring_bytes_out;
	vp.ring_bytes_in = p->ring_bytes_in;
	vp.max_packet_bytes = p->max_packet_bytes;
	vp.max_outstanding = p->max_outstanding;
	vp.user_data = p->user_data;
	vp.user_data_len = p->user_data_len;
	vp.target_vcpu = p->target_vcpu;
	vp.cookie = p->cookie;
	vp.cb = p->callbacks;
	vp.owner = sc;
	r = vmbus_channel_open(shim->conn, o, &vp, &sc->ch);
	if (r < 0)
		goto out_free;
	if (pthread_create(&sc->thread, NULL, channel_main, sc) != 0) {
		vmbus_channel_detach(sc->ch);
		vmbus_channel_close(sc->ch);
		r = -SATORI_ENOMEM;
		goto out_free;
	}
	sc->thread_started = true;
	if (sub_index != 0) {
		pthread_mutex_lock(&shim->mu);
		o->owner = sc;
		pthread_mutex_unlock(&shim->mu);
	}
	link_channel(dev, sc, true);
	*out = (struct satori_channel *)sc->ch;
	return 0;

out_free:
	pthread_cond_destroy(&sc->cv);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
	return r;
}

void channels_close(struct shim_channel *sc)
{
	struct shim_device *dev = sc->dev;
	struct satori_shim *shim = dev->shim;
	struct vmbus_offer *o = sc->offer;
	struct shim_gpadl *g;
	bool release_sub;

	link_channel(dev, sc, false);
	vmbus_channel_detach(sc->ch); /* no more interrupts routed to us */
	if (sc->thread_started) {
		pthread_mutex_lock(&sc->mu);
		sc->stop = true;
		pthread_cond_signal(&sc->cv);
		pthread_mutex_unlock(&sc->mu);
		pthread_join(sc->thread, NULL);
	}
	while ((g = sc->gpadls)) {
		sc->gpadls = g->next;
		shim_log(shim, SATORI_LOG_WARN,
			 "%s left GPADL 0x%x on relid %u; tearing it down", dev->plugin->name,
			 g->handle, o->relid);
		vmbus_gpadl_teardown(shim->conn, o, g->handle);
		free(g);
	}
	/* keep a reference: vmbus_channel_close drops the channel's own */
	vmbus_offer_get(shim->conn, o);
	vmbus_channel_close(sc->ch);
	pthread_mutex_lock(&shim->mu);
	release_sub = o->sub_channel_index != 0 && o->state == VMBUS_OFFER_RESCINDED;
	if (o->sub_channel_index != 0)
		o->owner = NULL;
	pthread_mutex_unlock(&shim->mu);
	if (release_sub)
		vmbus_offer_release(shim->conn, o);
	vmbus_offer_put(shim->conn, o);
	sc->magic = 0;
	pthread_cond_destroy(&sc->cv);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
}

void channels_release_device(struct shim_device *dev)
{
	struct shim_channel *sc;

	for (;;) {
		pthread_mutex_lock(&dev->mu);
		sc = dev->channels;
		pthread_mutex_unlock(&dev->mu);
		if (!sc)
			break;
		shim_log(dev->shim, SATORI_LOG_WARN, "%s left relid %u open; closing it",
			 dev->plugin ? dev->plugin->name : "a plugin", sc->offer->relid);
		channels_close(sc);
	}
}
