/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file blk.h
 * @brief The block service, `satori.blk/1`: a plugin registers disks; the shim exports them.
 *
 * A storage plugin (e.g. storvsc) registers each disk it finds with add_disk. The shim owns
 * the upper edge — it serves every disk as an NBD export, queues client requests, and
 * allocates the data buffers in DMA memory — and hands the plugin one request at a time
 * through satori_blk_disk_ops::submit. The plugin completes each request, from any thread,
 * with satori_blk_service::complete. The plugin never sees a socket.
 *
 * Data buffers are DMA memory: each segment carries the guest page frame numbers behind
 * it, so a plugin can describe them to its host directly (GPA-direct packets), without
 * copying.
 */
#ifndef SATORI_BLK_H
#define SATORI_BLK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_device;
struct satori_blk_disk;

/** Service id for satori_host::get_service. */
#define SATORI_SERVICE_BLK "satori.blk/1"

/** @name Disk flags (satori_blk_disk_params::flags)
 * @{ */
#define SATORI_BLK_F_READ_ONLY       0x01u /**< Writes, discards and write-zeroes fail with -SATORI_EPERM. */
#define SATORI_BLK_F_FLUSH           0x02u /**< The disk has a volatile cache: FLUSH is meaningful. */
#define SATORI_BLK_F_FUA             0x04u /**< WRITE and WRITE_ZEROES may carry SATORI_BLK_REQ_FUA. */
#define SATORI_BLK_F_DISCARD         0x08u /**< SATORI_BLK_OP_DISCARD is supported (SCSI UNMAP). */
#define SATORI_BLK_F_WRITE_ZEROES    0x10u /**< SATORI_BLK_OP_WRITE_ZEROES is supported. */
#define SATORI_BLK_F_DISCARD_ZEROES  0x20u /**< Discarded blocks read back as zeroes. */
#define SATORI_BLK_F_ROTATIONAL      0x40u /**< Seeks are expensive (a spinning disk). */
/** @} */

/** @name Request operations (satori_blk_request::op)
 * @{ */
#define SATORI_BLK_OP_READ         1u /**< Fill the segments from the disk. */
#define SATORI_BLK_OP_WRITE        2u /**< Write the segments to the disk. */
#define SATORI_BLK_OP_FLUSH        3u /**< Make every completed write durable. No data. */
#define SATORI_BLK_OP_DISCARD      4u /**< The blocks' contents are no longer needed. No data. */
#define SATORI_BLK_OP_WRITE_ZEROES 5u /**< Set the blocks to zero. No data. */
/** @} */

/** Request flag: the write must be durable before it completes (forced unit access). */
#define SATORI_BLK_REQ_FUA 0x1u

/**
 * One piece of a request's data buffer: a byte run over DMA memory. The segments of a
 * request have no holes: every segment but the first starts at a page boundary and every
 * segment but the last ends at one, so they can be described as a single GPA range.
 */
struct satori_blk_segment {
    void *va;              /**< Where the bytes are in the plugin's address space. */
    uint32_t byte_offset;  /**< Offset of @ref va into its first page, < 4096. */
    uint32_t len;          /**< Bytes in this segment, > 0. */
    uint32_t pfn_count;    /**< ceil((byte_offset + len) / 4096). */
    uint32_t reserved;     /**< 0. */
    const uint64_t *pfns;  /**< Guest page frame numbers behind the segment. */
};

/**
 * One request. Everything it points to stays valid until the plugin calls
 * satori_blk_service::complete for its tag.
 */
struct satori_blk_request {
    uint32_t struct_size;   /**< sizeof(*this) as the shim was built. */
    uint32_t op;            /**< SATORI_BLK_OP_*. */
    uint64_t tag;           /**< The shim's id of the request; pass it to complete(). */
    uint64_t lba;           /**< First logical block (in logical_block_size units). */
    /**
     * Logical blocks; 0 for FLUSH. READ and WRITE never exceed max_transfer_bytes; DISCARD
     * and WRITE_ZEROES may be larger (the plugin splits them if its device needs it).
     */
    uint32_t block_count;
    uint32_t flags;         /**< SATORI_BLK_REQ_* bits. */
    uint32_t segment_count; /**< Entries in @ref segments; 0 for operations without data. */
    uint32_t reserved;      /**< 0. */
    const struct satori_blk_segment *segments; /**< Data buffer, block_count blocks in all. */
};

