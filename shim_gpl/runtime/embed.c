/* SPDX-License-Identifier: GPL-2.0-only */
/* embed.c — the exported C API of libsatori_shim.so (satori/embed.h, abi/satori.map). */
#include "shim.h"
#include "services/net/net_service.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_GUEST_MEMORY (1ull << 30)
#define DEFAULT_TIMEOUT_MS 10000u

SATORI_SHIM_API uint32_t satori_shim_abi_version(void)
{
	return SATORI_ABI_VERSION_CURRENT;
}

SATORI_SHIM_API const char *satori_shim_strerror(int32_t err)
{
	return shim_strerror(err);
}

SATORI_SHIM_API int32_t satori_shim_create(const struct satori_shim_config *cfg,
					   struct satori_shim **out)
{
	struct satori_shim *shim;
	uint32_t n;

	if (!cfg || !out || cfg->struct_size < offsetof(struct satori_shim_config, cookie))
		return -SATORI_EINVAL;
	shim = calloc(1, sizeof(*shim));
	if (!shim)
		return -SATORI_ENOMEM;
	n = cfg->struct_size < sizeof(shim->cfg) ? cfg->struct_size : (uint32_t)sizeof(shim->cfg);
	memcpy(&shim->cfg, cfg, n);
	shim->cfg.struct_size = sizeof(shim->cfg);
	if (!shim->cfg.guest_memory_bytes)
		shim->cfg.guest_memory_bytes = DEFAULT_GUEST_MEMORY;
	if (!shim->cfg.timeout_ms)
		shim->cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
	pthread_mutex_init(&shim->log_mu, NULL);
	pthread_mutex_init(&shim->mu, NULL);
	shim_os_init(shim, &shim->os);
	services_init(shim);
	if (timers_create(shim) < 0 || blk_create(shim) < 0 || net_create(shim) < 0 ||
	    hid_create(shim) < 0 ||
	    workq_create("satori-msg", &shim->msgq) < 0 ||
	    workq_create("satori-probe", &shim->lifecycle) < 0) {
		satori_shim_destroy(shim);
		return -SATORI_ENOMEM;
	}
	*out = shim;
	return 0;
}

static int32_t parse_version(const char *s, uint32_t *out)
{
	unsigned major, minor;
	char extra;

	if (sscanf(s, "%u.%u%c", &major, &minor, &extra) != 2 || major > 0xffff || minor > 0xffff)
		return -SATORI_EINVAL;
	*out = (major << 16) | minor;
	return 0;
}

SATORI_SHIM_API int32_t satori_shim_set_option(struct satori_shim *shim, const char *key,
					       const char *value)
{
	if (!shim || !key || !value)
		return -SATORI_EINVAL;
	if (shim->started)
		return -SATORI_EBUSY;
	if (!strcmp(key, "vmbus.max_version"))
		return parse_version(value, &shim->cfg.max_vmbus_version);
	if (!strcmp(key, "log.level")) {
		static const char *const names[] = { "error", "warn", "info", "debug" };

		for (uint32_t i = 0; i < 4; i++) {
			if (!strcmp(value, names[i])) {
				shim->cfg.log_level = i;
				return 0;
			}
		}
		return -SATORI_EINVAL;
	}
	if (!strncmp(key, "blk.", 4))
		return blk_set_option(shim, key, value);
	if (!strncmp(key, "net.", 4))
		return net_set_option(shim, key, value);
	if (!strncmp(key, "hid.", 4))
		return hid_set_option(shim, key, value);
	return -SATORI_ENOENT;
}

static bool name_taken(struct satori_shim *shim, const char *name, const char **other)
{
	for (struct shim_plugin *p = shim->plugins; p; p = p->next) {
		if (!strcmp(p->name, name)) {
			*other = p->path;
			return true;
		}
	}
	return false;
}

