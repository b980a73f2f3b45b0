/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * net_service.c — the satori.net/1 table (add_netdev, tx_done, wake_queue, receive,
 * set_link, stats, remove_netdev), interface naming ("net.tap" options) and the runtime
 * hooks (create, options, stop, a device's leftover netdevs).
 */
#include "net_internal.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

struct shim_net_service {
    struct satori_net_service tbl;
    struct net_state *net;
};

static struct satori_netdev *nd_from(struct satori_netdev *nd)
{
    return nd && nd->magic == NET_DEV_MAGIC ? nd : NULL;
}

static void emit(struct satori_netdev *nd, uint32_t kind, const char *msg)
{
    struct satori_shim_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = kind;
    ev.message = msg;
    ev.detail = nd->name;
    if (nd->dev) {
        ev.plugin = nd->dev->plugin ? nd->dev->plugin->name : NULL;
        ev.value = nd->dev->offer->relid;
        memcpy(ev.class_id.b, nd->dev->offer->class_id, 16);
        memcpy(ev.instance_id.b, nd->dev->offer->instance_id, 16);
    }
    shim_emit_event(nd->net->shim, &ev);
}

/* The configured name for @p mac, else the next unclaimed name without a MAC, else satoriN. */
static void pick_name(struct net_state *net, const char *wish, const uint8_t mac[6], char *out)
{
    if (wish && *wish) {
        snprintf(out, IFNAMSIZ, "%s", wish);
        return;
    }
    for (uint32_t i = 0; i < net->name_count; i++) {
        if (!net->name_used[i] && net->name_has_mac[i] && !memcmp(net->name_mac[i], mac, 6)) {
            net->name_used[i] = true;
            snprintf(out, IFNAMSIZ, "%s", net->names[i]);
            return;
        }
    }
    for (uint32_t i = 0; i < net->name_count; i++) {
        if (!net->name_used[i] && !net->name_has_mac[i]) {
            net->name_used[i] = true;
            snprintf(out, IFNAMSIZ, "%s", net->names[i]);
            return;
        }
    }
    snprintf(out, IFNAMSIZ, "satori%u", net->auto_index++);
}

static void release_name(struct net_state *net, const char *name)
{
    for (uint32_t i = 0; i < net->name_count; i++)
        if (net->name_used[i] && !strcmp(net->names[i], name)) net->name_used[i] = false;
}

static const char *bad_params(const struct satori_netdev_params *p)
{
    if (p->struct_size < offsetof(struct satori_netdev_params, ops) + sizeof(p->ops))
        return "struct_size too small";
    if (!p->ops ||
        p->ops->struct_size < offsetof(struct satori_net_device_ops, xmit) + sizeof(void *) ||
        !p->ops->xmit)
        return "no ops->xmit";
    if ((p->mac[0] & 1) || !(p->mac[0] | p->mac[1] | p->mac[2] | p->mac[3] | p->mac[4] | p->mac[5]))
        return "MAC address is zero or a group address";
    if (p->mtu_min < 68 || p->mtu_max < p->mtu_min || p->mtu < p->mtu_min || p->mtu > p->mtu_max ||
        p->mtu_max > 65535)
        return "MTU outside mtu_min..mtu_max (68..65535)";
    if (p->tx_queues == 0 || p->rx_queues == 0) return "tx_queues and rx_queues must be >= 1";
    return NULL;
}

static void nd_free(struct satori_netdev *nd)
{
    struct satori_shim *shim = nd->net->shim;

    if (nd->fd >= 0) close(nd->fd);
    if (nd->stop_fd >= 0) close(nd->stop_fd);
    if (nd->dma_handle) shim->os.gmem_free(shim->os.ctx, nd->dma_handle);
    free(nd->pfns);
    pthread_cond_destroy(&nd->cv);
    pthread_mutex_destroy(&nd->mu);
    nd->magic = 0;
    free(nd);
}

static int32_t alloc_slots(struct satori_netdev *nd, uint32_t mtu_max)
{
    struct satori_shim *shim = nd->net->shim;
    uint32_t slot_pages = (mtu_max + 18 + SATORI_PAGE_SIZE - 1) / SATORI_PAGE_SIZE;
    uint32_t pages = slot_pages * NET_SLOTS;
    int32_t r;

    nd->pfns = calloc(pages, sizeof(uint64_t));
    if (!nd->pfns) return -SATORI_ENOMEM;
    r = shim->os.gmem_alloc(shim->os.ctx, pages, 0, &nd->dma_va, nd->pfns, &nd->dma_handle);
    if (r < 0) return r;
    nd->slot_bytes = slot_pages * SATORI_PAGE_SIZE;
    for (uint32_t i = 0; i < NET_SLOTS; i++) {
        struct satori_net_segment *s = &nd->slots[i].seg;

        s->va = (uint8_t *)nd->dma_va + (size_t)i * nd->slot_bytes;
        s->byte_offset = 0;
        s->pfn_count = slot_pages;
        s->pfns = nd->pfns + (size_t)i * slot_pages;
    }
    nd->free_slots = NET_SLOTS;
    return 0;
}

static int32_t svc_add_netdev(const struct satori_net_service *svc, struct satori_device *dev,
                              const struct satori_netdev_params *params, struct satori_netdev **out)
{
    struct net_state *net = ((const struct shim_net_service *)(const void *)svc)->net;
    struct shim_device *sdev = (struct shim_device *)(void *)dev;
    const char *why;
    struct satori_netdev *nd;
    char wanted[IFNAMSIZ], msg[256];
    int32_t r = 0;

    if (!svc || !params || !out || !sdev || sdev->magic != SHIM_DEVICE_MAGIC) return -SATORI_EINVAL;
    why = bad_params(params);
    if (why) {
        shim_log(net->shim, SATORI_LOG_ERROR, "net: add_netdev refused: %s", why);
        return -SATORI_EINVAL;
    }
    nd = calloc(1, sizeof(*nd));
    if (!nd) return -SATORI_ENOMEM;
    nd->magic = NET_DEV_MAGIC;
    nd->net = net;
    nd->dev = sdev;
    nd->fd = -1;
    nd->stop_fd = -1;
    nd->cookie = params->cookie;
    shim_copy_sized(&nd->ops, sizeof(nd->ops), params->ops, params->ops->struct_size);
    memcpy(nd->mac, params->mac, 6);
    nd->mtu = params->mtu;
    nd->link_up = 1;
    pthread_mutex_init(&nd->mu, NULL);
    pthread_cond_init(&nd->cv, NULL);
    if (params->tx_queues > 1 || params->rx_queues > 1)
        shim_log(net->shim, SATORI_LOG_INFO, "net: %u queues asked for; the TAP back end uses one",
                 params->tx_queues);
    r = alloc_slots(nd, params->mtu_max);
    nd->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (r < 0 || nd->stop_fd < 0) {
        nd_free(nd);
        return r < 0 ? r : -SATORI_ENOMEM;
    }
    pthread_mutex_lock(&net->mu);
    pick_name(net,
              params->struct_size > offsetof(struct satori_netdev_params, name) ? params->name
                                                                                : NULL,
              nd->mac, wanted);
    pthread_mutex_unlock(&net->mu);
    nd->fd = net_tap_open(net->shim, wanted, nd->name, nd->mac, nd->mtu, &r);
    if (nd->fd < 0) {
        pthread_mutex_lock(&net->mu);
        release_name(net, wanted);
        pthread_mutex_unlock(&net->mu);
        nd_free(nd);
        return r < 0 ? r : -SATORI_EIO;
    }
    pthread_mutex_lock(&net->mu);
    nd->next = net->devs;
    net->devs = nd;
    pthread_mutex_unlock(&net->mu);
    if (pthread_create(&nd->thread, NULL, net_tx_main, nd) == 0) nd->thread_started = true;
    *out = nd;
    snprintf(msg, sizeof(msg), "%s: interface %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u",
             sdev->plugin ? sdev->plugin->name : "a plugin", nd->name, nd->mac[0], nd->mac[1],
             nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5], nd->mtu);
    emit(nd, SATORI_SHIM_EV_EXPORT_ADDED, msg);
    return 0;
}

