/* SPDX-License-Identifier: MIT */
/* A well-behaved plugin: pings satori.test/1 in probe, so a test can see the service work. */
#include "test_plugin_common.h"

static const struct satori_guid classes[] = { TEST_CLASS(1) };
static const struct satori_host *host;

static int32_t probe(void *cookie, struct satori_device *dev, const struct satori_device_info *info,
		     void **device_cookie)
{
	const struct satori_test_service *svc =
		satori_get_service(host, SATORI_SERVICE_TEST, sizeof(struct satori_test_service));

	(void)cookie;
	(void)info;
	if (!svc || svc->ping(svc, 41) != 42)
		return -SATORI_EIO;
	host->log(host, dev, SATORI_LOG_INFO, "good plugin probed");
	*device_cookie = dev;
	return 0;
}

static void remove_dev(void *device_cookie, struct satori_device *dev)
{
	(void)device_cookie;
	host->log(host, dev, SATORI_LOG_INFO, "good plugin removed");
}

TEST_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *h, struct satori_plugin *out)
{
	host = h;
	out->struct_size = sizeof(*out) < out->struct_size ? sizeof(*out) : out->struct_size;
	out->abi_version = SATORI_ABI_VERSION_CURRENT;
	out->name = "test-good";
	out->version = "1.0.0";
	out->description = "loader test: binds and pings satori.test/1";
	out->class_count = 1;
	out->classes = classes;
	out->probe = probe;
	out->remove = remove_dev;
	return 0;
}
