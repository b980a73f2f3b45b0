/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hid_service.c — satori.hid/1: plugins register HID devices with the report descriptor
 * their host sent; the shim parses it, names the device ("mouse0", "kbd0"), hands it to the
 * uhid back end and the event stream, delivers input reports while someone listens and
 * keeps the last ones for consumers that come later.
 */
#include "hid_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct hid_state *state_of(const struct satori_hid_service *svc)
{
	return (struct hid_state *)(uintptr_t)svc;
}

static const char *plugin_name(const struct satori_hiddev *hd)
{
	return hd->dev && hd->dev->plugin ? hd->dev->plugin->name : "a plugin";
}

void hid_emit(struct hid_state *hid, struct satori_hiddev *hd, uint32_t kind, const char *detail,
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
	ev.message = msg;
	ev.detail = detail;
	if (hd && hd->dev) {
		ev.plugin = hd->dev->plugin ? hd->dev->plugin->name : NULL;
		ev.value = hd->dev->offer->relid;
		memcpy(ev.class_id.b, hd->dev->offer->class_id, 16);
		memcpy(ev.instance_id.b, hd->dev->offer->instance_id, 16);
	}
	shim_emit_event(hid->shim, &ev);
}

/* ---- naming ---- */

static bool name_taken(struct hid_state *hid, const char *name)
{
	for (struct satori_hiddev *d = hid->devs; d; d = d->next)
		if (!strcmp(d->short_name, name))
			return true;
	return false;
}

/* "mouse" -> the first free "mouse<N>"; hid->mu held */
static void pick_name(struct hid_state *hid, const char *wish, char *out, size_t len)
{
	char base[17];
	size_t n = 0;

	for (const char *s = wish ? wish : ""; *s && n < sizeof(base) - 1; s++)
		if (isalnum((unsigned char)*s) || *s == '_')
			base[n++] = (char)tolower((unsigned char)*s);
	base[n] = 0;
	if (!n)
		snprintf(base, sizeof(base), "hid");
	for (unsigned i = 0;; i++) {
		snprintf(out, len, "%s%u", base, i);
		if (!name_taken(hid, out))
			return;
	}
}

/* ---- open state ---- */

void hid_update_open(struct hid_state *hid)
{
	for (;;) {
		struct satori_hiddev *hd = NULL;
		bool open = false;

		pthread_mutex_lock(&hid->mu);
		for (struct satori_hiddev *d = hid->devs; d; d = d->next) {
			bool now = d->uhid_open || hid_stream_clients(hid) > 0;

			if (now != d->open && !d->removed) {
				d->open = now;
				d->refs++;
				hd = d;
				open = now;
				break;
			}
		}
		pthread_mutex_unlock(&hid->mu);
		if (!hd)
			return;
		shim_log(hid->shim, SATORI_LOG_DEBUG, "hid %s: %s", hd->short_name,
			 open ? "a consumer is listening" : "no consumer left");
		pthread_mutex_lock(&hd->cb_mu);
		if (hd->ops.on_open)
			hd->ops.on_open(hd->cookie, hd, open ? 1u : 0u);
		pthread_mutex_unlock(&hd->cb_mu);
		pthread_mutex_lock(&hid->mu);
		hd->refs--;
		pthread_cond_broadcast(&hid->cv);
		pthread_mutex_unlock(&hid->mu);
	}
}

int32_t hid_deliver_set_report(struct satori_hiddev *hd, uint32_t type, uint32_t id,
			       const uint8_t *data, uint32_t len)
{
	struct hid_state *hid = hd->hid;
	int32_t r = -SATORI_EOPNOTSUPP;

	pthread_mutex_lock(&hid->mu);
	if (hd->removed) {
		pthread_mutex_unlock(&hid->mu);
		return -SATORI_ENODEV;
	}
	hd->refs++;
	pthread_mutex_unlock(&hid->mu);
	pthread_mutex_lock(&hd->cb_mu);
	if (hd->ops.set_report)
		r = hd->ops.set_report(hd->cookie, hd, type, id, data, len);
	pthread_mutex_unlock(&hd->cb_mu);
	pthread_mutex_lock(&hid->mu);
	hd->refs--;
	pthread_cond_broadcast(&hid->cv);
	pthread_mutex_unlock(&hid->mu);
	return r;
}

/* ---- the table ---- */

