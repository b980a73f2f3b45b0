/* SPDX-License-Identifier: MIT */
/* Violation: exports a second function besides satori_plugin_entry. */
#include "common.h"

SATORI_PLUGIN_EXPORT int32_t mutant_helper(int32_t x);

SATORI_PLUGIN_EXPORT int32_t mutant_helper(int32_t x)
{
	return x + 1;
}

SATORI_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *host, struct satori_plugin *out)
{
	(void)host;
	return mutant_fill(out, "mutant-extra-export");
}
