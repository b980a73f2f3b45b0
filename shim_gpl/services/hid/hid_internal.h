/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hid_internal.h — the satori.hid/1 service: registered devices, the report-descriptor
 * parser, the decoder that turns reports into events, and the two back ends (uhid, and an
 * event stream on a Unix socket).
 *
 * Locking: hid_state.mu protects the device list, every device's state (last reports,
 * decoded state, open flags) and the stream clients. Plugin callbacks (on_open, set_report)
 * run with no hid lock held but with the device's cb_mu, so remove_hiddev can wait for
 * them: a plugin must not call remove_hiddev from its own HID callbacks.
 */
#ifndef SATORI_SERVICES_HID_INTERNAL_H
#define SATORI_SERVICES_HID_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <satori/hid.h>

#include "runtime/shim.h"

/* ---- report descriptor (hid_rdesc.c) ---- */
#define HID_MAX_FIELDS    96
#define HID_MAX_USAGES    32 /* explicit usages kept per main item */
#define HID_MAX_REPORT_ID 255
#define HID_KIND_INPUT    0
#define HID_KIND_OUTPUT   1
#define HID_KIND_FEATURE  2

#define HID_MAIN_CONSTANT 0x1u
#define HID_MAIN_VARIABLE 0x2u
#define HID_MAIN_RELATIVE 0x4u

struct hid_field {
	uint8_t kind;        /* HID_KIND_* */
	uint8_t report_id;   /* 0 without report ids */
	uint32_t flags;      /* main item data bits (HID_MAIN_*) */
	uint32_t bit_offset; /* from the first bit after the report-id byte */
	uint32_t size;       /* bits per element, 1..32 */
	uint32_t count;      /* elements */
	int32_t logical_min, logical_max;
	uint32_t usage_min, usage_max; /* extended usages (page << 16 | id), range form */
	uint32_t usages[HID_MAX_USAGES]; /* list form, when n_usages > 0 */
	uint32_t n_usages;
};

struct hid_layout {
	struct hid_field fields[HID_MAX_FIELDS];
	uint32_t n_fields;
	bool report_ids;
	uint32_t app_usage;              /* first application collection's extended usage */
	uint16_t input_bits[HID_MAX_REPORT_ID + 1]; /* size of each input report, bits */
	uint16_t output_bits[HID_MAX_REPORT_ID + 1];
};

/* Parses @d; on failure returns -SATORI_EINVAL with a reason in @err. */
int32_t hid_rdesc_parse(const uint8_t *d, uint32_t len, struct hid_layout *out, char *err,
			size_t err_len);
/* The usage of element @i of @f (for variable fields). */
uint32_t hid_field_usage(const struct hid_field *f, uint32_t i);
/* Element @i of @f in @report (bytes after the id byte, @len of them): sign-extended when
 * the logical minimum is negative; 0 when out of range. */
int32_t hid_field_value(const struct hid_field *f, const uint8_t *report, uint32_t len, uint32_t i);

/* ---- decoding to events (hid_decode.c, hid_keynames.c) ---- */
#define HID_DEV_GENERIC  0
#define HID_DEV_POINTER  1
#define HID_DEV_KEYBOARD 2

/* what a device's last report said, for diffs */
struct hid_decoded {
	bool valid;
	uint8_t keys[32]; /* keyboard page usages 0..255 held, as a bitmap */
};

/* The Linux KEY_* name of a Keyboard/Keypad page usage, or NULL. */
const char *hid_key_name(uint32_t usage);
uint32_t hid_layout_class(const struct hid_layout *l);

/* A line sink: called once per JSON line (without the newline). */
typedef void (*hid_line_fn)(void *ctx, const char *line);
/* Decodes one input report of @dev_name and calls @emit for each event line; @state is the
 * previous decode and is updated. @replay marks lines that replay the last state. */
void hid_decode_report(const struct hid_layout *l, const char *dev_name, const uint8_t *data,
		       uint32_t len, struct hid_decoded *state, bool replay, hid_line_fn emit,
		       void *ctx);

/* ---- devices ---- */
#define HID_DEV_MAGIC 0x48494444u /* "HIDD" */
#define HID_LAST_REPORTS 8

struct hid_uhid;
struct hid_state;

struct satori_hiddev {
	uint32_t magic;
	struct hid_state *hid;
	struct shim_device *dev;
	char name[128];
	char short_name[32]; /* "mouse0" */
	uint32_t bus, vendor, product, version, country;
	uint8_t *rdesc;
	uint32_t rdesc_len;
	struct hid_layout *layout;
	uint32_t dev_class; /* HID_DEV_* */
	void *cookie;
	struct satori_hid_device_ops ops; /* zero-extended copy */
	pthread_mutex_t cb_mu;            /* held while a plugin callback runs */

	/* under hid->mu */
	struct {
		uint8_t id;
		uint32_t len;
		uint8_t data[64];
	} last[HID_LAST_REPORTS];
	uint32_t n_last;
	struct hid_decoded decoded;
	bool uhid_open;
	bool open;     /* what on_open last told the plugin */
	bool removed;  /* unlinked; no new callbacks */
	uint32_t refs; /* callbacks in progress (hid->mu) */
	uint64_t reports, delivered;
	struct hid_uhid *uhid;
	struct satori_hiddev *next;
};

struct hid_stream;

struct hid_state {
	struct satori_hid_service tbl; /* first: the table handed out */
	struct satori_shim *shim;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a device's refs dropped */
	struct satori_hiddev *devs;
	char uhid_path[256];    /* "" = off */
	bool uhid_explicit;     /* set by option: failures are warnings */
	char stream_opt[256];   /* "" = default path; "-" = off */
	struct hid_stream *stream;
	bool stopped;
};

/* hid_service.c */
/* re-evaluates every device's open state and tells plugins about changes; no lock held */
void hid_update_open(struct hid_state *hid);
/* set_report from a back end; no lock held */
int32_t hid_deliver_set_report(struct satori_hiddev *hd, uint32_t type, uint32_t id,
			       const uint8_t *data, uint32_t len);
void hid_emit(struct hid_state *hid, struct satori_hiddev *hd, uint32_t kind,
	      const char *detail, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* hid_uhid.c */
int32_t hid_uhid_attach(struct satori_hiddev *hd, const char *path);
/* last input reports to a newly opened uhid device; hid->mu held */
void hid_uhid_input(struct satori_hiddev *hd, const uint8_t *data, uint32_t len);
void hid_uhid_detach(struct satori_hiddev *hd);

/* hid_stream.c */
int32_t hid_stream_start(struct hid_state *hid);
void hid_stream_stop(struct hid_state *hid);
uint32_t hid_stream_clients(struct hid_state *hid); /* hid->mu held */
/* hid->mu held */
void hid_stream_line(struct hid_state *hid, const char *line);
void hid_stream_device(struct hid_state *hid, struct satori_hiddev *hd, bool added);
const char *hid_stream_path(struct hid_state *hid);

#endif /* SATORI_SERVICES_HID_INTERNAL_H */