static const char *bad_params(const struct satori_hiddev_params *p)
{
	if (p->bus != SATORI_HID_BUS_VIRTUAL && p->bus != 0)
		return "bus must be SATORI_HID_BUS_VIRTUAL";
	if (p->vendor > 0xffff || p->product > 0xffff)
		return "vendor and product are 16-bit values";
	if (!p->report_descriptor || p->report_descriptor_len == 0 ||
	    p->report_descriptor_len > SATORI_HID_MAX_DESCRIPTOR)
		return "report descriptor missing or longer than SATORI_HID_MAX_DESCRIPTOR";
	if (p->reserved)
		return "reserved is not 0";
	return NULL;
}

static const char *class_text(uint32_t c)
{
	return c == HID_DEV_POINTER ? "pointer" : c == HID_DEV_KEYBOARD ? "keyboard" : "generic";
}

static void dev_free(struct satori_hiddev *hd)
{
	pthread_mutex_destroy(&hd->cb_mu);
	free(hd->layout);
	free(hd->rdesc);
	hd->magic = 0;
	free(hd);
}

static int32_t svc_add(const struct satori_hid_service *svc, struct satori_device *dev,
		       const struct satori_hiddev_params *params, struct satori_hiddev **out)
{
	struct hid_state *hid = state_of(svc);
	struct shim_device *sdev = (struct shim_device *)dev;
	struct satori_hiddev_params p;
	struct satori_hiddev *hd, **tail;
	char err[160], uhid_path[sizeof(hid->uhid_path)], detail[64];
	const char *why;
	int32_t r;

	if (!hid || !params || !out)
		return -SATORI_EINVAL;
	*out = NULL;
	if (!sdev || sdev->magic != SHIM_DEVICE_MAGIC)
		return -SATORI_EBADF;
	if (params->struct_size < offsetof(struct satori_hiddev_params, ops) + sizeof(params->ops)) {
		shim_log(hid->shim, SATORI_LOG_ERROR, "add_hiddev: params struct_size %u is too small",
			 params->struct_size);
		return -SATORI_EINVAL;
	}
	shim_copy_sized(&p, sizeof(p), params, params->struct_size);
	why = bad_params(&p);
	if (why) {
		shim_log(hid->shim, SATORI_LOG_ERROR, "%s: add_hiddev refused: %s",
			 sdev->plugin ? sdev->plugin->name : "a plugin", why);
		return -SATORI_EINVAL;
	}
	hd = calloc(1, sizeof(*hd));
	if (!hd)
		return -SATORI_ENOMEM;
	hd->layout = calloc(1, sizeof(*hd->layout));
	hd->rdesc = malloc(p.report_descriptor_len);
	if (!hd->layout || !hd->rdesc) {
		free(hd->layout);
		free(hd->rdesc);
		free(hd);
		return -SATORI_ENOMEM;
	}
	hd->magic = HID_DEV_MAGIC;
	hd->hid = hid;
	hd->dev = sdev;
	memcpy(hd->rdesc, p.report_descriptor, p.report_descriptor_len);
	hd->rdesc_len = p.report_descriptor_len;
	pthread_mutex_init(&hd->cb_mu, NULL);
	r = hid_rdesc_parse(hd->rdesc, hd->rdesc_len, hd->layout, err, sizeof(err));
	if (r < 0) {
		shim_log(hid->shim, SATORI_LOG_ERROR, "%s: add_hiddev refused: %s",
			 sdev->plugin ? sdev->plugin->name : "a plugin", err);
		dev_free(hd);
		return r;
	}
	hd->dev_class = hid_layout_class(hd->layout);
	hd->bus = SATORI_HID_BUS_VIRTUAL;
	hd->vendor = p.vendor;
	hd->product = p.product;
	hd->version = p.version;
	hd->country = p.country;
	snprintf(hd->name, sizeof(hd->name), "%s", p.name ? p.name : "Satori HID device");
	hd->cookie = p.cookie;
	if (p.ops && p.ops->struct_size >= sizeof(uint32_t)) {
		uint32_t n = p.ops->struct_size < sizeof(hd->ops) ? p.ops->struct_size
								   : (uint32_t)sizeof(hd->ops);

		memcpy(&hd->ops, p.ops, n);
	}

	pthread_mutex_lock(&hid->mu);
	if (hid->stopped) {
		pthread_mutex_unlock(&hid->mu);
		dev_free(hd);
		return -SATORI_ESHUTDOWN;
	}
	pick_name(hid, p.short_name, hd->short_name, sizeof(hd->short_name));
	memcpy(uhid_path, hid->uhid_path, sizeof(uhid_path));
	for (tail = &hid->devs; *tail; tail = &(*tail)->next)
		;
	*tail = hd;
	pthread_mutex_unlock(&hid->mu);

	hid_stream_start(hid); /* first device: start listening (logs its own failure) */
	if (uhid_path[0]) {
		r = hid_uhid_attach(hd, uhid_path);
		if (r < 0)
			shim_log(hid->shim, hid->uhid_explicit ? SATORI_LOG_WARN : SATORI_LOG_INFO,
				 "hid %s: no uhid device (%s: %s); the event stream still has it",
				 hd->short_name, uhid_path, shim_strerror(r));
	}
	pthread_mutex_lock(&hid->mu);
	hid_stream_device(hid, hd, true);
	pthread_mutex_unlock(&hid->mu);
	snprintf(detail, sizeof(detail), "hid:%s", hd->short_name);
	hid_emit(hid, hd, SATORI_SHIM_EV_EXPORT_ADDED, detail,
		 "HID %s: %s (%04x:%04x, %u-byte report descriptor, %s) -> event stream %s%s%s",
		 hd->short_name, hd->name, hd->vendor, hd->product, hd->rdesc_len,
		 class_text(hd->dev_class), hid_stream_path(hid)[0] ? hid_stream_path(hid) : "(off)",
		 hd->uhid ? ", uhid " : "", hd->uhid ? uhid_path : "");
	hid_update_open(hid);
	*out = hd;
	return 0;
}

