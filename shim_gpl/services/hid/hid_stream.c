/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hid_stream.c — the event-stream back end: a Unix stream socket (default
 * $XDG_RUNTIME_DIR/satori/events.sock, else /tmp/satori-<uid>/events.sock) that sends every
 * client one JSON object per line:
 *   {"type":"hello","version":1}
 *   {"type":"device","dev":"mouse0","name":"...","kind":"pointer","vendor":1118,...}
 *   {"dev":"mouse0","type":"abs","x":100,"y":200,"buttons":1,"wheel":0}
 *   {"dev":"kbd0","type":"key","code":"KEY_A","usage":4,"value":1}
 *   {"type":"removed","dev":"mouse0"}
 * A client that connects gets the devices and their last state first (lines marked
 * "replay":true). Any client makes every device "open". A client that cannot keep up
 * (socket buffer full) is dropped rather than slowing the devices down.
 */
#include "hid_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CLIENTS 64

struct client {
	int fd;
	bool dead;
	struct client *next;
};

struct hid_stream {
	int lfd;
	int wake[2];
	pthread_t thread;
	char path[108];
	struct client *clients;
	uint32_t live;
};

static void send_to(struct hid_stream *s, struct client *c, const char *line)
{
	size_t n = strlen(line);
	char buf[1024];

	if (c->dead || n + 1 > sizeof(buf))
		return;
	memcpy(buf, line, n);
	buf[n] = '\n';
	if (send(c->fd, buf, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)(n + 1)) {
		c->dead = true; /* slow or gone: the thread reaps it */
		s->live--;
		shutdown(c->fd, SHUT_RDWR);
	}
}

void hid_stream_line(struct hid_state *hid, const char *line)
{
	if (!hid->stream)
		return;
	for (struct client *c = hid->stream->clients; c; c = c->next)
		send_to(hid->stream, c, line);
}

uint32_t hid_stream_clients(struct hid_state *hid)
{
	return hid->stream ? hid->stream->live : 0;
}

const char *hid_stream_path(struct hid_state *hid)
{
	return hid->stream ? hid->stream->path : "";
}

static void json_str(char *out, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = (char)ch;
		} else if (ch < 0x20) {
			n += (size_t)snprintf(out + n, len - n, "\\u%04x", ch);
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n] = 0;
}

static void device_line(struct satori_hiddev *hd, bool added, char *line, size_t len)
{
	static const char *const kinds[] = { "generic", "pointer", "keyboard" };
	char name[300];

	if (!added) {
		snprintf(line, len, "{\"type\":\"removed\",\"dev\":\"%s\"}", hd->short_name);
		return;
	}
	json_str(name, sizeof(name), hd->name);
	snprintf(line, len,
		 "{\"type\":\"device\",\"dev\":\"%s\",\"name\":\"%s\",\"kind\":\"%s\","
		 "\"vendor\":%u,\"product\":%u,\"version\":%u,\"descriptor_bytes\":%u}",
		 hd->short_name, name, kinds[hd->dev_class < 3 ? hd->dev_class : 0], hd->vendor,
		 hd->product, hd->version, hd->rdesc_len);
}

void hid_stream_device(struct hid_state *hid, struct satori_hiddev *hd, bool added)
{
	char line[600];

	if (!hid->stream)
		return;
	device_line(hd, added, line, sizeof(line));
	hid_stream_line(hid, line);
}

struct replay_ctx {
	struct hid_stream *s;
	struct client *c;
};

static void replay_emit(void *ctx, const char *line)
{
	struct replay_ctx *r = ctx;

	send_to(r->s, r->c, line);
}

/* a new client: hello, the devices, their last state; hid->mu held */
static void greet(struct hid_state *hid, struct client *c)
{
	struct hid_stream *s = hid->stream;
	struct replay_ctx rc = { s, c };
	char line[600];

	send_to(s, c, "{\"type\":\"hello\",\"version\":1}");
	for (struct satori_hiddev *hd = hid->devs; hd; hd = hd->next) {
		device_line(hd, true, line, sizeof(line));
		send_to(s, c, line);
		for (uint32_t i = 0; i < hd->n_last; i++)
			hid_decode_report(hd->layout, hd->short_name, hd->last[i].data,
					  hd->last[i].len, &hd->decoded, true, replay_emit, &rc);
	}
}

static void accept_client(struct hid_state *hid)
{
	struct hid_stream *s = hid->stream;
	struct client *c;
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	pthread_mutex_lock(&hid->mu);
	if (s->live >= MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
		pthread_mutex_unlock(&hid->mu);
		shim_log(hid->shim, SATORI_LOG_WARN, "event stream: too many clients; refused one");
		close(fd);
		return;
	}
	c->fd = fd;
	c->next = s->clients;
	s->clients = c;
	s->live++;
	greet(hid, c);
	pthread_mutex_unlock(&hid->mu);
	shim_log(hid->shim, SATORI_LOG_INFO, "event stream: a client connected");
	hid_update_open(hid);
}

