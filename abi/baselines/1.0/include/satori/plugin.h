/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file plugin.h
 * @brief The plugin descriptor and the single exported entry point.
 *
 * A plugin shared object exports exactly one symbol, `satori_plugin_entry`. The shim
 * `dlopen`s the object, calls the entry once with its host table, and the plugin fills
 * a `struct satori_plugin`: its name, version, the ABI version it was built for, the
 * device classes it drives and its lifecycle callbacks.
 *
 * Negotiation: the shim refuses a plugin whose ABI major differs from its own (the
 * message names both versions); otherwise both sides use the smaller minor. A plugin
 * may also refuse a shim by returning -SATORI_EPROTONOSUPPORT from the entry.
 */
#ifndef SATORI_PLUGIN_H
#define SATORI_PLUGIN_H

#include <stdint.h>
#include <satori/host.h>
#include <satori/guid.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_device;

/** What the shim knows about an offered device when it calls satori_plugin::probe. */
struct satori_device_info {
    uint32_t struct_size;            /**< sizeof(*this) as the shim was built. */
    uint32_t vmbus_version;          /**< Negotiated VMBus protocol, (major << 16) | minor. */
    struct satori_guid class_id;     /**< Interface type from the offer (the device class). */
    struct satori_guid instance_id;  /**< Instance GUID from the offer; unique per device. */
    uint16_t offer_flags;            /**< VMBus offer channel flags (e.g. 0x10 named pipe). */
    uint16_t mmio_megabytes;         /**< MMIO space the device asks for, MiB; 0 for most. */
    uint32_t relid;                  /**< Primary channel id chosen by the host; for logs. */
    uint8_t user_defined[120];       /**< The offer's 120-byte device-specific area. */
};

/**
 * A plugin's self-description, filled by satori_plugin_entry.
 * The shim zero-fills it and sets struct_size to the bytes it provides; the plugin writes
 * only fields that fit and sets struct_size to min(its own sizeof, the provided size).
 */
struct satori_plugin {
    uint32_t struct_size;  /**< See the struct's description. */
    uint32_t abi_version;  /**< SATORI_ABI_VERSION the plugin was built against. */
    const char *name;      /**< Short unique name, e.g. "storvsc". Static storage. */
    const char *version;   /**< Plugin release, e.g. "1.2.0". Static storage. */
    const char *description; /**< One line for `satori info`. Static storage; may be NULL. */
    uint32_t class_count;  /**< Number of entries in @ref classes; at least 1. */
    uint32_t reserved0;    /**< Must be 0. */
    const struct satori_guid *classes; /**< Device classes this plugin drives. Static. */
    void *cookie;          /**< Plugin-wide state, handed back to probe and unload. */

    /**
     * A device of one of @ref classes was offered. Set up the device (open channels, run
     * its protocol handshake) and store per-device state in @p *device_cookie.
     * @param info  valid for the duration of the call.
     * @return 0 to take the device; a negative SATORI_E* to decline it (logged; the
     *         shim releases whatever the plugin left open).
     * @context [probe] May block.
     */
    int32_t (*probe)(void *cookie, struct satori_device *dev, const struct satori_device_info *info,
                     void **device_cookie);

    /**
     * The device goes away: rescinded by the host, shim stopping, or plugin unloading.
     * Channels may already be closed (rescind); sends then fail with -SATORI_ENODEV.
     * The plugin closes its channels, tears down its GPADLs and frees its DMA memory; the
     * shim frees anything left over afterwards and logs it.
     * @context [probe] May block.
     */
    void (*remove)(void *device_cookie, struct satori_device *dev);

    /**
     * The host offered sub-channel @p sub_channel_index (>= 1) of this device, usually
     * because the plugin asked for it through the device protocol. Open it with
     * satori_bus_ops::channel_open. May be NULL when the plugin never asks for sub-channels.
     * @context [probe] May block.
     */
    void (*on_subchannel)(void *device_cookie, struct satori_device *dev,
                          uint16_t sub_channel_index);

    /** Quiesce before a host save or migration; may be NULL. @context [probe] */
    int32_t (*suspend)(void *device_cookie, struct satori_device *dev);
    /** Undo suspend; may be NULL. @context [probe] */
    int32_t (*resume)(void *device_cookie, struct satori_device *dev);

    /**
     * Called once before the object is unloaded, after every device was removed.
     * May be NULL.
     * @context [probe]
     */
    void (*unload)(void *cookie);
};

/** Marks the entry point for export when the plugin is built with hidden visibility. */
#if defined(__GNUC__)
#define SATORI_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SATORI_PLUGIN_EXPORT
#endif

/** Name of the entry symbol, for dlsym. */
#define SATORI_PLUGIN_ENTRY_NAME "satori_plugin_entry"

/**
 * Signature of the entry point.
 * @param host  the shim's table; valid until unload returns.
 * @param out   see struct satori_plugin.
 * @return 0, or a negative SATORI_E* (e.g. -SATORI_EPROTONOSUPPORT) to refuse loading.
 * @context [probe]
 */
typedef int32_t (*satori_plugin_entry_fn)(const struct satori_host *host, struct satori_plugin *out);

/** The one symbol a plugin exports. Defined by the plugin (SATORI_PLUGIN does it in C++). */
int32_t satori_plugin_entry(const struct satori_host *host, struct satori_plugin *out);

#ifdef __cplusplus
}
#endif

#endif /* SATORI_PLUGIN_H */