SATORI_SHIM_API int32_t satori_shim_load_plugin(struct satori_shim *shim, const char *path)
{
	struct shim_plugin *p, **tail;
	const char *other;
	char err[768];
	int32_t r;

	if (!shim || !path)
		return -SATORI_EINVAL;
	if (shim->started)
		return -SATORI_EBUSY;
	r = loader_load(shim, path, &p, err, sizeof(err));
	if (r < 0) {
		shim_emit(shim, SATORI_SHIM_EV_PLUGIN_REJECTED, r, 0, path, NULL, NULL, "%s", err);
		return r;
	}
	if (name_taken(shim, p->name, &other)) {
		shim_emit(shim, SATORI_SHIM_EV_PLUGIN_REJECTED, -SATORI_EEXIST, 0, path, NULL, NULL,
			  "%s: a plugin named %s is already loaded from %s", path, p->name, other);
		loader_unload(p);
		return -SATORI_EEXIST;
	}
	for (tail = &shim->plugins; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	shim_emit(shim, SATORI_SHIM_EV_PLUGIN_LOADED, 0, p->negotiated, p->name, NULL, NULL,
		  "loaded plugin %s %s (built for ABI %u.%u, using %u.%u) from %s", p->name,
		  p->desc.version ? p->desc.version : "?", SATORI_ABI_MAJOR(p->desc.abi_version),
		  SATORI_ABI_MINOR(p->desc.abi_version), SATORI_ABI_MAJOR(p->negotiated),
		  SATORI_ABI_MINOR(p->negotiated), path);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

SATORI_SHIM_API int32_t satori_shim_load_plugin_dir(struct satori_shim *shim, const char *dir,
						    uint32_t *loaded)
{
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *e;
	uint32_t ok = 0;
	DIR *d;

	if (!shim || !dir)
		return -SATORI_EINVAL;
	d = opendir(dir);
	if (!d) {
		shim_log(shim, SATORI_LOG_ERROR, "cannot read plugin directory %s", dir);
		return -SATORI_ENOENT;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 4 || strcmp(e->d_name + len - 3, ".so"))
			continue;
		if (count == cap) {
			char **n = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));

			if (!n)
				break;
			names = n;
		}
		if (asprintf(&names[count], "%s/%s", dir, e->d_name) < 0)
			break;
		count++;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), cmp_str);
	for (size_t i = 0; i < count; i++) {
		if (satori_shim_load_plugin(shim, names[i]) == 0)
			ok++;
		free(names[i]);
	}
	free(names);
	if (loaded)
		*loaded = ok;
	return 0;
}

SATORI_SHIM_API int32_t satori_shim_inspect_plugin(const char *path,
						   struct satori_shim_plugin_info *out,
						   char *err_buf, uint32_t err_len)
{
	struct satori_shim_config cfg = { .struct_size = sizeof(cfg), .log_level = SATORI_LOG_ERROR };
	struct satori_shim_plugin_info info;
	struct satori_shim *shim;
	struct shim_plugin *p;
	int32_t r;

	if (!path || !out || out->struct_size < offsetof(struct satori_shim_plugin_info, name))
		return -SATORI_EINVAL;
	r = satori_shim_create(&cfg, &shim);
	if (r < 0)
		return r;
	r = loader_load(shim, path, &p, err_buf, err_len);
	if (r == 0) {
		memset(&info, 0, sizeof(info));
		info.struct_size = sizeof(info);
		info.abi_version = p->desc.abi_version;
		snprintf(info.name, sizeof(info.name), "%s", p->name);
		snprintf(info.version, sizeof(info.version), "%s", p->desc.version ? p->desc.version : "");
		snprintf(info.description, sizeof(info.description), "%s",
			 p->desc.description ? p->desc.description : "");
		info.class_count = p->desc.class_count;
		for (uint32_t i = 0; i < p->desc.class_count && i < 16; i++)
			info.classes[i] = p->desc.classes[i];
		/* an embedder built against an older (smaller) struct gets what fits */
		memcpy(out, &info, out->struct_size < sizeof(info) ? out->struct_size : sizeof(info));
		out->struct_size = out->struct_size < sizeof(info) ? out->struct_size : (uint32_t)sizeof(info);
		loader_unload(p);
	}
	satori_shim_destroy(shim);
	return r;
}

SATORI_SHIM_API int32_t satori_shim_connect_hvlink(struct satori_shim *shim,
						   const struct satori_hvlink_host *host)
{
	if (!shim)
		return -SATORI_EINVAL;
	if (shim->started)
		return -SATORI_EBUSY;
	return hvlink_backend_attach(shim, host);
}

static void on_connected(void *ctx, uint32_t version)
{
	shim_emit(ctx, SATORI_SHIM_EV_CONNECTED, 0, version, NULL, NULL, NULL,
		  "VMBus connected, protocol %u.%u", version >> 16, version & 0xffffu);
}

static void teardown_connection(struct satori_shim *shim)
{
	hvlink_backend_disconnect(shim);
	workq_flush(shim->msgq);
	devices_free_all(shim);
	vmbus_conn_destroy(shim->conn);
	shim->conn = NULL;
	gmem_destroy(shim->gmem);
	shim->gmem = NULL;
}

