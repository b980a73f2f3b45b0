/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file embed.h
 * @brief The C API of libsatori_shim.so for programs that host the shim.
 *
 * A host program creates a shim, loads plugins, attaches a back end (a hypervisor or a
 * simulated host), starts it (VMBus version negotiation, offers, probes), and stops it.
 * Exported symbols are versioned with the linker script abi/satori.map (node SATORI_1.0).
 *
 * @code
 * struct satori_shim_config cfg = { .struct_size = sizeof cfg };
 * struct satori_shim *shim;
 * satori_shim_create(&cfg, &shim);
 * satori_shim_load_plugin_dir(shim, "/usr/lib/satori/plugins", NULL);
 * satori_shim_connect_hvlink(shim, my_host);
 * satori_shim_start(shim);
 * ... wait for a signal ...
 * satori_shim_stop(shim);
 * satori_shim_destroy(shim);
 * @endcode
 */
#ifndef SATORI_EMBED_H
#define SATORI_EMBED_H

#include <stdint.h>
#include <satori/errno.h>
#include <satori/guid.h>
#include <satori/hvlink.h>
#include <satori/log.h>
#include <satori/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a function exported by libsatori_shim.so. */
#if defined(__GNUC__)
#define SATORI_SHIM_API __attribute__((visibility("default")))
#else
#define SATORI_SHIM_API
#endif

struct satori_shim;

/** @name Event kinds (satori_shim_event::kind)
 * @{ */
#define SATORI_SHIM_EV_PLUGIN_LOADED   1u  /**< A plugin was loaded and negotiated. */
#define SATORI_SHIM_EV_PLUGIN_REJECTED 2u  /**< A plugin could not be loaded; status says why. */
#define SATORI_SHIM_EV_CONNECTED       3u  /**< VMBus connected; value = negotiated version. */
#define SATORI_SHIM_EV_OFFER           4u  /**< The host offered a device. */
#define SATORI_SHIM_EV_BOUND           5u  /**< A plugin took a device (probe returned 0). */
#define SATORI_SHIM_EV_PROBE_FAILED    6u  /**< A plugin declined or failed a device. */
#define SATORI_SHIM_EV_NO_DRIVER       7u  /**< No loaded plugin drives the offered class. */
#define SATORI_SHIM_EV_RESCINDED       8u  /**< The host took a device away. */
#define SATORI_SHIM_EV_REMOVED         9u  /**< A device was removed from its plugin. */
#define SATORI_SHIM_EV_CHANNEL_ERROR   10u /**< A channel was closed because of an error. */
#define SATORI_SHIM_EV_DISCONNECTED    11u /**< VMBus connection ended (stop or host gone). */
#define SATORI_SHIM_EV_EXPORT_ADDED    12u /**< A service exports something; detail = URI or name. */
#define SATORI_SHIM_EV_EXPORT_REMOVED  13u /**< An export went away; detail = URI or name. */
/** @} */

/** Something happened; passed to satori_shim_config::on_event. */
struct satori_shim_event {
    uint32_t struct_size;          /**< sizeof(*this) as the shim was built. */
    uint32_t kind;                 /**< SATORI_SHIM_EV_*. */
    int32_t status;                /**< 0 or a negative SATORI_E*. */
    uint32_t value;                /**< Kind-specific (version, relid, ...). */
    const char *plugin;            /**< Plugin name or path, or NULL. */
    const char *message;           /**< One human-readable line. Never NULL. */
    struct satori_guid class_id;   /**< Device class, when the event is about a device. */
    struct satori_guid instance_id;/**< Device instance, when the event is about a device. */
    const char *detail;            /**< Kind-specific text (an export's URI), or NULL. */
};

/** Creation parameters. Zero-fill, then set struct_size. */
struct satori_shim_config {
    uint32_t struct_size;       /**< sizeof(*this) as the caller was built. */
    uint32_t log_level;         /**< SATORI_LOG_* threshold; 0 = errors only. */
    /** Receives each log line (no trailing newline); NULL = stderr. @context [any] */
    void (*log)(void *cookie, uint32_t level, const char *line);
    /** Receives events; NULL = none. @context [any], serialized. */
    void (*on_event)(void *cookie, const struct satori_shim_event *ev);
    void *cookie;               /**< First argument of log and on_event. */
    uint64_t guest_memory_bytes;/**< Guest memory the back end provides; 0 = 1 GiB. */
    uint32_t max_vmbus_version; /**< Newest VMBus version to propose; 0 = newest known (5.3). */
    uint32_t timeout_ms;        /**< Wait for any host answer; 0 = 10000. */
};

