/* SPDX-License-Identifier: MIT */
/* A shared object without satori_plugin_entry: not a plugin. */
__attribute__((visibility("default"))) int some_other_function(void);

int some_other_function(void)
{
	return 7;
}
