/* SPDX-License-Identifier: GPL-2.0-only */
/* net_tx.c — the transmit thread of one netdev: TAP -> DMA slot -> ops->xmit. */
#include "net_internal.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static void stat_add(uint64_t *c, uint64_t v)
{
    __atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

/* Waits for a free slot; returns its index, or -1 when the netdev is being removed. */
static int take_slot(struct satori_netdev *nd)
{
    int idx = -1;

    pthread_mutex_lock(&nd->mu);
    while (!nd->stopping && nd->free_slots == 0)
        pthread_cond_wait(&nd->cv, &nd->mu);
    if (!nd->stopping) {
        for (uint32_t i = 0; i < NET_SLOTS; i++) {
            if (!nd->slots[i].busy) {
                idx = (int)i;
                break;
            }
        }
    }
    pthread_mutex_unlock(&nd->mu);
    return idx;
}

static void mark_slot(struct satori_netdev *nd, uint32_t i, bool busy)
{
    pthread_mutex_lock(&nd->mu);
    if (nd->slots[i].busy != busy) {
        nd->slots[i].busy = busy;
        if (busy)
            nd->free_slots--;
        else
            nd->free_slots++;
    }
    pthread_cond_broadcast(&nd->cv);
    pthread_mutex_unlock(&nd->mu);
}

static void meta_from_vnet(const struct virtio_net_hdr *h, struct satori_net_meta *m)
{
    memset(m, 0, sizeof(*m));
    if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        m->flags |= SATORI_NET_META_CSUM_PARTIAL;
        m->csum_start = h->csum_start;
        m->csum_offset = h->csum_offset;
    }
}

/* Hands one frame to the plugin; false when the netdev is being removed. */
static bool xmit_frame(struct satori_netdev *nd, uint32_t i, uint32_t len,
                       const struct satori_net_meta *meta)
{
    struct satori_net_tx tx;
    int32_t r;

    memset(&tx, 0, sizeof(tx));
    tx.struct_size = sizeof(tx);
    tx.tag = i;
    tx.len = len;
    tx.segment_count = 1;
    nd->slots[i].seg.len = len;
    tx.segments = &nd->slots[i].seg;
    tx.meta = *meta;
    for (;;) {
        uint64_t wakes;

        pthread_mutex_lock(&nd->mu);
        wakes = nd->wakes;
        pthread_mutex_unlock(&nd->mu);
        r = nd->ops.xmit(nd->cookie, nd, &tx);
        if (r == 0) {
            stat_add(&nd->stats.tx_packets, 1);
            stat_add(&nd->stats.tx_bytes, len);
            return true;
        }
        if (r != -SATORI_EAGAIN) {
            stat_add(&nd->stats.tx_dropped, 1);
            mark_slot(nd, i, false);
            return true;
        }
        /* Queue stopped: hold the frame until wake_queue (or removal). */
        stat_add(&nd->stats.tx_queue_stops, 1);
        pthread_mutex_lock(&nd->mu);
        while (!nd->stopping && nd->wakes == wakes)
            pthread_cond_wait(&nd->cv, &nd->mu);
        if (nd->stopping) {
            pthread_mutex_unlock(&nd->mu);
            mark_slot(nd, i, false);
            return false;
        }
        pthread_mutex_unlock(&nd->mu);
    }
}

void *net_tx_main(void *arg)
{
    struct satori_netdev *nd = arg;

    for (;;) {
        struct pollfd pfd[2] = {{nd->fd, POLLIN, 0}, {nd->stop_fd, POLLIN, 0}};
        struct virtio_net_hdr hdr;
        struct satori_net_meta meta;
        struct iovec iov[2];
        int idx = take_slot(nd);
        ssize_t n;

        if (idx < 0) break;
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (pfd[1].revents) break;
        if (!(pfd[0].revents & POLLIN)) {
            if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) break;
            continue;
        }
        iov[0].iov_base = &hdr;
        iov[0].iov_len = NET_VNET_HDR;
        iov[1].iov_base = nd->slots[idx].seg.va;
        iov[1].iov_len = nd->slot_bytes;
        n = readv(nd->fd, iov, 2);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            shim_log(nd->net->shim, SATORI_LOG_ERROR, "net: %s: read failed: %s", nd->name,
                     strerror(errno));
            break;
        }
        if ((size_t)n < NET_VNET_HDR + 14u) continue;
        meta_from_vnet(&hdr, &meta);
        mark_slot(nd, (uint32_t)idx, true);
        if (!xmit_frame(nd, (uint32_t)idx, (uint32_t)((size_t)n - NET_VNET_HDR), &meta)) break;
    }
    return NULL;
}
