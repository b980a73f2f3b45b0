/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sock_link.c — the socket back end's hvlink host table: connect (socket, HELLO with the
 * guest memory fd, WELCOME), post_message (POST_MESSAGE / POST_RESULT round trip),
 * signal_event (an eventfd per connection id, else a SIGNAL record), disconnect.
 */
#include "sock_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SATORI_SHIM_VERSION
#define SATORI_SHIM_VERSION "1.0.0"
#endif

/* returned by post_message/signal_event once the host is gone: not retried by core */
#define STATUS_LINK_DOWN SATORI_HV_STATUS_INVALID_PARAMETER

static struct satori_socket_host *link_of(void *host)
{
	return host;
}

static struct sock_conn *conn_get(struct satori_socket_host *l)
{
	struct sock_conn *c;

	pthread_mutex_lock(&l->mu);
	c = l->conn;
	if (c)
		c->refs++;
	pthread_mutex_unlock(&l->mu);
	return c;
}

static void conn_put(struct sock_conn *c)
{
	struct satori_socket_host *l = c->link;

	pthread_mutex_lock(&l->mu);
	if (--c->refs == 0)
		pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

void sock_conn_fail(struct sock_conn *c, int32_t status, const char *fmt, ...)
{
	struct satori_shim *shim = c->link->shim;
	char why[400];
	bool report;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&c->mu);
	report = !c->dead && !c->closing;
	barrier_store_relaxed_u32(&c->dead, 1);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (!report)
		return;
	shim_log(shim, SATORI_LOG_ERROR, "transport: host at %s lost: %s", c->link->path, why);
	if (shim->conn)
		vmbus_conn_host_gone(shim->conn);
	shim_emit(shim, SATORI_SHIM_EV_DISCONNECTED, status, SATORI_SHIM_DISCONNECT_HOST_LOST, NULL,
		  NULL, NULL, "host at %s lost: %s", c->link->path, why);
}

/* ---- connect ---- */

static int32_t wait_readable(int fd, uint32_t timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, (int)timeout_ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -SATORI_ETIMEDOUT;
}

static int32_t open_socket(struct satori_socket_host *l, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	memcpy(sa.sun_path, l->path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -SATORI_ENOMEM;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		shim_log(l->shim, SATORI_LOG_INFO, "transport: cannot connect to %s: %s", l->path,
			 strerror(e));
		return e == ENOENT ? -SATORI_ENOENT : -SATORI_ECONNRESET;
	}
	*out = fd;
	return 0;
}

