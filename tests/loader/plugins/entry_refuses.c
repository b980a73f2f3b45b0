/* SPDX-License-Identifier: MIT */
/* Its entry refuses the shim (as a plugin that needs a newer shim would). */
#include "test_plugin_common.h"

TEST_PLUGIN_EXPORT int32_t satori_plugin_entry(const struct satori_host *h, struct satori_plugin *out)
{
	(void)h;
	(void)out;
	return -SATORI_EPROTONOSUPPORT;
}
