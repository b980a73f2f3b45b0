// SPDX-License-Identifier: MIT
// tests/sdk/test_dma.cpp — DmaBuffer GPA ranges and release; Gpadl RAII.
#include <satori/sdk/plugin.hpp>

#include <cstdint>
#include <utility>

#include <catch2/catch.hpp>

#include "support/sdk_fake_host.hpp"

using satori::DmaBuffer;
using satori::Gpadl;
using satori::Host;
using satori::test::FakeHost;

namespace {

struct DmaFixture {
    FakeHost fake;
    Host host{fake.table()};

    DmaBuffer alloc(uint64_t bytes, uint32_t flags = 0)
    {
        auto buf = DmaBuffer::allocate(host, fake.device(), bytes, flags);
        REQUIRE(buf);
        return std::move(*buf);
    }
};

} // namespace

TEST_CASE_METHOD(DmaFixture, "allocate rounds up to pages and exposes memory and PFNs",
                 "[sdk][dma]")
{
    DmaBuffer buf = alloc(5000);
    CHECK(buf.valid());
    CHECK(buf.size() == 8192);
    CHECK(buf.page_count() == 2);
    CHECK(buf.span().size() == 8192);
    CHECK(reinterpret_cast<uintptr_t>(buf.data()) % SATORI_PAGE_SIZE == 0);
    REQUIRE(buf.pfns().size() == 2);
    CHECK(buf.pfns()[0] == 0x8000);
    CHECK(buf.pfns()[1] == 0x8003);
    CHECK(buf.span()[8191] == std::byte{0});
}

TEST_CASE_METHOD(DmaFixture, "gpa_range covers every page a byte range touches", "[sdk][dma]")
{
    DmaBuffer buf = alloc(4 * SATORI_PAGE_SIZE);
    const uint64_t *pfns = buf.pfns().data();

    struct Case {
        uint64_t offset, length;
        uint32_t byte_offset, pfn_count;
        std::size_t first_page;
    };
    const Case c = GENERATE(Case{0, 4096, 0, 1, 0},         // exactly one page
                            Case{0, 1, 0, 1, 0},            // one byte
                            Case{4095, 2, 4095, 2, 0},      // straddles a boundary
                            Case{4096, 4096, 0, 1, 1},      // second page exactly
                            Case{100, 8192, 100, 3, 0},     // two pages long, three touched
                            Case{12288, 4096, 0, 1, 3},     // last page
                            Case{1, 16383, 1, 4, 0},        // all but the first byte
                            Case{6000, 10384, 1904, 3, 1}); // to the very end
    auto range = buf.gpa_range(c.offset, c.length);
    REQUIRE(range);
    CHECK(range->byte_count == c.length);
    CHECK(range->byte_offset == c.byte_offset);
    CHECK(range->pfn_count == c.pfn_count);
    CHECK(range->pfns == pfns + c.first_page);
    CHECK(range->reserved == 0);
    // The ABI's rule: pfn_count == ceil((byte_offset + byte_count) / 4096).
    CHECK(range->pfn_count == (range->byte_offset + range->byte_count + 4095) / 4096);
}

TEST_CASE_METHOD(DmaFixture, "gpa_range refuses ranges outside the buffer", "[sdk][dma]")
{
    DmaBuffer buf = alloc(2 * SATORI_PAGE_SIZE);
    CHECK(buf.gpa_range(0, 0).error().code() == -SATORI_EINVAL);
    CHECK(buf.gpa_range(8192, 1).error().code() == -SATORI_EINVAL);
    CHECK(buf.gpa_range(4096, 4097).error().code() == -SATORI_EINVAL);
    CHECK(buf.gpa_range(uint64_t(-1), 2).error().code() == -SATORI_EINVAL);
    CHECK(buf.gpa_range(1, uint64_t(-1)).error().code() == -SATORI_EINVAL);
    CHECK(DmaBuffer().gpa_range(0, 1).error().code() == -SATORI_EINVAL);
}

TEST_CASE_METHOD(DmaFixture, "page_ranges splits a byte range at every page boundary", "[sdk][dma]")
{
    DmaBuffer buf = alloc(3 * SATORI_PAGE_SIZE);
    auto ranges = buf.page_ranges(4000, 5000); // 96 + 4096 + 808
    REQUIRE(ranges);
    REQUIRE(ranges->size() == 3);
    CHECK((*ranges)[0].byte_offset == 4000);
    CHECK((*ranges)[0].byte_count == 96);
    CHECK((*ranges)[0].pfns == buf.pfns().data());
    CHECK((*ranges)[1].byte_offset == 0);
    CHECK((*ranges)[1].byte_count == 4096);
    CHECK((*ranges)[1].pfns == buf.pfns().data() + 1);
    CHECK((*ranges)[2].byte_offset == 0);
    CHECK((*ranges)[2].byte_count == 808);
    CHECK((*ranges)[2].pfns == buf.pfns().data() + 2);
    for (const satori_gpa_range &r : *ranges)
        CHECK(r.pfn_count == 1);

    auto inside = buf.page_ranges(10, 20);
    REQUIRE(inside);
    REQUIRE(inside->size() == 1);
    CHECK((*inside)[0].byte_offset == 10);
    CHECK(buf.page_ranges(0, 3 * SATORI_PAGE_SIZE + 1).error().code() == -SATORI_EINVAL);
}

