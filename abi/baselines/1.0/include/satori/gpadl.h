/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file gpadl.h
 * @brief GPADL handles: guest memory described to the host once, named by a 32-bit handle.
 *
 * Device protocols refer to big shared buffers (network receive and send buffers) by
 * GPADL handle. Create with satori_bus_ops::gpadl_create over DMA memory; tear down with
 * satori_bus_ops::gpadl_teardown before freeing that memory.
 */
#ifndef SATORI_GPADL_H
#define SATORI_GPADL_H

#include <stdint.h>

/** A GPADL handle as it appears in device protocol messages. 0 is never valid. */
typedef uint32_t satori_gpadl_t;

/** The invalid GPADL handle. */
#define SATORI_GPADL_INVALID ((satori_gpadl_t)0)

#endif /* SATORI_GPADL_H */