static void svc_tx_done(struct satori_netdev *nd, uint64_t tag, int32_t status)
{
    nd = nd_from(nd);
    if (!nd) return;
    pthread_mutex_lock(&nd->mu);
    if (tag >= NET_SLOTS || !nd->slots[tag].busy) {
        pthread_mutex_unlock(&nd->mu);
        shim_log(nd->net->shim, SATORI_LOG_WARN, "net: %s: tx_done for unknown tag %llu ignored",
                 nd->name, (unsigned long long)tag);
        return;
    }
    nd->slots[tag].busy = false;
    nd->free_slots++;
    if (status < 0) __atomic_fetch_add(&nd->stats.tx_dropped, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&nd->cv);
    pthread_mutex_unlock(&nd->mu);
}

static void svc_wake_queue(struct satori_netdev *nd, uint32_t queue)
{
    (void)queue;
    nd = nd_from(nd);
    if (!nd) return;
    pthread_mutex_lock(&nd->mu);
    nd->wakes++;
    pthread_cond_broadcast(&nd->cv);
    pthread_mutex_unlock(&nd->mu);
}

static int32_t svc_receive(struct satori_netdev *nd, const struct satori_net_rx *frame)
{
    struct virtio_net_hdr hdr;
    struct iovec iov[2];
    ssize_t n;

    nd = nd_from(nd);
    if (!nd || !frame || frame->struct_size < offsetof(struct satori_net_rx, meta) ||
        !frame->data || frame->len < 14 || frame->len > nd->mtu + 18u + 4u) {
        if (nd) __atomic_fetch_add(&nd->stats.rx_dropped, 1, __ATOMIC_RELAXED);
        return -SATORI_EINVAL;
    }
    memset(&hdr, 0, sizeof(hdr));
    if (frame->struct_size >= offsetof(struct satori_net_rx, meta) + sizeof(frame->meta) &&
        (frame->meta.flags & SATORI_NET_META_CSUM_VALID))
        hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;
    iov[0].iov_base = &hdr;
    iov[0].iov_len = NET_VNET_HDR;
    iov[1].iov_base = (void *)(uintptr_t)frame->data;
    iov[1].iov_len = frame->len;
    n = writev(nd->fd, iov, 2);
    if (n < 0) {
        __atomic_fetch_add(&nd->stats.rx_dropped, 1, __ATOMIC_RELAXED);
        return errno == EAGAIN ? -SATORI_ENOBUFS : -SATORI_EIO;
    }
    __atomic_fetch_add(&nd->stats.rx_packets, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&nd->stats.rx_bytes, frame->len, __ATOMIC_RELAXED);
    return 0;
}

