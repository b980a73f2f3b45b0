/* SPDX-License-Identifier: MIT */
/* Built for a newer minor (1.7): loads, and both sides use the shim's 1.0. */
#include "test_plugin_common.h"

static const struct satori_guid classes[] = { TEST_CLASS(3) };

static int32_t probe(void *c, struct satori_device *d, const struct satori_device_info *i, void **o)
{
	(void)c; (void)d; (void)i;
	*o = 0;
	return 0;
}

static void remove_dev(void *c, struct satori_device *d)
{
	(void)c; (void)d;
}

TEST_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *h, struct satori_plugin *out)
{
	(void)h;
	out->abi_version = SATORI_ABI_VERSION(1, 7);
	out->name = "test-newer-minor";
	out->version = "1.7.0";
	out->class_count = 1;
	out->classes = classes;
	out->probe = probe;
	out->remove = remove_dev;
	return 0;
}
