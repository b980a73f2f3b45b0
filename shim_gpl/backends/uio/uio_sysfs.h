/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * uio_sysfs.h — the uio_hv_generic back end, part 1: finding VMBus devices and the regions
 * uio_hv_generic exposes, from sysfs, and binding a device class to the driver.
 *
 * Layout read (root is "/sys" on a real guest, a directory tree in tests):
 *   <root>/bus/vmbus/devices/<dev>/class_id        "{guid}"
 *   <root>/bus/vmbus/devices/<dev>/device_id       "{guid}"
 *   <root>/bus/vmbus/devices/<dev>/monitor_id      decimal (optional)
 *   <root>/bus/vmbus/devices/<dev>/driver          symlink to .../drivers/<name> (optional)
 *   <root>/bus/vmbus/devices/<dev>/channels/<relid>/  one directory per channel
 *   <root>/bus/vmbus/devices/<dev>/uio/uio<N>/maps/map<M>/{name,size}   (bound to uio)
 *   <root>/bus/vmbus/drivers/uio_hv_generic/new_id written to bind a class
 * Not yet done: mapping the regions, events, sub-channels, GPADLs (see docs/transport.md).
 */
#ifndef SATORI_BACKENDS_UIO_UIO_SYSFS_H
#define SATORI_BACKENDS_UIO_UIO_SYSFS_H

#include <stdbool.h>
#include <stdint.h>

#define UIO_MAX_MAPS     8u
#define UIO_MAX_CHANNELS 64u

struct uio_map {
	char name[32];
	uint64_t size; /* as the driver reports it, never a constant */
};

struct uio_vmbus_dev {
	char name[64];         /* directory name under devices/ */
	uint8_t class_id[16];  /* wire order (satori_guid) */
	uint8_t device_id[16];
	char driver[32];       /* "" when unbound */
	bool has_monitor;
	uint32_t monitor_id;
	int32_t uio_index;     /* N of uio<N>, -1 when not bound to uio_hv_generic */
	uint32_t map_count;
	struct uio_map maps[UIO_MAX_MAPS];
	uint32_t channel_count;
	uint32_t channels[UIO_MAX_CHANNELS]; /* relids, ascending */
};

/*
 * Calls @p fn for each well-formed device under <root>/bus/vmbus/devices (sorted by name).
 * A malformed device is skipped with a line in @p err (if not NULL) and counted in *skipped.
 * @return devices reported, or a negative SATORI_E* if the bus directory cannot be read.
 */
int32_t uio_scan(const char *root, void (*fn)(void *ctx, const struct uio_vmbus_dev *d),
		 void *ctx, uint32_t *skipped, char *err, uint32_t err_len);

/* "{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}" or without braces -> wire-order bytes. */
bool uio_parse_guid(const char *text, uint8_t out[16]);

/*
 * Asks uio_hv_generic to drive every device of class @p class_text by writing it to
 * <root>/bus/vmbus/drivers/uio_hv_generic/new_id. Changes nothing on failure.
 * @return 0, -SATORI_ENOENT (driver not loaded: modprobe uio_hv_generic), -SATORI_EPERM
 *         (not root), -SATORI_EINVAL (not a GUID). @p err gets one line saying so.
 */
int32_t uio_bind_class(const char *root, const char *class_text, char *err, uint32_t err_len);

#endif /* SATORI_BACKENDS_UIO_UIO_SYSFS_H */
