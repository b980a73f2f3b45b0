/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hid_uhid.c — the uhid back end: each HID device gets its own open of the uhid node
 * (/dev/uhid by default), announced with UHID_CREATE2 (the host's report descriptor byte for
 * byte), fed with UHID_INPUT2 while the kernel says it is open (UHID_OPEN/UHID_CLOSE), and
 * destroyed with UHID_DESTROY. UHID_OUTPUT and UHID_SET_REPORT go to the plugin's
 * set_report (keyboard LEDs); UHID_GET_REPORT is answered with EIO.
 *
 * The node may also be a Unix stream socket (tests, or a user-space consumer): the shim
 * connects to it and exchanges the same struct uhid_event records, whole, in both directions.
 */
#include "hid_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/uhid.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

struct hid_uhid {
	int fd;
	bool sock;
	int stop[2];
	pthread_t thread;
	pthread_mutex_t wmu;
};

static int32_t write_event(struct hid_uhid *u, const struct uhid_event *ev)
{
	const uint8_t *p = (const uint8_t *)ev;
	size_t left = sizeof(*ev);
	int32_t r = 0;

	pthread_mutex_lock(&u->wmu);
	while (left) {
		ssize_t n = u->sock ? send(u->fd, p, left, MSG_NOSIGNAL) : write(u->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = -SATORI_EIO;
			break;
		}
		if (!u->sock)
			break; /* a character device takes an event per write */
		p += n;
		left -= (size_t)n;
	}
	pthread_mutex_unlock(&u->wmu);
	return r;
}

