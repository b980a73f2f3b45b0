/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sock_internal.h — the socket back end (docs/transport.md): a satori_hvlink_host whose
 * calls travel over a Unix SOCK_SEQPACKET socket to a host in another process.
 *
 * Threads: the shim's threads call post_message/signal_event; one reader thread per
 * connection polls the socket and the host's eventfds and feeds the shim's guest table.
 */
#ifndef SATORI_BACKENDS_SOCKET_SOCK_INTERNAL_H
#define SATORI_BACKENDS_SOCKET_SOCK_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "core/barrier.h"
#include "runtime/shim.h"
#include "xport_wire.h"

/* ---- record I/O (sock_io.c) ---- */
struct xport_rx {
	struct xport_hdr hdr;
	uint8_t payload[XPORT_MAX_PAYLOAD];
	int fds[XPORT_MAX_FDS];
	uint32_t nfds; /* fds actually received; the caller owns them */
};

/* Sends one record (header filled from the arguments). @return 0 or -errno-like SATORI_E*. */
int32_t xport_send(int sock, uint32_t type, uint32_t seq, const void *payload, uint32_t size,
		   const int *fds, uint32_t nfds);
/*
 * Receives one record. @return 1 record, 0 orderly EOF, or negative: -SATORI_EBADMSG for a
 * malformed record (@p why says how), -SATORI_ECONNRESET for a socket error.
 */
int32_t xport_recv(int sock, struct xport_rx *rx, const char **why);
/* Closes the fds of @p rx the caller did not take. */
void xport_rx_close_fds(struct xport_rx *rx);
/* Sends ERROR with printf-style text; best effort. */
void xport_send_error(int sock, int32_t code, uint32_t ref_type, uint32_t ref_seq,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* True if @p fd is an eventfd. */
bool xport_fd_is_eventfd(int fd);

/* ---- eventfd tables (sock_events.c) ---- */
struct xport_efd {
	uint32_t id;
	uint16_t flag_number;
	int fd;
};

struct xport_efd_table {
	pthread_mutex_t mu;
	struct xport_efd *items;
	uint32_t count, cap;
};

void xport_efd_init(struct xport_efd_table *t);
void xport_efd_close_all(struct xport_efd_table *t);
/* the fd bound to @p id, or -1 */
int xport_efd_find(struct xport_efd_table *t, uint32_t id, uint16_t *flag_number);
/* adds (or replaces) @p id; takes @p fd. -SATORI_ENOSPC beyond XPORT_MAX_EVENTFDS */
int32_t xport_efd_add(struct xport_efd_table *t, uint32_t id, uint16_t flag_number, int fd);

/* ---- the link (sock_link.c, sock_reader.c) ---- */
struct sock_conn; /* one connected session, created by connect, freed by disconnect */

struct satori_socket_host {
	struct satori_hvlink_host table; /* first: table.host == this */
	struct satori_shim *shim;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_mutex_t mu; /* conn pointer, conn->refs */
	pthread_cond_t cv;  /* refs dropped */
	struct sock_conn *conn;
};

struct sock_conn {
	struct satori_socket_host *link;
	uint32_t refs; /* callers inside post_message/signal_event (link->mu) */
	const struct satori_hvlink_guest *guest;
	int sock;
	int wake[2]; /* pipe: disconnect wakes the reader */
	uint32_t features;
	pthread_t reader;
	bool reader_started;

	pthread_mutex_t post_mu; /* one POST_MESSAGE in flight at a time */
	pthread_mutex_t mu;      /* below: send, state */
	pthread_cond_t cv;
	uint32_t dead; /* written under mu with barrier_store_relaxed_u32; read lock-free too */
	bool closing; /* disconnect in progress: no "host gone" report */
	uint32_t next_seq;
	uint32_t answered_seq; /* seq of the last POST_RESULT */
	uint32_t answered_status;
	struct xport_efd_table out_efds; /* ours: guest -> host signals */
	struct xport_efd_table in_efds;  /* the host's: host -> guest events */
};

void *sock_reader_main(void *arg);
/* The connection failed: wakes posters, reports the host as gone (once). */
void sock_conn_fail(struct sock_conn *c, int32_t status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SATORI_BACKENDS_SOCKET_SOCK_INTERNAL_H */
