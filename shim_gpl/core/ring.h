/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring.h — one VMBus ring buffer seen from the guest (spec vmbus.md §1).
 *
 * A channel has two: "out" (guest writes, host reads) and "in" (host writes, guest
 * reads). Each is a 4 KiB control page followed by a circular data area of packets:
 * descriptor + payload padded to 8 bytes + an 8-byte trailer holding the packet's start
 * offset in its upper 32 bits. Everything in the shared memory is written by an
 * untrusted host: readers load each host-written word once, validate it, and use only
 * the local copy.
 *
 * Callers serialize writers among themselves and readers among themselves; a writer
 * and a reader of the same ring (guest and host) run concurrently.
 */
#ifndef SATORI_CORE_RING_H
#define SATORI_CORE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"

CORE_BEGIN_DECLS

/* Shared control page (spec §1.1); pinned by tests against linux61-layouts.md */
struct hv_ring_ctl {
	uint32_t write_index;     /* 0x00 producer: byte offset of the next write */
	uint32_t read_index;      /* 0x04 consumer: byte offset of the next unread packet */
	uint32_t interrupt_mask;  /* 0x08 consumer: 1 = draining, do not signal */
	uint32_t pending_send_sz; /* 0x0C producer: bytes it waits for; 0 = not blocked */
	uint32_t reserved1[12];   /* 0x10 */
	uint32_t feature_bits;    /* 0x40 bit 0: pending_send_sz supported */
	uint8_t reserved2[4028];  /* 0x44 .. 0x1000 */
};

#define RING_CTL_BYTES            4096u
#define RING_TRAILER_BYTES        8u
#define RING_DESC_BYTES           16u
#define RING_FEAT_PENDING_SEND_SZ 0x1u

struct ring_stats {
	uint64_t packets;    /* written (writer) or read (reader) */
	uint64_t signals;    /* signals the ring asked the caller to raise */
	uint64_t full;       /* writes refused with -SATORI_EAGAIN */
};

struct ring {
	struct hv_ring_ctl *ctl; /* shared */
	uint8_t *data;           /* shared data area, data_size bytes */
	uint32_t data_size;
	/* reader: position consumed locally but not yet published to ctl->read_index */
	uint32_t priv_read;
	uint32_t batch_bytes;    /* bytes consumed since the last commit */
	struct ring_stats stats;
};

struct ring_iov {
	const void *base;
	uint32_t len;
};

/*
 * Set up @rb over @mem (@total_bytes incl. the control page, a 4 KiB multiple >= 8 KiB):
 * zeroes the control page, sets both indices to 0 and feature_bits to
 * RING_FEAT_PENDING_SEND_SZ. Returns 0 or -SATORI_EINVAL.
 */
int32_t ring_init(struct ring *rb, void *mem, uint32_t total_bytes);

/* Bytes a packet of @len bytes (descriptor included) occupies: round_up(len, 8) + trailer. */
uint32_t ring_packet_bytes(uint32_t len);

/* Largest packet (descriptor included, before padding) this ring can ever accept. */
uint32_t ring_max_packet(const struct ring *rb);

/*
 * Writer. Appends one packet: the concatenation of @iov (whose first 16 bytes are the
 * descriptor, len8 already set to round_up(total, 8) / 8), zero padding to 8 bytes and
 * the trailer; then publishes write_index and decides whether the reader must be
 * signalled (empty->non-empty and interrupt_mask == 0, spec §1.3).
 * Returns 0 (and *signal), -SATORI_EAGAIN (no room now; nothing written),
 * -SATORI_EMSGSIZE (can never fit), -SATORI_EPROTO (shared indices corrupt).
 */
int32_t ring_write(struct ring *rb, const struct ring_iov *iov, uint32_t iov_count, bool *signal);

/* Writer flow control (spec §1.4): store the bytes we wait for (0 clears). */
void ring_set_pending_send(struct ring *rb, uint32_t bytes);

/* Writer: true if a packet of ring_packet_bytes() == @bytes fits now. */
bool ring_can_write(struct ring *rb, uint32_t bytes);

/* Reader: interrupt_mask = 1, then a full barrier (start of a drain). */
void ring_read_mask(struct ring *rb);

/*
 * Reader: interrupt_mask = 0, full barrier, then re-check. Returns true if data arrived
 * meanwhile (the caller masks again and keeps draining).
 */
bool ring_read_unmask(struct ring *rb);

/*
 * Reader. Validates the next packet and copies it (descriptor .. len8 * 8, trailer
 * excluded) into @buf. Consumes it locally; ring_read_commit() publishes.
 * Returns 0 and *len; -SATORI_EAGAIN when empty; -SATORI_ENOBUFS when it needs more
 * than @cap (*len = needed, nothing consumed); -SATORI_EPROTO when the host wrote a bad
 * index or length (the ring must be abandoned).
 * Checks: indices < data_size and 8-aligned; available >= 16 once non-empty;
 * offset8 >= 2; len8 >= offset8; len8 * 8 + 8 <= available.
 */
int32_t ring_read(struct ring *rb, void *buf, uint32_t cap, uint32_t *len);

/*
 * Reader: publishes read_index after a batch and applies the pending_send_sz rule
 * (spec §1.4). Returns true if the writer must be signalled.
 */
bool ring_read_commit(struct ring *rb);

/* Bytes the reader could read / the writer could write right now (spec §1.2). */
uint32_t ring_bytes_to_read(const struct ring *rb);
uint32_t ring_bytes_to_write(const struct ring *rb);

/*
 * Index arithmetic on values already loaded into locals (spec §1.2), shared by ring.c,
 * ring_write.c and ring_read.c. They never touch the shared page.
 */
bool ring_index_valid(const struct ring *rb, uint32_t index); /* < data_size, 8-aligned */
uint32_t ring_used(const struct ring *rb, uint32_t read, uint32_t write); /* readable bytes */
uint32_t ring_advance(const struct ring *rb, uint32_t index, uint32_t bytes); /* mod size */

CORE_END_DECLS

#endif /* SATORI_CORE_RING_H */
