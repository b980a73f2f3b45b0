/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sock_reader.c — the reader thread of a socket connection: records from the host
 * (MESSAGE, EVENT, POST_RESULT, BIND_EVENTFD, ERROR, BYE), the host's eventfds, and the
 * wake pipe of disconnect. Everything the host sends is validated; a malformed record is
 * answered with ERROR and ends the connection ("host lost").
 */
#include "sock_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define KEY_SOCK  0ull
#define KEY_WAKE  1ull
#define KEY_EVENT (1ull << 32) /* | flag */

/* largest event flag a host may bind: the SIEF has 2048 flags per SINT */
#define MAX_EVENT_FLAG 2047u

struct reader {
	struct sock_conn *c;
	int ep;
};

static const char *type_name(uint32_t type)
{
	switch (type) {
	case XPORT_HELLO: return "HELLO";
	case XPORT_WELCOME: return "WELCOME";
	case XPORT_ERROR: return "ERROR";
	case XPORT_BYE: return "BYE";
	case XPORT_POST_MESSAGE: return "POST_MESSAGE";
	case XPORT_POST_RESULT: return "POST_RESULT";
	case XPORT_MESSAGE: return "MESSAGE";
	case XPORT_SIGNAL: return "SIGNAL";
	case XPORT_EVENT: return "EVENT";
	case XPORT_BIND_EVENTFD: return "BIND_EVENTFD";
	default: return "unknown";
	}
}

/* rejects @p rx: ERROR to the host, then the connection ends */
static int32_t reject(struct reader *r, const struct xport_rx *rx, const char *why)
{
	struct sock_conn *c = r->c;

	xport_send_error(c->sock, -SATORI_EPROTO, rx->hdr.type, rx->hdr.seq,
			 "guest rejected %s record (type 0x%x, %u bytes): %s",
			 type_name(rx->hdr.type), rx->hdr.type, rx->hdr.size, why);
	sock_conn_fail(c, -SATORI_EPROTO, "malformed %s record (type 0x%x, %u bytes) from the host: %s",
		       type_name(rx->hdr.type), rx->hdr.type, rx->hdr.size, why);
	return -1;
}

static int32_t on_message(struct reader *r, const struct xport_rx *rx)
{
	struct xport_message m;

	if (rx->hdr.size < sizeof(m))
		return reject(r, rx, "shorter than its 16-byte body");
	memcpy(&m, rx->payload, sizeof(m));
	if (m.payload_size > SATORI_HV_MESSAGE_PAYLOAD_MAX)
		return reject(r, rx, "payload_size above 240");
	if (rx->hdr.size != sizeof(m) + m.payload_size)
		return reject(r, rx, "payload_size does not match the record length");
	r->c->guest->deliver_message(r->c->guest->guest, m.vp, m.sint, m.message_type,
				     rx->payload + sizeof(m), m.payload_size);
	return 0;
}

static int32_t on_event(struct reader *r, const struct xport_rx *rx)
{
	struct xport_event e;

	if (rx->hdr.size != sizeof(e))
		return reject(r, rx, "EVENT body must be 12 bytes");
	memcpy(&e, rx->payload, sizeof(e));
	if (e.flag > MAX_EVENT_FLAG)
		return reject(r, rx, "event flag above 2047");
	r->c->guest->signal_event(r->c->guest->guest, e.vp, e.sint, e.flag);
	return 0;
}

static int32_t on_post_result(struct reader *r, const struct xport_rx *rx)
{
	struct sock_conn *c = r->c;
	struct xport_post_result pr;
	bool expected;

	if (rx->hdr.size != sizeof(pr))
		return reject(r, rx, "POST_RESULT body must be 4 bytes");
	memcpy(&pr, rx->payload, sizeof(pr));
	pthread_mutex_lock(&c->mu);
	/* posts are serialized: only the newest seq can be outstanding */
	expected = rx->hdr.seq != 0 && rx->hdr.seq == c->next_seq && c->answered_seq != rx->hdr.seq;
	if (expected) {
		c->answered_seq = rx->hdr.seq;
		c->answered_status = pr.status;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return expected ? 0 : reject(r, rx, "no POST_MESSAGE with this seq is waiting");
}

static int32_t on_bind(struct reader *r, struct xport_rx *rx)
{
	struct sock_conn *c = r->c;
	struct epoll_event ev = { .events = EPOLLIN };
	struct xport_bind b;
	int fd;

	if (!(c->features & XPORT_F_EVENTFD))
		return reject(r, rx, "BIND_EVENTFD without the EVENTFD feature");
	if (rx->hdr.size != sizeof(b) || rx->nfds != 1)
		return reject(r, rx, "BIND_EVENTFD needs an 8-byte body and one fd");
	memcpy(&b, rx->payload, sizeof(b));
	if (b.id > MAX_EVENT_FLAG)
		return reject(r, rx, "event flag above 2047");
	fd = rx->fds[0];
	if (!xport_fd_is_eventfd(fd))
		return reject(r, rx, "the attached fd is not an eventfd");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return reject(r, rx, "cannot make the eventfd non-blocking");
	if (xport_efd_add(&c->in_efds, b.id, 0, fd) < 0)
		return reject(r, rx, "too many eventfds bound");
	rx->fds[0] = -1; /* the table owns it now */
	ev.data.u64 = KEY_EVENT | b.id;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		sock_conn_fail(c, -SATORI_ENOMEM, "cannot watch an eventfd: %s", strerror(errno));
		return -1;
	}
	/* a host may signal before binding: look once */
	c->guest->signal_event(c->guest->guest, 0, SATORI_HV_VMBUS_SINT, b.id);
	return 0;
}

