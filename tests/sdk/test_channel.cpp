// SPDX-License-Identifier: MIT
// tests/sdk/test_channel.cpp — Channel sends build the right satori_send; RAII close.
#include <satori/sdk/plugin.hpp>

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sdk_fake_host.hpp"

using satori::Channel;
using satori::Host;
using satori::Status;
using satori::test::bytes_of;
using satori::test::FakeChannel;
using satori::test::FakeHost;

namespace {

struct Message {
    uint32_t op;
    uint32_t value;
};

class PlainDevice : public satori::Device {
  public:
    using satori::Device::Device;
};

struct ChannelFixture {
    FakeHost fake;
    Host host{fake.table()};
    satori::DeviceContext ctx{&host, fake.device(), {}};
    PlainDevice device{ctx};

    Channel open()
    {
        auto ch = device.open_channel();
        REQUIRE(ch);
        return std::move(*ch);
    }
};

} // namespace

TEST_CASE_METHOD(ChannelFixture, "send_inband sends bytes or a typed struct", "[sdk][channel]")
{
    Channel ch = open();
    FakeChannel &fake_ch = fake.last_channel();
    CHECK(ch.is_open());
    CHECK(ch.c_channel() == &fake_ch.handle);
    CHECK(ch.sub_index() == 0);

    const auto payload = bytes_of("hello");
    REQUIRE(ch.send_inband(payload, 5));
    REQUIRE(ch.send_inband(Message{1, 2}, 6, true));
    REQUIRE(ch.send_inband(payload, 7, false, SATORI_SEND_DEFER_SIGNAL));
    REQUIRE(ch.signal());

    REQUIRE(fake_ch.sent.size() == 3);
    CHECK(fake_ch.sent[0].type == SATORI_PKT_DATA_INBAND);
    CHECK(fake_ch.sent[0].trans_id == 5);
    CHECK(fake_ch.sent[0].flags == 0);
    CHECK(fake_ch.sent[0].data == payload);
    CHECK(fake_ch.sent[1].flags == SATORI_PKT_FLAG_COMPLETION_REQUESTED);
    REQUIRE(fake_ch.sent[1].data.size() == sizeof(Message));
    Message m;
    std::memcpy(&m, fake_ch.sent[1].data.data(), sizeof(m));
    CHECK(m.op == 1);
    CHECK(m.value == 2);
    CHECK(fake_ch.sent[2].send_flags == SATORI_SEND_DEFER_SIGNAL);
    CHECK(fake_ch.signals == 1);
}

TEST_CASE_METHOD(ChannelFixture, "send_gpa_direct always requests a completion", "[sdk][channel]")
{
    Channel ch = open();
    auto buf = device.alloc_dma(2 * SATORI_PAGE_SIZE);
    REQUIRE(buf);
    auto range = buf->gpa_range(100, 5000);
    REQUIRE(range);
    REQUIRE(ch.send_gpa_direct(Message{9, 9}, std::span(&*range, 1), 11));

    const auto &sent = fake.last_channel().sent.at(0);
    CHECK(sent.type == SATORI_PKT_DATA_GPA_DIRECT);
    CHECK(sent.flags == SATORI_PKT_FLAG_COMPLETION_REQUESTED);
    CHECK(sent.trans_id == 11);
    REQUIRE(sent.ranges.size() == 1);
    CHECK(sent.ranges[0].byte_offset == 100);
    CHECK(sent.ranges[0].pfn_count == 2);

    CHECK(ch.send_gpa_direct(bytes_of("x"), {}, 1).code() == -SATORI_EINVAL);
}

TEST_CASE_METHOD(ChannelFixture, "complete and reply_inband echo the request's transaction id",
                 "[sdk][channel]")
{
    Channel ch = open();
    satori_packet raw{};
    raw.struct_size = sizeof(raw);
    raw.type = SATORI_PKT_DATA_INBAND;
    raw.trans_id = 0xabcdef;
    const satori::Packet request(raw);

    REQUIRE(ch.complete(request));
    REQUIRE(ch.complete(request, Message{3, 4}));
    REQUIRE(ch.reply_inband(request, bytes_of("re")));
    REQUIRE(ch.reply_inband(request, Message{5, 6}));

    const auto &sent = fake.last_channel().sent;
    REQUIRE(sent.size() == 4);
    CHECK(sent[0].type == SATORI_PKT_COMP);
    CHECK(sent[0].trans_id == 0xabcdef);
    CHECK(sent[0].data.empty());
    CHECK(sent[1].type == SATORI_PKT_COMP);
    CHECK(sent[1].data.size() == sizeof(Message));
    CHECK(sent[2].type == SATORI_PKT_DATA_INBAND);
    CHECK(sent[2].trans_id == 0xabcdef);
    CHECK(sent[2].flags == 0);
    CHECK(sent[3].data.size() == sizeof(Message));
}

