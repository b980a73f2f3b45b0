/* SPDX-License-Identifier: MIT */
/* Claims ABI 2.0: the 1.x shim must refuse it with a message naming both versions. */
#include "test_plugin_common.h"

static const struct satori_guid classes[] = { TEST_CLASS(2) };

static int32_t probe(void *c, struct satori_device *d, const struct satori_device_info *i, void **o)
{
	(void)c; (void)d; (void)i; (void)o;
	return 0;
}

static void remove_dev(void *c, struct satori_device *d)
{
	(void)c; (void)d;
}

TEST_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *h, struct satori_plugin *out)
{
	(void)h;
	out->abi_version = SATORI_ABI_VERSION(2, 0);
	out->name = "test-wrong-major";
	out->version = "2.0.0";
	out->class_count = 1;
	out->classes = classes;
	out->probe = probe;
	out->remove = remove_dev;
	return 0;
}
