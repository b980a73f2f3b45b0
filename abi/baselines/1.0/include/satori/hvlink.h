/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file hvlink.h
 * @brief The hypervisor seam between a guest shim and a host in the same process.
 *
 * On real Hyper-V the guest reaches the host through hypercalls (HvCallPostMessage,
 * HvCallSignalEvent) and the host reaches the guest through SynIC messages and event
 * flags. `hvlink` is that seam as two C tables, so that a host written in any language
 * (the Satori simulator, a VMM, a test rig) can sit on the other side of an unmodified
 * shim. Guest memory is a file descriptor both sides map (MAP_SHARED); a guest physical
 * address (GPA) is an offset into it.
 *
 * Ordering: messages are delivered in the order posted, per direction. Neither side may
 * call into the other while holding a lock the other side's callback could need; calls
 * return quickly (they queue).
 */
#ifndef SATORI_HVLINK_H
#define SATORI_HVLINK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of these tables. */
#define SATORI_HVLINK_VERSION 1u

/** @name Hypercall status codes (TLFS HV_STATUS_*) returned by the host side
 * @{ */
#define SATORI_HV_STATUS_SUCCESS                0x0000u /**< Done. */
#define SATORI_HV_STATUS_INVALID_HYPERCALL_INPUT 0x0003u /**< Malformed input. */
#define SATORI_HV_STATUS_INVALID_PARAMETER      0x0005u /**< A parameter is out of range. */
#define SATORI_HV_STATUS_INSUFFICIENT_MEMORY    0x000Bu /**< Host queue full; retry later. */
#define SATORI_HV_STATUS_INVALID_CONNECTION_ID  0x0012u /**< No such connection id (e.g. 4 on an old host). */
#define SATORI_HV_STATUS_INSUFFICIENT_BUFFERS   0x0013u /**< Host message buffers exhausted; retry. */
/** @} */

/** Largest SynIC message payload (HV_MESSAGE_PAYLOAD_BYTE_COUNT). */
#define SATORI_HV_MESSAGE_PAYLOAD_MAX 240u
/** SINT used by VMBus for messages and channel events. */
#define SATORI_HV_VMBUS_SINT 2u

/**
 * The guest side, implemented by the shim; the host calls these.
 * Host calls may come from any host thread, concurrently with each other.
 */
struct satori_hvlink_guest {
    uint32_t struct_size; /**< sizeof(*this) as the guest was built. */
    uint32_t version;     /**< SATORI_HVLINK_VERSION. */
    void *guest;          /**< First argument of every call. */

    /**
     * A SynIC message for SINT @p sint of VP @p vp (VMBus: sint 2, type 1). The guest
     * copies the payload before returning and processes messages in arrival order.
     * @param payload_size  <= SATORI_HV_MESSAGE_PAYLOAD_MAX; larger is dropped and logged.
     * @context [any]
     */
    void (*deliver_message)(void *guest, uint32_t vp, uint32_t sint, uint32_t message_type,
                            const void *payload, uint32_t payload_size);

    /**
     * The host set event flag @p flag (a channel's relid) in the SIEF slot @p sint of VP
     * @p vp and raised the SINT.
     * @context [any]
     */
    void (*signal_event)(void *guest, uint32_t vp, uint32_t sint, uint32_t flag);
};

/** The host side, implemented by the host; the guest shim calls these. */
struct satori_hvlink_host {
    uint32_t struct_size; /**< sizeof(*this) as the host was built. */
    uint32_t version;     /**< SATORI_HVLINK_VERSION. */
    void *host;           /**< First argument of every call. */

    /**
     * Attaches a guest. The host maps guest memory from @p mem_fd (MAP_SHARED, @p mem_bytes
     * long; GPA = offset) and keeps @p guest until disconnect. The fd stays owned by the
     * guest; the host dups it if it needs it after return.
     * @return 0 or a negative SATORI_E*.
     */
    int32_t (*connect)(void *host, const struct satori_hvlink_guest *guest, int32_t mem_fd,
                       uint64_t mem_bytes);

    /**
     * HvCallPostMessage: queue a message for the host on connection @p connection_id.
     * @return a SATORI_HV_STATUS_* code (the hypercall result), e.g.
     *         SATORI_HV_STATUS_INVALID_CONNECTION_ID for an id the host does not listen on.
     */
    uint32_t (*post_message)(void *host, uint32_t connection_id, uint32_t message_type,
                             const void *payload, uint32_t payload_size);

    /** HvCallSignalEvent on @p connection_id (a channel's offer connection id). */
    uint32_t (*signal_event)(void *host, uint32_t connection_id, uint16_t flag_number);

    /**
     * Detaches the guest: the host forgets all guest state (as on a guest reset) and
     * unmaps guest memory. No guest callback runs after this returns.
     */
    void (*disconnect)(void *host);
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_HVLINK_H */
