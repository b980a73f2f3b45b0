/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nbd_proto.h — the NBD wire format (fixed newstyle handshake, transmission phase), as
 * the protocol document (NetworkBlockDevice/nbd doc/proto.md) describes it. Every field is
 * big-endian on the wire; the structs below hold wire bytes and are only read or written
 * through the be helpers.
 */
#ifndef SATORI_NBD_PROTO_H
#define SATORI_NBD_PROTO_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>

/* ---- handshake ---- */
#define NBD_INIT_PASSWD 0x4e42444d41474943ull /* "NBDMAGIC" */
#define NBD_OPTS_MAGIC 0x49484156454f5054ull  /* "IHAVEOPT" */
#define NBD_REP_MAGIC 0x0003e889045565a9ull   /* option replies */

/* handshake flags (server, 16 bits) */
#define NBD_FLAG_FIXED_NEWSTYLE 0x0001u
#define NBD_FLAG_NO_ZEROES 0x0002u
/* client flags (32 bits) */
#define NBD_FLAG_C_FIXED_NEWSTYLE 0x00000001u
#define NBD_FLAG_C_NO_ZEROES 0x00000002u

/* transmission flags (16 bits) */
#define NBD_FLAG_HAS_FLAGS 0x0001u
#define NBD_FLAG_READ_ONLY 0x0002u
#define NBD_FLAG_SEND_FLUSH 0x0004u
#define NBD_FLAG_SEND_FUA 0x0008u
#define NBD_FLAG_ROTATIONAL 0x0010u
#define NBD_FLAG_SEND_TRIM 0x0020u
#define NBD_FLAG_SEND_WRITE_ZEROES 0x0040u
#define NBD_FLAG_SEND_DF 0x0080u
#define NBD_FLAG_CAN_MULTI_CONN 0x0100u

/* options */
#define NBD_OPT_EXPORT_NAME 1u
#define NBD_OPT_ABORT 2u
#define NBD_OPT_LIST 3u
#define NBD_OPT_STARTTLS 5u
#define NBD_OPT_INFO 6u
#define NBD_OPT_GO 7u
#define NBD_OPT_STRUCTURED_REPLY 8u

/* option reply types */
#define NBD_REP_ACK 1u
#define NBD_REP_SERVER 2u
#define NBD_REP_INFO 3u
#define NBD_REP_FLAG_ERROR 0x80000000u
#define NBD_REP_ERR_UNSUP (NBD_REP_FLAG_ERROR | 1u)
#define NBD_REP_ERR_POLICY (NBD_REP_FLAG_ERROR | 2u)
#define NBD_REP_ERR_INVALID (NBD_REP_FLAG_ERROR | 3u)
#define NBD_REP_ERR_UNKNOWN (NBD_REP_FLAG_ERROR | 6u)
#define NBD_REP_ERR_SHUTDOWN (NBD_REP_FLAG_ERROR | 7u)
#define NBD_REP_ERR_TOO_BIG (NBD_REP_FLAG_ERROR | 9u)

/* NBD_REP_INFO types */
#define NBD_INFO_EXPORT 0u
#define NBD_INFO_NAME 1u
#define NBD_INFO_DESCRIPTION 2u
#define NBD_INFO_BLOCK_SIZE 3u

/* strings (export names, descriptions) are at most this long */
#define NBD_MAX_STRING 4096u

/* ---- transmission ---- */
#define NBD_REQUEST_MAGIC 0x25609513u
#define NBD_SIMPLE_REPLY_MAGIC 0x67446698u
#define NBD_STRUCTURED_REPLY_MAGIC 0x668e33efu

#define NBD_CMD_READ 0u
#define NBD_CMD_WRITE 1u
#define NBD_CMD_DISC 2u
#define NBD_CMD_FLUSH 3u
#define NBD_CMD_TRIM 4u
#define NBD_CMD_WRITE_ZEROES 6u

#define NBD_CMD_FLAG_FUA 0x0001u
#define NBD_CMD_FLAG_NO_HOLE 0x0002u

#define NBD_REPLY_FLAG_DONE 0x0001u
#define NBD_REPLY_TYPE_NONE 0u
#define NBD_REPLY_TYPE_OFFSET_DATA 1u
#define NBD_REPLY_TYPE_ERROR 0x8001u

/* error values of replies */
#define NBD_EPERM 1u
#define NBD_EIO 5u
#define NBD_ENOMEM 12u
#define NBD_EINVAL 22u
#define NBD_ENOSPC 28u
#define NBD_EOVERFLOW 75u
#define NBD_ESHUTDOWN 108u

/* payloads up to 32 MiB must not be treated as a denial of service */
#define NBD_MAX_PAYLOAD (32u << 20)

