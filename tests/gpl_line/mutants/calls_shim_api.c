/* SPDX-License-Identifier: MIT */
/* Violation: calls satori_shim_create, an exported function of the GPL shim, by name.
 * Built without -z defs so that it links; check-plugin must report the undefined symbol. */
#include <satori/embed.h>

#include "common.h"

SATORI_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *host, struct satori_plugin *out)
{
	if (!host) {
		struct satori_shim *shim;
		return satori_shim_create(NULL, &shim);
	}
	return mutant_fill(out, "mutant-calls-shim-api");
}
