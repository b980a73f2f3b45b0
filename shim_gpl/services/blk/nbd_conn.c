/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nbd_conn.c — one client. The reader thread runs the handshake, then reads requests,
 * checks them, takes slots and submits them to the plugin (WRITE payloads go from the
 * socket straight into the DMA buffers). It keeps reading while earlier requests are in
 * flight, up to NBD_CONN_MAX_OUTSTANDING unanswered commands. Replies go out in completion
 * order, matched by the client's handle, from the writer thread: after the handshake only
 * the writer writes to the socket, so replies never interleave.
 */
#include "blk_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct satori_shim *conn_shim(const struct nbd_conn *c)
{
	return c->blk->shim;
}

void nbd_conn_queue_reply(struct nbd_conn *c, struct nbd_cmd *cmd)
{
	pthread_mutex_lock(&c->mu);
	cmd->next = NULL;
	if (c->q_tail)
		c->q_tail->next = cmd;
	else
		c->q_head = cmd;
	c->q_tail = cmd;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static struct nbd_cmd *cmd_new(struct nbd_conn *c, const struct nbd_req *r, uint32_t nsub)
{
	struct nbd_cmd *cmd = calloc(1, sizeof(*cmd) + nsub * sizeof(cmd->sub[0]));

	if (!cmd) {
		shim_log(conn_shim(c), SATORI_LOG_ERROR, "nbd %s: out of memory; disconnecting",
			 c->peer);
		return NULL;
	}
	cmd->conn = c;
	cmd->disk = c->disk;
	cmd->handle = r->handle;
	cmd->offset = r->offset;
	cmd->length = r->length;
	cmd->type = r->type;
	cmd->flags = r->flags;
	cmd->pending = 1;
	pthread_mutex_lock(&c->mu);
	c->outstanding++;
	pthread_mutex_unlock(&c->mu);
	return cmd;
}

static int32_t reply_error(struct nbd_conn *c, const struct nbd_req *r, uint32_t error)
{
	struct nbd_cmd *cmd = cmd_new(c, r, 0);

	if (!cmd)
		return -SATORI_ENOMEM;
	cmd->error = error;
	cmd->pending = 0;
	nbd_conn_queue_reply(c, cmd);
	return 0;
}

/* READ or WRITE: all slots at once, one plugin request per chunk. */
static int32_t do_data(struct nbd_conn *c, struct satori_blk_disk *d, const struct nbd_req *r)
{
	bool rd = r->type == NBD_CMD_READ;
	uint32_t n = (r->length + d->chunk - 1) / d->chunk;
	uint32_t req_flags = !rd && (r->flags & NBD_CMD_FLAG_FUA) ? SATORI_BLK_REQ_FUA : 0;
	struct blk_slot *slots[BLK_MAX_SLOTS];
	struct nbd_cmd *cmd;
	int32_t err = 0;

	cmd = cmd_new(c, r, rd ? n : 0);
	if (!cmd)
		return -SATORI_ENOMEM;
	if (blk_slots_get(d, c, n, slots) < 0) {
		blk_cmd_put(d, cmd, NBD_ESHUTDOWN);
		return rd ? 0 : nbd_discard(c->fd, r->length);
	}
	for (uint32_t i = 0; i < n && !err; i++)
		err = blk_slot_buffer(d, slots[i]);
	if (err) {
		shim_log(conn_shim(c), SATORI_LOG_ERROR, "blk %s: no guest memory for I/O buffers: %s",
			 d->name, shim_strerror(err));
		blk_slots_put(d, slots, n);
		blk_cmd_put(d, cmd, NBD_ENOMEM);
		return rd ? 0 : nbd_discard(c->fd, r->length);
	}
	if (rd) {
		memcpy(cmd->sub, slots, n * sizeof(slots[0]));
		cmd->nsub = n;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = (uint64_t)i * d->chunk;
		uint32_t len = i + 1 < n ? d->chunk : (uint32_t)(r->length - at);

		if (!rd) {
			err = nbd_read_full(c->fd, slots[i]->buf, len, false);
			if (err < 0) {
				shim_log(conn_shim(c), SATORI_LOG_WARN,
					 "nbd %s: WRITE payload cut short (%s); disconnecting", c->peer,
					 shim_strerror(err));
				blk_slots_put(d, slots + i, n - i);
				blk_cmd_put(d, cmd, NBD_EIO);
				return err;
			}
		}
		blk_submit(d, cmd, slots[i], rd ? SATORI_BLK_OP_READ : SATORI_BLK_OP_WRITE,
			   r->offset + at, len, req_flags);
	}
	blk_cmd_put(d, cmd, 0);
	return 0;
}

/* FLUSH, TRIM, WRITE_ZEROES: one plugin request, however long (blk.h lets the plugin split). */
static int32_t do_nodata(struct nbd_conn *c, struct satori_blk_disk *d, const struct nbd_req *r,
			 uint32_t op)
{
	uint32_t req_flags = op == SATORI_BLK_OP_WRITE_ZEROES && (r->flags & NBD_CMD_FLAG_FUA)
				     ? SATORI_BLK_REQ_FUA
				     : 0;
	struct nbd_cmd *cmd = cmd_new(c, r, 0);
	struct blk_slot *s;

	if (!cmd)
		return -SATORI_ENOMEM;
	if (blk_slots_get(d, c, 1, &s) < 0) {
		blk_cmd_put(d, cmd, NBD_ESHUTDOWN);
		return 0;
	}
	blk_submit(d, cmd, s, op, r->offset, r->length, req_flags);
	blk_cmd_put(d, cmd, 0);
	return 0;
}

static int32_t dispatch(struct nbd_conn *c, const struct nbd_req *r, uint64_t *refused)
{
	struct satori_blk_disk *d = c->disk;
	uint32_t err;

	if (r->type == NBD_CMD_WRITE && r->length > NBD_MAX_PAYLOAD) {
		shim_log(conn_shim(c), SATORI_LOG_WARN,
			 "nbd %s: WRITE of %u bytes (limit %u); disconnecting", c->peer, r->length,
			 NBD_MAX_PAYLOAD);
		return -SATORI_EMSGSIZE;
	}
	err = blk_check_request(d, c->tflags, r);
	if (err) {
		/* the first refusal is worth a warning; a hostile client must not flood the log */
		shim_log(conn_shim(c), (*refused)++ ? SATORI_LOG_DEBUG : SATORI_LOG_WARN,
			 "nbd %s: refused command %u (flags %#x, offset %llu, length %u): error %u",
			 c->peer, r->type, r->flags, (unsigned long long)r->offset, r->length, err);
		if (r->type == NBD_CMD_WRITE) {
			int32_t rr = nbd_discard(c->fd, r->length);

			if (rr < 0)
				return rr;
		}
		return reply_error(c, r, err);
	}
	switch (r->type) {
	case NBD_CMD_READ:
	case NBD_CMD_WRITE:
		return do_data(c, d, r);
	case NBD_CMD_FLUSH:
		return do_nodata(c, d, r, SATORI_BLK_OP_FLUSH);
	case NBD_CMD_TRIM:
		return do_nodata(c, d, r, SATORI_BLK_OP_DISCARD);
	default:
		return do_nodata(c, d, r, SATORI_BLK_OP_WRITE_ZEROES);
	}
}

static int32_t send_reply(struct nbd_conn *c, const struct nbd_cmd *cmd)
{
	struct {
		struct nbd_structured_reply h;
		union {
			uint64_t offset;
			struct nbd_chunk_error e;
		} u;
	} __attribute__((packed)) sr;
	struct nbd_simple_reply simple;
	struct iovec iov[2 + BLK_MAX_SLOTS];
	bool data = cmd->type == NBD_CMD_READ && !cmd->error;
	int n = 1;

	if (!c->structured || cmd->type != NBD_CMD_READ) {
		simple.magic = htobe32(NBD_SIMPLE_REPLY_MAGIC);
		simple.error = htobe32(cmd->error);
		simple.handle = htobe64(cmd->handle);
		iov[0] = (struct iovec){ .iov_base = &simple, .iov_len = sizeof(simple) };
	} else {
		sr.h.magic = htobe32(NBD_STRUCTURED_REPLY_MAGIC);
		sr.h.flags = htobe16(NBD_REPLY_FLAG_DONE);
		sr.h.handle = htobe64(cmd->handle);
		if (data) {
			sr.h.type = htobe16(NBD_REPLY_TYPE_OFFSET_DATA);
			sr.h.length = htobe32(8u + cmd->length);
			sr.u.offset = htobe64(cmd->offset);
			iov[0] = (struct iovec){ .iov_base = &sr, .iov_len = sizeof(sr.h) + 8 };
		} else {
			sr.h.type = htobe16(NBD_REPLY_TYPE_ERROR);
			sr.h.length = htobe32(sizeof(sr.u.e));
			sr.u.e.error = htobe32(cmd->error);
			sr.u.e.msg_len = 0;
			iov[0] = (struct iovec){ .iov_base = &sr, .iov_len = sizeof(sr.h) + sizeof(sr.u.e) };
		}
	}
	for (uint32_t i = 0; data && i < cmd->nsub; i++) {
		uint64_t at = (uint64_t)i * cmd->disk->chunk;
		uint32_t len = i + 1 < cmd->nsub ? cmd->disk->chunk : (uint32_t)(cmd->length - at);

		iov[n++] = (struct iovec){ .iov_base = cmd->sub[i]->buf, .iov_len = len };
	}
	return nbd_writev_full(c->fd, iov, n);
}

static void *writer_main(void *arg)
{
	struct nbd_conn *c = arg;

	pthread_setname_np(pthread_self(), "satori-nbd-wr");
	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct nbd_cmd *cmd = c->q_head;
		bool broken = c->broken;
		int32_t r = 0;

		if (!cmd) {
			if (c->reading_done && c->outstanding == 0)
				break;
			pthread_cond_wait(&c->cv, &c->mu);
			continue;
		}
		c->q_head = cmd->next;
		if (!c->q_head)
			c->q_tail = NULL;
		pthread_mutex_unlock(&c->mu);

		if (!broken)
			r = send_reply(c, cmd);
		if (r < 0) {
			shim_log(conn_shim(c), SATORI_LOG_WARN,
				 "nbd %s: cannot send a reply (%s); disconnecting", c->peer,
				 shim_strerror(r));
			shutdown(c->fd, SHUT_RDWR); /* the reader stops too */
		}
		blk_cmd_release(cmd);
		free(cmd);

		pthread_mutex_lock(&c->mu);
		if (r < 0)
			c->broken = true;
		c->outstanding--;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static void transmission(struct nbd_conn *c)
{
	uint64_t requests = 0, refused = 0;
	int32_t r = 0;

	if (pthread_create(&c->writer, NULL, writer_main, c) != 0) {
		shim_log(conn_shim(c), SATORI_LOG_ERROR, "nbd %s: cannot start a thread", c->peer);
		return;
	}
	c->writer_started = true;
	for (;;) {
		struct nbd_request w;
		struct nbd_req q;
		bool broken;

		pthread_mutex_lock(&c->mu);
		while (c->outstanding >= NBD_CONN_MAX_OUTSTANDING && !c->broken)
			pthread_cond_wait(&c->cv, &c->mu);
		broken = c->broken;
		pthread_mutex_unlock(&c->mu);
		if (broken)
			break;

		r = nbd_read_full(c->fd, &w, sizeof(w), true);
		if (r < 0)
			break;
		if (be32toh(w.magic) != NBD_REQUEST_MAGIC) {
			shim_log(conn_shim(c), SATORI_LOG_WARN,
				 "nbd %s: bad request magic %#x; disconnecting", c->peer,
				 be32toh(w.magic));
			break;
		}
		q.flags = be16toh(w.flags);
		q.type = be16toh(w.type);
		q.handle = be64toh(w.handle);
		q.offset = be64toh(w.offset);
		q.length = be32toh(w.length);
		if (q.type == NBD_CMD_DISC)
			break;
		requests++;
		r = dispatch(c, &q, &refused);
		if (r < 0)
			break;
	}
	if (r < 0 && r != -SATORI_ECONNRESET)
		shim_log(conn_shim(c), SATORI_LOG_INFO, "nbd %s: connection dropped: %s", c->peer,
			 shim_strerror(r));

	/* answer everything still in flight (NBD_CMD_DISC requires it), then stop the writer */
	pthread_mutex_lock(&c->mu);
	c->reading_done = true;
	pthread_cond_broadcast(&c->cv);
	while (c->outstanding)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->writer, NULL);
	shim_log(conn_shim(c), refused ? SATORI_LOG_INFO : SATORI_LOG_DEBUG,
		 "nbd %s: %llu requests, %llu refused", c->peer, (unsigned long long)requests,
		 (unsigned long long)refused);
}

void *nbd_conn_main(void *arg)
{
	struct nbd_conn *c = arg;
	int32_t r;

	pthread_setname_np(pthread_self(), "satori-nbd-rd");
	r = nbd_handshake(c);
	if (r == 0)
		transmission(c);
	else if (r != -SATORI_ECONNRESET)
		shim_log(conn_shim(c), SATORI_LOG_DEBUG, "nbd %s: handshake ended: %s", c->peer,
			 shim_strerror(r));
	if (c->disk)
		blk_export_detach(c);
	shim_log(conn_shim(c), SATORI_LOG_DEBUG, "nbd %s: disconnected", c->peer);
	nbd_server_conn_done(c); /* c may be freed from here on */
	return NULL;
}
