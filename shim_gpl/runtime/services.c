/* SPDX-License-Identifier: GPL-2.0-only */
/* services.c — host services by name (satori_host::get_service), and satori.test/1. */
#include "shim.h"
#include "services/net/net_service.h"

#include <string.h>

static struct satori_shim *test_shim(const struct satori_test_service *svc)
{
	return ((const struct shim_test_service *)(const void *)svc)->shim;
}

static uint64_t test_ping(const struct satori_test_service *svc, uint64_t value)
{
	__atomic_fetch_add(&test_shim(svc)->test_pings, 1, __ATOMIC_RELAXED);
	return value + 1;
}

static uint64_t test_ping_count(const struct satori_test_service *svc)
{
	return __atomic_load_n(&test_shim(svc)->test_pings, __ATOMIC_RELAXED);
}

void services_init(struct satori_shim *shim)
{
	shim->svc_test.tbl.struct_size = sizeof(struct satori_test_service);
	shim->svc_test.tbl.ping = test_ping;
	shim->svc_test.tbl.ping_count = test_ping_count;
	shim->svc_test.shim = shim;
	timers_init_service(&shim->svc_timer, shim);
}

const void *services_get(const struct satori_host *host, const char *id)
{
	struct satori_shim *shim;

	if (!host || !id)
		return NULL;
	shim = plugin_from_host(host)->shim;
	if (!strcmp(id, SATORI_SERVICE_TIMER))
		return &shim->svc_timer.tbl;
	if (!strcmp(id, SATORI_SERVICE_TEST))
		return &shim->svc_test.tbl;
	if (!strcmp(id, SATORI_SERVICE_BLK))
		return blk_service_table(shim);
	if (!strcmp(id, SATORI_SERVICE_NET))
		return net_service_table(shim);
	if (!strcmp(id, SATORI_SERVICE_HID))
		return hid_service_table(shim);
	return NULL;
}
