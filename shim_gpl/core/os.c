/* SPDX-License-Identifier: GPL-2.0-only */
#include "os.h"

void os_log(const struct os_ops *os, uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	os->vlog(os->ctx, level, fmt, ap);
	va_end(ap);
}