/* drops clients that hung up or were marked dead; returns true if any went */
static bool reap(struct hid_state *hid, const struct pollfd *pfd, uint32_t n)
{
	struct hid_stream *s = hid->stream;
	bool changed = false;
	char junk[256];

	pthread_mutex_lock(&hid->mu);
	for (uint32_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		for (struct client *c = s->clients; c; c = c->next) {
			if (c->fd != pfd[i].fd)
				continue;
			if (!c->dead && (pfd[i].revents & POLLIN) &&
			    recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
				break; /* clients have nothing to say yet; ignored */
			if (!c->dead) {
				c->dead = true;
				s->live--;
			}
			break;
		}
	}
	for (struct client **pp = &s->clients; *pp;) {
		struct client *c = *pp;

		if (c->dead) {
			*pp = c->next;
			close(c->fd);
			free(c);
			changed = true;
		} else {
			pp = &c->next;
		}
	}
	pthread_mutex_unlock(&hid->mu);
	return changed;
}

static void *stream_thread(void *arg)
{
	struct hid_state *hid = arg;
	struct hid_stream *s = hid->stream;

	for (;;) {
		struct pollfd pfd[MAX_CLIENTS + 2];
		uint32_t n = 0;

		pfd[0] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		pthread_mutex_lock(&hid->mu);
		for (struct client *c = s->clients; c && n < MAX_CLIENTS; c = c->next)
			pfd[2 + n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		pthread_mutex_unlock(&hid->mu);
		if (poll(pfd, 2 + n, 1000) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (reap(hid, pfd + 2, n)) {
			shim_log(hid->shim, SATORI_LOG_INFO, "event stream: a client left");
			hid_update_open(hid);
		}
		if (pfd[1].revents & POLLIN)
			accept_client(hid);
	}
	return NULL;
}

/* the option, else the default; "-" = off */
static int32_t pick_path(struct hid_state *hid, char *out, size_t len, bool *is_default)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	*is_default = !hid->stream_opt[0];
	if (!strcmp(hid->stream_opt, "-"))
		return -SATORI_ENOENT;
	if (!*is_default)
		n = snprintf(out, len, "%s", hid->stream_opt);
	else if (xdg && xdg[0] == '/')
		n = snprintf(out, len, "%s/satori/events.sock", xdg);
	else
		n = snprintf(out, len, "/tmp/satori-%u/events.sock", (unsigned)getuid());
	return n < 0 || (size_t)n >= len ? -SATORI_EINVAL : 0;
}

static int32_t prepare(struct hid_state *hid, const char *path, bool is_default)
{
	char dir[108];
	char *slash;
	struct stat st;
	struct sockaddr_un sa;
	int fd, r;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -SATORI_ENOENT;
		if (is_default && (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
				   st.st_uid != getuid() || (st.st_mode & 077)))
			return -SATORI_EPERM;
	}
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -SATORI_EIO;
	if (!S_ISSOCK(st.st_mode))
		return -SATORI_EEXIST;
	/* a socket left by a dead server goes; a live one stays */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -SATORI_EIO;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0 || errno != ECONNREFUSED)
		return -SATORI_EBUSY;
	shim_log(hid->shim, SATORI_LOG_INFO, "removing stale socket %s", path);
	return unlink(path) < 0 && errno != ENOENT ? -SATORI_EIO : 0;
}

int32_t hid_stream_start(struct hid_state *hid)
{
	struct hid_stream *s;
	struct sockaddr_un sa;
	bool is_default;
	char path[108];
	int32_t r;

	pthread_mutex_lock(&hid->mu);
	if (hid->stream || hid->stopped) {
		pthread_mutex_unlock(&hid->mu);
		return 0;
	}
	r = pick_path(hid, path, sizeof(path), &is_default);
	pthread_mutex_unlock(&hid->mu);
	if (r == -SATORI_ENOENT)
		return 0; /* turned off */
	if (r == 0)
		r = prepare(hid, path, is_default);
	if (r < 0) {
		shim_log(hid->shim, SATORI_LOG_ERROR, "event stream: cannot listen on %s: %s", path,
			 shim_strerror(r));
		return r;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -SATORI_ENOMEM;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->wake[0] = s->wake[1] = -1;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->lfd, 16) < 0 || pipe2(s->wake, O_CLOEXEC) < 0) {
		shim_log(hid->shim, SATORI_LOG_ERROR, "event stream: cannot listen on %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	pthread_mutex_lock(&hid->mu);
	hid->stream = s;
	pthread_mutex_unlock(&hid->mu);
	if (pthread_create(&s->thread, NULL, stream_thread, hid) != 0) {
		pthread_mutex_lock(&hid->mu);
		hid->stream = NULL;
		pthread_mutex_unlock(&hid->mu);
		unlink(path);
		goto fail;
	}
	hid_emit(hid, NULL, SATORI_SHIM_EV_EXPORT_ADDED, s->path,
		 "HID event stream on %s (one JSON object per line; try: satori events)", s->path);
	return 0;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	free(s);
	return -SATORI_EIO;
}

void hid_stream_stop(struct hid_state *hid)
{
	struct hid_stream *s;

	pthread_mutex_lock(&hid->mu);
	s = hid->stream;
	pthread_mutex_unlock(&hid->mu);
	if (!s)
		return;
	(void)!write(s->wake[1], "x", 1);
	pthread_join(s->thread, NULL);
	pthread_mutex_lock(&hid->mu);
	hid->stream = NULL;
	pthread_mutex_unlock(&hid->mu);
	while (s->clients) {
		struct client *c = s->clients;

		s->clients = c->next;
		close(c->fd);
		free(c);
	}
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	unlink(s->path);
	hid_emit(hid, NULL, SATORI_SHIM_EV_EXPORT_REMOVED, s->path, "HID event stream closed");
	free(s);
}