TEST_CASE_METHOD(DmaFixture, "DmaBuffer frees exactly once and moves transfer ownership",
                 "[sdk][dma][raii]")
{
    {
        DmaBuffer a = alloc(4096, SATORI_DMA_CONTIGUOUS);
        CHECK(a.pfns()[0] == 0x1000);
        DmaBuffer b = std::move(a);
        CHECK_FALSE(a.valid());
        CHECK(b.valid());
        DmaBuffer c;
        c = std::move(b);
        CHECK(fake.dma_frees == 0);
        c = alloc(4096); // the old buffer is given back first
        CHECK(fake.dma_frees == 1);
        c.release();
        CHECK(fake.dma_frees == 2);
        c.release();
    }
    CHECK(fake.dma_allocs == 2);
    CHECK(fake.dma_frees == 2);
    CHECK(fake.bad_dma_frees == 0);
    CHECK(fake.live_dma() == 0);
}

TEST_CASE_METHOD(DmaFixture, "allocation errors are reported", "[sdk][dma]")
{
    CHECK(DmaBuffer::allocate(host, fake.device(), 0).error().code() == -SATORI_EINVAL);
    fake.mutable_bus().dma_free = nullptr;
    CHECK(DmaBuffer::allocate(Host(fake.table()), fake.device(), 4096).error().code() ==
          -SATORI_EOPNOTSUPP);
    CHECK(DmaBuffer::allocate(Host(), nullptr, 4096).error().code() == -SATORI_EOPNOTSUPP);
}

namespace {

class GpadlDevice : public satori::Device {
  public:
    using satori::Device::Device;
};

struct GpadlFixture {
    FakeHost fake;
    Host host{fake.table()};
    satori::DeviceContext ctx{&host, fake.device(), {}};
    GpadlDevice device{ctx};
};

} // namespace

TEST_CASE_METHOD(GpadlFixture, "Gpadl tears down exactly once and moves transfer ownership",
                 "[sdk][dma][gpadl][raii]")
{
    auto ch = device.open_channel();
    REQUIRE(ch);
    auto buf = device.alloc_dma(4 * SATORI_PAGE_SIZE);
    REQUIRE(buf);
    {
        auto whole = Gpadl::create(*ch, *buf);
        REQUIRE(whole);
        CHECK(whole->valid());
        CHECK(whole->handle() != SATORI_GPADL_INVALID);
        CHECK(fake.gpadl_sizes.back() == 4 * SATORI_PAGE_SIZE);

        auto part = Gpadl::create(*ch, *buf, SATORI_PAGE_SIZE, 2 * SATORI_PAGE_SIZE);
        REQUIRE(part);
        CHECK(fake.gpadl_sizes.back() == 2 * SATORI_PAGE_SIZE);

        Gpadl moved = std::move(*whole);
        CHECK_FALSE(whole->valid());
        Gpadl other;
        other = std::move(moved);
        CHECK(fake.gpadl_teardowns == 0);
        CHECK(part->teardown());
        CHECK(part->teardown()); // empty: nothing to do
        CHECK(fake.gpadl_teardowns == 1);
    }
    CHECK(fake.gpadl_creates == 2);
    CHECK(fake.gpadl_teardowns == 2);
    CHECK(fake.bad_gpadl_teardowns == 0);
    CHECK(fake.live_gpadls() == 0);
}

TEST_CASE_METHOD(GpadlFixture, "Gpadl errors: bad range, closed channel", "[sdk][dma][gpadl]")
{
    auto ch = device.open_channel();
    REQUIRE(ch);
    auto buf = device.alloc_dma(2 * SATORI_PAGE_SIZE);
    REQUIRE(buf);
    CHECK(Gpadl::create(*ch, *buf, 100, 4096).error().code() == -SATORI_EINVAL);
    CHECK(Gpadl::create(*ch, DmaBuffer()).error().code() == -SATORI_EINVAL);
    CHECK(Gpadl::create(satori::Channel(), *buf).error().code() == -SATORI_EBADF);

    auto gpadl = Gpadl::create(*ch, *buf);
    REQUIRE(gpadl);
    ch->close(); // the shim tears leftovers down with the channel
    CHECK(gpadl->teardown().code() == -SATORI_ENODEV);
    CHECK(fake.gpadl_teardowns == 0);
    CHECK(fake.bad_gpadl_teardowns == 0);
}