/* HELLO out, WELCOME (or ERROR) back */
static int32_t handshake(struct sock_conn *c, int mem_fd, uint64_t mem_bytes)
{
	struct satori_shim *shim = c->link->shim;
	struct xport_hello h = { .magic = XPORT_MAGIC, .major = XPORT_VERSION_MAJOR,
				 .minor = XPORT_VERSION_MINOR, .features = XPORT_F_KNOWN,
				 .mem_bytes = mem_bytes };
	struct xport_welcome w;
	struct xport_rx rx;
	const char *why;
	int32_t r;

	snprintf(h.name, sizeof(h.name), "satori-shim %s", SATORI_SHIM_VERSION);
	/* a host that refuses at once (busy) may have closed already: its ERROR is still queued */
	if (xport_send(c->sock, XPORT_HELLO, 0, &h, sizeof(h), &mem_fd, 1) < 0)
		shim_log(shim, SATORI_LOG_INFO, "transport: %s: HELLO not delivered", c->link->path);
	if (wait_readable(c->sock, shim->cfg.timeout_ms) < 0) {
		shim_log(shim, SATORI_LOG_ERROR, "transport: %s: no WELCOME within %u ms",
			 c->link->path, shim->cfg.timeout_ms);
		return -SATORI_ETIMEDOUT;
	}
	r = xport_recv(c->sock, &rx, &why);
	if (r <= 0) {
		shim_log(shim, SATORI_LOG_ERROR, "transport: %s: handshake failed: %s", c->link->path,
			 r == 0 ? "the host closed the connection" : why ? why : "socket error");
		return r == 0 ? -SATORI_ECONNRESET : r;
	}
	xport_rx_close_fds(&rx);
	if (rx.hdr.type == XPORT_ERROR && rx.hdr.size >= sizeof(struct xport_error)) {
		struct xport_error e;
		uint32_t len;

		memcpy(&e, rx.payload, sizeof(e));
		len = rx.hdr.size - (uint32_t)sizeof(e);
		len = e.text_len < len ? e.text_len : len;
		shim_log(shim, SATORI_LOG_ERROR, "transport: %s refused the guest: %.*s (%s)",
			 c->link->path, (int)len, (const char *)rx.payload + sizeof(e),
			 shim_strerror(e.code));
		return e.code < 0 ? e.code : -SATORI_EPROTO;
	}
	if (rx.hdr.type != XPORT_WELCOME || rx.hdr.size < sizeof(w)) {
		xport_send_error(c->sock, -SATORI_EPROTO, rx.hdr.type, rx.hdr.seq,
				 "expected WELCOME (48 bytes), got type 0x%x of %u bytes",
				 rx.hdr.type, rx.hdr.size);
		shim_log(shim, SATORI_LOG_ERROR,
			 "transport: %s: expected WELCOME, got record type 0x%x of %u bytes",
			 c->link->path, rx.hdr.type, rx.hdr.size);
		return -SATORI_EPROTO;
	}
	memcpy(&w, rx.payload, sizeof(w));
	if (w.magic != XPORT_MAGIC || w.major != XPORT_VERSION_MAJOR ||
	    (w.features & ~XPORT_F_KNOWN)) {
		xport_send_error(c->sock, -SATORI_EPROTONOSUPPORT, XPORT_WELCOME, 0,
				 "WELCOME: magic 0x%x version %u.%u features 0x%x not acceptable",
				 w.magic, w.major, w.minor, w.features);
		shim_log(shim, SATORI_LOG_ERROR,
			 "transport: %s: host speaks magic 0x%x version %u.%u features 0x%x; "
			 "this guest speaks version %u.x features 0x%x",
			 c->link->path, w.magic, w.major, w.minor, w.features, XPORT_VERSION_MAJOR,
			 XPORT_F_KNOWN);
		return -SATORI_EPROTONOSUPPORT;
	}
	c->features = w.features;
	w.name[sizeof(w.name) - 1] = 0;
	shim_log(shim, SATORI_LOG_INFO, "transport: connected to %s (%s, protocol %u.%u, features 0x%x)",
		 c->link->path, w.name, w.major, w.minor, w.features);
	return 0;
}

static void conn_free(struct sock_conn *c)
{
	if (c->sock >= 0)
		close(c->sock);
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	xport_efd_close_all(&c->out_efds);
	xport_efd_close_all(&c->in_efds);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->post_mu);
	free(c);
}

