// SPDX-License-Identifier: MIT
// tests/shim/test_gpadl.cpp — GPADLs of every message-count class against the simulator:
// 1 page (header only), 26 (a full header), 27 (header + one body), thousands (many
// bodies), and the protocol's limit (range_buflen is 16 bits: 8190 pages).
#include <vector>

#include "support/shim_fixture.hpp"
#include "support/shim_internals.hpp"

#include <catch2/catch.hpp>

using satori::test::ShimFixture;

namespace {

const satori_guid kHb = SATORI_GUID_HEARTBEAT;

struct GpadlFixture {
    GpadlFixture()
    {
        auto cfg = ShimFixture::quiet_host();
        satori::sim::HeartbeatConfig hb;
        hb.interval = std::chrono::hours(1);
        cfg.heartbeat = hb;
        f = std::make_unique<ShimFixture>(std::move(cfg));
        REQUIRE(f->start() == 0);
        offer = satori::test::find_offer(f->shim, kHb.b);
        REQUIRE(offer);
    }

    int32_t create(uint32_t pages, uint32_t &handle)
    {
        void *va = nullptr, *mem = nullptr;
        std::vector<uint64_t> pfns(pages);
        REQUIRE(gmem_alloc(f->shim->gmem, pages, &va, pfns.data(), &mem) == 0);
        mems.push_back(mem);
        return vmbus_gpadl_create(f->shim->conn, offer, pfns.data(), pages, &handle);
    }

    ~GpadlFixture()
    {
        for (void *m : mems)
            gmem_free(f->shim->gmem, m);
    }

    std::unique_ptr<ShimFixture> f;
    vmbus_offer *offer = nullptr;
    std::vector<void *> mems;
};

} // namespace

TEST_CASE_METHOD(GpadlFixture, "GPADLs of 1, 26, 27, 1000 and 8190 pages are created and torn down",
                 "[shim][gpadl]")
{
    auto pages = GENERATE(1u, 26u, 27u, 28u + 26u, 1000u, 8190u);
    auto before = f->host->counters();
    uint32_t handle = 0;
    REQUIRE(create(pages, handle) == 0);
    CHECK(handle != 0);
    CHECK(f->host->counters().gpadls_created == before.gpadls_created + 1);
    REQUIRE(vmbus_gpadl_teardown(f->shim->conn, offer, handle) == 0);
    CHECK(f->host->counters().gpadls_torn_down == before.gpadls_torn_down + 1);
}

TEST_CASE_METHOD(GpadlFixture, "a GPADL beyond the 16-bit range_buflen (10 000 pages) is refused locally",
                 "[shim][gpadl]")
{
    auto pages = GENERATE(8191u, 10000u);
    auto before = f->host->counters();
    uint32_t handle = 0;
    CHECK(create(pages, handle) == -SATORI_E2BIG);
    CHECK(f->log_contains("larger than the protocol allows (8190 pages)"));
    CHECK(f->host->counters().messages_received == before.messages_received);
}

TEST_CASE_METHOD(GpadlFixture, "handles are unique and never 0", "[shim][gpadl]")
{
    uint32_t a = 0, b = 0;
    REQUIRE(create(4, a) == 0);
    REQUIRE(create(4, b) == 0);
    CHECK(a != b);
    CHECK(vmbus_gpadl_teardown(f->shim->conn, offer, a) == 0);
    CHECK(vmbus_gpadl_teardown(f->shim->conn, offer, b) == 0);
}

TEST_CASE_METHOD(GpadlFixture, "the host refusing a GPADL is reported as -EIO", "[shim][gpadl]")
{
    // a PFN beyond guest memory: the simulator validates and answers with a failure status
    std::vector<uint64_t> pfns{1ull << 40};
    uint32_t handle = 0;
    CHECK(vmbus_gpadl_create(f->shim->conn, offer, pfns.data(), 1, &handle) == -SATORI_EIO);
    CHECK(f->log_contains("host refused GPADL"));
}