/* one whole event; 0 at end of file */
static ssize_t read_event(struct hid_uhid *u, struct uhid_event *ev)
{
	uint8_t *p = (uint8_t *)ev;
	size_t got = 0;

	if (!u->sock)
		return read(u->fd, ev, sizeof(*ev));
	while (got < sizeof(*ev)) {
		ssize_t n = recv(u->fd, p + got, sizeof(*ev) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static void set_uhid_open(struct satori_hiddev *hd, bool open)
{
	struct hid_state *hid = hd->hid;

	pthread_mutex_lock(&hid->mu);
	hd->uhid_open = open;
	if (open) /* the last state, for the consumer that just came */
		for (uint32_t i = 0; i < hd->n_last; i++)
			hid_uhid_input(hd, hd->last[i].data, hd->last[i].len);
	pthread_mutex_unlock(&hid->mu);
	hid_update_open(hid);
}

static uint32_t report_type(uint8_t rtype)
{
	return rtype == UHID_FEATURE_REPORT ? SATORI_HID_REPORT_FEATURE
	       : rtype == UHID_OUTPUT_REPORT ? SATORI_HID_REPORT_OUTPUT
					     : SATORI_HID_REPORT_INPUT;
}

/* report id and payload of an output/feature report as uhid passes it (id byte first when
 * the descriptor uses ids) */
static int32_t pass_report(struct satori_hiddev *hd, uint8_t rtype, const uint8_t *data,
			   uint32_t size)
{
	uint32_t id = 0;

	if (size > UHID_DATA_MAX)
		return -SATORI_EINVAL;
	if (hd->layout->report_ids) {
		if (size < 1)
			return -SATORI_EINVAL;
		id = data[0];
		data++;
		size--;
	}
	return hid_deliver_set_report(hd, report_type(rtype), id, data, size);
}

static void handle(struct satori_hiddev *hd, struct hid_uhid *u, struct uhid_event *ev)
{
	struct uhid_event *reply;
	int32_t r;

	switch (ev->type) {
	case UHID_OPEN:
		set_uhid_open(hd, true);
		return;
	case UHID_CLOSE:
		set_uhid_open(hd, false);
		return;
	case UHID_OUTPUT:
		r = pass_report(hd, ev->u.output.rtype, ev->u.output.data, ev->u.output.size);
		if (r < 0)
			shim_log(hd->hid->shim, SATORI_LOG_DEBUG, "hid %s: output report: %s",
				 hd->short_name, shim_strerror(r));
		return;
	case UHID_SET_REPORT:
	case UHID_GET_REPORT:
		reply = calloc(1, sizeof(*reply));
		if (!reply)
			return;
		if (ev->type == UHID_SET_REPORT) {
			r = pass_report(hd, ev->u.set_report.rtype, ev->u.set_report.data,
					ev->u.set_report.size);
			reply->type = UHID_SET_REPORT_REPLY;
			reply->u.set_report_reply.id = ev->u.set_report.id;
			reply->u.set_report_reply.err = r < 0 ? EIO : 0;
		} else {
			reply->type = UHID_GET_REPORT_REPLY;
			reply->u.get_report_reply.id = ev->u.get_report.id;
			reply->u.get_report_reply.err = EIO;
		}
		write_event(u, reply);
		free(reply);
		return;
	default:
		return; /* UHID_START, UHID_STOP, and anything newer */
	}
}

static void *reader(void *arg)
{
	struct satori_hiddev *hd = arg;
	struct hid_uhid *u = hd->uhid;
	struct uhid_event *ev = malloc(sizeof(*ev));

	while (ev) {
		struct pollfd pfd[2] = { { .fd = u->fd, .events = POLLIN },
					 { .fd = u->stop[0], .events = POLLIN } };
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		n = read_event(u, ev);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			shim_log(hd->hid->shim, SATORI_LOG_WARN, "hid %s: the uhid node went away",
				 hd->short_name);
			set_uhid_open(hd, false);
			break;
		}
		if ((size_t)n < sizeof(ev->type))
			continue;
		handle(hd, u, ev);
	}
	free(ev);
	return NULL;
}

static int open_node(const char *path, bool *sock)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -1;
	*sock = S_ISSOCK(st.st_mode);
	if (*sock) {
		struct sockaddr_un sa;
		struct timeval tv = { .tv_sec = 1 };

		if (strlen(path) >= sizeof(sa.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		memcpy(sa.sun_path, path, strlen(path));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			return -1;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		return fd;
	}
	return open(path, O_RDWR | O_CLOEXEC);
}

int32_t hid_uhid_attach(struct satori_hiddev *hd, const char *path)
{
	struct hid_uhid *u = calloc(1, sizeof(*u));
	struct uhid_event *ev = calloc(1, sizeof(*ev));
	int32_t r = -SATORI_ENOMEM;

	if (!u || !ev)
		goto out;
	u->stop[0] = u->stop[1] = -1;
	u->fd = open_node(path, &u->sock);
	if (u->fd < 0) {
		r = errno == ENOENT ? -SATORI_ENOENT : errno == EACCES ? -SATORI_EPERM : -SATORI_EIO;
		goto out;
	}
	pthread_mutex_init(&u->wmu, NULL);
	ev->type = UHID_CREATE2;
	memcpy(ev->u.create2.name, hd->name, strlen(hd->name) + 1 < sizeof(ev->u.create2.name)
						? strlen(hd->name) + 1 : sizeof(ev->u.create2.name) - 1);
	snprintf((char *)ev->u.create2.phys, sizeof(ev->u.create2.phys), "satori/%s",
		 hd->short_name);
	snprintf((char *)ev->u.create2.uniq, sizeof(ev->u.create2.uniq), "%s", hd->short_name);
	ev->u.create2.rd_size = (uint16_t)hd->rdesc_len;
	ev->u.create2.bus = (uint16_t)hd->bus;
	ev->u.create2.vendor = hd->vendor;
	ev->u.create2.product = hd->product;
	ev->u.create2.version = hd->version;
	ev->u.create2.country = hd->country;
	memcpy(ev->u.create2.rd_data, hd->rdesc, hd->rdesc_len);
	r = write_event(u, ev);
	if (r < 0)
		goto out_close;
	if (pipe2(u->stop, O_CLOEXEC) < 0) {
		r = -SATORI_EIO;
		goto out_close;
	}
	hd->uhid = u;
	if (pthread_create(&u->thread, NULL, reader, hd) != 0) {
		hd->uhid = NULL;
		r = -SATORI_ENOMEM;
		goto out_close;
	}
	free(ev);
	return 0;
out_close:
	if (u->stop[0] >= 0) {
		close(u->stop[0]);
		close(u->stop[1]);
	}
	close(u->fd);
	pthread_mutex_destroy(&u->wmu);
out:
	free(ev);
	free(u);
	return r;
}

void hid_uhid_input(struct satori_hiddev *hd, const uint8_t *data, uint32_t len)
{
	struct uhid_event *ev;

	if (!hd->uhid || len > UHID_DATA_MAX)
		return;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return;
	ev->type = UHID_INPUT2;
	ev->u.input2.size = (uint16_t)len;
	memcpy(ev->u.input2.data, data, len);
	if (write_event(hd->uhid, ev) < 0)
		shim_log(hd->hid->shim, SATORI_LOG_WARN, "hid %s: uhid write failed",
			 hd->short_name);
	free(ev);
}

void hid_uhid_detach(struct satori_hiddev *hd)
{
	struct hid_uhid *u = hd->uhid;
	struct uhid_event *ev;

	if (!u)
		return;
	(void)!write(u->stop[1], "x", 1);
	pthread_join(u->thread, NULL);
	ev = calloc(1, sizeof(*ev));
	if (ev) {
		ev->type = UHID_DESTROY;
		write_event(u, ev);
		free(ev);
	}
	close(u->stop[0]);
	close(u->stop[1]);
	close(u->fd);
	pthread_mutex_destroy(&u->wmu);
	pthread_mutex_lock(&hd->hid->mu);
	hd->uhid = NULL;
	hd->uhid_open = false;
	pthread_mutex_unlock(&hd->hid->mu);
	free(u);
}
