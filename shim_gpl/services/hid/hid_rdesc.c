/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hid_rdesc.c — a HID report-descriptor parser (HID 1.11 §6.2.2): short and long items,
 * global state with push/pop, local usages (single, 32-bit extended, ranges), collections,
 * and Input/Output/Feature main items laid out bit by bit per report id. Everything comes
 * from an untrusted host: item sizes, nesting, report sizes and counts are all bounded.
 */
#include "hid_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_DEPTH   16
#define MAX_PUSH    4
#define MAX_BITS    (SATORI_HID_MAX_REPORT * 8u)

struct globals {
	uint32_t usage_page;
	int32_t logical_min, logical_max;
	uint32_t logical_max_raw, logical_max_size;
	uint32_t report_size, report_count, report_id;
};

struct locals {
	uint32_t usages[HID_MAX_USAGES];
	uint32_t n_usages;
	uint32_t usage_min, usage_max;
	bool have_min, have_max;
};

struct parser {
	struct hid_layout *out;
	struct globals g, stack[MAX_PUSH];
	uint32_t sp;
	struct locals l;
	uint32_t depth;
	uint32_t bits[3][HID_MAX_REPORT_ID + 1];
	char *err;
	size_t err_len;
	uint32_t at; /* offset of the current item, for messages */
};

static int32_t fail(struct parser *p, const char *what)
{
	snprintf(p->err, p->err_len, "report descriptor byte %u: %s", p->at, what);
	return -SATORI_EINVAL;
}

static uint32_t item_u(const uint8_t *d, uint32_t n)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < n; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static int32_t item_s(const uint8_t *d, uint32_t n)
{
	uint32_t v = item_u(d, n);

	if (n == 1)
		return (int32_t)(int8_t)v;
	if (n == 2)
		return (int32_t)(int16_t)v;
	return (int32_t)v;
}

/* a usage as written: a 4-byte one carries its page, a shorter one takes the current page */
static uint32_t ext_usage(const struct parser *p, uint32_t v, uint32_t n)
{
	return n == 4 ? v : (p->g.usage_page << 16) | (v & 0xffffu);
}

static int32_t main_item(struct parser *p, uint32_t kind, uint32_t data)
{
	struct hid_field *f;
	uint32_t *bits = &p->bits[kind][p->g.report_id];
	uint64_t total = (uint64_t)p->g.report_size * p->g.report_count;

	if (p->g.report_size == 0 && p->g.report_count)
		return fail(p, "main item with Report Size 0");
	if (total + *bits > MAX_BITS)
		return fail(p, "report longer than 4096 bytes");
	if (p->depth == 0)
		return fail(p, "main item outside any collection");
	if (total && !(data & HID_MAIN_CONSTANT)) {
		if (p->out->n_fields >= HID_MAX_FIELDS)
			return fail(p, "too many fields");
		f = &p->out->fields[p->out->n_fields++];
		memset(f, 0, sizeof(*f));
		f->kind = (uint8_t)kind;
		f->report_id = (uint8_t)p->g.report_id;
		f->flags = data;
		f->bit_offset = *bits;
		f->size = p->g.report_size;
		f->count = p->g.report_count;
		f->logical_min = p->g.logical_min;
		f->logical_max = p->g.logical_max;
		/* a maximum read as negative after a non-negative minimum is an unsigned value */
		if (f->logical_min >= 0 && f->logical_max < 0 && p->g.logical_max_size < 4)
			f->logical_max = (int32_t)p->g.logical_max_raw;
		memcpy(f->usages, p->l.usages, sizeof(f->usages));
		f->n_usages = p->l.n_usages;
		f->usage_min = p->l.have_min ? p->l.usage_min : 0;
		f->usage_max = p->l.have_max ? p->l.usage_max : f->usage_min;
		if (f->usage_max < f->usage_min)
			return fail(p, "Usage Maximum below Usage Minimum");
	}
	*bits += (uint32_t)total;
	return 0;
}

static int32_t global_item(struct parser *p, uint32_t tag, const uint8_t *d, uint32_t n)
{
	uint32_t u = item_u(d, n);

	switch (tag) {
	case 0: p->g.usage_page = u & 0xffffu; return 0;
	case 1: p->g.logical_min = item_s(d, n); return 0;
	case 2:
		p->g.logical_max = item_s(d, n);
		p->g.logical_max_raw = u;
		p->g.logical_max_size = n;
		return 0;
	case 3: case 4: case 5: case 6: return 0; /* physical range, unit: not needed */
	case 7:
		if (u == 0 || u > 32)
			return fail(p, "Report Size outside 1..32");
		p->g.report_size = u;
		return 0;
	case 8:
		if (u == 0 || u > HID_MAX_REPORT_ID)
			return fail(p, "Report ID outside 1..255");
		p->g.report_id = u;
		p->out->report_ids = true;
		return 0;
	case 9:
		if (u > MAX_BITS)
			return fail(p, "Report Count too large");
		p->g.report_count = u;
		return 0;
	case 10:
		if (p->sp >= MAX_PUSH)
			return fail(p, "Push nested too deep");
		p->stack[p->sp++] = p->g;
		return 0;
	case 11:
		if (p->sp == 0)
			return fail(p, "Pop without Push");
		p->g = p->stack[--p->sp];
		return 0;
	default:
		return fail(p, "reserved global item");
	}
}

