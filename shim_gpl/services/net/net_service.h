/* SPDX-License-Identifier: GPL-2.0-only */
/* net_service.h — runtime hooks of satori.net/1 (the TAP-backed network service). */
#ifndef SATORI_NET_SERVICE_H
#define SATORI_NET_SERVICE_H

#include <stdint.h>

struct satori_shim;
struct shim_device;

int32_t net_create(struct satori_shim *shim);
void net_destroy(struct satori_shim *shim);
const void *net_service_table(struct satori_shim *shim);
/* "net.*" keys of satori_shim_set_option; -SATORI_ENOENT for other keys */
int32_t net_set_option(struct satori_shim *shim, const char *key, const char *value);
/* removes what plugins left registered (after devices_remove_all) */
void net_stop(struct satori_shim *shim);
/* the device went away: remove the netdevs its plugin left registered */
void net_release_device(struct satori_shim *shim, struct shim_device *dev);

#endif /* SATORI_NET_SERVICE_H */
