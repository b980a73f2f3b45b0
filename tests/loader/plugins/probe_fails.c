/* SPDX-License-Identifier: MIT */
/* Loads fine but fails every probe with -SATORI_EIO; it also leaves DMA memory behind,
 * which the shim must free and report. */
#include "test_plugin_common.h"

static const struct satori_guid classes[] = { TEST_CLASS(4) };
static const struct satori_host *host;

static int32_t probe(void *c, struct satori_device *d, const struct satori_device_info *i, void **o)
{
	struct satori_dma_buffer buf = { .struct_size = sizeof(buf) };

	(void)c; (void)i; (void)o;
	host->bus->dma_alloc(d, 8192, 0, &buf); /* leaked on purpose */
	return -SATORI_EIO;
}

static void remove_dev(void *c, struct satori_device *d)
{
	(void)c; (void)d;
}

TEST_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *h, struct satori_plugin *out)
{
	host = h;
	out->abi_version = SATORI_ABI_VERSION_CURRENT;
	out->name = "test-probe-fails";
	out->version = "1.0.0";
	out->class_count = 1;
	out->classes = classes;
	out->probe = probe;
	out->remove = remove_dev;
	return 0;
}
