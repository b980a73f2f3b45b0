// SPDX-License-Identifier: MIT
// satori::BlkService, satori::BlkDisk, satori::BlkRequest: the block service `satori.blk/1`
// (abi/include/satori/blk.h) in C++.
//
//     class Lun final : public satori::BlkDiskHandler {
//         satori::Status submit(satori_blk_disk *disk, const satori::BlkRequest &req) noexcept override;
//     };
//     satori::BlkService blk(host());                       // [probe]: looked up once
//     auto disk = blk.add_disk(c_device(), params, lun);     // submit() may run before this returns
//     ...
//     blk.complete(disk_handle, req.tag(), satori::Status::ok());   // [any], once per accepted request
//     disk->remove();                                        // [probe]; the destructor does it too
//
// The handler's address is the disk's cookie: it must stay valid (and not move) until
// remove() returns. Exceptions thrown by submit() become -SATORI_EIO; nothing C++ crosses
// the ABI.
#ifndef SATORI_SDK_BLK_HPP
#define SATORI_SDK_BLK_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include <satori/blk.h>
#include <satori/errno.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

/**
 * A view of one `satori_blk_request`. Valid, like everything it points to, until the plugin
 * completes the request's tag. Fields the shim's struct does not have read as 0.
 */
class BlkRequest {
  public:
    /// A read-only view of @p req; fields the shim did not fill (struct_size) read as 0.
    explicit BlkRequest(const satori_blk_request &req) noexcept : req_(&req)
    {
        if (SATORI_SDK_HAS(satori_blk_request, req_, segments) && req.segments &&
            req.segment_count > 0)
            segments_ = {req.segments, req.segment_count};
    }

    /// SATORI_BLK_OP_*.
    uint32_t op() const noexcept
    {
        return SATORI_SDK_HAS(satori_blk_request, req_, op) ? req_->op : 0;
    }
    /// The shim's request id; pass it back through BlkDisk::complete.
    uint64_t tag() const noexcept
    {
        return SATORI_SDK_HAS(satori_blk_request, req_, tag) ? req_->tag : 0;
    }
    /// First logical block of the request.
    uint64_t lba() const noexcept
    {
        return SATORI_SDK_HAS(satori_blk_request, req_, lba) ? req_->lba : 0;
    }
    /// Number of logical blocks (0 for FLUSH).
    uint32_t block_count() const noexcept
    {
        return SATORI_SDK_HAS(satori_blk_request, req_, block_count) ? req_->block_count : 0;
    }
    /// SATORI_BLK_REQ_* bits.
    uint32_t flags() const noexcept
    {
        return SATORI_SDK_HAS(satori_blk_request, req_, flags) ? req_->flags : 0;
    }
    /// True when the write must reach stable media before completion (SATORI_BLK_REQ_FUA).
    bool fua() const noexcept { return (flags() & SATORI_BLK_REQ_FUA) != 0; }
    /// The data buffer (READ and WRITE); empty for operations without data.
    std::span<const satori_blk_segment> segments() const noexcept { return segments_; }
    /// Sum of the segments' lengths.
    uint64_t data_bytes() const noexcept
    {
        uint64_t total = 0;
        for (const satori_blk_segment &s : segments_)
            total += s.len;
        return total;
    }
    /// The C request, for fields this wrapper does not expose.
    const satori_blk_request &c_request() const noexcept { return *req_; }

  private:
    const satori_blk_request *req_;
    std::span<const satori_blk_segment> segments_;
};

/// What a plugin implements for each disk it registers.
class BlkDiskHandler {
  public:
    BlkDiskHandler() = default;
    BlkDiskHandler(const BlkDiskHandler &) = delete;
    BlkDiskHandler &operator=(const BlkDiskHandler &) = delete;
    virtual ~BlkDiskHandler() = default;

    /**
     * Starts @p request on @p disk. Status::ok(): accepted; BlkService::complete() for its
     * tag follows, possibly before this returns. An error: failed at once, no complete().
     * May throw: the SDK turns an exception into -SATORI_EIO (failed at once).
     * @context [service] Serialized per disk; must not block.
     */
    virtual Status submit(satori_blk_disk *disk, const BlkRequest &request) = 0;
};

/// Parameters of BlkService::add_disk (satori_blk_disk_params without the plumbing).
struct BlkDiskParams {
    uint32_t flags = 0;                  ///< SATORI_BLK_F_* bits
    const char *name = nullptr;          ///< export name, or nullptr: "sda", "sdb", ...
    const char *description = nullptr;   ///< one line for status output, or nullptr
    uint32_t logical_block_size = 512;   ///< 512 or 4096
    uint32_t physical_block_size = 0;    ///< 0 = logical
    uint64_t capacity_blocks = 0;        ///< disk size in logical blocks; must be > 0
    uint32_t max_transfer_bytes = 0;     ///< multiple of the logical block size, >= 4096
    uint32_t queue_depth = 1;            ///< requests in flight at once, >= 1
    uint32_t discard_granularity = 0;    ///< bytes; 0 = logical block size
};

namespace detail {
/// The submit trampoline: disk cookie -> BlkDiskHandler. Nothing thrown gets past it.
struct BlkDispatch {
    static int32_t submit(void *cookie, satori_blk_disk *disk,
                          const satori_blk_request *req) noexcept
    {
        auto *handler = static_cast<BlkDiskHandler *>(cookie);
        if (!handler || !req || req->struct_size < sizeof(uint32_t)) return -SATORI_EINVAL;
        try {
            return handler->submit(disk, BlkRequest(*req)).to_c();
        } catch (...) {
            return -SATORI_EIO;
        }
    }
};
inline constexpr satori_blk_disk_ops kBlkDiskOps = {sizeof(satori_blk_disk_ops), 0,
                                                    &BlkDispatch::submit};
} // namespace detail

