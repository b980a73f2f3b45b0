/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hid_decode.c — input reports to JSON event lines, by the parsed descriptor only (no fixed
 * offsets): pointer devices give one "abs"/"rel" line per report (X, Y, wheel, buttons);
 * keyboards give one "key" line per key that went down (value 1) or up (value 0); anything
 * else gives a "report" line with the bytes in hex.
 */
#include "hid_internal.h"

#include <stdio.h>
#include <string.h>

#define PAGE_DESKTOP  0x01u
#define PAGE_KEYBOARD 0x07u
#define PAGE_BUTTON   0x09u
#define U_X           0x30u
#define U_Y           0x31u
#define U_WHEEL       0x38u

static uint32_t page_of(uint32_t ext) { return ext >> 16; }

uint32_t hid_layout_class(const struct hid_layout *l)
{
	if (l->app_usage == (PAGE_DESKTOP << 16 | 0x06u) || l->app_usage == (PAGE_DESKTOP << 16 | 0x07u))
		return HID_DEV_KEYBOARD;
	if (l->app_usage == (PAGE_DESKTOP << 16 | 0x02u) || l->app_usage == (PAGE_DESKTOP << 16 | 0x01u))
		return HID_DEV_POINTER;
	return HID_DEV_GENERIC;
}

struct pointer {
	bool have_x, have_y, have_wheel, relative;
	int32_t x, y, wheel;
	uint32_t buttons;
};

static void pointer_field(const struct hid_field *f, const uint8_t *r, uint32_t len,
			  struct pointer *pt)
{
	if (!(f->flags & HID_MAIN_VARIABLE))
		return;
	for (uint32_t i = 0; i < f->count; i++) {
		uint32_t u = hid_field_usage(f, i);
		int32_t v = hid_field_value(f, r, len, i);

		if (page_of(u) == PAGE_BUTTON) {
			uint32_t n = u & 0xffffu;

			if (n >= 1 && n <= 32 && v)
				pt->buttons |= 1u << (n - 1);
		} else if (u == (PAGE_DESKTOP << 16 | U_X)) {
			pt->have_x = true;
			pt->x = v;
			pt->relative = (f->flags & HID_MAIN_RELATIVE) != 0;
		} else if (u == (PAGE_DESKTOP << 16 | U_Y)) {
			pt->have_y = true;
			pt->y = v;
		} else if (u == (PAGE_DESKTOP << 16 | U_WHEEL)) {
			pt->have_wheel = true;
			pt->wheel = v;
		}
	}
}

static void keys_field(const struct hid_field *f, const uint8_t *r, uint32_t len, uint8_t *map,
		       bool *any)
{
	for (uint32_t i = 0; i < f->count; i++) {
		int32_t v = hid_field_value(f, r, len, i);
		uint32_t u;

		if (f->flags & HID_MAIN_VARIABLE) {
			u = hid_field_usage(f, i);
			if (!v)
				continue;
		} else {
			if (v < f->logical_min || v > f->logical_max)
				continue;
			u = f->usage_min + (uint32_t)(v - f->logical_min);
			if (u > f->usage_max)
				continue;
		}
		if (page_of(u) != PAGE_KEYBOARD)
			continue;
		*any = true;
		u &= 0xffffu;
		if (u > 3 && u < 256) /* 0..3: no event, rollover, POST fail, undefined */
			map[u / 8] |= (uint8_t)(1u << (u % 8));
	}
}

static bool has_page(const struct hid_field *f, uint32_t page)
{
	if (f->n_usages)
		return page_of(f->usages[0]) == page;
	return page_of(f->usage_min) == page;
}

static void key_lines(const char *dev, const uint8_t *old, const uint8_t *now, bool replay,
		      hid_line_fn emit, void *ctx)
{
	char line[256], code[32];

	for (int pass = 0; pass < 2; pass++) { /* releases first, then presses */
		for (uint32_t u = 0; u < 256; u++) {
			bool was = old[u / 8] & (1u << (u % 8)), is = now[u / 8] & (1u << (u % 8));
			const char *name;

			if (was == is || (pass == 0) != was)
				continue;
			name = hid_key_name(u);
			if (!name) {
				snprintf(code, sizeof(code), "USAGE_0x%02X", u);
				name = code;
			}
			snprintf(line, sizeof(line),
				 "{\"dev\":\"%s\",\"type\":\"key\",\"code\":\"%s\",\"usage\":%u,"
				 "\"value\":%d%s}",
				 dev, name, u, is ? 1 : 0, replay ? ",\"replay\":true" : "");
			emit(ctx, line);
		}
	}
}

void hid_decode_report(const struct hid_layout *l, const char *dev, const uint8_t *data,
		       uint32_t len, struct hid_decoded *state, bool replay, hid_line_fn emit,
		       void *ctx)
{
	struct pointer pt;
	uint8_t keys[32];
	bool any_key = false, any_pointer = false;
	uint8_t id = 0;
	char line[512];

	if (l->report_ids) {
		if (len < 1)
			return;
		id = data[0];
		data++;
		len--;
	}
	memset(&pt, 0, sizeof(pt));
	memset(keys, 0, sizeof(keys));
	for (uint32_t i = 0; i < l->n_fields; i++) {
		const struct hid_field *f = &l->fields[i];

		if (f->kind != HID_KIND_INPUT || f->report_id != id)
			continue;
		if (has_page(f, PAGE_KEYBOARD)) {
			keys_field(f, data, len, keys, &any_key);
		} else {
			pointer_field(f, data, len, &pt);
			any_pointer |= pt.have_x || pt.have_y || pt.have_wheel || pt.buttons ||
				       has_page(f, PAGE_BUTTON);
		}
	}
	if (any_key) {
		static const uint8_t none[32];

		key_lines(dev, state->valid && !replay ? state->keys : none, keys, replay, emit, ctx);
		memcpy(state->keys, keys, sizeof(keys));
		state->valid = true;
	}
	if (any_pointer) {
		snprintf(line, sizeof(line),
			 "{\"dev\":\"%s\",\"type\":\"%s\",\"x\":%d,\"y\":%d,\"buttons\":%u,"
			 "\"wheel\":%d%s}",
			 dev, pt.relative ? "rel" : "abs", pt.x, pt.y, pt.buttons, pt.wheel,
			 replay ? ",\"replay\":true" : "");
		emit(ctx, line);
	}
	if (!any_key && !any_pointer) {
		int n = snprintf(line, sizeof(line), "{\"dev\":\"%s\",\"type\":\"report\",\"id\":%u,"
				 "\"data\":\"", dev, id);

		for (uint32_t i = 0; i < len && n + 8 < (int)sizeof(line); i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x", data[i]);
		snprintf(line + n, sizeof(line) - (size_t)n, "\"%s}", replay ? ",\"replay\":true" : "");
		emit(ctx, line);
	}
}
