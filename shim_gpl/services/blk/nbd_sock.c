/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nbd_sock.c — whole-message socket I/O for the NBD server. Sockets carry SO_RCVTIMEO and
 * SO_SNDTIMEO (NBD_IO_TIMEOUT_S): a client that stops mid-message, or stops reading its
 * replies, is dropped instead of holding a thread and DMA buffers forever. Sends use
 * MSG_NOSIGNAL: a vanished client is an error, not a SIGPIPE.
 */
#include "blk_internal.h"

#include <errno.h>
#include <sys/socket.h>

int32_t nbd_read_full(int fd, void *buf, size_t n, bool idle_ok)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, p + got, n - got, 0);

		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			return -SATORI_ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (idle_ok && got == 0)
				continue; /* an idle client between requests */
			return -SATORI_ETIMEDOUT;
		}
		return errno == ECONNRESET || errno == EPIPE ? -SATORI_ECONNRESET : -SATORI_EIO;
	}
	return 0;
}

int32_t nbd_discard(int fd, uint64_t n)
{
	uint8_t scratch[4096];

	while (n) {
		size_t step = n < sizeof(scratch) ? (size_t)n : sizeof(scratch);
		int32_t r = nbd_read_full(fd, scratch, step, false);

		if (r < 0)
			return r;
		n -= step;
	}
	return 0;
}

int32_t nbd_writev_full(int fd, struct iovec *iov, int iovcnt)
{
	while (iovcnt > 0) {
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
		ssize_t r = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -SATORI_ETIMEDOUT;
			return errno == EPIPE || errno == ECONNRESET ? -SATORI_ECONNRESET : -SATORI_EIO;
		}
		while (iovcnt > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

int32_t nbd_write_full(int fd, const void *buf, size_t n)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };

	return nbd_writev_full(fd, &iov, 1);
}
