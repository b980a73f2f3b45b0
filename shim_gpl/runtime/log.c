/* SPDX-License-Identifier: GPL-2.0-only */
/* log.c — log lines and events of the shim, to the embedder's callbacks or stderr. */
#include "shim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *level_name(uint32_t level)
{
	switch (level) {
	case SATORI_LOG_ERROR: return "error";
	case SATORI_LOG_WARN: return "warning";
	case SATORI_LOG_INFO: return "info";
	default: return "debug";
	}
}

void shim_vlog(struct satori_shim *shim, uint32_t level, const char *fmt, va_list ap)
{
	char line[1024];

	if (level > shim->cfg.log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&shim->log_mu);
	if (shim->cfg.log)
		shim->cfg.log(shim->cfg.cookie, level, line);
	else
		fprintf(stderr, "satori: %s: %s\n", level_name(level), line);
	pthread_mutex_unlock(&shim->log_mu);
}

void shim_log(struct satori_shim *shim, uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	shim_vlog(shim, level, fmt, ap);
	va_end(ap);
}

void shim_guid_str(const uint8_t *b, char *buf)
{
	snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

void shim_emit_event(struct satori_shim *shim, struct satori_shim_event *ev)
{
	ev->struct_size = sizeof(*ev);
	/* an embedder with an event callback shows events itself: keep them out of its log */
	if (!shim->cfg.on_event) {
		shim_log(shim, ev->status < 0 ? SATORI_LOG_WARN : SATORI_LOG_INFO, "%s", ev->message);
		return;
	}
	shim_log(shim, SATORI_LOG_DEBUG, "%s", ev->message);
	pthread_mutex_lock(&shim->log_mu);
	shim->cfg.on_event(shim->cfg.cookie, ev);
	pthread_mutex_unlock(&shim->log_mu);
}

void shim_emit(struct satori_shim *shim, uint32_t kind, int32_t status, uint32_t value,
	       const char *plugin, const uint8_t *class_id, const uint8_t *instance_id,
	       const char *fmt, ...)
{
	struct satori_shim_event ev;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.status = status;
	ev.value = value;
	ev.plugin = plugin;
	ev.message = msg;
	if (class_id)
		memcpy(ev.class_id.b, class_id, 16);
	if (instance_id)
		memcpy(ev.instance_id.b, instance_id, 16);
	shim_emit_event(shim, &ev);
}
