// SPDX-License-Identifier: MIT
// tests/storvsc/test_sdk_blk.cpp — sdk/include/satori/sdk/blk.hpp: service lookup checks
// the table, BlkDisk removes exactly once, BlkRequest reads only what the shim's struct has,
// and nothing thrown by a handler crosses the ABI.
#include <satori/sdk/blk.hpp>

#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>

#include "support/sdk_fake_host.hpp"
#include "support/storvsc_fake_blk.hpp"

using satori::BlkDisk;
using satori::BlkDiskHandler;
using satori::BlkDiskParams;
using satori::BlkRequest;
using satori::BlkService;
using satori::Host;
using satori::Status;
using satori::test::FakeHost;
using satori::test::stv::FakeBlk;

namespace {

const satori_blk_service *g_table = nullptr;
const void *(*g_orig)(const satori_host *, const char *) = nullptr;

const void *get_service(const satori_host *h, const char *id)
{
    if (std::string_view(id) == SATORI_SERVICE_BLK) return g_table;
    return g_orig(h, id);
}

struct Recorder final : BlkDiskHandler {
    int calls = 0;
    uint64_t last_tag = 0;
    uint32_t last_op = 0;
    std::size_t last_segments = 0;
    bool throw_next = false;
    Status submit(satori_blk_disk *, const BlkRequest &req) override
    {
        ++calls;
        last_tag = req.tag();
        last_op = req.op();
        last_segments = req.segments().size();
        return Status::ok();
    }
};

struct Thrower final : BlkDiskHandler {
    Status submit(satori_blk_disk *, const BlkRequest &req) override
    {
        if (req.op() == SATORI_BLK_OP_WRITE) throw std::runtime_error("plugin bug");
        if (req.op() == SATORI_BLK_OP_FLUSH) throw 7;
        return req.op() == SATORI_BLK_OP_READ ? Status(-SATORI_EINVAL) : Status::ok();
    }
};

class ServiceFixture {
  public:
    ServiceFixture()
    {
        g_orig = fake.table()->get_service;
        fake.mutable_table().get_service = &get_service;
        g_table = blk.table();
    }
    ~ServiceFixture() { g_table = nullptr; }
    FakeHost fake;
    FakeBlk blk;
};

} // namespace

TEST_CASE_METHOD(ServiceFixture, "BlkService looks the table up and checks it", "[storvsc][sdk][blk]")
{
    const Host host(fake.table());
    BlkService svc(host);
    REQUIRE(svc.valid());
    CHECK(svc.c_service() == blk.table());

    SECTION("a table without every 1.0 function is not used")
    {
        satori_blk_service partial = *blk.table();
        partial.remove_disk = nullptr;
        g_table = &partial;
        CHECK_FALSE(BlkService(host).valid());
        partial = *blk.table();
        partial.struct_size = offsetof(satori_blk_service, remove_disk);
        CHECK_FALSE(BlkService(host).valid());
        g_table = nullptr;
        CHECK_FALSE(BlkService(host).valid());
        Recorder r;
        CHECK(BlkService().add_disk(fake.device(), {}, r).error().code() == -SATORI_EOPNOTSUPP);
    }
}

TEST_CASE_METHOD(ServiceFixture, "add_disk, submit through the trampoline, complete, remove once",
                 "[storvsc][sdk][blk]")
{
    BlkService svc{Host(fake.table())};
    Recorder handler;
    BlkDiskParams p;
    p.flags = SATORI_BLK_F_FLUSH;
    p.description = "test disk";
    p.capacity_blocks = 100;
    p.max_transfer_bytes = 65536;
    p.queue_depth = 4;
    auto disk = svc.add_disk(fake.device(), p, handler);
    REQUIRE(disk);
    REQUIRE(blk.disk_count() == 1);
    auto &fd = *blk.disk(0);
    CHECK(fd.description == "test disk");
    CHECK(fd.params.cookie == &handler);
    CHECK(fd.params.logical_block_size == 512);
    CHECK(fd.params.flags == SATORI_BLK_F_FLUSH);
    CHECK(blk.param_errors.empty());

    CHECK(blk.submit(fd, SATORI_BLK_OP_FLUSH, 0, 0, 42) == 0);
    CHECK(handler.calls == 1);
    CHECK(handler.last_tag == 42);
    CHECK(handler.last_op == SATORI_BLK_OP_FLUSH);
    CHECK(handler.last_segments == 0);
    disk->complete(42, Status(-SATORI_EIO));
    CHECK(blk.result(fd, 42) == -SATORI_EIO);
    svc.complete(disk->c_disk(), 43, Status::ok()); // unknown tag: the shim's business
    CHECK(fd.unknown_completions == 1);
    CHECK(disk->set_capacity(200));
    CHECK(blk.capacities(fd) == std::vector<uint64_t>{200});
    CHECK(disk->media_changed(false));

    BlkDisk moved = std::move(*disk);
    CHECK_FALSE(disk->valid());
    CHECK(moved.valid());
    disk->remove(); // empty: nothing happens
    CHECK_FALSE(blk.removed(fd));
    moved.remove();
    CHECK(blk.removed(fd));
    CHECK_FALSE(moved.valid());
    CHECK(moved.set_capacity(1).code() == -SATORI_EBADF);
    moved.remove(); // once only
}

TEST_CASE_METHOD(ServiceFixture, "the trampoline checks its input and reports handler errors",
                 "[storvsc][sdk][blk]")
{
    BlkService svc{Host(fake.table())};
    Thrower handler;
    BlkDiskParams p;
    p.capacity_blocks = 8;
    p.max_transfer_bytes = 4096;
    {
        auto disk = svc.add_disk(fake.device(), p, handler);
        REQUIRE(disk);
        auto &fd = *blk.disk(0);
        CHECK(blk.submit(fd, SATORI_BLK_OP_READ, 0, 1, 1) == -SATORI_EINVAL);
        CHECK(blk.submit(fd, SATORI_BLK_OP_WRITE, 0, 1, 2) == -SATORI_EIO); // thrown: contained
        CHECK(blk.submit(fd, SATORI_BLK_OP_FLUSH, 0, 0, 3) == -SATORI_EIO);
        CHECK(blk.outstanding(fd) == 0);
        CHECK(fd.params.ops->submit(nullptr, &fd.handle, nullptr) == -SATORI_EINVAL);

        // A request struct from a shim that knows only the first fields.
        satori_blk_request old{};
        old.struct_size = offsetof(satori_blk_request, lba);
        old.op = SATORI_BLK_OP_READ;
        old.tag = 9;
        old.lba = 1234; // beyond struct_size: must read as 0
        const BlkRequest view(old);
        CHECK(view.op() == SATORI_BLK_OP_READ);
        CHECK(view.tag() == 9);
        CHECK(view.lba() == 0);
        CHECK(view.block_count() == 0);
        CHECK(view.segments().empty());
        CHECK(view.data_bytes() == 0);
    }
    CHECK(blk.removed(*blk.disk(0))); // the destructor removed it

    SECTION("add_disk errors come back as they are")
    {
        blk.add_result = -SATORI_EEXIST;
        CHECK(svc.add_disk(fake.device(), p, handler).error().code() == -SATORI_EEXIST);
    }
}
