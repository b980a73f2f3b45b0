/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * shim.h — the user-space runtime around core/: threads, devices, plugins, services.
 *
 * Threads:
 *  - the message thread runs every host control message through vmbus_conn_on_message;
 *  - the lifecycle thread runs probe/remove/sub-channel work, one item at a time
 *    (the [probe] context);
 *  - each open channel has a thread that runs vmbus_channel_poll when kicked
 *    (the [channel] context);
 *  - the timer thread fires satori.timer/1 timers (the [timer] context).
 */
#ifndef SATORI_RUNTIME_SHIM_H
#define SATORI_RUNTIME_SHIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <satori/embed.h>
#include <satori/satori.h>
#include "core/channel.h"
#include "core/hv.h"
#include "core/os.h"
#include "core/vmbus.h"

struct satori_shim;
struct shim_device;
struct blk_state;
struct shim_net_service;

/* ---- logging (log.c) ---- */
/* Copies a plugin's struct_size-first struct @src (of @src_size bytes, as the plugin was
 * built) into @dst, zeroing the members an older plugin's layout does not have. */
static inline void shim_copy_sized(void *dst, size_t dst_size, const void *src, uint32_t src_size)
{
	memset(dst, 0, dst_size);
	memcpy(dst, src, src_size < dst_size ? src_size : dst_size);
}

