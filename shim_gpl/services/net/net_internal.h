/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * net_internal.h — satori.net/1: network devices registered by plugins, each backed by a
 * TAP interface (/dev/net/tun, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR).
 *
 * Threads:
 *  - each netdev has a transmit thread: it reads frames from the TAP fd into DMA slots and
 *    calls ops->xmit, one frame at a time (the [service] context, serialized per queue);
 *    after -SATORI_EAGAIN it holds the frame until wake_queue;
 *  - plugins call tx_done, wake_queue, receive and set_link from any thread; receive writes
 *    the frame to the TAP fd (non-blocking; a full queue drops and counts).
 *
 * Locks: net->mu (device list, names) before nd->mu (slots, queue state). Never held
 * while calling into the plugin.
 */
#ifndef SATORI_NET_INTERNAL_H
#define SATORI_NET_INTERNAL_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/shim.h"
#include "net_service.h"

#define NET_DEV_MAGIC  0x4e455444u /* "NETD" */
#define NET_SLOTS      128u        /* transmit frames in flight per netdev */
#define NET_NAMES_MAX  16u         /* "net.tap" options */
#define NET_VNET_HDR   10u         /* sizeof(struct virtio_net_hdr) */
#define NET_TAP_TXQLEN 4096        /* frames the kernel queues for the transmit thread */

struct net_state;

struct net_slot {
    bool busy;
    struct satori_net_segment seg;
};

struct satori_netdev {
    uint32_t magic;
    struct net_state *net;
    struct shim_device *dev;
    char name[IFNAMSIZ];
    uint8_t mac[6];
    uint32_t mtu;
    int fd;      /* TAP */
    int stop_fd; /* eventfd: wakes the transmit thread for removal */
    void *cookie;
    struct satori_net_device_ops ops; /* zero-extended copy */

    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    uint64_t wakes; /* wake_queue calls */
    uint32_t free_slots;
    uint32_t slot_bytes;
    void *dma_va;
    void *dma_handle;
    uint64_t *pfns;
    struct net_slot slots[NET_SLOTS];
    struct satori_net_stats stats; /* counters: __atomic */
    uint32_t link_up;
    struct satori_netdev *next;
};

struct net_state {
    struct satori_shim *shim;
    pthread_mutex_t mu;
    struct satori_netdev *devs;
    uint32_t name_count;
    char names[NET_NAMES_MAX][IFNAMSIZ];
    uint8_t name_mac[NET_NAMES_MAX][6];
    bool name_has_mac[NET_NAMES_MAX];
    bool name_used[NET_NAMES_MAX];
    uint32_t auto_index;
};

/* net_tap.c: opens and configures a TAP interface; errors are logged with what to do */
int net_tap_open(struct satori_shim *shim, const char *name, char *actual, const uint8_t mac[6],
                 uint32_t mtu, int32_t *err);
int32_t net_tap_set_carrier(int fd, bool up);

/* net_tx.c: the transmit thread */
void *net_tx_main(void *arg);

#endif /* SATORI_NET_INTERNAL_H */