/** A loaded plugin, as satori_shim_inspect_plugin reports it. */
struct satori_shim_plugin_info {
    uint32_t struct_size;  /**< Set by the caller. */
    uint32_t abi_version;  /**< ABI version the plugin was built for. */
    char name[64];         /**< NUL-terminated. */
    char version[32];      /**< NUL-terminated. */
    char description[128]; /**< NUL-terminated; may be empty. */
    uint32_t class_count;  /**< Total classes the plugin declares. */
    uint32_t reserved;     /**< 0. */
    struct satori_guid classes[16]; /**< The first min(class_count, 16) classes. */
};

/** Device states (satori_shim_device::state). */
#define SATORI_SHIM_DEV_OFFERED   1u /**< Offered; no plugin bound (none matches or probing). */
#define SATORI_SHIM_DEV_BOUND     2u /**< A plugin drives it. */
#define SATORI_SHIM_DEV_FAILED    3u /**< Probe failed; status says why. */
#define SATORI_SHIM_DEV_RESCINDED 4u /**< The host took it away. */

/** One device, as satori_shim_list_devices reports it. */
struct satori_shim_device {
    uint32_t struct_size;           /**< sizeof(*this) as the shim was built. */
    uint32_t state;                 /**< SATORI_SHIM_DEV_*. */
    int32_t status;                 /**< Last probe result. */
    uint32_t relid;                 /**< Primary channel id. */
    struct satori_guid class_id;    /**< Device class. */
    struct satori_guid instance_id; /**< Device instance. */
    const char *plugin;             /**< Plugin name, or NULL. Valid during the callback. */
};

/** ABI version of this shim library. */
SATORI_SHIM_API uint32_t satori_shim_abi_version(void);
/** Text for a SATORI_E* value (sign ignored). */
SATORI_SHIM_API const char *satori_shim_strerror(int32_t err);

/** Creates a shim. @return 0 and *out, or -SATORI_EINVAL / -SATORI_ENOMEM. */
SATORI_SHIM_API int32_t satori_shim_create(const struct satori_shim_config *cfg,
                                           struct satori_shim **out);
/**
 * Sets a named option before start. Keys:
 * - "vmbus.max_version": newest VMBus version to propose, "5.3".
 * - "log.level": "error", "warn", "info" or "debug".
 * - "blk.nbd_socket": Unix socket path of the NBD server (default
 *   $XDG_RUNTIME_DIR/satori/nbd.sock, else /tmp/satori-UID/nbd.sock).
 * - "blk.nbd_tcp": also listen on TCP, "127.0.0.1:10809"; "" = no TCP (default).
 * - "hid.uhid": uhid node each HID device opens (default "/dev/uhid"; a Unix stream socket
 *   path works too: the shim connects and exchanges struct uhid_event records); "" = none.
 * - "hid.events_socket": Unix socket of the HID event stream (JSON lines; default
 *   $XDG_RUNTIME_DIR/satori/events.sock, else /tmp/satori-UID/events.sock); "" = none.
 * - "net.tap": "NAME" or "NAME=aa:bb:cc:dd:ee:ff" (repeatable, up to 16): the TAP interface
 *   name for the network device with that MAC, else for the next one registered; devices
 *   without a configured name get "satoriN". @return 0, -SATORI_ENOENT unknown key, -SATORI_EINVAL bad value,
 * -SATORI_EBUSY already started.
 */
SATORI_SHIM_API int32_t satori_shim_set_option(struct satori_shim *shim, const char *key,
                                               const char *value);
/**
 * Loads one plugin shared object. A failure is logged, reported as an event and
 * returned; other plugins are not affected.
 */
