/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file version.h
 * @brief ABI version numbers and the negotiation rule.
 *
 * An ABI version is a `uint32_t` holding major (high 16 bits) and minor (low 16 bits).
 * A plugin and the shim work together when their majors are equal; both then use
 * `min(plugin minor, shim minor)` (Vulkan loader-driver style). A different major is
 * refused by the loader with a message naming both versions.
 *
 * History:
 * - 1.0: plugin lifecycle, bus (devices, channels, GPADL, DMA memory), host services
 *        by name (`satori.timer/1`, `satori.test/1`, `satori.blk/1`, `satori.net/1`,
 *        `satori.hid/1`), embedding API, hvlink.
 */
#ifndef SATORI_VERSION_H
#define SATORI_VERSION_H

#include <stddef.h>
#include <stdint.h>

/** Packs a major and minor number into one ABI version word. */
#define SATORI_ABI_VERSION(major, minor) ((((uint32_t)(major)) << 16) | ((uint32_t)(minor) & 0xffffu))
/** The major number of an ABI version word. */
#define SATORI_ABI_MAJOR(v) (((uint32_t)(v)) >> 16)
/** The minor number of an ABI version word. */
#define SATORI_ABI_MINOR(v) (((uint32_t)(v)) & 0xffffu)

/** Major version of the headers being compiled against. */
#define SATORI_ABI_VERSION_MAJOR 1
/** Minor version of the headers being compiled against. */
#define SATORI_ABI_VERSION_MINOR 0
/** The ABI version of these headers. */
#define SATORI_ABI_VERSION_CURRENT SATORI_ABI_VERSION(SATORI_ABI_VERSION_MAJOR, SATORI_ABI_VERSION_MINOR)

/**
 * Tests whether a table written by the other side is large enough to hold @p field.
 * Never read a field of a growable struct without this check (or a version check).
 */
#define SATORI_HAS(type, tbl, field)                                                                \
    ((tbl) != NULL && (tbl)->struct_size >= (uint32_t)(offsetof(type, field) + sizeof(((type *)NULL)->field)))

#endif /* SATORI_VERSION_H */
