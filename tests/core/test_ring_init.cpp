// SPDX-License-Identifier: MIT
// tests/core/test_ring_init.cpp — ring set-up, packet sizes and byte counts.
#include "support/ring_fixture.hpp"

using namespace satori::test;

TEST_CASE("init accepts 4 KiB multiples from 8 KiB and sets up the control page", "[ring][init]")
{
    uint32_t total = GENERATE(8192u, 12288u, 65536u, 2u * 1024 * 1024);
    RingMemory mem(total); // filled with 0xA5
    ring rb;
    std::memset(&rb, 0x5A, sizeof(rb));

    REQUIRE(ring_init(&rb, mem.get(), total) == 0);

    CHECK(static_cast<void *>(rb.ctl) == mem.get());
    CHECK(rb.data == mem.get() + 4096);
    CHECK(rb.data_size == total - 4096);
    CHECK(rb.priv_read == 0);
    CHECK(rb.batch_bytes == 0);
    CHECK(rb.stats.packets == 0);
    CHECK(rb.stats.signals == 0);
    CHECK(rb.stats.full == 0);
    Bytes page = mem.snapshot();
    page.resize(4096);
    Bytes expected(4096, 0);
    expected[0x40] = RING_FEAT_PENDING_SEND_SZ;
    CHECK(page == expected);
}

TEST_CASE("init rejects sizes and memory it cannot use", "[ring][init]")
{
    RingMemory mem(3 * 4096);
    ring rb{};

    SECTION("sizes that are not 4 KiB multiples of at least 8 KiB")
    {
        uint32_t total = GENERATE(0u, 4096u, 8191u, 8200u, 12289u, 4096u * 3 + 8);
        CHECK(ring_init(&rb, mem.get(), total) == -SATORI_EINVAL);
    }
    SECTION("no memory or no ring")
    {
        CHECK(ring_init(&rb, nullptr, 8192) == -SATORI_EINVAL);
        CHECK(ring_init(nullptr, mem.get(), 8192) == -SATORI_EINVAL);
    }
    SECTION("memory not 8-byte aligned")
    {
        CHECK(ring_init(&rb, mem.get() + 4, 8192) == -SATORI_EINVAL);
    }
}

TEST_CASE("a packet occupies its length rounded up to 8 plus the trailer", "[ring][init]")
{
    struct Row {
        uint32_t len, bytes;
    };
    auto row = GENERATE(values<Row>({{0, 8},
                                     {1, 16},
                                     {8, 16},
                                     {16, 24},
                                     {17, 32},
                                     {24, 32},
                                     {4080, 4088},
                                     {0xfffffff0u, 0xfffffff8u},
                                     {0xfffffff1u, UINT32_MAX}, // saturates: never fits
                                     {UINT32_MAX, UINT32_MAX}}));
    CAPTURE(row.len);
    CHECK(ring_packet_bytes(row.len) == row.bytes);
}

TEST_CASE("the largest packet is the data area minus 16 and at most 0xffff * 8", "[ring][init]")
{
    struct Row {
        uint32_t total, max;
    };
    auto row = GENERATE(values<Row>({{8192, 4080},
                                     {12288, 8176},
                                     {16384 + 4096, 16368},
                                     {524288 + 4096, 524272}, // ring-bound
                                     {524288 + 8192, 524280}, // len8-bound
                                     {1024 * 1024, 524280},
                                     {2 * 1024 * 1024, 524280}}));
    RingMemory mem(row.total);
    ring rb{};
    REQUIRE(ring_init(&rb, mem.get(), row.total) == 0);
    CAPTURE(row.total);
    CHECK(ring_max_packet(&rb) == row.max);
    CHECK(ring_max_packet(&rb) % 8 == 0);
    // the largest packet leaves exactly 8 bytes: "never completely full"
    if (row.max == rb.data_size - 16) CHECK(ring_packet_bytes(row.max) == rb.data_size - 8);
}

TEST_CASE_METHOD(RingFixture, "byte counts follow the indices whether wrapped or not",
                 "[ring][init]")
{
    const uint32_t size = data_size();
    CHECK(ring_bytes_to_read(&rb) == 0);
    CHECK(ring_bytes_to_write(&rb) == size);

    struct Row {
        uint32_t read, write, used;
    };
    auto row = GENERATE_COPY(values<Row>({{0, 0, 0},
                                          {0, 64, 64},
                                          {64, 64, 0},
                                          {size - 8, 0, 8},
                                          {size - 64, 128, 192},
                                          {128, 64, size - 64},
                                          {8, 0, size - 8}}));
    CAPTURE(row.read, row.write);
    host.set_read_index(row.read);
    host.set_write_index(row.write);
    rb.priv_read = row.read;
    CHECK(ring_bytes_to_read(&rb) == row.used);
    CHECK(ring_bytes_to_write(&rb) == size - row.used);
}

TEST_CASE_METHOD(RingFixture, "the reader's byte count starts at its private position",
                 "[ring][init]")
{
    host.write(make_inband(40));
    host.write(make_inband(8));
    uint32_t total = host.write_index();
    CHECK(ring_bytes_to_read(&rb) == total);
    REQUIRE(read_packet().error() == 0);
    CHECK(ring_bytes_to_read(&rb) == total - 64); // consumed, not yet committed
    CHECK(host.read_index() == 0);
}
