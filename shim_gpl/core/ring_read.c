/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring_read.c — the guest as the reader of a ring (the channel's "in" ring).
 *
 * The protocol, and what we rely on from the host, which writes this ring
 * (spec vmbus.md §1.2–1.5):
 *
 *  1. The host writes a whole packet (descriptor, payload, padding, trailer) before it
 *     publishes the new write_index (release). Bytes in [our position, write_index) are
 *     complete once we have loaded write_index with acquire.
 *  2. The host never writes into [read_index, write_index) and writes a packet only if
 *     the free space is strictly greater than it, so read_index == write_index means
 *     "empty". Our position is priv_read; we never read read_index back from the page.
 *  3. ring_read() consumes locally; ring_read_commit() publishes read_index (release)
 *     once per batch, after every byte of the batch has been copied out.
 *  4. The host signals us only when its packet turned the ring from empty to non-empty,
 *     judged by the *published* read_index, and interrupt_mask == 0. So a drain is:
 *     ring_read_mask(); ring_read() until -SATORI_EAGAIN; ring_read_commit();
 *     ring_read_unmask() — store 0, full barrier, re-check — and drain again if it
 *     returns true. Otherwise a packet arriving during the drain finds the ring masked or
 *     non-empty, raises no signal, and waits until something else wakes us.
 *  5. A host that set feat_pending_send_sz on this ring, when blocked, stores the bytes it
 *     waits for in pending_send_sz (store, full barrier, re-check) and waits for our
 *     signal. After a commit we signal only when the free space crosses from "not
 *     enough" to "enough" for that size (spec §1.4); interrupt_mask plays no part.
 *  6. Nothing the host writes is trusted: write_index, the descriptor and
 *     pending_send_sz are loaded once into locals and validated; the descriptor is copied
 *     out before it is parsed, and the caller gets that validated copy. A bad value
 *     returns -SATORI_EPROTO with nothing consumed; the caller abandons the ring.
 */
#include "ring.h"

#include <string.h>
#include <satori/errno.h>
#include "barrier.h"
#include "vmbus_proto.h"

/* Copy out of the data area at @off, split in two at the end. */
static void ring_get(const struct ring *rb, uint32_t off, void *dst, uint32_t len)
{
	uint32_t room = rb->data_size - off;

	if (len == 0)
		return;
	if (len <= room) {
		memcpy(dst, rb->data + off, len);
		return;
	}
	memcpy(dst, rb->data + off, room);
	memcpy((uint8_t *)dst + room, rb->data, len - room);
}

/* The read_index the host sees: our position minus what is not committed yet. */
static uint32_t published_read(const struct ring *rb)
{
	if (rb->priv_read >= rb->batch_bytes)
		return rb->priv_read - rb->batch_bytes;
	return rb->data_size - (rb->batch_bytes - rb->priv_read);
}

int32_t ring_read(struct ring *rb, void *buf, uint32_t cap, uint32_t *len)
{
	struct vmpacket_desc desc;
	uint32_t read = rb->priv_read;
	uint32_t write, avail, offset8, len8, bytes;

	/*
	 * Acquire: the packet bytes written before this write_index was published are
	 * visible to the copies below. Pairs with the writer's release store of write_index
	 * (ring_write(); in sim/src/ring/outgoing_ring.cpp, OutgoingRing::write()). Without
	 * it we could copy bytes older than the index promises: a half-written packet.
	 */
	write = barrier_load_acquire_u32(&rb->ctl->write_index);
	if (!ring_index_valid(rb, write))
		return -SATORI_EPROTO;
	avail = ring_used(rb, read, write);
	if (avail == 0)
		return -SATORI_EAGAIN;
	if (avail < RING_DESC_BYTES)
		return -SATORI_EPROTO;

	ring_get(rb, read, &desc, sizeof(desc));
	offset8 = desc.offset8;
	len8 = desc.len8;
	if (offset8 < 2 || len8 < offset8 || len8 * 8u + RING_TRAILER_BYTES > avail)
		return -SATORI_EPROTO;

	bytes = len8 * 8u;
	if (bytes > cap) {
		*len = bytes;
		return -SATORI_ENOBUFS;
	}
	/* The descriptor we validated, not a second fetch the host may have changed since. */
	memcpy(buf, &desc, sizeof(desc));
	ring_get(rb, ring_advance(rb, read, sizeof(desc)), (uint8_t *)buf + sizeof(desc),
		 bytes - (uint32_t)sizeof(desc));

	rb->priv_read = ring_advance(rb, read, bytes + RING_TRAILER_BYTES);
	rb->batch_bytes += bytes + RING_TRAILER_BYTES;
	rb->stats.packets++;
	*len = bytes;
	return 0;
}

void ring_read_mask(struct ring *rb)
{
	barrier_store_relaxed_u32(&rb->ctl->interrupt_mask, 1);
	/*
	 * Order the mask store before the drain's write_index loads. Pairs with the full
	 * barrier before the writer's interrupt_mask load (ring_write(); OutgoingRing::write()
	 * in sim/). Without it the writer may still see 0 and send a signal we do not need;
	 * that is the only cost, as ring_read_unmask() re-checks before we sleep.
	 */
	barrier_full();
}

bool ring_read_unmask(struct ring *rb)
{
	uint32_t write;

	/*
	 * Release: the read_index published by ring_read_commit() is visible no later than
	 * mask = 0. Pairs with the barrier_read() between the writer's interrupt_mask and
	 * read_index loads (ring_write.c: reader_needs_signal(); OutgoingRing::write() in
	 * sim/). Without it a writer could see mask 0 with an older read_index, take the ring
	 * for non-empty and not signal.
	 */
	barrier_store_release_u32(&rb->ctl->interrupt_mask, 0);
	/*
	 * Order the mask store before the write_index load (store->load). Pairs with the full
	 * barrier between the writer's write_index store and its interrupt_mask load
	 * (ring_write(); OutgoingRing::write() in sim/). Either the writer sees mask 0 and
	 * signals, or we see its new write_index here. Without it both can miss the other: we
	 * sleep with a packet in the ring, a lost wakeup.
	 */
	barrier_full();
	/* Relaxed: the caller's next ring_read() loads write_index with acquire. */
	write = barrier_load_relaxed_u32(&rb->ctl->write_index);
	/*
	 * Compare with what the writer compares with, the published read_index: while bytes
	 * are consumed but not committed the writer takes the ring for non-empty and will not
	 * signal, so the caller must go on (and commit). A corrupt index is "data": the next
	 * ring_read() reports it.
	 */
	return write != published_read(rb);
}

bool ring_read_commit(struct ring *rb)
{
	uint32_t read = rb->priv_read;
	uint32_t freed = rb->batch_bytes;
	uint32_t pending, write, now_free;

	if (freed == 0)
		return false;
	rb->batch_bytes = 0;
	/*
	 * Spec §1.4 step 1. Release: every packet byte ring_read() copied out is read before
	 * the writer may reuse the space. Pairs with the writer's acquire load of read_index
	 * (ring_write(); OutgoingRing::read_index() in sim/). Without it the writer could
	 * overwrite a packet we are still copying: torn data.
	 */
	barrier_store_release_u32(&rb->ctl->read_index, read);

	/* Step 2: a writer that did not set the feature polls; it never waits for us. */
	if (!(barrier_load_relaxed_u32(&rb->ctl->feature_bits) & RING_FEAT_PENDING_SEND_SZ))
		return false;
	/*
	 * Step 3: order the read_index store before the pending_send_sz load (store->load).
	 * Pairs with the full barrier after the writer stores pending_send_sz and before it
	 * re-checks read_index (ring_set_pending_send() + ring_can_write();
	 * OutgoingRing::announce_pending() in sim/). Either it sees our read_index or we see
	 * its size. Without it both can miss: the writer waits on a ring that has room and
	 * nobody signals it.
	 */
	barrier_full();
	pending = barrier_load_relaxed_u32(&rb->ctl->pending_send_sz);
	if (pending == 0)
		return false;
	/*
	 * Step 4: the write_index load stays after the pending_send_sz load. Pairs with the
	 * writer's release store of pending_send_sz, made after its last write_index
	 * (ring_set_pending_send()). Without it an older write_index overstates the free
	 * space: we decide the writer "had enough already" and skip the signal it waits for.
	 */
	barrier_read();
	write = barrier_load_relaxed_u32(&rb->ctl->write_index);
	if (!ring_index_valid(rb, write))
		return false; /* the next ring_read() reports it */
	now_free = rb->data_size - ring_used(rb, read, write);

	/* Step 5: only the "not enough" -> "enough" transition wakes the writer. */
	if (now_free <= pending)
		return false;
	if (now_free >= freed && now_free - freed > pending)
		return false; /* it had room before this batch: not waiting on us */
	rb->stats.signals++;
	return true;
}
