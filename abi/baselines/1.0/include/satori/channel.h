/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file channel.h
 * @brief VMBus channels: open parameters, callbacks, received packets, packets to send.
 *
 * A channel is a pair of ring buffers shared with the host: guest->host ("out") and
 * host->guest ("in"). The shim writes and reads the rings, validates everything the host
 * writes, copies each received packet out of shared memory before the plugin sees it,
 * and maps transaction ids so that a completion can only match a request that is in
 * flight.
 */
#ifndef SATORI_CHANNEL_H
#define SATORI_CHANNEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_channel;

/** @name Packet types (VMBus descriptor `type`)
 * @{ */
#define SATORI_PKT_DATA_INBAND      0x6u /**< Payload inside the ring. */
#define SATORI_PKT_DATA_XFER_PAGES  0x7u /**< Host->guest data in a transfer page set (receive buffer). */
#define SATORI_PKT_DATA_GPA_DIRECT  0x9u /**< Guest->host data described by guest page lists. */
#define SATORI_PKT_COMP             0xBu /**< Completion of an earlier request. */
/** @} */

/** Packet flag: the sender wants a SATORI_PKT_COMP with the same transaction id. */
#define SATORI_PKT_FLAG_COMPLETION_REQUESTED 0x1u

/** satori_send::send_flags: do not signal the host; call satori_bus_ops::signal after the batch. */
#define SATORI_SEND_DEFER_SIGNAL 0x1u

/** Most OPENCHANNEL user data bytes (satori_channel_open_params::user_data_len). */
#define SATORI_OPEN_USER_DATA_MAX 120u

/** satori_channel_open_params::target_vcpu value: no preference. */
#define SATORI_VCPU_ANY 0xffffffffu

/** One byte range of a transfer page set (receive buffer), as the host sent it. */
struct satori_xfer_range {
    uint32_t byte_count;  /**< Length in bytes. Not yet checked against the buffer size. */
    uint32_t byte_offset; /**< Offset into the transfer page set. Not yet checked either. */
};

/**
 * A received packet, already copied out of the ring and validated: type is one of
 * SATORI_PKT_*, lengths lie inside the packet, completions match an in-flight request.
 * Everything it points to is valid only until on_packet returns.
 */
struct satori_packet {
    uint32_t struct_size;      /**< sizeof(*this) as the shim was built. */
    uint16_t type;             /**< SATORI_PKT_DATA_INBAND, _XFER_PAGES or _COMP. */
    uint16_t flags;            /**< SATORI_PKT_FLAG_COMPLETION_REQUESTED or 0. */
    /**
     * For SATORI_PKT_COMP: the trans_id the plugin gave to send(). Otherwise the host's
     * transaction id (0 for unsolicited messages); echo it in the completion you send.
     */
    uint64_t trans_id;
    const uint8_t *data;       /**< Payload: from the descriptor's data offset to its end. */
    uint32_t data_len;         /**< Payload bytes, a multiple of 8 (includes the sender's padding). */
    uint16_t xfer_pageset_id;  /**< SATORI_PKT_DATA_XFER_PAGES only: the transfer page set id. */
    uint16_t reserved0;        /**< 0. */
    uint32_t range_count;      /**< SATORI_PKT_DATA_XFER_PAGES only: entries in @ref ranges. */
    uint32_t reserved1;        /**< 0. */
    const struct satori_xfer_range *ranges; /**< Transfer page ranges, or NULL. */
    const uint8_t *raw;        /**< The whole packet from its 16-byte descriptor, for tracing. */
    uint32_t raw_len;          /**< Bytes at @ref raw (descriptor length, without ring trailer). */
    uint32_t reserved2;        /**< 0. */
};

/** One range of a GPA-direct packet: a run of bytes over guest pages. */
struct satori_gpa_range {
    uint32_t byte_count;   /**< Bytes in the range; > 0. */
    uint32_t byte_offset;  /**< Offset into the first page; < SATORI_PAGE_SIZE. */
    uint32_t pfn_count;    /**< Must equal ceil((byte_offset + byte_count) / 4096). */
    uint32_t reserved;     /**< Must be 0. */
    const uint64_t *pfns;  /**< Guest page frame numbers, e.g. from satori_dma_buffer::pfns. */
};