SATORI_SHIM_API int32_t satori_shim_start(struct satori_shim *shim)
{
	struct vmbus_conn_params p;
	int32_t r;

	if (!shim)
		return -SATORI_EINVAL;
	if (shim->started)
		return -SATORI_EBUSY;
	if (!shim->hvlink) {
		shim_log(shim, SATORI_LOG_ERROR, "no back end attached: connect a host first");
		return -SATORI_EINVAL;
	}
	if (!shim->plugins)
		shim_log(shim, SATORI_LOG_WARN, "no plugins loaded: devices will stay unbound");
	r = gmem_create(shim->cfg.guest_memory_bytes, &shim->gmem);
	if (r < 0) {
		shim_log(shim, SATORI_LOG_ERROR, "cannot create %llu bytes of guest memory",
			 (unsigned long long)shim->cfg.guest_memory_bytes);
		return r;
	}
	memset(&p, 0, sizeof(p));
	p.os = &shim->os;
	p.hv = &shim->hv;
	p.ev.ctx = shim;
	p.ev.on_connected = on_connected;
	p.ev.on_offer = devices_on_offer;
	p.ev.on_rescind = devices_on_rescind;
	p.ev.on_channel_interrupt = channels_on_interrupt;
	p.max_version = shim->cfg.max_vmbus_version;
	p.timeout_ns = (uint64_t)shim->cfg.timeout_ms * 1000000ull;
	r = vmbus_conn_create(&p, &shim->conn);
	if (r < 0) {
		gmem_destroy(shim->gmem);
		shim->gmem = NULL;
		return r;
	}
	shim->stopping = false;
	blk_start(shim);
	hid_start(shim);
	r = hvlink_backend_connect(shim);
	if (r < 0) {
		shim_log(shim, SATORI_LOG_ERROR, "the host refused the connection: %s",
			 shim_strerror(r));
		teardown_connection(shim);
		return r;
	}
	r = vmbus_conn_connect(shim->conn);
	if (r < 0) {
		shim_log(shim, SATORI_LOG_ERROR, "VMBus connection failed: %s", shim_strerror(r));
		teardown_connection(shim);
		return r;
	}
	shim->started = true;
	workq_flush(shim->lifecycle); /* initial probes */
	return 0;
}

SATORI_SHIM_API int32_t satori_shim_stop(struct satori_shim *shim)
{
	int32_t r;

	if (!shim || !shim->started)
		return 0;
	pthread_mutex_lock(&shim->mu);
	shim->stopping = true;
	pthread_mutex_unlock(&shim->mu);
	devices_remove_all(shim);
	blk_stop(shim);
	net_stop(shim);
	hid_stop(shim);
	r = vmbus_conn_disconnect(shim->conn);
	shim_emit(shim, SATORI_SHIM_EV_DISCONNECTED, r, 0, NULL, NULL, NULL, "VMBus disconnected%s",
		  r < 0 ? " (the host did not confirm UNLOAD)" : "");
	teardown_connection(shim);
	shim->started = false;
	return r;
}

SATORI_SHIM_API void satori_shim_destroy(struct satori_shim *shim)
{
	if (!shim)
		return;
	satori_shim_stop(shim);
	while (shim->plugins) {
		struct shim_plugin *p = shim->plugins;

		shim->plugins = p->next;
		loader_unload(p);
	}
	workq_destroy(shim->lifecycle);
	workq_destroy(shim->msgq);
	blk_destroy(shim);
	net_destroy(shim);
	hid_destroy(shim);
	timers_destroy(shim);
	pthread_mutex_destroy(&shim->mu);
	pthread_mutex_destroy(&shim->log_mu);
	free(shim);
}

SATORI_SHIM_API uint32_t satori_shim_vmbus_version(const struct satori_shim *shim)
{
	return shim && shim->conn ? vmbus_conn_version(shim->conn) : 0;
}

static int cmp_relid(const void *a, const void *b)
{
	const struct satori_shim_device *x = a, *y = b;

	return x->relid < y->relid ? -1 : x->relid > y->relid;
}

SATORI_SHIM_API int32_t satori_shim_list_devices(struct satori_shim *shim,
						 void (*fn)(void *cookie,
							    const struct satori_shim_device *d),
						 void *cookie)
{
	struct satori_shim_device *list;
	struct shim_device *d;
	uint32_t n = 0, i = 0;

	if (!shim || !fn)
		return -SATORI_EINVAL;
	pthread_mutex_lock(&shim->mu);
	for (d = shim->devices; d; d = d->next)
		n++;
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list) {
		pthread_mutex_unlock(&shim->mu);
		return -SATORI_ENOMEM;
	}
	for (d = shim->devices; d; d = d->next, i++) {
		list[i].struct_size = sizeof(list[i]);
		list[i].state = d->state;
		list[i].status = d->status;
		list[i].relid = d->offer->relid;
		memcpy(list[i].class_id.b, d->offer->class_id, 16);
		memcpy(list[i].instance_id.b, d->offer->instance_id, 16);
		list[i].plugin = d->plugin ? d->plugin->name : NULL;
	}
	pthread_mutex_unlock(&shim->mu);
	qsort(list, n, sizeof(*list), cmp_relid);
	for (i = 0; i < n; i++)
		fn(cookie, &list[i]);
	free(list);
	return 0;
}