static int32_t local_item(struct parser *p, uint32_t tag, const uint8_t *d, uint32_t n)
{
	uint32_t u = item_u(d, n);

	switch (tag) {
	case 0:
		if (p->l.n_usages < HID_MAX_USAGES)
			p->l.usages[p->l.n_usages++] = ext_usage(p, u, n);
		return 0;
	case 1:
		p->l.usage_min = ext_usage(p, u, n);
		p->l.have_min = true;
		return 0;
	case 2:
		p->l.usage_max = ext_usage(p, u, n);
		p->l.have_max = true;
		return 0;
	default:
		return 0; /* designators, strings, delimiters: not needed for decoding */
	}
}

static int32_t short_item(struct parser *p, uint32_t type, uint32_t tag, const uint8_t *d,
			  uint32_t n)
{
	int32_t r = 0;

	switch (type) {
	case 0: /* main */
		switch (tag) {
		case 8: r = main_item(p, HID_KIND_INPUT, item_u(d, n)); break;
		case 9: r = main_item(p, HID_KIND_OUTPUT, item_u(d, n)); break;
		case 11: r = main_item(p, HID_KIND_FEATURE, item_u(d, n)); break;
		case 10:
			if (p->depth >= MAX_DEPTH)
				return fail(p, "collections nested too deep");
			if (item_u(d, n) == 1 && !p->out->app_usage)
				p->out->app_usage = p->l.n_usages ? p->l.usages[0] : 0;
			p->depth++;
			break;
		case 12:
			if (p->depth == 0)
				return fail(p, "End Collection without Collection");
			p->depth--;
			break;
		default:
			return fail(p, "reserved main item");
		}
		memset(&p->l, 0, sizeof(p->l)); /* local items end with each main item */
		return r;
	case 1:
		return global_item(p, tag, d, n);
	case 2:
		return local_item(p, tag, d, n);
	default:
		return fail(p, "reserved item type");
	}
}

int32_t hid_rdesc_parse(const uint8_t *d, uint32_t len, struct hid_layout *out, char *err,
			size_t err_len)
{
	static struct parser zero;
	struct parser p = zero;
	uint32_t i = 0;
	bool any_input = false;

	memset(out, 0, sizeof(*out));
	p.out = out;
	p.err = err;
	p.err_len = err_len;
	if (!d || len == 0 || len > SATORI_HID_MAX_DESCRIPTOR) {
		snprintf(err, err_len, "report descriptor length %u (1..%u)", len,
			 SATORI_HID_MAX_DESCRIPTOR);
		return -SATORI_EINVAL;
	}
	while (i < len) {
		uint8_t b = d[i];
		int32_t r;

		p.at = i;
		if (b == 0xfe) { /* long item: size, tag, data — skipped */
			if (len - i < 3 || d[i + 1] > len - i - 3)
				return fail(&p, "long item runs past the end");
			i += 3u + d[i + 1];
			continue;
		}
		uint32_t n = (b & 3u) == 3 ? 4 : (b & 3u);

		if (n > len - i - 1)
			return fail(&p, "item data runs past the end");
		r = short_item(&p, (b >> 2) & 3u, (b >> 4) & 0xfu, d + i + 1, n);
		if (r < 0)
			return r;
		i += 1 + n;
	}
	p.at = len;
	if (p.depth != 0)
		return fail(&p, "unclosed collection");
	for (uint32_t k = 0; k <= HID_MAX_REPORT_ID; k++) {
		out->input_bits[k] = (uint16_t)p.bits[HID_KIND_INPUT][k];
		out->output_bits[k] = (uint16_t)p.bits[HID_KIND_OUTPUT][k];
		if (p.bits[HID_KIND_INPUT][k])
			any_input = true;
	}
	if (!any_input)
		return fail(&p, "no input report");
	if (out->report_ids && p.bits[HID_KIND_INPUT][0])
		return fail(&p, "input items both before and after the first Report ID");
	return 0;
}

uint32_t hid_field_usage(const struct hid_field *f, uint32_t i)
{
	if (f->n_usages)
		return f->usages[i < f->n_usages ? i : f->n_usages - 1];
	if (f->usage_max - f->usage_min < i)
		return f->usage_max;
	return f->usage_min + i;
}

int32_t hid_field_value(const struct hid_field *f, const uint8_t *report, uint32_t len, uint32_t i)
{
	uint64_t bit = (uint64_t)f->bit_offset + (uint64_t)i * f->size;
	uint64_t v = 0;

	if (i >= f->count || bit + f->size > (uint64_t)len * 8)
		return 0;
	for (uint32_t k = 0; k < f->size; k++) {
		uint64_t b = bit + k;

		if (report[b / 8] & (1u << (b % 8)))
			v |= 1ull << k;
	}
	if (f->logical_min < 0 && f->size < 32 && (v & (1ull << (f->size - 1))))
		v |= ~0ull << f->size;
	return (int32_t)(uint32_t)v;
}