static struct satori_hiddev *dev_from(struct satori_hiddev *hd)
{
	return hd && hd->magic == HID_DEV_MAGIC ? hd : NULL;
}

/* remembers the last report per report id; hid->mu held */
static void keep_last(struct satori_hiddev *hd, const uint8_t *data, uint32_t len)
{
	uint8_t id = hd->layout->report_ids ? data[0] : 0;
	uint32_t i;

	if (len > sizeof(hd->last[0].data))
		return; /* long reports are passed on but not replayed */
	for (i = 0; i < hd->n_last && hd->last[i].id != id; i++)
		;
	if (i == hd->n_last) {
		if (hd->n_last == HID_LAST_REPORTS)
			return;
		hd->n_last++;
	}
	hd->last[i].id = id;
	hd->last[i].len = len;
	memcpy(hd->last[i].data, data, len);
}

static void stream_emit(void *ctx, const char *line)
{
	hid_stream_line(ctx, line);
}

static int32_t svc_input_report(struct satori_hiddev *handle, const uint8_t *data, uint32_t len)
{
	struct satori_hiddev *hd = dev_from(handle);
	struct hid_state *hid;
	uint32_t expect;

	if (!hd || !data || len == 0 || len > SATORI_HID_MAX_REPORT)
		return -SATORI_EINVAL;
	hid = hd->hid;
	pthread_mutex_lock(&hid->mu);
	if (hd->removed) {
		pthread_mutex_unlock(&hid->mu);
		return -SATORI_ENODEV;
	}
	expect = hd->layout->input_bits[hd->layout->report_ids ? data[0] : 0];
	expect = (expect + 7) / 8 + (hd->layout->report_ids ? 1u : 0u);
	if (expect == 0 || (hd->layout->report_ids && expect == 1)) {
		pthread_mutex_unlock(&hid->mu);
		return -SATORI_EINVAL; /* a report id the descriptor does not declare */
	}
	hd->reports++;
	keep_last(hd, data, len);
	if (hd->uhid_open) {
		hid_uhid_input(hd, data, len);
		hd->delivered++;
	}
	if (hid_stream_clients(hid)) {
		hid_decode_report(hd->layout, hd->short_name, data, len, &hd->decoded, false,
				  stream_emit, hid);
		hd->delivered++;
	} else {
		/* nobody listens: keep the decode state current for the diff */
		hd->decoded.valid = false;
	}
	pthread_mutex_unlock(&hid->mu);
	return 0;
}

