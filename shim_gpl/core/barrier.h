/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * barrier.h — the only home of atomics and memory barriers in core/.
 *
 * Words shared with the other side of a ring (indices, interrupt_mask, pending_send_sz,
 * feature_bits) are touched only through these helpers; packet bytes are plain memcpy,
 * ordered by the release/acquire accesses of the indices. Never `volatile` for ordering.
 *
 * User space implements them with the GCC/Clang __atomic builtins. A kernel build maps
 * them later: load_relaxed -> READ_ONCE, store_relaxed -> WRITE_ONCE,
 * load_acquire -> smp_load_acquire, store_release -> smp_store_release,
 * barrier_full -> virt_mb, barrier_read -> virt_rmb, barrier_write -> virt_wmb.
 *
 * ThreadSanitizer does not model stand-alone fences (GCC warns with -Wtsan). That is
 * harmless here: every plain (non-atomic) access that crosses threads is ordered by an
 * acquire/release pair on an index, which TSan does see; the fences only order atomic
 * loads against atomic stores (the signalling decisions), which TSan does not check.
 */
#ifndef SATORI_CORE_BARRIER_H
#define SATORI_CORE_BARRIER_H

#include <stdint.h>

static inline uint32_t barrier_load_relaxed_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t barrier_load_acquire_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void barrier_store_relaxed_u32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void barrier_store_release_u32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#pragma GCC diagnostic push
#if defined(__SANITIZE_THREAD__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wtsan"
#endif

/* Full (sequentially consistent) fence: orders earlier stores before later loads. */
static inline void barrier_full(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Read barrier: earlier loads complete before later loads (and stores). */
static inline void barrier_read(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/* Write barrier: earlier loads and stores complete before later stores. */
static inline void barrier_write(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

#pragma GCC diagnostic pop

/* Atomic read-modify-write on shared bitmaps (interrupt page): sequentially consistent,
 * because the other side tests and clears the same words concurrently. */
static inline void barrier_or_u32(uint32_t *p, uint32_t bits)
{
	__atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
}

static inline uint32_t barrier_xchg_u32(uint32_t *p, uint32_t v)
{
	return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}

#endif /* SATORI_CORE_BARRIER_H */
