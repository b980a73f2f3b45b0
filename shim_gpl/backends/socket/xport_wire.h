/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xport_wire.h — the out-of-process host transport, guest side's view of the wire
 * (docs/transport.md is the specification; this file restates it for the C code).
 * One SOCK_SEQPACKET datagram = one record = a 16-byte header + payload, little-endian.
 */
#ifndef SATORI_BACKENDS_SOCKET_XPORT_WIRE_H
#define SATORI_BACKENDS_SOCKET_XPORT_WIRE_H

#include <stdint.h>

#define XPORT_MAGIC         0x58544153u /* "SATX" */
#define XPORT_VERSION_MAJOR 1u
#define XPORT_VERSION_MINOR 0u
#define XPORT_MAX_PAYLOAD   512u
#define XPORT_NAME_LEN      32u
#define XPORT_MAX_FDS       1u

/* features (HELLO offers, WELCOME accepts a subset) */
#define XPORT_F_EVENTFD 0x1u
#define XPORT_F_KNOWN   XPORT_F_EVENTFD

/* record types */
#define XPORT_HELLO        0x01u /* g->h, 1 fd: guest memory */
#define XPORT_WELCOME      0x02u /* h->g */
#define XPORT_ERROR        0x03u /* either; the sender closes after it */
#define XPORT_BYE          0x04u /* either; orderly close */
#define XPORT_POST_MESSAGE 0x10u /* g->h; seq != 0 */
#define XPORT_POST_RESULT  0x11u /* h->g; seq = the request's */
#define XPORT_MESSAGE      0x12u /* h->g */
#define XPORT_SIGNAL       0x20u /* g->h */
#define XPORT_EVENT        0x21u /* h->g */
#define XPORT_BIND_EVENTFD 0x22u /* either, 1 fd: an eventfd */

/* limits on eventfds one side accepts from the other */
#define XPORT_MAX_EVENTFDS 1024u

struct xport_hdr {
	uint32_t type;
	uint32_t size;  /* payload bytes after this header */
	uint32_t seq;
	uint16_t nfds;  /* SCM_RIGHTS fds attached */
	uint16_t reserved;
};

struct xport_hello {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	uint32_t features;
	uint32_t reserved;
	uint64_t mem_bytes;
	char name[XPORT_NAME_LEN];
};

struct xport_welcome {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	uint32_t features;
	uint32_t reserved;
	char name[XPORT_NAME_LEN];
};

struct xport_error {
	int32_t code; /* negative SATORI_E* */
	uint32_t ref_type;
	uint32_t ref_seq;
	uint32_t text_len; /* bytes of UTF-8 text following, no NUL */
};

struct xport_bye {
	uint32_t reason; /* 0 = normal */
};

struct xport_post {
	uint32_t connection_id;
	uint32_t message_type;
	uint32_t payload_size; /* <= 240 */
	uint32_t reserved;
};

struct xport_post_result {
	uint32_t status; /* SATORI_HV_STATUS_* */
};

struct xport_message {
	uint32_t vp;
	uint32_t sint;
	uint32_t message_type;
	uint32_t payload_size; /* <= 240 */
};

struct xport_signal {
	uint32_t connection_id;
	uint16_t flag_number;
	uint16_t reserved;
};

struct xport_event {
	uint32_t vp;
	uint32_t sint;
	uint32_t flag;
};

struct xport_bind {
	uint32_t id;          /* g->h: connection id; h->g: event flag (relid) */
	uint16_t flag_number; /* g->h: the flag number of signals on this fd; h->g: 0 */
	uint16_t reserved;
};

_Static_assert(sizeof(struct xport_hdr) == 16, "wire layout");
_Static_assert(sizeof(struct xport_hello) == 56, "wire layout");
_Static_assert(sizeof(struct xport_welcome) == 48, "wire layout");
_Static_assert(sizeof(struct xport_error) == 16, "wire layout");
_Static_assert(sizeof(struct xport_post) == 16, "wire layout");
_Static_assert(sizeof(struct xport_message) == 16, "wire layout");
_Static_assert(sizeof(struct xport_signal) == 8, "wire layout");
_Static_assert(sizeof(struct xport_event) == 12, "wire layout");
_Static_assert(sizeof(struct xport_bind) == 8, "wire layout");

#endif /* SATORI_BACKENDS_SOCKET_XPORT_WIRE_H */
