/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file bus.h
 * @brief Bus operations: channels, sending, GPADLs and DMA memory (satori_host::bus).
 */
#ifndef SATORI_BUS_H
#define SATORI_BUS_H

#include <stdint.h>
#include <satori/channel.h>
#include <satori/dma.h>
#include <satori/gpadl.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_device;

/** The bus table. Every handle passed in must belong to the calling plugin. */
struct satori_bus_ops {
    uint32_t struct_size; /**< sizeof(*this) as the shim was built. */
    uint32_t reserved;    /**< 0. */

    /**
     * Opens a channel of @p dev: allocates both rings in DMA memory, describes them to the
     * host with a GPADL and waits for OPENCHANNEL_RESULT.
     * @param sub_channel_index  0 for the primary channel, or an index announced through
     *                           satori_plugin::on_subchannel.
     * @return 0 and *out; -SATORI_EINVAL bad parameters; -SATORI_ENOENT no such
     *         sub-channel; -SATORI_EBUSY already open; -SATORI_ENODEV rescinded;
     *         -SATORI_EIO host refused; -SATORI_ETIMEDOUT host did not answer.
     * @context [probe] Blocks until the host answers.
     */
    int32_t (*channel_open)(struct satori_device *dev, uint16_t sub_channel_index,
                            const struct satori_channel_open_params *params,
                            struct satori_channel **out);

    /**
     * Closes the channel: no callback runs after this returns, the host is told
     * (CLOSECHANNEL), the ring GPADL is torn down and the handle is freed.
     * GPADLs the plugin created on it must be torn down first (the shim tears down and
     * logs leftovers).
     * @context [probe] Must not be called from the channel's own callbacks.
     */
    void (*channel_close)(struct satori_channel *ch);

    /**
     * Writes one packet to the guest->host ring and signals the host when required
     * (empty->non-empty and not masked). Must not overlap channel_close of the same
     * channel (the handle is freed by close).
     * @return 0; -SATORI_EAGAIN ring full (on_send_space follows); -SATORI_ENOSPC too many
     *         requests in flight; -SATORI_EMSGSIZE larger than the ring can ever hold;
     *         -SATORI_EINVAL malformed; -SATORI_ENODEV / -SATORI_EPROTO / -SATORI_ECONNRESET
     *         channel no longer working.
     * @context [any] Never blocks.
     */
    int32_t (*send)(struct satori_channel *ch, const struct satori_send *pkt);

    /**
     * Signals the host if packets written with SATORI_SEND_DEFER_SIGNAL need it.
     * @context [any]
     */
    int32_t (*signal)(struct satori_channel *ch);

    /**
     * Declares the channel unusable, e.g. after the plugin found a host protocol violation
     * in a packet: later sends fail with @p reason, nothing more is delivered, on_closed
     * runs with @p reason in channel context — after the current callback returns when
     * called from one — and the event is logged. The plugin still calls channel_close
     * from [probe] context.
     * @param reason  a negative SATORI_E*, usually -SATORI_EPROTO.
     * @context [any] (the channel's own callbacks included)
     */
    int32_t (*channel_abort)(struct satori_channel *ch, int32_t reason);

    /**
     * Allocates zeroed DMA memory of at least @p bytes (rounded up to 4 KiB).
     * @param flags  SATORI_DMA_* bits.
     * @param out    zero-filled with struct_size set by the caller. The shim does not keep
     *               this address: any copy of the filled struct may be passed to dma_free.
     * @return 0; -SATORI_ENOMEM; -SATORI_EINVAL.
     * @context [any]
     */
    int32_t (*dma_alloc)(struct satori_device *dev, uint64_t bytes, uint32_t flags,
                         struct satori_dma_buffer *out);

    /**
     * Returns DMA memory. It must no longer be named in a GPADL or an in-flight request.
     * @context [any]
     */
    void (*dma_free)(struct satori_device *dev, struct satori_dma_buffer *buf);

    /**
     * Describes bytes [@p offset, @p offset + @p bytes) of @p buf to the host as a GPADL
     * on channel @p ch and waits for GPADL_CREATED. Both must be 4 KiB aligned.
     * @return 0 and *out; -SATORI_EINVAL; -SATORI_EIO host refused; -SATORI_ENODEV.
     * @context [probe] Blocks until the host answers.
     */
    int32_t (*gpadl_create)(struct satori_channel *ch, const struct satori_dma_buffer *buf,
                            uint64_t offset, uint64_t bytes, satori_gpadl_t *out);

    /**
     * Tears a GPADL down and waits for GPADL_TORNDOWN (immediate after a rescind).
     * @context [probe] Blocks until the host answers.
     */
    int32_t (*gpadl_teardown)(struct satori_channel *ch, satori_gpadl_t gpadl);

    /**
     * Fills @p out (struct_size set by the caller) with ids and counters.
     * @context [any]
     */
    int32_t (*channel_info)(struct satori_channel *ch, struct satori_channel_info *out);
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_BUS_H */
