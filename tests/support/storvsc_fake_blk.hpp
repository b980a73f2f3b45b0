// SPDX-License-Identifier: MIT
// A fake `satori.blk/1` for the storvsc unit tests: records disks and completions, checks
// the ABI rules a plugin must keep (one completion per accepted tag, none for refused ones,
// nothing in flight when remove_disk is called, parameters within blk.h's limits), and lets
// a test submit requests as the shim's NBD side would.
#ifndef SATORI_TESTS_SUPPORT_STORVSC_FAKE_BLK_HPP
#define SATORI_TESTS_SUPPORT_STORVSC_FAKE_BLK_HPP

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <satori/satori.h>

namespace satori::test::stv {
struct FakeDisk;
}

struct satori_blk_disk {
    satori::test::stv::FakeDisk *fake;
};

namespace satori::test::stv {

struct FakeDisk {
    satori_blk_disk handle{};
    std::string name;
    std::string description;
    satori_blk_disk_params params{};
    bool removed = false;
    std::map<uint64_t, int32_t> results; ///< tag -> status
    std::set<uint64_t> outstanding;
    uint32_t duplicate_completions = 0;
    uint32_t unknown_completions = 0;
    uint32_t removed_with_outstanding = 0;
    std::vector<uint64_t> capacities;
};

class FakeBlk {
  public:
    FakeBlk()
    {
        svc_.struct_size = sizeof(svc_);
        svc_.add_disk = &FakeBlk::add_disk;
        svc_.complete = &FakeBlk::complete;
        svc_.set_capacity = &FakeBlk::set_capacity;
        svc_.media_changed = &FakeBlk::media_changed;
        svc_.remove_disk = &FakeBlk::remove_disk;
        self() = this;
    }
    FakeBlk(const FakeBlk &) = delete;
    FakeBlk &operator=(const FakeBlk &) = delete;
    ~FakeBlk() { self() = nullptr; }

    const satori_blk_service *table() const noexcept { return &svc_; }

    /// Rejects add_disk with this error when not 0.
    int32_t add_result = 0;
    /// Parameter problems found in add_disk (a plugin bug).
    std::vector<std::string> param_errors;

    std::size_t disk_count() const
    {
        std::lock_guard lock(mu_);
        return disks_.size();
    }
    /// Disks not removed, in registration order.
    std::vector<FakeDisk *> live() const
    {
        std::lock_guard lock(mu_);
        std::vector<FakeDisk *> out;
        for (const auto &d : disks_)
            if (!d->removed) out.push_back(d.get());
        return out;
    }
    FakeDisk *disk(std::size_t i) const
    {
        std::lock_guard lock(mu_);
        return i < disks_.size() ? disks_[i].get() : nullptr;
    }
    FakeDisk *by_description_prefix(const std::string &prefix) const
    {
        std::lock_guard lock(mu_);
        for (const auto &d : disks_)
            if (!d->removed && d->description.rfind(prefix, 0) == 0) return d.get();
        return nullptr;
    }

    /// Submits a request as the shim would. @return submit's result.
    int32_t submit(FakeDisk &disk, uint32_t op, uint64_t lba, uint32_t blocks, uint64_t tag,
                   std::vector<satori_blk_segment> segments = {}, uint32_t flags = 0)
    {
        satori_blk_request req{};
        req.struct_size = sizeof(req);
        req.op = op;
        req.tag = tag;
        req.lba = lba;
        req.block_count = blocks;
        req.flags = flags;
        req.segment_count = static_cast<uint32_t>(segments.size());
        req.segments = segments.empty() ? nullptr : segments.data();
        // Like the shim: no submit once remove_disk has begun (and none runs through it).
        std::lock_guard submitting(submit_mu_);
        {
            std::lock_guard lock(mu_);
            if (disk.removed) return -SATORI_ENODEV;
            disk.outstanding.insert(tag);
        }
        const int32_t r = disk.params.ops->submit(disk.params.cookie, &disk.handle, &req);
        if (r != 0) {
            std::lock_guard lock(mu_);
            if (disk.results.count(tag)) ++disk.duplicate_completions; // completed AND refused
            disk.outstanding.erase(tag);
        }
        return r;
    }

