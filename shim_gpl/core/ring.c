/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring.c — set-up, sizes and index arithmetic of a VMBus ring (spec vmbus.md §1.1–1.2).
 * The writer is in ring_write.c, the reader in ring_read.c.
 */
#include "ring.h"

#include <string.h>
#include <satori/errno.h>
#include "barrier.h"
#include "vmbus_proto.h"

CORE_STATIC_ASSERT(sizeof(struct hv_ring_ctl) == RING_CTL_BYTES, "control page is 4 KiB");
CORE_STATIC_ASSERT(sizeof(struct vmpacket_desc) == RING_DESC_BYTES, "descriptor is 16 bytes");

#define RING_PAGE_BYTES 4096u
#define RING_LEN8_MAX   0xffffu /* vmpacket_desc.len8 is 16 bits */

int32_t ring_init(struct ring *rb, void *mem, uint32_t total_bytes)
{
	if (!rb || !mem || (uintptr_t)mem % 8u != 0)
		return -SATORI_EINVAL;
	if (total_bytes < 2u * RING_PAGE_BYTES || total_bytes % RING_PAGE_BYTES != 0)
		return -SATORI_EINVAL;

	/* Not shared yet (the host learns of the ring only at OPENCHANNEL): plain stores. */
	memset(mem, 0, RING_CTL_BYTES);
	memset(rb, 0, sizeof(*rb));
	rb->ctl = mem;
	rb->ctl->feature_bits = RING_FEAT_PENDING_SEND_SZ;
	rb->data = (uint8_t *)mem + RING_CTL_BYTES;
	rb->data_size = total_bytes - RING_CTL_BYTES;
	return 0;
}

uint32_t ring_packet_bytes(uint32_t len)
{
	uint64_t bytes = (((uint64_t)len + 7u) & ~(uint64_t)7u) + RING_TRAILER_BYTES;

	/* Saturate: UINT32_MAX is larger than any ring can hold, so it never fits. */
	return bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
}

uint32_t ring_max_packet(const struct ring *rb)
{
	/*
	 * A packet needs round_up(len, 8) + 8 < data_size (a ring is never filled to the
	 * last byte, spec §1.2), so round_up(len, 8) <= data_size - 16; and len8 is 16 bits.
	 */
	uint32_t by_ring = rb->data_size - RING_DESC_BYTES;
	uint32_t by_len8 = RING_LEN8_MAX * 8u;

	return by_ring < by_len8 ? by_ring : by_len8;
}

bool ring_index_valid(const struct ring *rb, uint32_t index)
{
	return index < rb->data_size && index % 8u == 0;
}

uint32_t ring_used(const struct ring *rb, uint32_t read, uint32_t write)
{
	return write >= read ? write - read : rb->data_size - read + write;
}

uint32_t ring_advance(const struct ring *rb, uint32_t index, uint32_t bytes)
{
	uint32_t room = rb->data_size - index;

	return bytes < room ? index + bytes : bytes - room;
}

/*
 * The two queries below are snapshots for callers and tests; they use relaxed loads and
 * decide nothing on their own. The writer and the reader load the indices themselves with
 * the ordering they need. A corrupt host index reads as "nothing" (0).
 */
uint32_t ring_bytes_to_read(const struct ring *rb)
{
	uint32_t write = barrier_load_relaxed_u32(&rb->ctl->write_index);

	if (!ring_index_valid(rb, write))
		return 0;
	/* The reader's position is its private one: consumed packets are not readable. */
	return ring_used(rb, rb->priv_read, write);
}

uint32_t ring_bytes_to_write(const struct ring *rb)
{
	uint32_t write = barrier_load_relaxed_u32(&rb->ctl->write_index);
	uint32_t read = barrier_load_relaxed_u32(&rb->ctl->read_index);

	if (!ring_index_valid(rb, write) || !ring_index_valid(rb, read))
		return 0;
	return rb->data_size - ring_used(rb, read, write);
}
