/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nbd_handshake.c — fixed newstyle negotiation: GO, INFO, LIST, ABORT, EXPORT_NAME and
 * STRUCTURED_REPLY; STARTTLS is refused by policy and anything else is NBD_REP_ERR_UNSUP.
 * The client is untrusted: option data is read into a fixed buffer, larger options are
 * skipped (or end the session past NBD_OPT_HARD_MAX), and a session may send at most
 * NBD_MAX_OPTIONS options.
 */
#include "blk_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBD_OPT_DATA_MAX 8192u     /* option data we read and parse */
#define NBD_OPT_HARD_MAX (1u << 20) /* option data beyond this ends the session */
#define NBD_MAX_OPTIONS 256u

static struct satori_shim *conn_shim(const struct nbd_conn *c)
{
	return c->blk->shim;
}

/* after a reply that does not end the haggling: 1 = go on, or the send error */
static int32_t more(int32_t r)
{
	return r < 0 ? r : 1;
}

static int32_t send_reply(struct nbd_conn *c, uint32_t option, uint32_t type, const void *data,
			  uint32_t len)
{
	struct nbd_opt_reply h = {
		.magic = htobe64(NBD_REP_MAGIC),
		.option = htobe32(option),
		.type = htobe32(type),
		.length = htobe32(len),
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)data, .iov_len = len },
	};

	return nbd_writev_full(c->fd, iov, len ? 2 : 1);
}

/* An error reply with a message for the human at the client. */
static int32_t send_error(struct nbd_conn *c, uint32_t option, uint32_t type, const char *fmt,
			  ...) __attribute__((format(printf, 4, 5)));
