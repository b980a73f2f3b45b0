/* SPDX-License-Identifier: GPL-2.0-only */
/* uio_sysfs.c — VMBus device discovery and class binding through sysfs (uio_sysfs.h). */
#include "uio_sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <satori/errno.h>

#define PATH_LEN 512

/* "<a>/<b>" into out; false (and "") when it does not fit */
static bool join(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= len) {
		out[0] = 0;
		return false;
	}
	return true;
}

/* reads a small sysfs attribute, trailing newline removed; false if missing/too long */
static bool read_attr(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0 || (size_t)n >= len - 1)
		return false;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool uio_parse_guid(const char *t, uint8_t out[16])
{
	/* text order: d0 d1 d2 d3 - d4 d5 - d6 d7 - d8 d9 - d10..d15; wire: first three LE */
	static const uint8_t wire_pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	size_t len = strlen(t);
	uint32_t byte = 0;

	if (len == 38 && t[0] == '{' && t[37] == '}') {
		t++;
		len = 36;
	}
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (t[i++] != '-')
				return false;
			continue;
		}
		hi = hexval(t[i]);
		lo = hexval(t[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[wire_pos[byte++]] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return byte == 16;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0); /* sysfs map sizes are "0x..." */
	return errno == 0 && *end == 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool read_maps(const char *uio_dir, struct uio_vmbus_dev *d, const char **why)
{
	char path[PATH_LEN], buf[64];

	for (d->map_count = 0; d->map_count < UIO_MAX_MAPS; d->map_count++) {
		struct uio_map *m = &d->maps[d->map_count];

		{
			char sub[40];

			snprintf(sub, sizeof(sub), "maps/map%u/size", d->map_count);
			join(path, sizeof(path), uio_dir, sub);
		}
		if (access(path, F_OK) != 0)
			break;
		if (!read_attr(path, buf, sizeof(buf)) || !parse_u64(buf, &m->size) || !m->size ||
		    m->size % 4096u) {
			*why = "a map size is not a non-zero multiple of 4096";
			return false;
		}
		{
			char sub[40];

			snprintf(sub, sizeof(sub), "maps/map%u/name", d->map_count);
			join(path, sizeof(path), uio_dir, sub);
		}
		if (!read_attr(path, m->name, sizeof(m->name)))
			m->name[0] = 0;
	}
	return true;
}

static bool read_uio(const char *dev_dir, struct uio_vmbus_dev *d, const char **why)
{
	char path[PATH_LEN];
	struct dirent *e;
	DIR *dir;

	d->uio_index = -1;
	join(path, sizeof(path), dev_dir, "uio");
	dir = opendir(path);
	if (!dir)
		return true; /* not bound to uio_hv_generic */
	while ((e = readdir(dir))) {
		char *end;
		long n;

		if (strncmp(e->d_name, "uio", 3) || !e->d_name[3])
			continue;
		n = strtol(e->d_name + 3, &end, 10);
		if (*end || n < 0 || n > INT32_MAX)
			continue;
		d->uio_index = (int32_t)n;
		{
			char sub[80];

			snprintf(sub, sizeof(sub), "uio/%.60s", e->d_name);
			join(path, sizeof(path), dev_dir, sub);
		}
		break;
	}
	closedir(dir);
	return d->uio_index < 0 || read_maps(path, d, why);
}

static bool read_channels(const char *dev_dir, struct uio_vmbus_dev *d, const char **why)
{
	char path[PATH_LEN];
	struct dirent *e;
	DIR *dir;

	join(path, sizeof(path), dev_dir, "channels");
	dir = opendir(path);
	if (!dir)
		return true;
	while ((e = readdir(dir))) {
		uint64_t relid;

		if (e->d_name[0] == '.')
			continue;
		if (!parse_u64(e->d_name, &relid) || relid == 0 || relid > 2047) {
			*why = "a channel directory is not a relid from 1 to 2047";
			closedir(dir);
			return false;
		}
		if (d->channel_count == UIO_MAX_CHANNELS) {
			*why = "more than 64 channels";
			closedir(dir);
			return false;
		}
		d->channels[d->channel_count++] = (uint32_t)relid;
	}
	closedir(dir);
	qsort(d->channels, d->channel_count, sizeof(uint32_t), cmp_u32);
	return true;
}

static bool read_device(const char *bus, const char *name, struct uio_vmbus_dev *d,
			const char **why)
{
	char dev_dir[PATH_LEN], path[PATH_LEN], buf[128];
	ssize_t n;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%.63s", name);
	if (!join(dev_dir, sizeof(dev_dir), bus, name)) {
		*why = "path too long";
		return false;
	}
	join(path, sizeof(path), dev_dir, "class_id");
	if (!read_attr(path, buf, sizeof(buf)) || !uio_parse_guid(buf, d->class_id)) {
		*why = "class_id missing or not a GUID";
		return false;
	}
	join(path, sizeof(path), dev_dir, "device_id");
	if (!read_attr(path, buf, sizeof(buf)) || !uio_parse_guid(buf, d->device_id)) {
		*why = "device_id missing or not a GUID";
		return false;
	}
	join(path, sizeof(path), dev_dir, "monitor_id");
	if (read_attr(path, buf, sizeof(buf))) {
		uint64_t v;

		if (!parse_u64(buf, &v) || v > 255) {
			*why = "monitor_id is not a number from 0 to 255";
			return false;
		}
		d->has_monitor = true;
		d->monitor_id = (uint32_t)v;
	}
	join(path, sizeof(path), dev_dir, "driver");
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		const char *base;

		buf[n] = 0;
		base = strrchr(buf, '/');
		snprintf(d->driver, sizeof(d->driver), "%.31s", base ? base + 1 : buf);
	}
	return read_uio(dev_dir, d, why) && read_channels(dev_dir, d, why);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int32_t uio_scan(const char *root, void (*fn)(void *ctx, const struct uio_vmbus_dev *d),
		 void *ctx, uint32_t *skipped, char *err, uint32_t err_len)
{
	char bus[PATH_LEN];
	char *names[256];
	uint32_t count = 0, reported = 0, bad = 0;
	struct uio_vmbus_dev *dev;
	struct dirent *e;
	DIR *dir;

	if (err && err_len)
		err[0] = 0;
	join(bus, sizeof(bus), root, "bus/vmbus/devices");
	dir = opendir(bus);
	if (!dir) {
		if (err)
			snprintf(err, err_len, "%s: cannot read (no VMBus here, or not Linux on Hyper-V)",
				 bus);
		return -SATORI_ENOENT;
	}
	while ((e = readdir(dir)) && count < 256) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= 64)
			continue;
		names[count] = strdup(e->d_name);
		if (names[count])
			count++;
	}
	closedir(dir);
	qsort(names, count, sizeof(char *), cmp_str);
	dev = malloc(sizeof(*dev));
	for (uint32_t i = 0; i < count; i++) {
		const char *why = NULL;

		if (dev && read_device(bus, names[i], dev, &why)) {
			fn(ctx, dev);
			reported++;
		} else {
			bad++;
			if (err && why)
				snprintf(err, err_len, "%s/%s: skipped: %s", bus, names[i], why);
		}
		free(names[i]);
	}
	free(dev);
	if (skipped)
		*skipped = bad;
	return (int32_t)reported;
}

