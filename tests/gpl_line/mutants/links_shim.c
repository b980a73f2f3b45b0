/* SPDX-License-Identifier: MIT */
/* Violation: linked against libsatori_shim (DT_NEEDED), although it calls nothing in it. */
#include "common.h"

SATORI_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *host, struct satori_plugin *out)
{
	(void)host;
	return mutant_fill(out, "mutant-links-shim");
}