static int32_t sh_connect(void *host, const struct satori_hvlink_guest *guest, int32_t mem_fd,
			  uint64_t mem_bytes)
{
	struct satori_socket_host *l = link_of(host);
	struct sock_conn *c;
	int32_t r;

	if (!guest || !guest->deliver_message || !guest->signal_event || mem_fd < 0)
		return -SATORI_EINVAL;
	pthread_mutex_lock(&l->mu);
	c = l->conn;
	pthread_mutex_unlock(&l->mu);
	if (c)
		return -SATORI_EBUSY;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -SATORI_ENOMEM;
	c->link = l;
	c->guest = guest;
	c->sock = c->wake[0] = c->wake[1] = -1;
	pthread_mutex_init(&c->post_mu, NULL);
	pthread_mutex_init(&c->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadline_after() */
		pthread_cond_init(&c->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	xport_efd_init(&c->out_efds);
	xport_efd_init(&c->in_efds);
	r = open_socket(l, &c->sock);
	if (r == 0)
		r = handshake(c, mem_fd, mem_bytes);
	if (r == 0 && pipe2(c->wake, O_CLOEXEC) < 0)
		r = -SATORI_ENOMEM;
	if (r == 0) {
		pthread_mutex_lock(&l->mu);
		l->conn = c;
		pthread_mutex_unlock(&l->mu);
		if (pthread_create(&c->reader, NULL, sock_reader_main, c) != 0) {
			pthread_mutex_lock(&l->mu);
			l->conn = NULL;
			pthread_mutex_unlock(&l->mu);
			r = -SATORI_ENOMEM;
		} else {
			c->reader_started = true;
		}
	}
	if (r < 0)
		conn_free(c);
	return r;
}

/* ---- hypercalls ---- */

static void deadline_after(struct timespec *ts, uint32_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000u;
	ts->tv_nsec += (long)(ms % 1000u) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static uint32_t post_message(struct sock_conn *c, uint32_t connection_id, uint32_t message_type,
				const void *payload, uint32_t payload_size)
{
	struct satori_socket_host *l = c->link;
	uint8_t buf[sizeof(struct xport_post) + SATORI_HV_MESSAGE_PAYLOAD_MAX];
	struct xport_post p = { .connection_id = connection_id, .message_type = message_type,
				.payload_size = payload_size };
	uint32_t status = STATUS_LINK_DOWN, seq;
	struct timespec deadline;
	bool timed_out = false;

	if (payload_size > SATORI_HV_MESSAGE_PAYLOAD_MAX || (payload_size && !payload))
		return SATORI_HV_STATUS_INVALID_PARAMETER;
	memcpy(buf, &p, sizeof(p));
	if (payload_size)
		memcpy(buf + sizeof(p), payload, payload_size);
	pthread_mutex_lock(&c->post_mu);
	pthread_mutex_lock(&c->mu);
	if (c->dead)
		goto out;
	seq = ++c->next_seq;
	if (seq == 0)
		seq = ++c->next_seq;
	if (xport_send(c->sock, XPORT_POST_MESSAGE, seq, buf,
		       (uint32_t)sizeof(p) + payload_size, NULL, 0) < 0)
		goto out;
	/* the reader thread never posts, so waiting here cannot block it */
	deadline_after(&deadline, l->shim->cfg.timeout_ms);
	while (!c->dead && c->answered_seq != seq) {
		if (pthread_cond_timedwait(&c->cv, &c->mu, &deadline) == ETIMEDOUT) {
			timed_out = !c->dead && c->answered_seq != seq;
			break;
		}
	}
	if (c->answered_seq == seq)
		status = c->answered_status;
out:
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&c->post_mu);
	if (timed_out)
		sock_conn_fail(c, -SATORI_ETIMEDOUT,
			       "no POST_RESULT within %u ms (the host hangs)", l->shim->cfg.timeout_ms);
	return status;
}

static uint32_t sh_post_message(void *host, uint32_t connection_id, uint32_t message_type,
				const void *payload, uint32_t payload_size)
{
	struct sock_conn *c = conn_get(link_of(host));
	uint32_t status;

	if (!c)
		return STATUS_LINK_DOWN;
	status = post_message(c, connection_id, message_type, payload, payload_size);
	conn_put(c);
	return status;
}

static uint32_t signal_record(struct sock_conn *c, uint32_t connection_id, uint16_t flag)
{
	struct xport_signal s = { .connection_id = connection_id, .flag_number = flag };

	return xport_send(c->sock, XPORT_SIGNAL, 0, &s, sizeof(s), NULL, 0) < 0 ?
		       STATUS_LINK_DOWN :
		       SATORI_HV_STATUS_SUCCESS;
}

static uint32_t signal_event(struct sock_conn *c, uint32_t connection_id, uint16_t flag_number)
{
	const uint64_t one = 1;
	uint16_t bound_flag = 0;
	uint32_t status;
	int fd;

	if (barrier_load_relaxed_u32(&c->dead))
		return STATUS_LINK_DOWN;
	if (!(c->features & XPORT_F_EVENTFD))
		return signal_record(c, connection_id, flag_number);
	fd = xport_efd_find(&c->out_efds, connection_id, &bound_flag);
	if (fd >= 0) {
		if (bound_flag != flag_number)
			return signal_record(c, connection_id, flag_number);
		return write(fd, &one, sizeof(one)) == sizeof(one) ? SATORI_HV_STATUS_SUCCESS :
								    STATUS_LINK_DOWN;
	}
	/* first signal on this connection id: bind an eventfd (already signaled) */
	pthread_mutex_lock(&c->mu);
	fd = xport_efd_find(&c->out_efds, connection_id, NULL);
	if (fd >= 0) {
		pthread_mutex_unlock(&c->mu);
		return write(fd, &one, sizeof(one)) == sizeof(one) ? SATORI_HV_STATUS_SUCCESS :
								    STATUS_LINK_DOWN;
	}
	fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0 || xport_efd_add(&c->out_efds, connection_id, flag_number, fd) < 0) {
		if (fd >= 0)
			close(fd);
		status = signal_record(c, connection_id, flag_number);
	} else {
		struct xport_bind b = { .id = connection_id, .flag_number = flag_number };

		status = xport_send(c->sock, XPORT_BIND_EVENTFD, 0, &b, sizeof(b), &fd, 1) < 0 ?
				 STATUS_LINK_DOWN :
				 SATORI_HV_STATUS_SUCCESS;
	}
	pthread_mutex_unlock(&c->mu);
	return status;
}

static uint32_t sh_signal_event(void *host, uint32_t connection_id, uint16_t flag_number)
{
	struct sock_conn *c = conn_get(link_of(host));
	uint32_t status;

	if (!c)
		return STATUS_LINK_DOWN;
	status = signal_event(c, connection_id, flag_number);
	conn_put(c);
	return status;
}

static void sh_disconnect(void *host)
{
	struct satori_socket_host *l = link_of(host);
	struct sock_conn *c;
	struct xport_bye bye = { 0 };
	bool send_bye;

	pthread_mutex_lock(&l->mu);
	c = l->conn;
	l->conn = NULL;
	pthread_mutex_unlock(&l->mu);
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->closing = true;
	send_bye = !c->dead;
	barrier_store_relaxed_u32(&c->dead, 1);
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (send_bye)
		xport_send(c->sock, XPORT_BYE, 0, &bye, sizeof(bye), NULL, 0);
	if (c->reader_started) {
		char b = 1;

		if (write(c->wake[1], &b, 1) < 0)
			shutdown(c->sock, SHUT_RDWR);
		pthread_join(c->reader, NULL);
	}
	pthread_mutex_lock(&l->mu);
	while (c->refs)
		pthread_cond_wait(&l->cv, &l->mu);
	pthread_mutex_unlock(&l->mu);
	conn_free(c);
}

/* ---- the exported API (satori/embed.h) ---- */

SATORI_SHIM_API int32_t satori_shim_connect_socket(struct satori_shim *shim, const char *path,
						   struct satori_socket_host **out)
{
	struct satori_socket_host *l;
	int32_t r;

	if (!shim || !path || !out)
		return -SATORI_EINVAL;
	if (!path[0] || strlen(path) >= sizeof(l->path))
		return -SATORI_EINVAL;
	if (shim->started)
		return -SATORI_EBUSY;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -SATORI_ENOMEM;
	l->table.struct_size = sizeof(l->table);
	l->table.version = SATORI_HVLINK_VERSION;
	l->table.host = l;
	l->table.connect = sh_connect;
	l->table.post_message = sh_post_message;
	l->table.signal_event = sh_signal_event;
	l->table.disconnect = sh_disconnect;
	l->shim = shim;
	memcpy(l->path, path, strlen(path) + 1);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	r = hvlink_backend_attach(shim, &l->table);
	if (r < 0) {
		pthread_cond_destroy(&l->cv);
		pthread_mutex_destroy(&l->mu);
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

SATORI_SHIM_API void satori_socket_host_free(struct satori_socket_host *l)
{
	if (!l)
		return;
	sh_disconnect(l);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
