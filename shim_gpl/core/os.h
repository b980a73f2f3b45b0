/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * os.h — everything core/ needs from the platform, as one ops table.
 *
 * core/ is built both into libsatori_shim.so and (later) into a Linux kernel module,
 * so it includes only freestanding headers plus <string.h> for memcpy/memset. Memory,
 * locks, waiting, time, logging and guest pages come from here: user space fills the
 * table in shim_gpl/runtime/os_user.c, the kernel build in kmod/.
 */
#ifndef SATORI_CORE_OS_H
#define SATORI_CORE_OS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "compiler.h"

CORE_BEGIN_DECLS

struct os_lock;       /* a mutex; may be held across short blocking calls */
struct os_completion; /* a resettable one-shot event a thread can wait on */

struct os_ops {
	void *ctx; /* first argument of the calls that take one */

	void *(*zalloc)(void *ctx, size_t bytes); /* zeroed; NULL on failure */
	void (*free)(void *ctx, void *p);         /* NULL allowed */

	struct os_lock *(*lock_create)(void *ctx);
	void (*lock_destroy)(void *ctx, struct os_lock *l);
	void (*lock)(struct os_lock *l);
	void (*unlock)(struct os_lock *l);

	struct os_completion *(*completion_create)(void *ctx);
	void (*completion_destroy)(void *ctx, struct os_completion *c);
	void (*completion_reset)(struct os_completion *c);
	void (*complete)(struct os_completion *c);
	/* 0 when completed, -SATORI_ETIMEDOUT after timeout_ns (0 = wait forever) */
	int32_t (*completion_wait)(struct os_completion *c, uint64_t timeout_ns);

	uint64_t (*now_ns)(void *ctx);
	void (*vlog)(void *ctx, uint32_t level, const char *fmt, va_list ap);

	/*
	 * Guest memory the host can see: @pages 4 KiB pages, zeroed, mapped at *va, their
	 * frame numbers written to pfns[0..pages). Contiguous if flags & SATORI_DMA_CONTIGUOUS.
	 * Returns 0 and an opaque *handle for gmem_free, or -SATORI_ENOMEM.
	 */
	int32_t (*gmem_alloc)(void *ctx, uint32_t pages, uint32_t flags, void **va, uint64_t *pfns,
			      void **handle);
	void (*gmem_free)(void *ctx, void *handle);
};

/* printf-style logging through ops->vlog; level is SATORI_LOG_* */
void os_log(const struct os_ops *os, uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

CORE_END_DECLS

#endif /* SATORI_CORE_OS_H */