/* S: the first bytes of the fixed newstyle handshake */
struct nbd_hello {
	uint64_t passwd;    /* NBD_INIT_PASSWD */
	uint64_t magic;     /* NBD_OPTS_MAGIC */
	uint16_t hs_flags;  /* NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES */
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_hello) == 18, "nbd_hello is 18 bytes");
_Static_assert(offsetof(struct nbd_hello, hs_flags) == 16, "hs_flags at 16");

/* C: one option */
struct nbd_opt_hdr {
	uint64_t magic;  /* NBD_OPTS_MAGIC */
	uint32_t option; /* NBD_OPT_* */
	uint32_t length; /* bytes of option data that follow */
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_opt_hdr) == 16, "nbd_opt_hdr is 16 bytes");
_Static_assert(offsetof(struct nbd_opt_hdr, option) == 8, "option at 8");
_Static_assert(offsetof(struct nbd_opt_hdr, length) == 12, "length at 12");

/* S: one option reply */
struct nbd_opt_reply {
	uint64_t magic;  /* NBD_REP_MAGIC */
	uint32_t option; /* as the client sent it */
	uint32_t type;   /* NBD_REP_* */
	uint32_t length; /* bytes of reply data that follow */
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_opt_reply) == 20, "nbd_opt_reply is 20 bytes");
_Static_assert(offsetof(struct nbd_opt_reply, type) == 12, "type at 12");
_Static_assert(offsetof(struct nbd_opt_reply, length) == 16, "length at 16");

/* S: NBD_REP_INFO payloads */
struct nbd_info_export {
	uint16_t type;  /* NBD_INFO_EXPORT */
	uint64_t size;  /* bytes */
	uint16_t flags; /* transmission flags */
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_info_export) == 12, "nbd_info_export is 12 bytes");
_Static_assert(offsetof(struct nbd_info_export, flags) == 10, "flags at 10");

struct nbd_info_block_size {
	uint16_t type;      /* NBD_INFO_BLOCK_SIZE */
	uint32_t minimum;   /* power of two, <= 64 KiB */
	uint32_t preferred; /* power of two, >= max(minimum, 512) */
	uint32_t maximum;   /* multiple of minimum */
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_info_block_size) == 14, "nbd_info_block_size is 14 bytes");
_Static_assert(offsetof(struct nbd_info_block_size, maximum) == 10, "maximum at 10");

/* S: the end of NBD_OPT_EXPORT_NAME (plus 124 zeroes unless NO_ZEROES) */
struct nbd_export_name_reply {
	uint64_t size;
	uint16_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_export_name_reply) == 10, "nbd_export_name_reply is 10 bytes");

/* C: one request (WRITE: length bytes of payload follow) */
struct nbd_request {
	uint32_t magic;  /* NBD_REQUEST_MAGIC */
	uint16_t flags;  /* NBD_CMD_FLAG_* */
	uint16_t type;   /* NBD_CMD_* */
	uint64_t handle; /* the client's cookie, echoed in the reply */
	uint64_t offset; /* bytes */
	uint32_t length; /* bytes */
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_request) == 28, "nbd_request is 28 bytes");
_Static_assert(offsetof(struct nbd_request, type) == 6, "type at 6");
_Static_assert(offsetof(struct nbd_request, handle) == 8, "handle at 8");
_Static_assert(offsetof(struct nbd_request, offset) == 16, "offset at 16");
_Static_assert(offsetof(struct nbd_request, length) == 24, "length at 24");

/* S: simple reply (READ success: length bytes of data follow) */
struct nbd_simple_reply {
	uint32_t magic;  /* NBD_SIMPLE_REPLY_MAGIC */
	uint32_t error;  /* NBD_E* or 0 */
	uint64_t handle;
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_simple_reply) == 16, "nbd_simple_reply is 16 bytes");
_Static_assert(offsetof(struct nbd_simple_reply, handle) == 8, "handle at 8");

/* S: one structured reply chunk header; length bytes of payload follow */
struct nbd_structured_reply {
	uint32_t magic;  /* NBD_STRUCTURED_REPLY_MAGIC */
	uint16_t flags;  /* NBD_REPLY_FLAG_* */
	uint16_t type;   /* NBD_REPLY_TYPE_* */
	uint64_t handle;
	uint32_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_structured_reply) == 20, "nbd_structured_reply is 20 bytes");
_Static_assert(offsetof(struct nbd_structured_reply, type) == 6, "type at 6");
_Static_assert(offsetof(struct nbd_structured_reply, length) == 16, "length at 16");

/* payload of NBD_REPLY_TYPE_ERROR without a message */
struct nbd_chunk_error {
	uint32_t error;
	uint16_t msg_len; /* 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct nbd_chunk_error) == 6, "nbd_chunk_error is 6 bytes");

/* unaligned big-endian fields inside option data */
static inline uint16_t nbd_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t nbd_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void nbd_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void nbd_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* SATORI_NBD_PROTO_H */
