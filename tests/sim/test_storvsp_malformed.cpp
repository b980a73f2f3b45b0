// SPDX-License-Identifier: MIT
// tests/sim/test_storvsp_malformed.cpp — a hostile or buggy guest: malformed vstor packets
// and SRBs are answered with an error status, guest memory outside the request's buffer is
// never touched, and the host keeps serving (storvsc.md §6.3, §8.1).
#include "support/sim_storvsp_fixture.hpp"

using namespace satori::sim;
using namespace satori::sim::testing;
using namespace satori::sim::testing::vstor;

namespace {

class MalformedFixture : public StorFixture {
  public:
    void still_serving()
    {
        Srb tur;
        tur.cdb = {0, 0, 0, 0, 0, 0};
        Reply r = client->execute(tur);
        CHECK(r.status() == kSuccess);
        CHECK(r.srb_status() == kSrbSuccess);
    }
    void rejected(const Reply &r, size_t size = 0x40)
    {
        CHECK(r.status() == kInvalidParameter);
        CHECK(r.srb_status() == kSrbInvalidRequest);
        CHECK(r.scsi_status() == 0);
        CHECK(r.transferred() == 0);
        CHECK(r.payload.size() == size);
    }
};

} // namespace

TEST_CASE_METHOD(MalformedFixture, "a packet shorter than the vstor header is answered",
                 "[sim][storvsp][malformed]")
{
    ready();
    const size_t n = GENERATE(0u, 8u);
    Reply r = client->call(Bytes(n, std::byte{0x03}));
    CHECK(r.status() == kInvalidParameter);
    CHECK(r.payload.size() == 0x40); // a full packet of the negotiated size
    CHECK(vsp->stats().malformed == 1);
    still_serving();
}

TEST_CASE_METHOD(MalformedFixture, "a short packet on a WIN7 channel gets a WIN7-sized answer",
                 "[sim][storvsp][malformed]")
{
    ready(default_config(), kVstorWin7);
    Reply r = client->call(Bytes(8));
    CHECK(r.payload.size() == 0x30);
}

TEST_CASE_METHOD(MalformedFixture, "an SRB shorter than the WIN6 request is BAD_SRB_BLOCK_LENGTH",
                 "[sim][storvsp][malformed]")
{
    ready();
    Srb s;
    s.cdb = {0, 0, 0, 0, 0, 0};
    Bytes p = srb_packet(s);
    p.resize(0x28); // 12 + 0x1C
    Reply r = client->call(p);
    CHECK(r.status() == kInvalidDeviceRequest);
    CHECK(r.srb_status() == kSrbBadSrbBlockLength);
    CHECK(r.payload.size() == 0x28);
    still_serving();
}

TEST_CASE_METHOD(MalformedFixture, "CDB lengths outside 1..16 are rejected",
                 "[sim][storvsp][malformed]")
{
    ready();
    const uint8_t len = GENERATE(uint8_t{0}, uint8_t{17}, uint8_t{255});
    Srb s;
    s.cdb = {0, 0, 0, 0, 0, 0};
    s.cdb_length = len;
    rejected(client->execute(s));
    still_serving();
    CHECK(vsp->stats().malformed == 1);
}

TEST_CASE_METHOD(MalformedFixture, "data buffers must match data_transfer_length",
                 "[sim][storvsp][malformed]")
{
    ready();
    disk->write(0, pattern(4096, 0x10));
    Buffer buf = client->alloc(4096);
    Buffer other = client->alloc(4096);
    std::fill(buf.ptr, buf.ptr + 4096, std::byte{0xAB});
    std::fill(other.ptr, other.ptr + 4096, std::byte{0xCD});
    Srb read;
    read.cdb = rw10(false, 0, 8);
    read.data_in = kReadType;
    read.data_len = 4096;

    SECTION("no range at all for a data command")
    {
        rejected(client->call(srb_packet(read)));
    }
    SECTION("a range shorter than the transfer")
    {
        rejected(client->call(srb_packet(read), {buf.range(2048)}));
    }
    SECTION("two ranges")
    {
        rejected(client->call(srb_packet(read), {buf.range(2048), other.range(2048)}));
    }
    SECTION("two ranges even without data")
    {
        Srb tur;
        tur.cdb = {0, 0, 0, 0, 0, 0};
        rejected(client->call(srb_packet(tur), {buf.range(512), other.range(512)}));
    }
    SECTION("data_in says write for a READ: the host never writes guest memory")
    {
        read.data_in = kWriteType;
        rejected(client->call(srb_packet(read), {buf.range()}));
    }
    SECTION("data_in says read for a WRITE: nothing reaches the disk")
    {
        Srb w;
        w.cdb = rw10(true, 0, 8);
        w.data_in = kReadType;
        w.data_len = 4096;
        rejected(client->call(srb_packet(w), {buf.range()}));
        CHECK(disk->snapshot(0, 4096) == pattern(4096, 0x10));
    }
    // Guest memory was not touched.
    CHECK(std::all_of(buf.ptr, buf.ptr + 4096, [](std::byte b) { return b == std::byte{0xAB}; }));
    CHECK(
        std::all_of(other.ptr, other.ptr + 4096, [](std::byte b) { return b == std::byte{0xCD}; }));
    still_serving();
}

