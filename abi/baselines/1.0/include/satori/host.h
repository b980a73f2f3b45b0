/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file host.h
 * @brief The table the shim hands to a plugin, and the thread-context tags.
 *
 * @section contexts Thread contexts
 * Every callback and host function states the context it runs in or may be called from:
 * - `[probe]` device lifecycle (probe, remove, suspend, resume, sub-channel offers):
 *   serialized per device; may block (e.g. wait for a GPADL or a protocol handshake).
 * - `[channel]` channel events (packet received, send space, channel error): serialized per
 *   channel, parallel across channels; must not block.
 * - `[timer]` timer expiry: serialized per timer; must not block.
 * - `[service]` upper-edge requests (block, net, hid): serialized per service instance
 *   unless the service says otherwise; must not block.
 * - `[service & config]` configuration requests of a service (MTU, MAC, filters): from
 *   the shim's control thread, serialized per device; may block.
 * - `[any]` any thread, concurrently.
 * A state may be added: `[channel & open]` means only while the channel is open.
 *
 * Callbacks of one channel never run concurrently with each other. `send` is safe from
 * any thread. A plugin may call any `[any]` function from any callback.
 */
#ifndef SATORI_HOST_H
#define SATORI_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <satori/version.h>
#include <satori/errno.h>
#include <satori/log.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_device;
struct satori_bus_ops;

/**
 * The shim's table for one plugin. Valid from satori_plugin_entry until the plugin's
 * satori_plugin::unload returns. Read only; never copied by value (it may grow).
 *
 * The first six members (struct_size through log) keep their layout in every future
 * major version, so that a plugin can always read abi_version and report a mismatch
 * through log before refusing to load.
 */
struct satori_host {
    uint32_t struct_size; /**< sizeof(struct satori_host) as the shim was built. */
    uint32_t abi_version; /**< The shim's SATORI_ABI_VERSION(major, minor). */
    const char *name;     /**< Shim name, e.g. "satori-shim". Static string. */
    const char *version;  /**< Shim release, e.g. "1.0.0". Static string. */

    /**
     * Looks up a host service by id, e.g. `"satori.timer/1"`.
     * @param id  `"satori.<name>/<major>"`; the major is part of the id.
     * @return the service table (valid while the plugin is loaded), or NULL when this
     *         shim does not provide it. Check the table's struct_size before using fields
     *         newer than 1.0.
     * @context [any]
     */
    const void *(*get_service)(const struct satori_host *host, const char *id);

    /**
     * Writes one log line. The shim adds the plugin name, the device (when @p dev is not
     * NULL), a timestamp and a newline.
     * @param dev    the device the message is about, or NULL.
     * @param level  SATORI_LOG_*; lines above the configured level are dropped.
     * @param msg    NUL-terminated UTF-8; copied before return.
     * @context [any]
     */
    void (*log)(const struct satori_host *host, struct satori_device *dev, uint32_t level,
                const char *msg);

    /**
     * Text for a SATORI_E* value (positive or negative). Never NULL; unknown values give
     * "unknown error". Static storage.
     * @context [any]
     */
    const char *(*strerror)(int32_t err);

    /**
     * Monotonic time in nanoseconds. Origin unspecified; never goes backwards.
     * @context [any]
     */
    uint64_t (*now_ns)(const struct satori_host *host);

    /** The bus operations (devices, channels, GPADLs, DMA memory). Never NULL. */
    const struct satori_bus_ops *bus;
};

/**
 * Looks up a service and checks that its table is at least @p min_size bytes.
 * @return the table, or NULL if absent or too old.
 */
static inline const void *satori_get_service(const struct satori_host *host, const char *id,
                                             uint32_t min_size)
{
    const uint32_t *tbl;

    if (!host || !host->get_service)
        return NULL;
    tbl = (const uint32_t *)host->get_service(host, id);
    if (!tbl || *tbl < min_size)
        return NULL;
    return tbl;
}

#ifdef __cplusplus
}
#endif

#endif /* SATORI_HOST_H */