static void svc_set_link(struct satori_netdev *nd, uint32_t up, uint64_t speed_bps)
{
    int32_t r;

    nd = nd_from(nd);
    if (!nd) return;
    r = net_tap_set_carrier(nd->fd, up != 0);
    if (__atomic_exchange_n(&nd->link_up, up ? 1u : 0u, __ATOMIC_RELAXED) != (up ? 1u : 0u) ||
        r < 0)
        shim_log(nd->net->shim, r < 0 ? SATORI_LOG_WARN : SATORI_LOG_INFO, "net: %s: link %s%s%s",
                 nd->name, up ? "up" : "down", speed_bps ? "" : "",
                 r < 0 ? " (the kernel refused to set the carrier)" : "");
}

static int32_t svc_stats(struct satori_netdev *nd, struct satori_net_stats *out)
{
    struct satori_net_stats s;
    uint32_t n;

    nd = nd_from(nd);
    if (!nd || !out || out->struct_size < 8) return -SATORI_EINVAL;
    memset(&s, 0, sizeof(s));
    s.struct_size = sizeof(s);
    s.tx_packets = __atomic_load_n(&nd->stats.tx_packets, __ATOMIC_RELAXED);
    s.tx_bytes = __atomic_load_n(&nd->stats.tx_bytes, __ATOMIC_RELAXED);
    s.tx_dropped = __atomic_load_n(&nd->stats.tx_dropped, __ATOMIC_RELAXED);
    s.tx_queue_stops = __atomic_load_n(&nd->stats.tx_queue_stops, __ATOMIC_RELAXED);
    s.rx_packets = __atomic_load_n(&nd->stats.rx_packets, __ATOMIC_RELAXED);
    s.rx_bytes = __atomic_load_n(&nd->stats.rx_bytes, __ATOMIC_RELAXED);
    s.rx_dropped = __atomic_load_n(&nd->stats.rx_dropped, __ATOMIC_RELAXED);
    n = out->struct_size < sizeof(s) ? out->struct_size : (uint32_t)sizeof(s);
    memcpy((uint8_t *)out + 4, (const uint8_t *)&s + 4, n - 4);
    return 0;
}

static void nd_remove(struct satori_netdev *nd)
{
    struct net_state *net = nd->net;
    struct satori_netdev **pp;
    uint64_t one = 1;
    char msg[128];

    pthread_mutex_lock(&nd->mu);
    nd->stopping = true;
    pthread_cond_broadcast(&nd->cv);
    pthread_mutex_unlock(&nd->mu);
    if (write(nd->stop_fd, &one, sizeof(one)) < 0) {
        /* the counter cannot overflow with one write; nothing to do */
    }
    if (nd->thread_started) pthread_join(nd->thread, NULL);
    pthread_mutex_lock(&net->mu);
    for (pp = &net->devs; *pp; pp = &(*pp)->next) {
        if (*pp == nd) {
            *pp = nd->next;
            break;
        }
    }
    release_name(net, nd->name);
    pthread_mutex_unlock(&net->mu);
    snprintf(msg, sizeof(msg), "interface %s removed (tx %llu, rx %llu frames)", nd->name,
             (unsigned long long)nd->stats.tx_packets, (unsigned long long)nd->stats.rx_packets);
    emit(nd, SATORI_SHIM_EV_EXPORT_REMOVED, msg);
    nd_free(nd);
}