TEST_CASE_METHOD(ChannelFixture, "loopback: completions come back to on_packet", "[sdk][channel]")
{
    struct Collector : satori::Device {
        using satori::Device::Device;
        void on_packet(Channel &, const satori::Packet &pkt) override
        {
            types.push_back(pkt.type());
            ids.push_back(pkt.trans_id());
        }
        std::vector<uint16_t> types;
        std::vector<uint64_t> ids;
    } collector{ctx};

    auto ch = collector.open_channel();
    REQUIRE(ch);
    REQUIRE(ch->send_inband(bytes_of("a"), 1, true));
    REQUIRE(ch->send_inband(bytes_of("b"), 2));
    CHECK(fake.loop_back(fake.last_channel()) == 2);
    CHECK(collector.types == std::vector<uint16_t>{SATORI_PKT_COMP, SATORI_PKT_DATA_INBAND});
    CHECK(collector.ids == std::vector<uint64_t>{1, 2});
}

TEST_CASE_METHOD(ChannelFixture, "send errors come back as Status", "[sdk][channel]")
{
    Channel ch = open();
    fake.last_channel().send_result = -SATORI_EAGAIN;
    CHECK(ch.send_inband(bytes_of("x"), 1).code() == -SATORI_EAGAIN);

    Channel empty;
    CHECK_FALSE(empty.is_open());
    CHECK(empty.send_inband(bytes_of("x"), 1).code() == -SATORI_EBADF);
    CHECK(empty.signal().code() == -SATORI_EBADF);
    CHECK(empty.info().error().code() == -SATORI_EBADF);
    empty.close();
}

TEST_CASE_METHOD(ChannelFixture, "info reports the shim's snapshot", "[sdk][channel]")
{
    Channel ch = open();
    auto info = ch.info();
    REQUIRE(info);
    CHECK(info->struct_size == sizeof(satori_channel_info));
    CHECK(info->relid == 7);
    CHECK(info->ring_bytes_out == satori::kDefaultRingBytes);
}

TEST_CASE_METHOD(ChannelFixture, "a Channel closes exactly once and moves transfer ownership",
                 "[sdk][channel][raii]")
{
    {
        Channel a = open();
        Channel b = std::move(a);
        CHECK_FALSE(a.is_open());
        CHECK(b.is_open());
        a.close(); // moved-from: nothing to close
        Channel c;
        c = std::move(b);
        CHECK(fake.channel_closes == 0);
        CHECK(satori::detail::DeviceAccess::channel_count(device) == 1);
        c = open(); // the old channel is closed first
        CHECK(fake.channel_closes == 1);
        CHECK(satori::detail::DeviceAccess::channel_count(device) == 1);
        c.close();
        CHECK(fake.channel_closes == 2);
        CHECK_FALSE(c.is_open());
        CHECK(c.send_inband(bytes_of("x"), 1).code() == -SATORI_EBADF);
        c.close();
    }
    CHECK(fake.channel_closes == 2);
    for (const auto &ch : fake.channels)
        CHECK(ch->close_calls == 1);
    CHECK(satori::detail::DeviceAccess::channel_count(device) == 0);
}

TEST_CASE_METHOD(ChannelFixture, "a Channel that outlives its Device stays safe",
                 "[sdk][channel][raii]")
{
    Channel survivor;
    {
        PlainDevice short_lived{ctx};
        auto ch = short_lived.open_channel();
        REQUIRE(ch);
        survivor = std::move(*ch);
    } // the device closes its channels
    CHECK(fake.last_channel().close_calls == 1);
    CHECK_FALSE(survivor.is_open());
    CHECK(survivor.send_inband(bytes_of("x"), 1).code() == -SATORI_EBADF);
    survivor.close();
    CHECK(fake.last_channel().close_calls == 1);
}

TEST_CASE_METHOD(ChannelFixture, "open_channel refuses oversized user data", "[sdk][channel]")
{
    const std::array<std::byte, 121> too_much{};
    auto ch = device.open_channel({.user_data = too_much});
    CHECK(ch.error().code() == -SATORI_EINVAL);
    CHECK(fake.channel_opens == 0);
}

TEST_CASE_METHOD(ChannelFixture, "missing bus functions give -SATORI_EOPNOTSUPP", "[sdk][channel]")
{
    Channel ch = open();
    fake.mutable_bus().signal = nullptr;
    fake.mutable_bus().channel_info = nullptr;
    fake.mutable_bus().send = nullptr;
    CHECK(ch.signal().code() == -SATORI_EOPNOTSUPP);
    CHECK(ch.info().error().code() == -SATORI_EOPNOTSUPP);
    CHECK(ch.send_inband(bytes_of("x"), 1).code() == -SATORI_EOPNOTSUPP);
}
