/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file net.h
 * @brief The network service, `satori.net/1`: a plugin registers network devices; the
 *        shim backs each with an interface of the host OS (a TAP device) or another back end.
 *
 * Transmit: the shim reads frames from its back end and hands each to the plugin with
 * satori_net_device_ops::xmit; frame memory is DMA memory owned by the shim until the plugin
 * calls satori_net_service::tx_done. Receive: the plugin passes each frame it got from the
 * host to satori_net_service::receive, which copies it before returning. Offload metadata
 * travels with every frame (checksum, segmentation, VLAN), in the form Linux's virtio-net
 * header uses.
 */
#ifndef SATORI_NET_H
#define SATORI_NET_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_device;
struct satori_netdev;

/** Service id for satori_host::get_service. */
#define SATORI_SERVICE_NET "satori.net/1"

/** Ethernet address length. */
#define SATORI_NET_ALEN 6u

/** @name Offload capabilities (satori_netdev_params::caps)
 * @{ */
#define SATORI_NET_CAP_TX_CSUM_IPV4 0x0001u /**< Fills IPv4 header checksums. */
#define SATORI_NET_CAP_TX_CSUM_TCP4 0x0002u /**< Fills TCP checksums over IPv4. */
#define SATORI_NET_CAP_TX_CSUM_UDP4 0x0004u /**< Fills UDP checksums over IPv4. */
#define SATORI_NET_CAP_TX_CSUM_TCP6 0x0008u /**< Fills TCP checksums over IPv6. */
#define SATORI_NET_CAP_TX_CSUM_UDP6 0x0010u /**< Fills UDP checksums over IPv6. */
#define SATORI_NET_CAP_RX_CSUM      0x0020u /**< Reports checksums verified by the host. */
#define SATORI_NET_CAP_TSO4         0x0040u /**< Segments large TCP/IPv4 sends (LSO). */
#define SATORI_NET_CAP_TSO6         0x0080u /**< Segments large TCP/IPv6 sends (LSO). */
#define SATORI_NET_CAP_VLAN_TX      0x0100u /**< Inserts VLAN tags from metadata. */
#define SATORI_NET_CAP_VLAN_RX      0x0200u /**< Strips VLAN tags into metadata. */
#define SATORI_NET_CAP_RX_HASH      0x0400u /**< Reports a receive (RSS) hash. */
/** @} */

/** @name Frame metadata flags (satori_net_meta::flags)
 * @{ */
#define SATORI_NET_META_CSUM_PARTIAL 0x01u /**< tx: fill the L4 checksum at csum_start + csum_offset. */
#define SATORI_NET_META_CSUM_VALID   0x02u /**< rx: the host verified the IP and L4 checksums. */
#define SATORI_NET_META_GSO_TCP4     0x04u /**< tx: segment as TCP/IPv4 with gso_size. */
#define SATORI_NET_META_GSO_TCP6     0x08u /**< tx: segment as TCP/IPv6 with gso_size. */
#define SATORI_NET_META_VLAN         0x10u /**< vlan_tci holds a tag (not in the frame). */
#define SATORI_NET_META_HASH         0x20u /**< rx: hash is valid. */
/** @} */

/** @name Receive filter flags (satori_net_device_ops::set_rx_mode)
 * @{ */
#define SATORI_NET_RX_PROMISC   0x1u /**< Every frame. */
#define SATORI_NET_RX_ALLMULTI  0x2u /**< Every multicast frame. */
#define SATORI_NET_RX_BROADCAST 0x4u /**< Broadcast frames. */
/** @} */

/**
 * Per-frame offload information (virtio-net header semantics). Embedded by value in
 * satori_net_tx and satori_net_rx, so it never grows: later fields go after it there.
 */
