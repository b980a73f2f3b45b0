/* SPDX-License-Identifier: MIT */
/* Violation: declares and calls a shim-internal function (made up: vmbus_channel_send).
 * Built without -z defs so that it links; check-plugin must report the undefined symbol. */
#include <stdint.h>

#include "common.h"

int32_t vmbus_channel_send(void *channel, const void *buf, uint32_t len);

SATORI_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *host, struct satori_plugin *out)
{
	if (!host)
		return vmbus_channel_send(NULL, NULL, 0);
	return mutant_fill(out, "mutant-calls-shim-internal");
}