int32_t uio_bind_class(const char *root, const char *class_text, char *err, uint32_t err_len)
{
	char path[PATH_LEN], text[40];
	uint8_t guid[16];
	ssize_t n;
	int fd;

	if (!uio_parse_guid(class_text, guid)) {
		snprintf(err, err_len, "'%s' is not a device class GUID", class_text);
		return -SATORI_EINVAL;
	}
	/* new_id takes the bare GUID */
	snprintf(text, sizeof(text), "%.36s", class_text[0] == '{' ? class_text + 1 : class_text);
	join(path, sizeof(path), root, "bus/vmbus/drivers/uio_hv_generic/new_id");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM) {
			snprintf(err, err_len,
				 "%s: permission denied: binding devices to uio_hv_generic needs root; "
				 "nothing was changed", path);
			return -SATORI_EPERM;
		}
		snprintf(err, err_len, "%s: %s: is uio_hv_generic loaded? (modprobe uio_hv_generic)",
			 path, strerror(e));
		return -SATORI_ENOENT;
	}
	n = write(fd, text, strlen(text));
	close(fd);
	if (n != (ssize_t)strlen(text)) {
		snprintf(err, err_len, "%s: the driver refused class %s", path, text);
		return -SATORI_EIO;
	}
	return 0;
}