static void dev_remove(struct satori_hiddev *hd, bool forced)
{
	struct hid_state *hid = hd->hid;
	struct satori_hiddev **pp;
	char detail[64];

	pthread_mutex_lock(&hid->mu);
	for (pp = &hid->devs; *pp && *pp != hd; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = hd->next;
	hd->removed = true;
	hid_stream_device(hid, hd, false);
	pthread_mutex_unlock(&hid->mu);
	hid_uhid_detach(hd); /* its reader thread is gone after this */
	pthread_mutex_lock(&hid->mu);
	while (hd->refs)
		pthread_cond_wait(&hid->cv, &hid->mu);
	pthread_mutex_unlock(&hid->mu);
	shim_log(hid->shim, forced ? SATORI_LOG_WARN : SATORI_LOG_INFO,
		 "hid %s: removed%s (%llu reports, %llu delivered)", hd->short_name,
		 forced ? " (the plugin left it registered)" : "", (unsigned long long)hd->reports,
		 (unsigned long long)hd->delivered);
	snprintf(detail, sizeof(detail), "hid:%s", hd->short_name);
	hid_emit(hid, hd, SATORI_SHIM_EV_EXPORT_REMOVED, detail, "HID %s removed", hd->short_name);
	dev_free(hd);
}

static void svc_remove(struct satori_hiddev *handle)
{
	struct satori_hiddev *hd = dev_from(handle);

	if (hd)
		dev_remove(hd, false);
}

/* ---- runtime hooks ---- */

int32_t hid_create(struct satori_shim *shim)
{
	struct hid_state *hid = calloc(1, sizeof(*hid));

	if (!hid)
		return -SATORI_ENOMEM;
	hid->tbl.struct_size = sizeof(hid->tbl);
	hid->tbl.add_hiddev = svc_add;
	hid->tbl.input_report = svc_input_report;
	hid->tbl.remove_hiddev = svc_remove;
	hid->shim = shim;
	pthread_mutex_init(&hid->mu, NULL);
	pthread_cond_init(&hid->cv, NULL);
	snprintf(hid->uhid_path, sizeof(hid->uhid_path), "/dev/uhid");
	shim->hid = hid;
	return 0;
}

void hid_destroy(struct satori_shim *shim)
{
	struct hid_state *hid = shim->hid;

	if (!hid)
		return;
	hid_stop(shim);
	pthread_cond_destroy(&hid->cv);
	pthread_mutex_destroy(&hid->mu);
	free(hid);
	shim->hid = NULL;
}

const void *hid_service_table(struct satori_shim *shim)
{
	return shim->hid ? &shim->hid->tbl : NULL;
}

static int32_t abs_path(const char *value, char *out, size_t len)
{
	char cwd[256];
	int n;

	if (!value[0] || value[0] == '/' || !strcmp(value, "-"))
		n = snprintf(out, len, "%s", value);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(out, len, "%s/%s", cwd, value);
	else
		return -SATORI_EINVAL;
	return n < 0 || (size_t)n >= len ? -SATORI_EINVAL : 0;
}

int32_t hid_set_option(struct satori_shim *shim, const char *key, const char *value)
{
	struct hid_state *hid = shim->hid;
	char path[256];
	int32_t r;

	if (!strcmp(key, "hid.uhid")) {
		r = abs_path(value, path, sizeof(path));
		if (r < 0 || !strcmp(value, "-"))
			return -SATORI_EINVAL;
		pthread_mutex_lock(&hid->mu);
		memcpy(hid->uhid_path, path, sizeof(path));
		hid->uhid_explicit = true;
		pthread_mutex_unlock(&hid->mu);
		return 0;
	}
	if (!strcmp(key, "hid.events_socket")) {
		r = abs_path(value[0] ? value : "-", path, sizeof(path));
		if (r < 0 || strlen(path) >= 108)
			return -SATORI_EINVAL;
		pthread_mutex_lock(&hid->mu);
		memcpy(hid->stream_opt, path, sizeof(path));
		pthread_mutex_unlock(&hid->mu);
		return 0;
	}
	return -SATORI_ENOENT;
}

int32_t hid_start(struct satori_shim *shim)
{
	pthread_mutex_lock(&shim->hid->mu);
	shim->hid->stopped = false;
	pthread_mutex_unlock(&shim->hid->mu);
	return 0;
}

void hid_stop(struct satori_shim *shim)
{
	struct hid_state *hid = shim->hid;

	pthread_mutex_lock(&hid->mu);
	hid->stopped = true;
	pthread_mutex_unlock(&hid->mu);
	for (;;) {
		struct satori_hiddev *hd;

		pthread_mutex_lock(&hid->mu);
		hd = hid->devs;
		pthread_mutex_unlock(&hid->mu);
		if (!hd)
			break;
		dev_remove(hd, true);
	}
	hid_stream_stop(hid);
}

void hid_release_device(struct satori_shim *shim, struct shim_device *dev)
{
	struct hid_state *hid = shim->hid;

	for (;;) {
		struct satori_hiddev *hd;

		pthread_mutex_lock(&hid->mu);
		for (hd = hid->devs; hd && hd->dev != dev; hd = hd->next)
			;
		pthread_mutex_unlock(&hid->mu);
		if (!hd)
			break;
		shim_log(shim, SATORI_LOG_WARN, "%s left HID device %s registered; removing it",
			 plugin_name(hd), hd->short_name);
		dev_remove(hd, true);
	}
}