struct satori_net_meta {
    uint32_t flags;        /**< SATORI_NET_META_* bits. */
    uint16_t csum_start;   /**< CSUM_PARTIAL: offset of the L4 header from the frame start. */
    uint16_t csum_offset;  /**< CSUM_PARTIAL: checksum field offset inside the L4 header. */
    uint16_t gso_size;     /**< GSO_*: payload bytes per segment (MSS). */
    uint16_t hdr_len;      /**< GSO_*: bytes of L2+L3+L4 headers. */
    uint16_t vlan_tci;     /**< VLAN: tag control information (priority, VLAN id). */
    uint16_t reserved0;    /**< 0. */
    uint32_t hash;         /**< HASH: receive hash. */
    uint32_t reserved1;    /**< 0. */
};

/** One piece of a frame in DMA memory (layout as satori_blk_segment). */
struct satori_net_segment {
    void *va;              /**< Where the bytes are. */
    uint32_t byte_offset;  /**< Offset of va into its first page, < 4096. */
    uint32_t len;          /**< Bytes, > 0. */
    uint32_t pfn_count;    /**< ceil((byte_offset + len) / 4096). */
    uint32_t reserved;     /**< 0. */
    const uint64_t *pfns;  /**< Guest page frame numbers behind the segment. */
};

/** A frame to transmit. Valid until satori_net_service::tx_done for its tag. */
struct satori_net_tx {
    uint32_t struct_size;   /**< sizeof(*this) as the shim was built. */
    uint32_t queue;         /**< Transmit queue, < tx_queues. */
    uint64_t tag;           /**< The shim's id; pass it to tx_done. */
    uint32_t len;           /**< Frame bytes (sum of the segments). */
    uint32_t segment_count; /**< Entries in @ref segments, >= 1. */
    const struct satori_net_segment *segments; /**< The frame, starting at the Ethernet header. */
    struct satori_net_meta meta; /**< Offloads requested for this frame. */
};

/** A received frame. Valid only during satori_net_service::receive. */
struct satori_net_rx {
    uint32_t struct_size;  /**< sizeof(*this) as the plugin was built. */
    uint32_t queue;        /**< Receive queue it arrived on. */
    const void *data;      /**< The frame from its Ethernet header (without VLAN tag if stripped). */
    uint32_t len;          /**< Bytes at data. */
    uint32_t reserved;     /**< 0. */
    struct satori_net_meta meta; /**< What the host reported. */
};

/** What the plugin implements for each network device. */
struct satori_net_device_ops {
    uint32_t struct_size; /**< sizeof(*this) as the plugin was built. */
    uint32_t reserved;    /**< Must be 0. */
    /**
     * Transmit a frame. Return 0 if taken (tx_done follows, possibly before xmit returns),
     * -SATORI_EAGAIN if the queue is full (the shim holds the frame and stops the queue
     * until wake_queue), another negative SATORI_E* to drop it (counted).
     * @context [service] Serialized per queue; must not block.
     */
    int32_t (*xmit)(void *cookie, struct satori_netdev *nd, const struct satori_net_tx *frame);
    /**
     * The interface was brought up (@p up = 1) or down. May be NULL.
     * @context [service & config] May block.
     */
    int32_t (*set_up)(void *cookie, struct satori_netdev *nd, uint32_t up);
    /** Change the MTU; -SATORI_EINVAL if out of range. May be NULL (fixed MTU). @context [service & config] May block. */
    int32_t (*set_mtu)(void *cookie, struct satori_netdev *nd, uint32_t mtu);
    /** Change the MAC address. May be NULL (fixed). @context [service & config] May block. */
    int32_t (*set_mac)(void *cookie, struct satori_netdev *nd, const uint8_t mac[6]);
    /**
     * Receive filter: SATORI_NET_RX_* flags and the multicast addresses wanted
     * (@p mcast_count entries of 6 bytes). May be NULL.
     * @context [service & config] May block.
     */
    int32_t (*set_rx_mode)(void *cookie, struct satori_netdev *nd, uint32_t flags,
                           const uint8_t *mcast, uint32_t mcast_count);
};

