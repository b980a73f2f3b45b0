/* SPDX-License-Identifier: GPL-2.0-only */
/* sock_io.c — one record per SOCK_SEQPACKET datagram, fds by SCM_RIGHTS (docs/transport.md). */
#include "sock_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int32_t xport_send(int sock, uint32_t type, uint32_t seq, const void *payload, uint32_t size,
		   const int *fds, uint32_t nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * XPORT_MAX_FDS)];
	} ctl;
	struct xport_hdr h = { .type = type, .size = size, .seq = seq, .nfds = (uint16_t)nfds };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)payload, size } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	ssize_t n;

	if (size > XPORT_MAX_PAYLOAD || nfds > XPORT_MAX_FDS)
		return -SATORI_EMSGSIZE;
	if (nfds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -SATORI_ECONNRESET;
	return n == (ssize_t)(sizeof(h) + size) ? 0 : -SATORI_EIO;
}

static uint32_t take_fds(struct msghdr *m, struct xport_rx *rx)
{
	uint32_t extra = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		size_t n;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (rx->nfds < XPORT_MAX_FDS)
				rx->fds[rx->nfds++] = fd;
			else {
				close(fd);
				extra++;
			}
		}
	}
	return extra;
}

int32_t xport_recv(int sock, struct xport_rx *rx, const char **why)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * (XPORT_MAX_FDS + 3))];
	} ctl;
	struct iovec iov[2] = { { &rx->hdr, sizeof(rx->hdr) }, { rx->payload, XPORT_MAX_PAYLOAD } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	uint32_t extra;
	ssize_t n;

	memset(&rx->hdr, 0, sizeof(rx->hdr));
	rx->nfds = 0;
	*why = NULL;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0)
		return errno == ECONNRESET || errno == EPIPE ? 0 : -SATORI_ECONNRESET;
	extra = take_fds(&m, rx);
	if (m.msg_flags & MSG_TRUNC) {
		*why = "record longer than the 528-byte maximum";
		return -SATORI_EBADMSG;
	}
	if (m.msg_flags & MSG_CTRUNC || extra) {
		*why = "more file descriptors than any record carries";
		return -SATORI_EBADMSG;
	}
	if ((size_t)n < sizeof(rx->hdr)) {
		*why = "record shorter than its 16-byte header";
		return -SATORI_EBADMSG;
	}
	if (rx->hdr.size != (size_t)n - sizeof(rx->hdr)) {
		*why = "header size does not match the record length";
		return -SATORI_EBADMSG;
	}
	if (rx->hdr.nfds != rx->nfds) {
		*why = "header fd count does not match the fds attached";
		return -SATORI_EBADMSG;
	}
	if (rx->hdr.reserved) {
		*why = "reserved header field is not zero";
		return -SATORI_EBADMSG;
	}
	return 1;
}

void xport_rx_close_fds(struct xport_rx *rx)
{
	for (uint32_t i = 0; i < rx->nfds; i++)
		if (rx->fds[i] >= 0)
			close(rx->fds[i]);
	rx->nfds = 0;
}

void xport_send_error(int sock, int32_t code, uint32_t ref_type, uint32_t ref_seq,
		      const char *fmt, ...)
{
	uint8_t buf[XPORT_MAX_PAYLOAD];
	struct xport_error e = { .code = code, .ref_type = ref_type, .ref_seq = ref_seq };
	char *text = (char *)buf + sizeof(e);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(buf) - sizeof(e), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf) - sizeof(e))
		n = (int)(sizeof(buf) - sizeof(e) - 1);
	e.text_len = (uint32_t)n;
	memcpy(buf, &e, sizeof(e));
	xport_send(sock, XPORT_ERROR, 0, buf, (uint32_t)(sizeof(e) + (size_t)n), NULL, 0);
}

bool xport_fd_is_eventfd(int fd)
{
	char proc[64], target[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	return !strcmp(target, "anon_inode:[eventfd]");
}
