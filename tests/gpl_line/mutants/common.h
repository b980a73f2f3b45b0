/* SPDX-License-Identifier: MIT */
/* Mutant plugins for the GPL-line tests: each is a working plugin with one violation. */
#ifndef GPL_LINE_MUTANT_COMMON_H
#define GPL_LINE_MUTANT_COMMON_H

#include <satori/plugin.h>

static const struct satori_guid mutant_classes[] = {
    SATORI_GUID_INIT(0x6d757461, 0x6e74, 0x0001, 0, 0, 0, 0, 0, 0, 0, 1),
};

static int32_t mutant_probe(void *c, struct satori_device *d, const struct satori_device_info *i, void **o)
{
	(void)c; (void)d; (void)i; (void)o;
	return -SATORI_ENODEV;
}

static void mutant_remove(void *c, struct satori_device *d)
{
	(void)c; (void)d;
}

static int32_t mutant_fill(struct satori_plugin *out, const char *name)
{
	out->abi_version = SATORI_ABI_VERSION_CURRENT;
	out->name = name;
	out->version = "0.0.1";
	out->class_count = 1;
	out->classes = mutant_classes;
	out->probe = mutant_probe;
	out->remove = mutant_remove;
	return 0;
}

#endif