/** Parameters for satori_net_service::add_netdev. Zero-fill, then set struct_size. */
struct satori_netdev_params {
    uint32_t struct_size;       /**< sizeof(*this) as the plugin was built. */
    uint32_t caps;              /**< SATORI_NET_CAP_* bits. */
    const char *name;           /**< Interface name wish, or NULL (the embedder's configuration decides). */
    uint8_t mac[6];             /**< Permanent MAC address. */
    uint16_t reserved0;         /**< 0. */
    uint32_t mtu;               /**< Current MTU (payload bytes, 1500 for Ethernet). */
    uint32_t mtu_min;           /**< Smallest MTU accepted, >= 68. */
    uint32_t mtu_max;           /**< Largest MTU accepted. */
    uint32_t tx_queues;         /**< Transmit queues, >= 1. */
    uint32_t rx_queues;         /**< Receive queues, >= 1. */
    uint32_t max_tx_segments;   /**< Most segments per transmitted frame; 0 = no limit. */
    uint32_t gso_max_size;      /**< Largest GSO frame; 0 = no GSO. */
    uint32_t reserved1;         /**< 0. */
    void *cookie;               /**< Handed back to the ops. */
    const struct satori_net_device_ops *ops; /**< Valid until remove_netdev returns. */
};

/** Counters the shim keeps per device (satori_net_service::stats). */
struct satori_net_stats {
    uint32_t struct_size;    /**< Set by the caller. */
    uint32_t reserved;       /**< 0. */
    uint64_t tx_packets;     /**< Frames the plugin took. */
    uint64_t tx_bytes;       /**< Their bytes. */
    uint64_t tx_dropped;     /**< Frames xmit refused (not -EAGAIN) or tx_done failed. */
    uint64_t tx_queue_stops; /**< Times a queue was stopped by -EAGAIN. */
    uint64_t rx_packets;     /**< Frames passed to receive. */
    uint64_t rx_bytes;       /**< Their bytes. */
    uint64_t rx_dropped;     /**< Frames receive could not deliver. */
};

/** The network service table. */
struct satori_net_service {
    uint32_t struct_size; /**< sizeof(*this) as the shim was built. */
    uint32_t reserved;    /**< 0. */

    /**
     * Registers a network device of @p dev and creates its interface.
     * @return 0 and *out; -SATORI_EINVAL bad parameters; -SATORI_EPERM the OS refused
     *         (e.g. no CAP_NET_ADMIN for TAP; logged with what to do).
     * @context [probe]
     */
    int32_t (*add_netdev)(const struct satori_net_service *svc, struct satori_device *dev,
                          const struct satori_netdev_params *params, struct satori_netdev **out);

    /** A transmitted frame is done (0 sent, negative dropped). @context [any] */
    void (*tx_done)(struct satori_netdev *nd, uint64_t tag, int32_t status);

    /** Queue @p queue has room again after xmit returned -SATORI_EAGAIN. @context [any] */
    void (*wake_queue)(struct satori_netdev *nd, uint32_t queue);

    /**
     * Hands a received frame up; copied before return.
     * @return 0, or -SATORI_ENOBUFS / -SATORI_EIO when it was dropped (counted).
     * @context [any] Must not be called with locks the plugin's ops take.
     */
    int32_t (*receive)(struct satori_netdev *nd, const struct satori_net_rx *frame);

    /** Link state and speed (bits per second; 0 unknown). @context [any] */
    void (*set_link)(struct satori_netdev *nd, uint32_t up, uint64_t speed_bps);

    /** Copies the counters into @p out (struct_size set by the caller). @context [any] */
    int32_t (*stats)(struct satori_netdev *nd, struct satori_net_stats *out);

    /**
     * Removes the interface. Frames in flight must have been completed with tx_done first
     * (fail them with -SATORI_ENODEV); waits for running ops to return.
     * @context [probe] May block.
     */
    void (*remove_netdev)(struct satori_netdev *nd);
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_NET_H */