static void svc_remove_netdev(struct satori_netdev *nd)
{
    nd = nd_from(nd);
    if (nd) nd_remove(nd);
}

/* ---- runtime hooks ---- */

int32_t net_create(struct satori_shim *shim)
{
    struct shim_net_service *s = calloc(1, sizeof(*s));

    if (!s) return -SATORI_ENOMEM;
    s->net = calloc(1, sizeof(*s->net));
    if (!s->net) {
        free(s);
        return -SATORI_ENOMEM;
    }
    s->net->shim = shim;
    pthread_mutex_init(&s->net->mu, NULL);
    s->tbl.struct_size = sizeof(s->tbl);
    s->tbl.add_netdev = svc_add_netdev;
    s->tbl.tx_done = svc_tx_done;
    s->tbl.wake_queue = svc_wake_queue;
    s->tbl.receive = svc_receive;
    s->tbl.set_link = svc_set_link;
    s->tbl.stats = svc_stats;
    s->tbl.remove_netdev = svc_remove_netdev;
    shim->net = s;
    return 0;
}

void net_destroy(struct satori_shim *shim)
{
    struct shim_net_service *s = shim->net;

    if (!s) return;
    net_stop(shim);
    pthread_mutex_destroy(&s->net->mu);
    free(s->net);
    free(s);
    shim->net = NULL;
}

const void *net_service_table(struct satori_shim *shim)
{
    return shim->net ? &shim->net->tbl : NULL;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char extra;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &extra) != 6)
        return false;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255) return false;
        mac[i] = (uint8_t)v[i];
    }
    return true;
}

int32_t net_set_option(struct satori_shim *shim, const char *key, const char *value)
{
    struct net_state *net = shim->net ? shim->net->net : NULL;
    const char *eq;
    size_t len;
    uint32_t i;

    if (!net) return -SATORI_ENOMEM;
    if (strcmp(key, "net.tap")) return -SATORI_ENOENT;
    eq = strchr(value, '=');
    len = eq ? (size_t)(eq - value) : strlen(value);
    if (len == 0 || len >= IFNAMSIZ) return -SATORI_EINVAL;
    for (size_t k = 0; k < len; k++)
        if (value[k] == '/' || value[k] == ' ' || value[k] == ':') return -SATORI_EINVAL;
    pthread_mutex_lock(&net->mu);
    if (net->name_count >= NET_NAMES_MAX) {
        pthread_mutex_unlock(&net->mu);
        return -SATORI_ENOSPC;
    }
    i = net->name_count;
    memcpy(net->names[i], value, len);
    net->names[i][len] = 0;
    net->name_has_mac[i] = false;
    if (eq) {
        if (!parse_mac(eq + 1, net->name_mac[i])) {
            pthread_mutex_unlock(&net->mu);
            return -SATORI_EINVAL;
        }
        net->name_has_mac[i] = true;
    }
    net->name_count++;
    pthread_mutex_unlock(&net->mu);
    return 0;
}

void net_stop(struct satori_shim *shim)
{
    struct net_state *net = shim->net ? shim->net->net : NULL;

    if (!net) return;
    for (;;) {
        struct satori_netdev *nd;

        pthread_mutex_lock(&net->mu);
        nd = net->devs;
        pthread_mutex_unlock(&net->mu);
        if (!nd) break;
        shim_log(shim, SATORI_LOG_WARN, "net: %s was left registered; removing it", nd->name);
        nd_remove(nd);
    }
}

void net_release_device(struct satori_shim *shim, struct shim_device *dev)
{
    struct net_state *net = shim->net ? shim->net->net : NULL;

    if (!net) return;
    for (;;) {
        struct satori_netdev *nd;

        pthread_mutex_lock(&net->mu);
        for (nd = net->devs; nd && nd->dev != dev; nd = nd->next)
            ;
        pthread_mutex_unlock(&net->mu);
        if (!nd) break;
        shim_log(shim, SATORI_LOG_WARN, "net: the plugin left %s registered; removing it",
                 nd->name);
        nd_remove(nd);
    }
}