class BlkDisk;

/// The `satori.blk/1` table, looked up once. A default-constructed one is not valid.
class BlkService {
  public:
    BlkService() noexcept = default;
    /// Looks up `satori.blk/1` on @p host; invalid if the shim has no block service.
    explicit BlkService(const Host &host) noexcept : svc_(lookup(host)) {}

    /// The service table when the shim provides one with every 1.0 function, else nullptr.
    static const satori_blk_service *lookup(const Host &host) noexcept
    {
        const auto *svc = host.service<satori_blk_service>(SATORI_SERVICE_BLK);
        if (!SATORI_SDK_HAS(satori_blk_service, svc, remove_disk) || !svc->add_disk ||
            !svc->complete || !svc->set_capacity || !svc->media_changed || !svc->remove_disk)
            return nullptr;
        return svc;
    }

    /// True when the shim provides the block service.
    bool valid() const noexcept { return svc_ != nullptr; }
    /// Same as valid().
    explicit operator bool() const noexcept { return valid(); }
    /// The C service table, or nullptr.
    const satori_blk_service *c_service() const noexcept { return svc_; }

    /**
     * Registers a disk of @p dev served by @p handler. The shim may call handler.submit
     * before this returns. @return the disk; -SATORI_EINVAL / -SATORI_EEXIST from the shim;
     * -SATORI_EOPNOTSUPP without a service.
     * @context [probe] (or a thread of the plugin's that rescans, see blk.h)
     */
    Result<BlkDisk> add_disk(satori_device *dev, const BlkDiskParams &params,
                             BlkDiskHandler &handler) const noexcept;

    /// Finishes request @p tag of @p disk with @p status. @context [any]
    void complete(satori_blk_disk *disk, uint64_t tag, Status status) const noexcept
    {
        if (svc_ && disk) svc_->complete(disk, tag, status.code());
    }

  private:
    const satori_blk_service *svc_ = nullptr;
};

/**
 * A registered disk, removed (satori_blk_service::remove_disk) exactly once by remove() or
 * the destructor. Move-only. remove() blocks until the shim has no request of the disk in
 * flight, so complete (or fail) them first. @context of remove: [probe]
 */
class BlkDisk {
  public:
    BlkDisk() noexcept = default;
    /// Takes over @p other's disk; @p other becomes invalid.
    BlkDisk(BlkDisk &&other) noexcept
        : svc_(std::exchange(other.svc_, nullptr)), disk_(std::exchange(other.disk_, nullptr))
    {
    }
    /// Removes the current disk, then takes over @p other's.
    BlkDisk &operator=(BlkDisk &&other) noexcept
    {
        if (this != &other) {
            remove();
            svc_ = std::exchange(other.svc_, nullptr);
            disk_ = std::exchange(other.disk_, nullptr);
        }
        return *this;
    }
    BlkDisk(const BlkDisk &) = delete;
    BlkDisk &operator=(const BlkDisk &) = delete;
    ~BlkDisk() { remove(); }

    /// True while a disk is exported.
    bool valid() const noexcept { return disk_ != nullptr; }
    /// Same as valid().
    explicit operator bool() const noexcept { return valid(); }
    /// The C disk handle, or nullptr.
    satori_blk_disk *c_disk() const noexcept { return disk_; }

    /// Finishes request @p tag. @context [any]
    void complete(uint64_t tag, Status status) const noexcept
    {
        if (disk_) svc_->complete(disk_, tag, status.code());
    }
    /// The disk's size changed. @context [any]
    Status set_capacity(uint64_t capacity_blocks) const noexcept
    {
        if (!disk_) return Status(-SATORI_EBADF);
        return Status(svc_->set_capacity(disk_, capacity_blocks));
    }
    /// The medium became unavailable (false) or is back (true). @context [any]
    Status media_changed(bool present) const noexcept
    {
        if (!disk_) return Status(-SATORI_EBADF);
        return Status(svc_->media_changed(disk_, present ? 1u : 0u));
    }
    /// Stops the export and waits for the shim's in-flight requests. @context [probe]
    void remove() noexcept
    {
        if (disk_) svc_->remove_disk(std::exchange(disk_, nullptr));
        svc_ = nullptr;
    }

  private:
    friend class BlkService;
    BlkDisk(const satori_blk_service *svc, satori_blk_disk *disk) noexcept
        : svc_(svc), disk_(disk)
    {
    }

    const satori_blk_service *svc_ = nullptr;
    satori_blk_disk *disk_ = nullptr;
};

inline Result<BlkDisk> BlkService::add_disk(satori_device *dev, const BlkDiskParams &params,
                                            BlkDiskHandler &handler) const noexcept
{
    if (!svc_) return Status(-SATORI_EOPNOTSUPP);
    satori_blk_disk_params p{};
    p.struct_size = sizeof(p);
    p.flags = params.flags;
    p.name = params.name;
    p.description = params.description;
    p.logical_block_size = params.logical_block_size;
    p.physical_block_size = params.physical_block_size;
    p.capacity_blocks = params.capacity_blocks;
    p.max_transfer_bytes = params.max_transfer_bytes;
    p.queue_depth = params.queue_depth;
    p.discard_granularity = params.discard_granularity;
    p.cookie = &handler;
    p.ops = &detail::kBlkDiskOps;
    satori_blk_disk *disk = nullptr;
    if (Status st(svc_->add_disk(svc_, dev, &p, &disk)); !st) return st;
    if (!disk) return Status(-SATORI_EPROTO); // success without a handle: the shim broke its contract
    return BlkDisk(svc_, disk);
}

} // namespace satori

#endif // SATORI_SDK_BLK_HPP