void shim_log(struct satori_shim *shim, uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void shim_vlog(struct satori_shim *shim, uint32_t level, const char *fmt, va_list ap);
void shim_emit(struct satori_shim *shim, uint32_t kind, int32_t status, uint32_t value,
	       const char *plugin, const uint8_t *class_id, const uint8_t *instance_id,
	       const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* Delivers a filled event (message set; struct_size is set here) to the embedder or the log. */
void shim_emit_event(struct satori_shim *shim, struct satori_shim_event *ev);
const char *shim_strerror(int32_t err);
/* "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f" from wire bytes; buf >= 37 bytes */
void shim_guid_str(const uint8_t *wire, char *buf);

/* ---- guest memory (gmem.c) ---- */
struct gmem;
int32_t gmem_create(uint64_t bytes, struct gmem **out);
void gmem_destroy(struct gmem *g);
int gmem_fd(const struct gmem *g);
uint64_t gmem_size(const struct gmem *g);
int32_t gmem_alloc(struct gmem *g, uint32_t pages, void **va, uint64_t *pfns, void **handle);
void gmem_free(struct gmem *g, void *handle);
uint32_t gmem_pages_in_use(struct gmem *g);

/* ---- os ops for core (os_user.c) ---- */
void shim_os_init(struct satori_shim *shim, struct os_ops *os);

/* ---- a simple FIFO of work items with a thread (workq.c) ---- */
struct workq;
typedef void (*work_fn)(void *arg);
int32_t workq_create(const char *name, struct workq **out);
/* stops accepting, runs what is queued, joins */
void workq_destroy(struct workq *q);
int32_t workq_push(struct workq *q, work_fn fn, void *arg);
/* waits until everything queued before this call has run */
void workq_flush(struct workq *q);
bool workq_is_current(const struct workq *q);

/* ---- plugins (loader/) ---- */
struct shim_plugin {
	struct satori_host host; /* handed to the plugin; first so container_of is a cast */
	struct satori_shim *shim;
	void *dl;
	char path[512];
	char name[64];
	struct satori_plugin desc;  /* as the plugin filled it, zero-extended */
	uint32_t negotiated;        /* SATORI_ABI_VERSION both sides use */
	struct shim_plugin *next;
};

/* ---- channels and devices (devices.c, channels.c, bus.c) ---- */
#define SHIM_CHANNEL_MAGIC 0x43484e4cu /* "CHNL" */
#define SHIM_DEVICE_MAGIC 0x44455643u  /* "DEVC" */

struct shim_gpadl {
	uint32_t handle;
	struct shim_gpadl *next;
};

struct shim_channel {
	uint32_t magic;
	struct shim_device *dev;
	struct vmbus_offer *offer;
	struct vmbus_channel *ch;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t kicks;
	bool stop;
	struct shim_gpadl *gpadls;
	struct shim_channel *next;
};

struct shim_dma {
	void *handle;
	void *va;
	uint64_t *pfns;
	uint32_t pages;
	struct shim_dma *next;
};

struct shim_device {
	uint32_t magic;
	struct satori_shim *shim;
	struct vmbus_offer *offer;  /* primary offer; one reference held */
	struct shim_plugin *plugin; /* bound plugin, or NULL */
	void *cookie;
	uint32_t state;             /* SATORI_SHIM_DEV_* */
	int32_t status;
	bool bound;                 /* probe succeeded and remove not yet called */
	pthread_mutex_t mu;         /* channels, dmas */
	struct shim_channel *channels;
	struct shim_dma *dmas;
	struct shim_device *next;
};

/* service tables are per shim; each call finds its shim through its table */
struct shim_test_service {
	struct satori_test_service tbl;
	struct satori_shim *shim;
};

struct shim_timer_service {
	struct satori_timer_service tbl;
	struct satori_shim *shim;
};

struct satori_shim {
	struct satori_shim_config cfg;
	pthread_mutex_t log_mu;
	pthread_mutex_t mu; /* plugins, devices, state */
	struct os_ops os;
	struct gmem *gmem;
	struct vmbus_conn *conn;
	struct hv_adapter hv;
	struct workq *msgq;       /* host control messages, in order */
	struct workq *lifecycle;  /* [probe] context */
	struct shim_plugin *plugins;
	struct shim_device *devices;
	bool started;
	bool stopping;

	/* back end: the in-process hvlink (backends/sim) */
	const struct satori_hvlink_host *hvlink;
	struct satori_hvlink_guest hvlink_guest;
	bool hvlink_connected;

	/* services */
	struct shim_test_service svc_test;
	struct shim_timer_service svc_timer;
	struct shim_timers *timers;
	uint64_t test_pings; /* atomic */
	struct blk_state *blk; /* satori.blk/1 and its NBD server (services/blk/) */
	struct shim_net_service *net; /* satori.net/1 and its TAP back end (services/net/) */
	struct hid_state *hid; /* satori.hid/1, uhid and the event stream (services/hid/) */
};

/* devices.c */
void devices_on_offer(void *ctx, struct vmbus_offer *o);
void devices_on_rescind(void *ctx, struct vmbus_offer *o);
void devices_remove_all(struct satori_shim *shim);
void devices_free_all(struct satori_shim *shim);
const struct shim_plugin *devices_match(struct satori_shim *shim, const uint8_t *class_id);

/* channels.c */
void channels_on_interrupt(void *ctx, struct vmbus_channel *ch);
int32_t channels_open(struct shim_device *dev, uint16_t sub_index,
		      const struct satori_channel_open_params *p, struct satori_channel **out);
void channels_close(struct shim_channel *sc);
struct shim_channel *channels_from_handle(struct satori_channel *ch);
/* the device went away: close whatever the plugin left open, free its DMA memory */
void channels_release_device(struct shim_device *dev);

/* bus.c */
extern const struct satori_bus_ops shim_bus_ops;
void dma_free_all(struct shim_device *dev);

/* services.c, timer.c */
void services_init(struct satori_shim *shim);
const void *services_get(const struct satori_host *host, const char *id);
int32_t timers_create(struct satori_shim *shim);
void timers_destroy(struct satori_shim *shim);
void timers_release_device(struct satori_shim *shim, struct shim_device *dev);
void timers_init_service(struct shim_timer_service *svc, struct satori_shim *shim);

/* services/blk/blk_service.c */
int32_t blk_create(struct satori_shim *shim);
void blk_destroy(struct satori_shim *shim);
const void *blk_service_table(struct satori_shim *shim);
/* "blk.*" keys of satori_shim_set_option; -SATORI_ENOENT for other keys */
int32_t blk_set_option(struct satori_shim *shim, const char *key, const char *value);
int32_t blk_start(struct satori_shim *shim);
/* removes what is left, stops listening (after devices_remove_all) */
void blk_stop(struct satori_shim *shim);
/* the device went away: remove the disks its plugin left registered */
void blk_release_device(struct satori_shim *shim, struct shim_device *dev);

/* services/hid/hid_service.c */
struct hid_state;
int32_t hid_create(struct satori_shim *shim);
void hid_destroy(struct satori_shim *shim);
const void *hid_service_table(struct satori_shim *shim);
/* "hid.*" keys of satori_shim_set_option; -SATORI_ENOENT for other keys */
int32_t hid_set_option(struct satori_shim *shim, const char *key, const char *value);
int32_t hid_start(struct satori_shim *shim);
/* removes what is left, closes the event stream (after devices_remove_all) */
void hid_stop(struct satori_shim *shim);
/* the device went away: remove the HID devices its plugin left registered */
void hid_release_device(struct satori_shim *shim, struct shim_device *dev);

/* loader/loader.c */
int32_t loader_load(struct satori_shim *shim, const char *path, struct shim_plugin **out,
		    char *err, uint32_t err_len);
void loader_unload(struct shim_plugin *p);
void loader_init_host(struct satori_shim *shim, struct shim_plugin *p);

/* backends/sim/hvlink_backend.c */
int32_t hvlink_backend_attach(struct satori_shim *shim, const struct satori_hvlink_host *host);
int32_t hvlink_backend_connect(struct satori_shim *shim);
void hvlink_backend_disconnect(struct satori_shim *shim);

static inline struct shim_plugin *plugin_from_host(const struct satori_host *host)
{
	return (struct shim_plugin *)(void *)host;
}

#endif /* SATORI_RUNTIME_SHIM_H */