static int32_t send_error(struct nbd_conn *c, uint32_t option, uint32_t type, const char *fmt,
			  ...)
{
	char msg[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	shim_log(conn_shim(c), SATORI_LOG_DEBUG, "nbd %s: option %u refused: %s", c->peer, option,
		 msg);
	return send_reply(c, option, type, msg, (uint32_t)n);
}

/* Copies a client string into @out (NUL-terminated); false if it cannot be a name. */
static bool take_name(const uint8_t *p, uint32_t len, char *out, size_t out_len)
{
	if (len >= out_len || memchr(p, 0, len))
		return false;
	memcpy(out, p, len);
	out[len] = 0;
	return true;
}

static int32_t send_info_export(struct nbd_conn *c, uint32_t option,
				const struct blk_export_info *e)
{
	struct nbd_info_export ie = {
		.type = htobe16(NBD_INFO_EXPORT),
		.size = htobe64(e->size),
		.flags = htobe16(e->tflags),
	};

	return send_reply(c, option, NBD_REP_INFO, &ie, sizeof(ie));
}

static int32_t send_info_block_size(struct nbd_conn *c, uint32_t option,
				    const struct blk_export_info *e)
{
	struct nbd_info_block_size bs = {
		.type = htobe16(NBD_INFO_BLOCK_SIZE),
		.minimum = htobe32(e->min_block),
		.preferred = htobe32(e->pref_block),
		.maximum = htobe32(e->max_block),
	};

	return send_reply(c, option, NBD_REP_INFO, &bs, sizeof(bs));
}

static int32_t send_info_string(struct nbd_conn *c, uint32_t option, uint16_t type,
				const char *s)
{
	uint8_t buf[2 + 128];
	size_t n = strlen(s);

	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	nbd_put_be16(buf, type);
	memcpy(buf + 2, s, n);
	return send_reply(c, option, NBD_REP_INFO, buf, (uint32_t)(2 + n));
}

/* NBD_OPT_INFO and NBD_OPT_GO: 1 = keep haggling, 0 = transmission, < 0 = close. */
static int32_t opt_info_go(struct nbd_conn *c, uint32_t option, const uint8_t *data, uint32_t len)
{
	char name[NBD_MAX_STRING + 1];
	struct blk_export_info e;
	bool want_name = false, want_desc = false;
	uint32_t name_len, nreq;
	int32_t r;

	if (len < 6)
		return more(send_error(c, option, NBD_REP_ERR_INVALID, "option data too short"));
	name_len = nbd_get_be32(data);
	if (name_len > len - 6)
		return more(send_error(c, option, NBD_REP_ERR_INVALID, "name length past the option"));
	nreq = nbd_get_be16(data + 4 + name_len);
	if (6 + name_len + 2 * nreq != len)
		return more(send_error(c, option, NBD_REP_ERR_INVALID,
				  "information request count does not match the option length"));
	for (uint32_t i = 0; i < nreq; i++) {
		const uint8_t *p = data + 6 + name_len + 2 * i;
		uint16_t type = nbd_get_be16(p);

		want_name |= type == NBD_INFO_NAME;
		want_desc |= type == NBD_INFO_DESCRIPTION;
	}
	if (!take_name(data + 4, name_len, name, sizeof(name)))
		return more(send_error(c, option, NBD_REP_ERR_UNKNOWN, "no such export"));
	if (blk_export_lookup(c->blk, name, option == NBD_OPT_GO ? c : NULL, &e) < 0)
		return more(send_error(c, option, NBD_REP_ERR_UNKNOWN, "no export named '%.64s'",
				       name));

	r = send_info_export(c, option, &e);
	if (!r)
		r = send_info_block_size(c, option, &e);
	if (!r && want_name)
		r = send_info_string(c, option, NBD_INFO_NAME, e.name);
	if (!r && want_desc && e.description[0])
		r = send_info_string(c, option, NBD_INFO_DESCRIPTION, e.description);
	if (!r)
		r = send_reply(c, option, NBD_REP_ACK, NULL, 0);
	if (r < 0)
		return r;
	if (option != NBD_OPT_GO)
		return 1;
	c->tflags = e.tflags;
	shim_log(conn_shim(c), SATORI_LOG_INFO, "nbd %s: client uses export %s (%s replies)",
		 c->peer, e.name, c->structured ? "structured" : "simple");
	return 0;
}

static int32_t opt_export_name(struct nbd_conn *c, const uint8_t *data, uint32_t len)
{
	static const uint8_t zeroes[124];
	char name[NBD_MAX_STRING + 1];
	struct blk_export_info e;
	struct nbd_export_name_reply rep;
	struct iovec iov[2];

	/* this option cannot fail politely: an unknown export ends the session */
	if (!take_name(data, len, name, sizeof(name)) ||
	    blk_export_lookup(c->blk, name, c, &e) < 0) {
		shim_log(conn_shim(c), SATORI_LOG_WARN,
			 "nbd %s: NBD_OPT_EXPORT_NAME of an unknown export; disconnecting", c->peer);
		return -SATORI_ENOENT;
	}
	rep.size = htobe64(e.size);
	rep.flags = htobe16(e.tflags);
	iov[0] = (struct iovec){ .iov_base = &rep, .iov_len = sizeof(rep) };
	iov[1] = (struct iovec){ .iov_base = (void *)zeroes, .iov_len = sizeof(zeroes) };
	c->tflags = e.tflags;
	shim_log(conn_shim(c), SATORI_LOG_INFO, "nbd %s: client uses export %s (old-style)",
		 c->peer, e.name);
	return nbd_writev_full(c->fd, iov, c->no_zeroes ? 1 : 2);
}

static int32_t opt_list(struct nbd_conn *c, uint32_t len)
{
	struct blk_export_info *list;
	uint32_t n;
	int32_t r;

	if (len)
		return more(send_error(c, NBD_OPT_LIST, NBD_REP_ERR_INVALID, "LIST takes no data"));
	r = blk_export_list(c->blk, &list, &n);
	if (r < 0)
		return more(send_error(c, NBD_OPT_LIST, NBD_REP_ERR_SHUTDOWN, "out of memory"));
	for (uint32_t i = 0; i < n && !r; i++) {
		uint8_t buf[4 + sizeof(list[i].name) + sizeof(list[i].description)];
		uint32_t nl = (uint32_t)strlen(list[i].name), dl = (uint32_t)strlen(list[i].description);

		nbd_put_be32(buf, nl);
		memcpy(buf + 4, list[i].name, nl);
		memcpy(buf + 4 + nl, list[i].description, dl);
		r = send_reply(c, NBD_OPT_LIST, NBD_REP_SERVER, buf, 4 + nl + dl);
	}
	free(list);
	if (!r)
		r = send_reply(c, NBD_OPT_LIST, NBD_REP_ACK, NULL, 0);
	return r < 0 ? r : 1;
}

static int32_t handle_option(struct nbd_conn *c, uint32_t option, const uint8_t *data,
			     uint32_t len)
{
	switch (option) {
	case NBD_OPT_EXPORT_NAME:
		return opt_export_name(c, data, len);
	case NBD_OPT_ABORT:
		send_reply(c, option, NBD_REP_ACK, NULL, 0);
		return -SATORI_ECONNRESET;
	case NBD_OPT_LIST:
		return opt_list(c, len);
	case NBD_OPT_STARTTLS:
		return more(send_error(c, option, NBD_REP_ERR_POLICY, "TLS is not offered here"));
	case NBD_OPT_INFO:
	case NBD_OPT_GO:
		return opt_info_go(c, option, data, len);
	case NBD_OPT_STRUCTURED_REPLY:
		if (len)
			return more(send_error(c, option, NBD_REP_ERR_INVALID, "option takes no data"));
		c->structured = true;
		return more(send_reply(c, option, NBD_REP_ACK, NULL, 0));
	default:
		return more(send_error(c, option, NBD_REP_ERR_UNSUP, "option %u is not supported",
				  option));
	}
}

int32_t nbd_handshake(struct nbd_conn *c)
{
	struct nbd_hello hello = {
		.passwd = htobe64(NBD_INIT_PASSWD),
		.magic = htobe64(NBD_OPTS_MAGIC),
		.hs_flags = htobe16(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES),
	};
	uint8_t data[NBD_OPT_DATA_MAX];
	uint32_t cflags;
	int32_t r;

	r = nbd_write_full(c->fd, &hello, sizeof(hello));
	if (!r)
		r = nbd_read_full(c->fd, &cflags, sizeof(cflags), false);
	if (r < 0)
		return r;
	cflags = be32toh(cflags);
	if (cflags & ~(NBD_FLAG_C_FIXED_NEWSTYLE | NBD_FLAG_C_NO_ZEROES)) {
		shim_log(conn_shim(c), SATORI_LOG_WARN,
			 "nbd %s: unknown client flags %#x; disconnecting", c->peer, cflags);
		return -SATORI_EPROTO;
	}
	c->no_zeroes = cflags & NBD_FLAG_C_NO_ZEROES;

	for (uint32_t n = 0; n < NBD_MAX_OPTIONS; n++) {
		struct nbd_opt_hdr h;
		uint32_t option, len;

		r = nbd_read_full(c->fd, &h, sizeof(h), false);
		if (r < 0)
			return r;
		option = be32toh(h.option);
		len = be32toh(h.length);
		if (be64toh(h.magic) != NBD_OPTS_MAGIC) {
			shim_log(conn_shim(c), SATORI_LOG_WARN,
				 "nbd %s: bad option magic; disconnecting", c->peer);
			return -SATORI_EPROTO;
		}
		if (len > sizeof(data)) {
			if (len > NBD_OPT_HARD_MAX || option == NBD_OPT_EXPORT_NAME) {
				shim_log(conn_shim(c), SATORI_LOG_WARN,
					 "nbd %s: option %u with %u bytes of data; disconnecting",
					 c->peer, option, len);
				return -SATORI_EPROTO;
			}
			r = nbd_discard(c->fd, len);
			if (!r)
				r = send_error(c, option, NBD_REP_ERR_TOO_BIG,
					       "%u bytes of option data is too much", len);
			if (r < 0)
				return r;
			continue;
		}
		r = nbd_read_full(c->fd, data, len, false);
		if (r < 0)
			return r;
		r = handle_option(c, option, data, len);
		if (r <= 0)
			return r;
	}
	shim_log(conn_shim(c), SATORI_LOG_WARN, "nbd %s: more than %u options; disconnecting",
		 c->peer, NBD_MAX_OPTIONS);
	return -SATORI_EPROTO;
}
