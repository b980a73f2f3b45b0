/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file dma.h
 * @brief DMA-able memory: guest memory the host can reach through GPADLs and GPA lists.
 *
 * A plugin never hands its own heap to the host. It asks the shim for DMA memory
 * (satori_bus_ops::dma_alloc), gets a virtual address plus the list of guest page
 * frame numbers behind it, and gives it back with satori_bus_ops::dma_free.
 */
#ifndef SATORI_DMA_H
#define SATORI_DMA_H

#include <stdint.h>

/** Size of a Hyper-V page; PFNs are always in these units. */
#define SATORI_PAGE_SIZE 4096u
/** log2(SATORI_PAGE_SIZE). */
#define SATORI_PAGE_SHIFT 12u

/** dma_alloc flag: pages must be physically contiguous (pfns[i+1] == pfns[i] + 1). */
#define SATORI_DMA_CONTIGUOUS 0x1u

/**
 * A block of DMA memory. Filled by satori_bus_ops::dma_alloc; the plugin owns the struct,
 * the shim owns the memory and the PFN array. Zero-fill and set struct_size before the call.
 */
struct satori_dma_buffer {
    uint32_t struct_size;  /**< sizeof(*this) as the caller was built. */
    uint32_t page_count;   /**< Number of 4 KiB pages; bytes / SATORI_PAGE_SIZE. */
    uint64_t bytes;        /**< Usable bytes: the request rounded up to 4 KiB. */
    void *va;              /**< Page-aligned address in the plugin's address space. Zeroed. */
    const uint64_t *pfns;  /**< page_count guest page frame numbers (GPA >> 12). Read only. */
    uint64_t handle;       /**< Shim's handle; opaque, do not change. */
};

#endif /* SATORI_DMA_H */