TEST_CASE_METHOD(MalformedFixture,
                 "a range longer than the transfer is fine and only the transfer moves",
                 "[sim][storvsp][malformed]")
{
    ready();
    disk->write(0, pattern(512, 0x22));
    Buffer buf = client->alloc(4096);
    std::fill(buf.ptr, buf.ptr + 4096, std::byte{0xAB});
    Srb read;
    read.cdb = rw10(false, 0, 1);
    read.data_in = kReadType;
    read.data_len = 512;
    Reply r = client->call(srb_packet(read), {buf.range(4096)});
    CHECK(r.srb_status() == kSrbSuccess);
    CHECK(r.transferred() == 512);
    CHECK(Bytes(buf.ptr, buf.ptr + 512) == pattern(512, 0x22));
    CHECK(std::all_of(buf.ptr + 512, buf.ptr + 4096,
                      [](std::byte b) { return b == std::byte{0xAB}; }));
}

TEST_CASE_METHOD(MalformedFixture, "packets of other VMBus types are answered INVALID_PARAMETER",
                 "[sim][storvsp][malformed]")
{
    ready();
    // A transfer-page packet (type 7) with an empty range list.
    Bytes header(8);
    const uint64_t tid = client->next_tid();
    Srb tur;
    tur.cdb = {0, 0, 0, 0, 0, 0};
    REQUIRE(client->channel().write_raw(TestChannel::packet(7, 1, tid, header, srb_packet(tur))));
    auto r = client->completion();
    REQUIRE(r.has_value());
    CHECK(r->tid == tid);
    CHECK(r->status() == kInvalidParameter);
    still_serving();
}

TEST_CASE_METHOD(MalformedFixture, "a PFN outside guest memory never reaches storvsp",
                 "[sim][storvsp][malformed]")
{
    ready();
    Srb read;
    read.cdb = rw10(false, 0, 1);
    read.data_in = kReadType;
    read.data_len = 512;
    msg::Range outside{512, 0, {uint64_t{1} << 40}};
    REQUIRE(client->post(srb_packet(read), client->next_tid(), {outside}));
    CHECK_FALSE(client->next(200ms).has_value()); // the VMBus layer drops it
    host->sync();
    CHECK(host->counters().packets_dropped == 1);
    still_serving();
}

TEST_CASE_METHOD(MalformedFixture, "a burst of garbage does not stop the controller",
                 "[sim][storvsp][malformed]")
{
    ready();
    uint32_t seed = 12345;
    auto rnd = [&] {
        seed = seed * 1103515245u + 12345u;
        return seed >> 8;
    };
    Buffer buf = client->alloc(8192);
    for (int i = 0; i < 200; ++i) {
        Bytes p(12 + rnd() % 0x40);
        for (auto &b : p)
            b = std::byte(static_cast<uint8_t>(rnd()));
        if (p.size() >= 4) put<uint32_t>(p, 0, 3); // mostly EXECUTE_SRB
        if (p.size() > kOffTransferLength + 4) put<uint32_t>(p, kOffTransferLength, rnd() % 9000);
        if (p.size() > kOffCdb) p[kOffCdb] = std::byte(static_cast<uint8_t>(0x28));
        const bool with_range = rnd() % 2 == 0;
        std::vector<msg::Range> ranges;
        if (with_range) ranges.push_back(buf.range(1 + rnd() % 8192));
        const uint64_t tid = client->next_tid();
        REQUIRE(client->post(p, tid, ranges));
        auto r = client->completion();
        REQUIRE(r.has_value());
        CHECK(r->tid == tid);
        CHECK(r->payload.size() == ((p.size() + 7) & ~size_t{7})); // as the guest padded it
    }
    still_serving();
}
