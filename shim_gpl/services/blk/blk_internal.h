/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * blk_internal.h — satori.blk/1: disks registered by plugins, served as NBD exports.
 *
 * Threads:
 *  - the accept thread (nbd_server.c) polls the listening sockets and starts connections;
 *  - each connection has a reader thread (handshake, then requests: validation, slot
 *    allocation, WRITE payloads into DMA buffers, ops->submit) and, once in transmission,
 *    a writer thread that sends replies;
 *  - plugins complete requests from any thread. complete() never touches a socket: the
 *    command, once all its sub-requests are done, is queued for its connection's writer.
 *
 * Locks, outermost first (never taken in the other order):
 *    blk->mu (disk list, options, server)
 *    disk->submit_mu (only around ops->submit; a synchronous complete() nests disk->mu)
 *    disk->mu (slots, waiters, connections of the disk, capacity, state)
 *    conn->mu (reply queue, outstanding count)
 *  srv->mu (connection list) is a leaf too; nothing else is taken while it is held.
 *
 * Splitting policy: a READ/WRITE is cut into plugin requests of at most disk->chunk bytes
 * (chunk = min(max_transfer_bytes, 4 MiB)) and answered once every piece completed; a
 * client that ignores the advertised maximum block size is served, not refused. TRIM and
 * WRITE_ZEROES go to the plugin whole (blk.h: the plugin splits them if it must). READ/WRITE take all their
 * slots at once (FIFO among waiters, so a large request is not starved and two large
 * requests cannot deadlock holding half each); a READ keeps its slots until its reply is
 * sent. One connection holds at most disk->share slots (about 3/4 of them, and there are
 * at least 4 even when the plugin's queue_depth is lower: slots are buffers, the plugin's
 * depth is counted separately), so a client that stops reading its replies cannot starve
 * the others; READ/WRITE longer than share * chunk (or 32 MiB) are refused with EINVAL.
 */
#ifndef SATORI_BLK_INTERNAL_H
#define SATORI_BLK_INTERNAL_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "runtime/shim.h"
#include "nbd_proto.h"

#define BLK_DISK_MAGIC 0x424c4b44u       /* "BLKD" */
#define BLK_CHUNK_MAX (4u << 20)         /* largest DMA buffer of one slot */
#define BLK_POOL_BUDGET (64u << 20)      /* DMA bytes one disk may hold for data */
#define BLK_MAX_SLOTS 256u               /* most plugin requests in flight per disk */
#define BLK_NAME_MAX 31u
#define NBD_MAX_CONNS 64u                /* per server; more are refused */
#define NBD_CONN_MAX_OUTSTANDING 256u    /* commands of one client not yet answered */
#define NBD_IO_TIMEOUT_S 30              /* a stalled client mid-message is dropped */

struct nbd_conn;
struct nbd_server;

enum blk_slot_state {
	BLK_SLOT_FREE,
	BLK_SLOT_RESERVED, /* taken by a dispatcher, not yet submitted */
	BLK_SLOT_INFLIGHT, /* the plugin owns it until complete() */
	BLK_SLOT_HELD,     /* completed READ: data waits for the writer */
};

/* One plugin request and its DMA buffer. */
struct blk_slot {
	struct satori_blk_request req;
	struct satori_blk_segment seg;
	uint32_t index;
	uint32_t gen;               /* tag = gen << 32 | index; bumped at every reuse */
	uint32_t state;             /* enum blk_slot_state */
	struct nbd_conn *owner;     /* the connection that took it */
	struct nbd_cmd *cmd;
	void *buf;                  /* disk->chunk bytes of guest memory, allocated on first use */
	uint64_t *pfns;
	void *mem;                  /* os gmem handle */
	struct blk_slot *next_free;
};

/* A waiter for slots; waiters are served in arrival order. */
struct blk_waiter {
	struct nbd_conn *conn;
	uint32_t need;
	struct blk_waiter *next;
};

