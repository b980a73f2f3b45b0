/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring_write.c — the guest as the writer of a ring (the channel's "out" ring).
 *
 * The protocol, and what we rely on from the host, which reads this ring
 * (spec vmbus.md §1.2–1.5):
 *
 *  1. The host reads only bytes in [read_index, write_index) and publishes a new
 *     read_index only after it has finished reading the packets below it. Once we have
 *     loaded that read_index with acquire, the space behind it is ours to overwrite.
 *  2. A packet of T = round_up(len, 8) + 8 bytes is written only if the free space is
 *     strictly greater than T: the ring is never filled to the last byte, so
 *     read_index == write_index always means "empty".
 *  3. A packet is its descriptor, the payload, zero padding to 8 bytes and an 8-byte
 *     trailer, (u64)start_offset << 32. write_index moves (release) only after all of it
 *     is in memory; the host loads write_index with acquire before reading.
 *  4. While draining, the host keeps interrupt_mask = 1. When idle it publishes its
 *     read_index, stores interrupt_mask = 0, issues a full barrier and re-checks
 *     write_index. We signal only when this packet turned the ring from empty to
 *     non-empty and interrupt_mask == 0: after the full barriers on both sides, either we
 *     see its 0 or it sees our new write_index, so no wakeup is lost and no signal is
 *     spent on a reader that is awake anyway (Hyper-V throttles needless signals).
 *  5. Flow control: blocked on a full ring, the caller stores the bytes it needs in
 *     pending_send_sz (ring_set_pending_send: store, full barrier), re-checks
 *     (ring_can_write) and waits. A host that honours feat_pending_send_sz signals us
 *     when its reading makes that much room; the caller clears the size afterwards.
 *  6. The control page is shared with a host we do not trust, even the words only we
 *     should write: every index is loaded once into a local, validated, and only the
 *     local is used. A bad one fails the write with -SATORI_EPROTO; nothing is written.
 */
#include "ring.h"

#include <string.h>
#include <satori/errno.h>
#include "barrier.h"
#include "vmbus_proto.h"

static uint64_t iov_bytes(const struct ring_iov *iov, uint32_t iov_count)
{
	uint64_t total = 0;
	uint32_t i;

	for (i = 0; i < iov_count; i++)
		total += iov[i].len;
	return total;
}

/* The caller's descriptor: the first 16 bytes of the packet, possibly spanning iovs. */
static void iov_peek_desc(const struct ring_iov *iov, uint32_t iov_count,
			  struct vmpacket_desc *desc)
{
	uint8_t *out = (uint8_t *)desc;
	uint32_t need = sizeof(*desc);
	uint32_t i, n;

	for (i = 0; i < iov_count && need; i++) {
		n = iov[i].len < need ? iov[i].len : need;
		if (n)
			memcpy(out, iov[i].base, n);
		out += n;
		need -= n;
	}
}

/* The framing the host will check: len8 covers exactly this packet, offset8 inside it. */
static bool desc_frames_packet(const struct vmpacket_desc *desc, uint32_t total)
{
	uint32_t len8 = desc->len8;
	uint32_t offset8 = desc->offset8;

	return len8 == (total + 7u) / 8u && offset8 >= 2 && offset8 <= len8;
}

/* Copy into the data area at @off, split in two at the end; returns the next offset. */
static uint32_t ring_put(struct ring *rb, uint32_t off, const void *src, uint32_t len)
{
	uint32_t room = rb->data_size - off;

	if (len == 0)
		return off;
	if (len < room) {
		memcpy(rb->data + off, src, len);
		return off + len;
	}
	memcpy(rb->data + off, src, room);
	memcpy(rb->data, (const uint8_t *)src + room, len - room);
	return len - room;
}

/* Little-endian u64 with the packet's start offset in the upper 32 bits (spec §1.2). */
static void trailer_encode(uint8_t out[RING_TRAILER_BYTES], uint32_t start)
{
	out[0] = out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)start;
	out[5] = (uint8_t)(start >> 8);
	out[6] = (uint8_t)(start >> 16);
	out[7] = (uint8_t)(start >> 24);
}