SATORI_SHIM_API int32_t satori_shim_load_plugin(struct satori_shim *shim, const char *path);
/**
 * Loads every `*.so` in @p dir (sorted by name). Failures are logged and skipped.
 * @param shim    the shim.
 * @param dir     directory to scan (not recursive).
 * @param loaded  if not NULL, receives the number loaded.
 * @return 0 if the directory could be read (even if some plugins failed), else negative.
 */
SATORI_SHIM_API int32_t satori_shim_load_plugin_dir(struct satori_shim *shim, const char *dir,
                                                    uint32_t *loaded);
/**
 * Loads @p path only to describe it (satori info): calls the entry, fills @p out, unloads.
 * @return 0, or the reason it cannot be loaded (message in @p err_buf if not NULL).
 */
SATORI_SHIM_API int32_t satori_shim_inspect_plugin(const char *path,
                                                   struct satori_shim_plugin_info *out,
                                                   char *err_buf, uint32_t err_len);
/** Attaches the in-process back end: @p host stays valid until destroy. */
SATORI_SHIM_API int32_t satori_shim_connect_hvlink(struct satori_shim *shim,
                                                   const struct satori_hvlink_host *host);
/**
 * Connects VMBus (version negotiation), requests offers and probes matching plugins.
 * Returns once all initial offers were handled. @return 0 or negative.
 */
SATORI_SHIM_API int32_t satori_shim_start(struct satori_shim *shim);
/** Removes every device, closes channels, sends UNLOAD and disconnects. Idempotent. */
SATORI_SHIM_API int32_t satori_shim_stop(struct satori_shim *shim);
/** Stops if needed, unloads plugins and frees the shim. */
SATORI_SHIM_API void satori_shim_destroy(struct satori_shim *shim);
/** Negotiated VMBus version, or 0 when not connected. */
SATORI_SHIM_API uint32_t satori_shim_vmbus_version(const struct satori_shim *shim);
/**
 * Calls @p fn for every device the host offered, in relid order.
 * @context The callback must not call back into the shim.
 */
SATORI_SHIM_API int32_t satori_shim_list_devices(struct satori_shim *shim,
                                                 void (*fn)(void *cookie,
                                                            const struct satori_shim_device *d),
                                                 void *cookie);

/**
 * satori_shim_event::value of SATORI_SHIM_EV_DISCONNECTED when the back end lost the host
 * (it exited, crashed, hung or broke the transport protocol), as opposed to 0 for a
 * disconnect the embedder asked for with satori_shim_stop. Channels fail at once
 * (-SATORI_ECONNRESET); to recover, call satori_shim_stop, then satori_shim_start until it
 * succeeds: the host re-offers its devices and plugins probe them again.
 */
#define SATORI_SHIM_DISCONNECT_HOST_LOST 1u

/** A back end reaching a host in another process over a Unix socket (docs/transport.md). */
struct satori_socket_host;

/**
 * Attaches the socket back end to @p shim, in place of satori_shim_connect_hvlink: each
 * satori_shim_start connects to the SOCK_SEQPACKET socket @p path (a host such as
 * `satori-sim --listen PATH`), hands it the guest memory (memfd, SCM_RIGHTS) and
 * negotiates the transport version; satori_shim_stop disconnects. When the host goes away
 * the shim reports SATORI_SHIM_EV_DISCONNECTED with value SATORI_SHIM_DISCONNECT_HOST_LOST.
 * @param shim the shim, created and not started.
 * @param path the host's Unix socket (NUL-terminated, at most 107 bytes).
 * @param out  receives the back end; free it with satori_socket_host_free after
 *             satori_shim_destroy.
 * @return 0, -SATORI_EINVAL (path empty or longer than 107 bytes), -SATORI_EBUSY (started),
 *         -SATORI_ENOMEM.
 */
SATORI_SHIM_API int32_t satori_shim_connect_socket(struct satori_shim *shim, const char *path,
                                                   struct satori_socket_host **out);
/** Frees a socket back end (after satori_shim_destroy of the shim using it). NULL is a no-op. */
SATORI_SHIM_API void satori_socket_host_free(struct satori_socket_host *host);

#ifdef __cplusplus
}
#endif

#endif /* SATORI_EMBED_H */