struct satori_blk_disk {
	uint32_t magic;
	struct blk_state *blk;
	struct shim_device *dev;
	char name[BLK_NAME_MAX + 1];
	char description[128];
	uint32_t flags;             /* SATORI_BLK_F_* */
	uint32_t lbs;               /* logical block size */
	uint32_t pbs;               /* physical block size */
	uint32_t max_transfer;      /* bytes per plugin request */
	uint32_t chunk;             /* bytes per READ/WRITE slot buffer */
	uint32_t nslots;            /* request structs with their buffers */
	uint32_t depth;             /* most requests at the plugin at once (<= queue_depth) */
	uint32_t share;             /* most slots one connection may hold */
	uint32_t data_max;          /* longest READ/WRITE a client may send */
	void *cookie;
	const struct satori_blk_disk_ops *ops;
	pthread_mutex_t submit_mu;  /* submit is [service]: serialized per disk */

	pthread_mutex_t mu;
	pthread_cond_t cv;          /* slots freed, in-flight dropped, connections gone, removal */
	uint64_t capacity_blocks;
	bool present;
	bool removing;
	struct blk_slot *slots;
	struct blk_slot *free_list;
	uint32_t nfree;
	uint32_t inflight;
	uint32_t peak_inflight;
	uint64_t submitted;
	struct blk_waiter *wait_head, *wait_tail;
	struct nbd_conn *conns;     /* in transmission on this export */
	uint32_t nconns;

	struct satori_blk_disk *next; /* blk->disks, in add order */
};

struct blk_state {
	struct satori_blk_service tbl; /* handed to plugins; first, so the table is the state */
	struct satori_shim *shim;
	pthread_mutex_t mu;
	struct satori_blk_disk *disks; /* exported disks, in add order */
	char sock_opt[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" = default */
	bool tcp_on;
	struct sockaddr_in tcp_addr;
	bool stopped;
	struct nbd_server *server;     /* listening; NULL until the first add_disk */
};

/* What a client learns about an export. */
struct blk_export_info {
	char name[BLK_NAME_MAX + 1];
	char description[128];
	uint64_t size;
	uint16_t tflags;
	uint32_t min_block, pref_block, max_block;
};

/* One client request, from the reader until its reply is written. */
struct nbd_cmd {
	struct nbd_conn *conn;
	struct satori_blk_disk *disk;
	uint64_t handle;
	uint64_t offset;
	uint32_t length;
	uint16_t type;
	uint16_t flags;
	uint32_t error;     /* NBD_E*: the first failure, 0 = success */
	uint32_t pending;   /* sub-requests not completed, +1 while the reader dispatches */
	uint32_t nsub;      /* READ: slots in sub[] holding the data, in offset order */
	struct nbd_cmd *next;
	struct blk_slot *sub[];
};

/* A request in host byte order. */
struct nbd_req {
	uint16_t flags;
	uint16_t type;
	uint64_t handle;
	uint64_t offset;
	uint32_t length;
};

struct nbd_conn {
	struct nbd_server *srv;
	struct blk_state *blk;
	int fd;                     /* -1 once closed (under srv->mu) */
	char peer[48];              /* for logs */
	pthread_t reader, writer;
	bool writer_started;
	bool structured;            /* structured replies negotiated */
	bool no_zeroes;
	struct satori_blk_disk *disk; /* the export, once in transmission */
	uint16_t tflags;

	pthread_mutex_t mu;
	pthread_cond_t cv;          /* queue non-empty, outstanding dropped */
	struct nbd_cmd *q_head, *q_tail;
	uint32_t outstanding;       /* commands created and not yet answered */
	uint32_t slots_held;        /* of conn->disk (under disk->mu) */
	bool reading_done;
	bool broken;                /* a send failed: replies are dropped */

