/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * loader.c — loading a plugin: dlopen with RTLD_LOCAL (plugins never see each other's
 * symbols), look up the one entry point, negotiate the ABI version, check the
 * descriptor. Any failure is reported with the reason and the plugin is skipped.
 *
 * Negotiation (Vulkan-style): the majors must be equal; both sides then use
 * min(plugin minor, shim minor). A plugin built for a newer minor still loads and must
 * check struct_size / the negotiated version before using newer features.
 */
#include "runtime/shim.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SATORI_SHIM_VERSION
#define SATORI_SHIM_VERSION "1.0.0"
#endif

static void fail(char *err, uint32_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fail(char *err, uint32_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static const void *host_get_service(const struct satori_host *host, const char *id)
{
	return services_get(host, id);
}

static void host_log(const struct satori_host *host, struct satori_device *d, uint32_t level,
		     const char *msg)
{
	struct shim_plugin *p = plugin_from_host(host);
	struct shim_device *dev = (struct shim_device *)d;

	if (!msg)
		return;
	if (dev && dev->magic == SHIM_DEVICE_MAGIC) {
		char inst[37];

		shim_guid_str(dev->offer->instance_id, inst);
		shim_log(p->shim, level, "%s: relid %u (%s): %s", p->name, dev->offer->relid, inst,
			 msg);
	} else {
		shim_log(p->shim, level, "%s: %s", p->name, msg);
	}
}

static const char *host_strerror(int32_t err)
{
	return shim_strerror(err);
}

static uint64_t host_now_ns(const struct satori_host *host)
{
	struct timespec ts;

	(void)host;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void loader_init_host(struct satori_shim *shim, struct shim_plugin *p)
{
	memset(&p->host, 0, sizeof(p->host));
	p->host.struct_size = sizeof(p->host);
	p->host.abi_version = SATORI_ABI_VERSION_CURRENT;
	p->host.name = "satori-shim";
	p->host.version = SATORI_SHIM_VERSION;
	p->host.get_service = host_get_service;
	p->host.log = host_log;
	p->host.strerror = host_strerror;
	p->host.now_ns = host_now_ns;
	p->host.bus = &shim_bus_ops;
	p->shim = shim;
}

/* The part of struct satori_plugin every 1.x plugin fills. */
#define PLUGIN_DESC_MIN (offsetof(struct satori_plugin, remove) + sizeof(void (*)(void)))

static int32_t check_desc(struct shim_plugin *p, char *err, uint32_t len)
{
	const struct satori_plugin *d = &p->desc;
	uint32_t theirs = d->abi_version, ours = SATORI_ABI_VERSION_CURRENT;

	if (d->struct_size < PLUGIN_DESC_MIN || d->struct_size > sizeof(*d)) {
		fail(err, len, "%s: plugin descriptor of %u bytes (expected %u..%u)", p->path,
		     d->struct_size, (unsigned)PLUGIN_DESC_MIN, (unsigned)sizeof(*d));
		return -SATORI_EPROTO;
	}
	if (SATORI_ABI_MAJOR(theirs) != SATORI_ABI_MAJOR(ours)) {
		fail(err, len,
		     "%s: built for Satori ABI %u.%u, but this shim provides ABI %u.%u; rebuild the "
		     "plugin against Satori %u.x",
		     p->path, SATORI_ABI_MAJOR(theirs), SATORI_ABI_MINOR(theirs), SATORI_ABI_MAJOR(ours),
		     SATORI_ABI_MINOR(ours), SATORI_ABI_MAJOR(ours));
		return -SATORI_EPROTONOSUPPORT;
	}
	if (!d->name || !d->name[0] || strlen(d->name) >= sizeof(p->name)) {
		fail(err, len, "%s: plugin has no name or a name longer than %u characters", p->path,
		     (unsigned)sizeof(p->name) - 1);
		return -SATORI_EINVAL;
	}
	if (!d->class_count || !d->classes) {
		fail(err, len, "%s: plugin %s declares no device class", p->path, d->name);
		return -SATORI_EINVAL;
	}
	if (!d->probe || !d->remove) {
		fail(err, len, "%s: plugin %s has no probe or remove callback", p->path, d->name);
		return -SATORI_EINVAL;
	}
	p->negotiated = SATORI_ABI_MINOR(theirs) < SATORI_ABI_MINOR(ours) ? theirs : ours;
	strcpy(p->name, d->name);
	return 0;
}

int32_t loader_load(struct satori_shim *shim, const char *path, struct shim_plugin **out,
		    char *err, uint32_t err_len)
{
	satori_plugin_entry_fn entry;
	struct shim_plugin *p;
	int32_t r;

	p = calloc(1, sizeof(*p));
	if (!p) {
		fail(err, err_len, "%s: out of memory", path);
		return -SATORI_ENOMEM;
	}
	snprintf(p->path, sizeof(p->path), "%s", path);
	loader_init_host(shim, p);
	/* A plugin is a file: "x.so" means ./x.so, never a search of the library path. */
	if (!strchr(path, '/')) {
		char local[sizeof(p->path) + 2];

		snprintf(local, sizeof(local), "./%s", path);
		p->dl = dlopen(local, RTLD_NOW | RTLD_LOCAL);
	} else {
		p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	}
	if (!p->dl) {
		fail(err, err_len, "%s: cannot load: %s", path, dlerror());
		free(p);
		return -SATORI_ENOENT;
	}
	*(void **)(&entry) = dlsym(p->dl, SATORI_PLUGIN_ENTRY_NAME);
	if (!entry) {
		fail(err, err_len, "%s: no %s symbol: not a Satori plugin", path,
		     SATORI_PLUGIN_ENTRY_NAME);
		r = -SATORI_ENOENT;
		goto out_close;
	}
	p->desc.struct_size = sizeof(p->desc);
	r = entry(&p->host, &p->desc);
	if (r < 0) {
		fail(err, err_len, "%s: plugin entry refused to load: %s", path, shim_strerror(r));
		goto out_close;
	}
	r = check_desc(p, err, err_len);
	if (r < 0)
		goto out_close;
	*out = p;
	return 0;

out_close:
	dlclose(p->dl);
	free(p);
	return r;
}

void loader_unload(struct shim_plugin *p)
{
	if (!p)
		return;
	if (p->desc.struct_size >= offsetof(struct satori_plugin, unload) + sizeof(p->desc.unload) &&
	    p->desc.unload)
		p->desc.unload(p->desc.cookie);
	/* sanitizers want the code mapped to symbolize leaks reported at exit */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	dlclose(p->dl);
#endif
	free(p);
}
