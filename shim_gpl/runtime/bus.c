/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bus.c — satori_bus_ops: what plugins call. Handles are checked (magic numbers, the
 * DMA buffer must belong to the device) before anything is touched, so a confused
 * plugin gets -SATORI_EBADF instead of corrupting the shim.
 */
#include "shim.h"

#include <stdlib.h>
#include <string.h>

static struct shim_device *dev_from(struct satori_device *d)
{
	struct shim_device *dev = (struct shim_device *)d;

	return dev && dev->magic == SHIM_DEVICE_MAGIC ? dev : NULL;
}

static int32_t bus_channel_open(struct satori_device *d, uint16_t sub_index,
				const struct satori_channel_open_params *p,
				struct satori_channel **out)
{
	struct shim_device *dev = dev_from(d);

	if (!dev)
		return -SATORI_EBADF;
	if (!workq_is_current(dev->shim->lifecycle)) {
		shim_log(dev->shim, SATORI_LOG_ERROR,
			 "channel_open called outside the [probe] context; refused");
		return -SATORI_EINVAL;
	}
	return channels_open(dev, sub_index, p, out);
}

static void bus_channel_close(struct satori_channel *ch)
{
	struct shim_channel *sc = channels_from_handle(ch);

	if (!sc)
		return;
	if (pthread_equal(pthread_self(), sc->thread)) {
		shim_log(sc->dev->shim, SATORI_LOG_ERROR,
			 "channel_close called from the channel's own callback; ignored");
		return;
	}
	channels_close(sc);
}

static int32_t bus_send(struct satori_channel *ch, const struct satori_send *pkt)
{
	if (!channels_from_handle(ch))
		return -SATORI_EBADF;
	return vmbus_channel_send((struct vmbus_channel *)ch, pkt);
}

static int32_t bus_signal(struct satori_channel *ch)
{
	if (!channels_from_handle(ch))
		return -SATORI_EBADF;
	return vmbus_channel_signal((struct vmbus_channel *)ch);
}

static int32_t bus_channel_abort(struct satori_channel *ch, int32_t reason)
{
	struct shim_channel *sc = channels_from_handle(ch);

	if (!sc)
		return -SATORI_EBADF;
	if (reason >= 0)
		return -SATORI_EINVAL;
	shim_log(sc->dev->shim, SATORI_LOG_ERROR, "%s aborted relid %u: %s",
		 sc->dev->plugin ? sc->dev->plugin->name : "a plugin", sc->offer->relid,
		 shim_strerror(reason));
	vmbus_channel_fail(sc->ch, reason);
	channels_on_interrupt(sc->dev->shim, sc->ch); /* on_closed runs in channel context */
	return 0;
}

static int32_t bus_dma_alloc(struct satori_device *d, uint64_t bytes, uint32_t flags,
			     struct satori_dma_buffer *out)
{
	struct shim_device *dev = dev_from(d);
	struct shim_dma *m;
	uint64_t pages;
	int32_t r;

	if (!dev)
		return -SATORI_EBADF;
	if (!out || out->struct_size < sizeof(struct satori_dma_buffer) || bytes == 0 ||
	    (flags & ~SATORI_DMA_CONTIGUOUS))
		return -SATORI_EINVAL;
	pages = (bytes + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE;
	if (pages > UINT32_MAX)
		return -SATORI_ENOMEM;
	m = calloc(1, sizeof(*m));
	if (m)
		m->pfns = calloc(pages, sizeof(uint64_t));
	if (!m || !m->pfns) {
		free(m);
		return -SATORI_ENOMEM;
	}
	r = dev->shim->os.gmem_alloc(dev->shim->os.ctx, (uint32_t)pages, flags, &m->va, m->pfns,
				     &m->handle);
	if (r < 0) {
		free(m->pfns);
		free(m);
		return r;
	}
	m->pages = (uint32_t)pages;
	pthread_mutex_lock(&dev->mu);
	m->next = dev->dmas;
	dev->dmas = m;
	pthread_mutex_unlock(&dev->mu);
	out->page_count = m->pages;
	out->bytes = pages * SATORI_PAGE_SIZE;
	out->va = m->va;
	out->pfns = m->pfns;
	out->handle = (uint64_t)(uintptr_t)m;
	return 0;
}

static struct shim_dma *dma_unlink(struct shim_device *dev, uint64_t handle)
{
	struct shim_dma **pp, *m = NULL;