/** What the plugin implements for each disk. */
struct satori_blk_disk_ops {
    uint32_t struct_size; /**< sizeof(*this) as the plugin was built. */
    uint32_t reserved;    /**< Must be 0. */
    /**
     * Start a request. The shim has checked it against the disk's parameters (range,
     * alignment, transfer size, flags). At most queue_depth requests are in flight.
     * @return 0: accepted, complete() follows (possibly before submit returns);
     *         negative SATORI_E*: failed at once, complete() must not be called.
     * Requests may arrive as soon as add_disk has registered the disk, before it returns.
     * @context [service] Serialized per disk; must not block.
     */
    int32_t (*submit)(void *cookie, struct satori_blk_disk *disk,
                      const struct satori_blk_request *req);
};

/** Parameters for satori_blk_service::add_disk. Zero-fill, then set struct_size. */
struct satori_blk_disk_params {
    uint32_t struct_size;          /**< sizeof(*this) as the plugin was built. */
    uint32_t flags;                /**< SATORI_BLK_F_* bits. */
    const char *name;              /**< Export name ([a-z0-9_-], <= 31 chars), or NULL: "sda", "sdb", ... */
    const char *description;       /**< One line for status output (model, LUN); may be NULL. */
    uint32_t logical_block_size;   /**< 512 or 4096. */
    uint32_t physical_block_size;  /**< >= logical, power of two; 0 = logical. */
    uint64_t capacity_blocks;      /**< Logical blocks. */
    uint32_t max_transfer_bytes;   /**< Largest request; multiple of logical_block_size, >= 4096. */
    uint32_t queue_depth;          /**< Most requests in flight at once, >= 1. */
    uint32_t discard_granularity;  /**< Bytes; 0 = logical_block_size. */
    uint32_t reserved;             /**< Must be 0. */
    void *cookie;                  /**< Handed back to submit. */
    const struct satori_blk_disk_ops *ops; /**< Must stay valid until remove_disk returns. */
};

/** The block service table. */
struct satori_blk_service {
    uint32_t struct_size; /**< sizeof(*this) as the shim was built. */
    uint32_t reserved;    /**< 0. */

    /**
     * Registers a disk of device @p dev and starts exporting it.
     * @return 0 and *out; -SATORI_EINVAL bad parameters; -SATORI_EEXIST name taken.
     * @context [probe], or a plugin thread that may block (e.g. one running rescans).
     */
    int32_t (*add_disk)(const struct satori_blk_service *svc, struct satori_device *dev,
                        const struct satori_blk_disk_params *params, struct satori_blk_disk **out);

    /**
     * Finishes request @p tag with @p status: 0 or a negative SATORI_E* (-SATORI_EIO
     * medium error, -SATORI_ENOSPC, -SATORI_EPERM write-protected, -SATORI_ENODEV gone,
     * -SATORI_ETIMEDOUT). Unknown or repeated tags are logged and ignored.
     * @context [any]
     */
    void (*complete)(struct satori_blk_disk *disk, uint64_t tag, int32_t status);

    /**
     * The disk's size changed (e.g. the host resized it). New requests are checked against
     * the new capacity; clients see it when they reconnect.
     * @context [any]
     */
    int32_t (*set_capacity)(struct satori_blk_disk *disk, uint64_t capacity_blocks);

    /**
     * The medium changed or became unavailable (@p present = 0): requests fail with
     * -SATORI_ENODEV until it is present again.
     * @context [any]
     */
    int32_t (*media_changed)(struct satori_blk_disk *disk, uint32_t present);

    /**
     * Stops the export: no new requests are submitted; waits until every request in flight
     * was completed (a plugin whose device is gone completes them with -SATORI_ENODEV).
     * The disk handle is invalid once this returns (complete() must not be called with it).
     * @context [probe], or a plugin thread that may block — never the context that
     * completes the disk's requests (that would wait for itself).
     */
    void (*remove_disk)(struct satori_blk_disk *disk);
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_BLK_H */