    std::optional<int32_t> result(const FakeDisk &disk, uint64_t tag) const
    {
        std::lock_guard lock(mu_);
        auto it = disk.results.find(tag);
        if (it == disk.results.end()) return std::nullopt;
        return it->second;
    }
    std::size_t outstanding(const FakeDisk &disk) const
    {
        std::lock_guard lock(mu_);
        return disk.outstanding.size();
    }
    std::vector<uint64_t> capacities(const FakeDisk &disk) const
    {
        std::lock_guard lock(mu_);
        return disk.capacities;
    }
    bool removed(const FakeDisk &disk) const
    {
        std::lock_guard lock(mu_);
        return disk.removed;
    }

  private:
    static FakeBlk *&self()
    {
        static FakeBlk *instance = nullptr;
        return instance;
    }

    static int32_t add_disk(const satori_blk_service *, satori_device *,
                            const satori_blk_disk_params *p, satori_blk_disk **out)
    {
        FakeBlk &b = *self();
        if (b.add_result) return b.add_result;
        auto bad = [&](const std::string &why) { b.param_errors.push_back(why); };
        if (p->struct_size < sizeof(satori_blk_disk_params)) bad("struct_size");
        if (p->logical_block_size != 512 && p->logical_block_size != 4096) bad("block size");
        if (p->physical_block_size && (p->physical_block_size < p->logical_block_size ||
                                       (p->physical_block_size & (p->physical_block_size - 1))))
            bad("physical block size");
        if (p->max_transfer_bytes < 4096 || p->max_transfer_bytes % p->logical_block_size)
            bad("max transfer");
        if (p->queue_depth < 1) bad("queue depth");
        if (p->reserved) bad("reserved");
        if (!p->ops || !p->ops->submit) bad("ops");
        auto d = std::make_unique<FakeDisk>();
        d->handle.fake = d.get();
        d->params = *p;
        if (p->description) d->description = p->description;
        d->params.description = nullptr;
        std::lock_guard lock(b.mu_);
        d->name = p->name ? p->name : "sd" + std::string(1, static_cast<char>('a' + b.named_++));
        *out = &d->handle;
        b.disks_.push_back(std::move(d));
        return 0;
    }
    static void complete(satori_blk_disk *disk, uint64_t tag, int32_t status)
    {
        FakeBlk &b = *self();
        std::lock_guard lock(b.mu_);
        FakeDisk &d = *disk->fake;
        if (d.results.count(tag)) {
            ++d.duplicate_completions;
            return;
        }
        if (!d.outstanding.count(tag)) ++d.unknown_completions;
        d.outstanding.erase(tag);
        d.results[tag] = status;
        b.cv_.notify_all();
    }
    static int32_t set_capacity(satori_blk_disk *disk, uint64_t blocks)
    {
        FakeBlk &b = *self();
        std::lock_guard lock(b.mu_);
        disk->fake->capacities.push_back(blocks);
        disk->fake->params.capacity_blocks = blocks;
        return 0;
    }
    static int32_t media_changed(satori_blk_disk *, uint32_t) { return 0; }
    static void remove_disk(satori_blk_disk *disk)
    {
        FakeBlk &b = *self();
        std::lock_guard submitting(b.submit_mu_);
        std::lock_guard lock(b.mu_);
        if (!disk->fake->outstanding.empty()) ++disk->fake->removed_with_outstanding;
        disk->fake->removed = true;
    }

    satori_blk_service svc_{};
    std::mutex submit_mu_; ///< held around submit calls and by remove_disk
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<FakeDisk>> disks_;
    int named_ = 0;
};

} // namespace satori::test::stv

#endif // SATORI_TESTS_SUPPORT_STORVSC_FAKE_BLK_HPP