static int32_t on_error(struct reader *r, const struct xport_rx *rx)
{
	struct xport_error e;
	uint32_t len;

	if (rx->hdr.size < sizeof(e))
		return reject(r, rx, "ERROR body shorter than 16 bytes");
	memcpy(&e, rx->payload, sizeof(e));
	len = rx->hdr.size - (uint32_t)sizeof(e);
	len = e.text_len < len ? e.text_len : len;
	sock_conn_fail(r->c, e.code < 0 ? e.code : -SATORI_EPROTO,
		       "the host reported an error (%s) about record type 0x%x seq %u: %.*s",
		       shim_strerror(e.code), e.ref_type, e.ref_seq, (int)len,
		       (const char *)rx->payload + sizeof(e));
	return -1;
}

static int32_t on_record(struct reader *r, struct xport_rx *rx)
{
	switch (rx->hdr.type) {
	case XPORT_MESSAGE:
		return rx->nfds ? reject(r, rx, "unexpected fd") : on_message(r, rx);
	case XPORT_EVENT:
		return rx->nfds ? reject(r, rx, "unexpected fd") : on_event(r, rx);
	case XPORT_POST_RESULT:
		return rx->nfds ? reject(r, rx, "unexpected fd") : on_post_result(r, rx);
	case XPORT_BIND_EVENTFD:
		return on_bind(r, rx);
	case XPORT_ERROR:
		return on_error(r, rx);
	case XPORT_BYE:
		sock_conn_fail(r->c, -SATORI_ECONNRESET, "the host said BYE (it is shutting down)");
		return -1;
	default:
		return reject(r, rx, "a host does not send this record type");
	}
}

static int32_t read_socket(struct reader *r)
{
	struct xport_rx rx;
	const char *why;
	int32_t n, res;

	n = xport_recv(r->c->sock, &rx, &why);
	if (n == 0) {
		sock_conn_fail(r->c, -SATORI_ECONNRESET, "the connection closed (host exited or crashed)");
		return -1;
	}
	if (n < 0) {
		xport_rx_close_fds(&rx);
		if (n == -SATORI_EBADMSG)
			return reject(r, &rx, why);
		sock_conn_fail(r->c, n, "socket error");
		return -1;
	}
	res = on_record(r, &rx);
	xport_rx_close_fds(&rx);
	return res;
}

static void read_eventfd(struct reader *r, uint32_t flag)
{
	uint64_t v;
	int fd = xport_efd_find(&r->c->in_efds, flag, NULL);

	if (fd >= 0 && read(fd, &v, sizeof(v)) == sizeof(v))
		r->c->guest->signal_event(r->c->guest->guest, 0, SATORI_HV_VMBUS_SINT, flag);
}

void *sock_reader_main(void *arg)
{
	struct reader r = { .c = arg };
	struct epoll_event ev = { .events = EPOLLIN };
	bool run = true;

	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (r.ep < 0) {
		sock_conn_fail(r.c, -SATORI_ENOMEM, "epoll_create1: %s", strerror(errno));
		return NULL;
	}
	ev.data.u64 = KEY_SOCK;
	epoll_ctl(r.ep, EPOLL_CTL_ADD, r.c->sock, &ev);
	ev.data.u64 = KEY_WAKE;
	epoll_ctl(r.ep, EPOLL_CTL_ADD, r.c->wake[0], &ev);
	while (run) {
		struct epoll_event evs[32];
		int n = epoll_wait(r.ep, evs, 32, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sock_conn_fail(r.c, -SATORI_EIO, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && run; i++) {
			uint64_t key = evs[i].data.u64;

			if (key == KEY_WAKE)
				run = false;
			else if (key == KEY_SOCK)
				run = read_socket(&r) == 0;
			else
				read_eventfd(&r, (uint32_t)(key & 0xffffffffu));
		}
	}
	close(r.ep);
	return NULL;
}