/** A packet to send with satori_bus_ops::send. Zero-fill, then set struct_size. */
struct satori_send {
    uint32_t struct_size;  /**< sizeof(*this) as the caller was built. */
    uint16_t type;         /**< SATORI_PKT_DATA_INBAND, SATORI_PKT_DATA_GPA_DIRECT or SATORI_PKT_COMP. */
    uint16_t flags;        /**< SATORI_PKT_FLAG_COMPLETION_REQUESTED (always set for GPA_DIRECT). */
    /**
     * With COMPLETION_REQUESTED: any value; the completion's satori_packet::trans_id
     * carries it back (the shim puts its own id on the wire). Without: sent as is.
     * For SATORI_PKT_COMP: the host transaction id being completed.
     */
    uint64_t trans_id;
    const void *data;      /**< Payload; copied into the ring before send returns. */
    uint32_t data_len;     /**< Payload bytes; padded to 8 on the wire. */
    uint32_t range_count;  /**< SATORI_PKT_DATA_GPA_DIRECT: entries in @ref ranges (>= 1); else 0. */
    const struct satori_gpa_range *ranges; /**< GPA ranges, or NULL. */
    uint32_t send_flags;   /**< SATORI_SEND_* bits; unknown bits -> -SATORI_EINVAL. */
    uint32_t reserved;     /**< Must be 0. */
};

/**
 * Callbacks of one channel. All run in the channel's context and never overlap. They may
 * start before satori_bus_ops::channel_open has returned (the host may send as soon as it
 * opened the channel); every callback receives the channel handle.
 */
struct satori_channel_callbacks {
    uint32_t struct_size; /**< sizeof(*this) as the plugin was built. */
    uint32_t reserved;    /**< Must be 0. */
    /**
     * A packet arrived.
     * @param pkt  valid only until this call returns; copy what you keep.
     * @context [channel & open] Must not block. May call satori_bus_ops::send.
     */
    void (*on_packet)(void *cookie, struct satori_channel *ch, const struct satori_packet *pkt);
    /**
     * Ring space became available after send returned -SATORI_EAGAIN. May be NULL
     * (the plugin then retries on its own schedule).
     * @context [channel & open] Must not block.
     */
    void (*on_send_space)(void *cookie, struct satori_channel *ch);
    /**
     * The channel stopped working: @p reason is -SATORI_ENODEV (rescinded by the host),
     * -SATORI_EPROTO (the host broke the protocol; logged), or -SATORI_ECONNRESET (the
     * host went away). Fail your in-flight requests; later sends return @p reason. The
     * plugin still calls satori_bus_ops::channel_close. May be NULL.
     * @context [channel] Must not block.
     */
    void (*on_closed)(void *cookie, struct satori_channel *ch, int32_t reason);
};

/** Parameters for satori_bus_ops::channel_open. Zero-fill, then set struct_size. */
struct satori_channel_open_params {
    uint32_t struct_size;      /**< sizeof(*this) as the caller was built. */
    uint32_t flags;            /**< None defined in 1.0; must be 0 (else -SATORI_EINVAL). */
    uint32_t ring_bytes_out;   /**< Guest->host ring incl. 4 KiB control page; 4 KiB multiple, >= 8 KiB. */
    uint32_t ring_bytes_in;    /**< Host->guest ring; same rules. */
    /**
     * Largest inbound packet accepted, descriptor included; 0 = 4096. A longer packet is
     * a protocol error: logged, and the channel is closed.
     */
    uint32_t max_packet_bytes;
    /** Most sends with COMPLETION_REQUESTED in flight at once; 0 = 256. More -> -SATORI_ENOSPC. */
    uint32_t max_outstanding;
    const void *user_data;     /**< OPENCHANNEL user data (<= SATORI_OPEN_USER_DATA_MAX bytes), or NULL. */
    uint32_t user_data_len;    /**< Bytes at user_data. */
    uint32_t target_vcpu;      /**< Interrupt vCPU; SATORI_VCPU_ANY = no preference. */
    void *cookie;              /**< Opaque to the shim; the first argument of every callback. */
    const struct satori_channel_callbacks *callbacks; /**< Must stay valid until close returns. */
};

/** Snapshot of a channel for diagnostics (satori_bus_ops::channel_info). */
struct satori_channel_info {
    uint32_t struct_size;        /**< Set by the caller. */
    uint32_t relid;              /**< Host channel id. */
    uint16_t sub_channel_index;  /**< 0 = primary. */
    uint16_t reserved0;          /**< 0. */
    uint32_t ring_bytes_out;     /**< As opened. */
    uint32_t ring_bytes_in;      /**< As opened. */
    uint32_t reserved1;          /**< 0. */
    uint64_t packets_sent;       /**< Packets written to the out ring. */
    uint64_t packets_received;   /**< Packets delivered to on_packet. */
    uint64_t signals_sent;       /**< Signals to the host (empty->non-empty, or flow control). */
    uint64_t interrupts;         /**< Signals received from the host. */
    uint64_t ring_full;          /**< Sends that returned -SATORI_EAGAIN. */
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_CHANNEL_H */