	struct nbd_conn *next;      /* srv->conns or srv->dead */
	struct nbd_conn *disk_next; /* disk->conns */
};

/* ---- blk_service.c ---- */
void blk_emit_export(struct blk_state *blk, struct satori_blk_disk *d, uint32_t kind);
/* Looks up an export by name ("" = the first one). With @attach, also binds the connection
 * to it (conn->disk). 0, or -SATORI_ENOENT. */
int32_t blk_export_lookup(struct blk_state *blk, const char *name, struct nbd_conn *attach,
			  struct blk_export_info *out);
/* Snapshot of every export; *out is malloc'ed. */
int32_t blk_export_list(struct blk_state *blk, struct blk_export_info **out, uint32_t *count);
/* The connection leaves its disk (before its socket is closed). */
void blk_export_detach(struct nbd_conn *c);

/* ---- blk_queue.c ---- */
int32_t blk_queue_init(struct satori_blk_disk *d, uint32_t queue_depth);
void blk_queue_free(struct satori_blk_disk *d);
void blk_export_info_fill(struct satori_blk_disk *d, struct blk_export_info *out);
/* 0 if @r may be served, else the NBD error to answer with. */
uint32_t blk_check_request(struct satori_blk_disk *d, uint16_t tflags, const struct nbd_req *r);
uint32_t blk_nbd_error(int32_t satori_err);
/* Takes @n slots (n <= d->share) for @c, waiting in FIFO order. 0 or -SATORI_ESHUTDOWN. */
int32_t blk_slots_get(struct satori_blk_disk *d, struct nbd_conn *c, uint32_t n,
		      struct blk_slot **out);
void blk_slots_put(struct satori_blk_disk *d, struct blk_slot **slots, uint32_t n);
int32_t blk_slot_buffer(struct satori_blk_disk *d, struct blk_slot *s);
/* Hands a reserved slot to the plugin as one request of @cmd. */
void blk_submit(struct satori_blk_disk *d, struct nbd_cmd *cmd, struct blk_slot *s, uint32_t op,
		uint64_t offset, uint32_t len, uint32_t req_flags);
/* Drops the reader's reference to @cmd; the last reference queues its reply. */
void blk_cmd_put(struct satori_blk_disk *d, struct nbd_cmd *cmd, uint32_t error);
/* After a READ reply: its slots go back to the pool. */
void blk_cmd_release(struct nbd_cmd *cmd);
void blk_complete(struct satori_blk_disk *d, uint64_t tag, int32_t status);
/* Completes whatever is still in flight with @status (a plugin that is gone). */
uint32_t blk_fail_inflight_locked(struct satori_blk_disk *d, int32_t status);

/* ---- nbd_server.c ---- */
int32_t nbd_server_start(struct blk_state *blk, struct nbd_server **out);
void nbd_server_stop(struct nbd_server *srv);
/* URIs of an export: unix always, TCP when listening on TCP (else "" and false). */
void nbd_server_unix_uri(const struct nbd_server *srv, const char *name, char *buf, size_t len);
bool nbd_server_tcp_uri(const struct nbd_server *srv, const char *name, char *buf, size_t len);
/* The connection ends: off the live list, socket closed, reaped by the accept thread. */
void nbd_server_conn_done(struct nbd_conn *c);

/* ---- nbd_sock.c ---- */
/* Reads exactly @n bytes. @idle_ok: a timeout before the first byte is not an error (the
 * call keeps waiting). 0, -SATORI_ECONNRESET (closed), -SATORI_ETIMEDOUT or -SATORI_EIO. */
int32_t nbd_read_full(int fd, void *buf, size_t n, bool idle_ok);
int32_t nbd_discard(int fd, uint64_t n);
int32_t nbd_write_full(int fd, const void *buf, size_t n);
int32_t nbd_writev_full(int fd, struct iovec *iov, int iovcnt);

/* ---- nbd_handshake.c ---- */
/* 0: transmission phase on conn->disk; negative: close the connection. */
int32_t nbd_handshake(struct nbd_conn *c);

/* ---- nbd_conn.c ---- */
void *nbd_conn_main(void *arg);
void nbd_conn_queue_reply(struct nbd_conn *c, struct nbd_cmd *cmd);

#endif /* SATORI_BLK_INTERNAL_H */