/* Spec §1.3 steps 3–4, after write_index moved from @old_write. */
static bool reader_needs_signal(struct ring *rb, uint32_t old_write)
{
	/*
	 * Order the write_index store before the interrupt_mask load (store->load; even x86
	 * reorders these). Pairs with the full barrier between the reader's interrupt_mask = 0
	 * store and its write_index re-check (ring_read_unmask(); in sim/src/ring/
	 * incoming_ring.cpp, IncomingRing::unmask_and_check_empty()). Without it we may read
	 * a stale mask of 1 while the reader misses our write_index: it sleeps with a packet
	 * in the ring, a lost wakeup.
	 */
	barrier_full();
	if (barrier_load_relaxed_u32(&rb->ctl->interrupt_mask))
		return false;
	/*
	 * Keep the read_index load after the mask load. The reader publishes read_index before
	 * its release store of interrupt_mask = 0 (ring_read_unmask()); this acquire fence pairs
	 * with it, so having seen mask 0 we see that read_index or a newer one. Without it a
	 * stale read_index makes an empty ring look non-empty and we skip the signal. (The full
	 * barriers already close the race with our own reader; this covers a host that
	 * publishes and unmasks without a full barrier in between, spec §1.3 step 4.)
	 */
	barrier_read();
	return barrier_load_relaxed_u32(&rb->ctl->read_index) == old_write;
}

int32_t ring_write(struct ring *rb, const struct ring_iov *iov, uint32_t iov_count, bool *signal)
{
	static const uint8_t zeros[8];
	uint8_t trailer[RING_TRAILER_BYTES];
	struct vmpacket_desc desc;
	uint64_t total = iov_bytes(iov, iov_count);
	uint32_t write, read, bytes, pos, i;
	bool sig;

	if (total < sizeof(desc))
		return -SATORI_EINVAL;
	if (total > ring_max_packet(rb))
		return -SATORI_EMSGSIZE;
	iov_peek_desc(iov, iov_count, &desc);
	if (!desc_frames_packet(&desc, (uint32_t)total))
		return -SATORI_EINVAL;
	bytes = ring_packet_bytes((uint32_t)total);

	/* Ours to write, but in shared memory: load once and validate like the host's. */
	write = barrier_load_relaxed_u32(&rb->ctl->write_index);
	/*
	 * Acquire: the host's reads of the packets below this read_index are complete before
	 * our stores reuse their space. Pairs with the release store of read_index after the
	 * reader's copy-out (ring_read_commit(); IncomingRing::publish_and_check_writer() in
	 * sim/). Without it we could overwrite a packet the host is still copying: torn data.
	 */
	read = barrier_load_acquire_u32(&rb->ctl->read_index);
	if (!ring_index_valid(rb, write) || !ring_index_valid(rb, read))
		return -SATORI_EPROTO;
	if (rb->data_size - ring_used(rb, read, write) <= bytes) {
		rb->stats.full++;
		return -SATORI_EAGAIN;
	}

	pos = write;
	for (i = 0; i < iov_count; i++)
		pos = ring_put(rb, pos, iov[i].base, iov[i].len);
	pos = ring_put(rb, pos, zeros, bytes - RING_TRAILER_BYTES - (uint32_t)total);
	trailer_encode(trailer, write);
	pos = ring_put(rb, pos, trailer, sizeof(trailer));

	/*
	 * Publish. Release: every packet, padding and trailer byte above is visible before
	 * the new write_index. Pairs with the reader's acquire load of write_index
	 * (ring_read(); IncomingRing::read() in sim/). Without it the host could read the
	 * packet before its bytes land: a half-written descriptor or payload.
	 */
	barrier_store_release_u32(&rb->ctl->write_index, pos);
	rb->stats.packets++;

	sig = reader_needs_signal(rb, write);
	if (sig)
		rb->stats.signals++;
	if (signal)
		*signal = sig;
	return 0;
}

void ring_set_pending_send(struct ring *rb, uint32_t bytes)
{
	/*
	 * Release: our last write_index is visible no later than this size. Pairs with the
	 * barrier_read() between the reader's pending_send_sz and write_index loads
	 * (ring_read_commit()). Without it the reader could pair our size with an older
	 * write_index, overstate the free space, decide we were not blocked and not signal.
	 */
	barrier_store_release_u32(&rb->ctl->pending_send_sz, bytes);
	/*
	 * Order the size store before the caller's re-check of read_index (ring_can_write()).
	 * Pairs with the full barrier between the reader's read_index store and its
	 * pending_send_sz load (ring_read_commit(); IncomingRing::publish_and_check_writer()
	 * in sim/). Either the reader sees our size, or our re-check sees its new read_index.
	 * Without it both can miss: we wait for a signal on a ring that already has room.
	 */
	barrier_full();
}

bool ring_can_write(struct ring *rb, uint32_t bytes)
{
	/* Relaxed: a decision only; ring_write() reloads read_index with acquire. */
	uint32_t write = barrier_load_relaxed_u32(&rb->ctl->write_index);
	uint32_t read = barrier_load_relaxed_u32(&rb->ctl->read_index);

	/* Corrupt: say yes, so the caller's ring_write() reports it instead of waiting. */
	if (!ring_index_valid(rb, write) || !ring_index_valid(rb, read))
		return true;
	return rb->data_size - ring_used(rb, read, write) > bytes;
}