	pthread_mutex_lock(&dev->mu);
	for (pp = &dev->dmas; *pp; pp = &(*pp)->next) {
		if ((uint64_t)(uintptr_t)*pp == handle) {
			m = *pp;
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&dev->mu);
	return m;
}

static void dma_release(struct shim_device *dev, struct shim_dma *m)
{
	dev->shim->os.gmem_free(dev->shim->os.ctx, m->handle);
	free(m->pfns);
	free(m);
}

static void bus_dma_free(struct satori_device *d, struct satori_dma_buffer *buf)
{
	struct shim_device *dev = dev_from(d);
	struct shim_dma *m;

	if (!dev || !buf || !buf->handle)
		return;
	m = dma_unlink(dev, buf->handle);
	if (!m) {
		shim_log(dev->shim, SATORI_LOG_ERROR, "dma_free of a buffer this device does not own");
		return;
	}
	dma_release(dev, m);
	buf->va = NULL;
	buf->pfns = NULL;
	buf->handle = 0;
}

void dma_free_all(struct shim_device *dev)
{
	struct shim_dma *m;

	for (;;) {
		pthread_mutex_lock(&dev->mu);
		m = dev->dmas;
		if (m)
			dev->dmas = m->next;
		pthread_mutex_unlock(&dev->mu);
		if (!m)
			break;
		shim_log(dev->shim, SATORI_LOG_WARN, "%s left %u pages of DMA memory; freeing them",
			 dev->plugin ? dev->plugin->name : "a plugin", m->pages);
		dma_release(dev, m);
	}
}

static struct shim_dma *dma_find(struct shim_device *dev, uint64_t handle)
{
	struct shim_dma *m;

	pthread_mutex_lock(&dev->mu);
	for (m = dev->dmas; m; m = m->next)
		if ((uint64_t)(uintptr_t)m == handle)
			break;
	pthread_mutex_unlock(&dev->mu);
	return m;
}

static int32_t bus_gpadl_create(struct satori_channel *ch, const struct satori_dma_buffer *buf,
				uint64_t offset, uint64_t bytes, satori_gpadl_t *out)
{
	struct shim_channel *sc = channels_from_handle(ch);
	struct shim_gpadl *g;
	struct shim_dma *m;
	uint32_t handle;
	int32_t r;

	if (!sc)
		return -SATORI_EBADF;
	if (!buf || !out || offset % SATORI_PAGE_SIZE || bytes % SATORI_PAGE_SIZE || bytes == 0)
		return -SATORI_EINVAL;
	m = dma_find(sc->dev, buf->handle);
	if (!m)
		return -SATORI_EBADF;
	if (offset + bytes < offset || offset + bytes > (uint64_t)m->pages * SATORI_PAGE_SIZE)
		return -SATORI_EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -SATORI_ENOMEM;
	r = vmbus_gpadl_create(sc->dev->shim->conn, sc->offer, m->pfns + offset / SATORI_PAGE_SIZE,
			       (uint32_t)(bytes / SATORI_PAGE_SIZE), &handle);
	if (r < 0) {
		free(g);
		return r;
	}
	g->handle = handle;
	pthread_mutex_lock(&sc->mu);
	g->next = sc->gpadls;
	sc->gpadls = g;
	pthread_mutex_unlock(&sc->mu);
	*out = handle;
	return 0;
}

static int32_t bus_gpadl_teardown(struct satori_channel *ch, satori_gpadl_t handle)
{
	struct shim_channel *sc = channels_from_handle(ch);
	struct shim_gpadl **pp, *g = NULL;
	int32_t r;

	if (!sc)
		return -SATORI_EBADF;
	pthread_mutex_lock(&sc->mu);
	for (pp = &sc->gpadls; *pp; pp = &(*pp)->next) {
		if ((*pp)->handle == handle) {
			g = *pp;
			*pp = g->next;
			break;
		}
	}
	pthread_mutex_unlock(&sc->mu);
	if (!g)
		return -SATORI_ENOENT;
	r = vmbus_gpadl_teardown(sc->dev->shim->conn, sc->offer, handle);
	free(g);
	return r;
}

static int32_t bus_channel_info(struct satori_channel *ch, struct satori_channel_info *out)
{
	if (!channels_from_handle(ch) || !out)
		return -SATORI_EBADF;
	return vmbus_channel_info((struct vmbus_channel *)ch, out);
}

const struct satori_bus_ops shim_bus_ops = {
	.struct_size = sizeof(struct satori_bus_ops),
	.channel_open = bus_channel_open,
	.channel_close = bus_channel_close,
	.send = bus_send,
	.signal = bus_signal,
	.channel_abort = bus_channel_abort,
	.dma_alloc = bus_dma_alloc,
	.dma_free = bus_dma_free,
	.gpadl_create = bus_gpadl_create,
	.gpadl_teardown = bus_gpadl_teardown,
	.channel_info = bus_channel_info,
};
