// SPDX-License-Identifier: MIT
// tests/sdk/test_device.cpp — the lifecycle trampolines and channel callbacks reach the Device.
#include <satori/sdk/plugin.hpp>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sdk_fake_host.hpp"
#include "support/sdk_plugin_fixture.hpp"

using satori::Channel;
using satori::Packet;
using satori::Status;
using satori::test::bytes_of;
using satori::test::FakeChannel;
using satori::test::PluginFixture;

namespace {

/// What devices report; they are deleted by remove, so they write here.
struct Events {
    int constructed = 0;
    int destroyed = 0;
    int removed = 0;
    int packets = 0;
    int send_space = 0;
    int subchannels = 0;
    Status closed_reason;
    Status send_after_close;
    std::string last_payload;
};
Events events;

struct EventsReset {
    EventsReset() { events = Events(); }
};

constexpr std::array<std::byte, 3> kUserData = {std::byte{1}, std::byte{2}, std::byte{3}};

class EchoDevice : public satori::Device {
  public:
    explicit EchoDevice(const satori::DeviceContext &ctx) : satori::Device(ctx)
    {
        ++events.constructed;
    }
    ~EchoDevice() override { ++events.destroyed; }

    Status probe() override
    {
        auto ch = open_channel({.ring_bytes_out = 8192,
                                .ring_bytes_in = 12288,
                                .max_packet_bytes = 512,
                                .max_outstanding = 4,
                                .user_data = kUserData,
                                .target_vcpu = 2});
        if (!ch) return ch.error();
        channel_ = std::move(*ch);
        if (fail_probe_with) return Status(fail_probe_with);
        if (throw_in_probe) throw std::runtime_error("probe exploded");
        return Status::ok();
    }
    void on_packet(Channel &ch, const Packet &pkt) override
    {
        ++events.packets;
        events.last_payload.assign(reinterpret_cast<const char *>(pkt.data().data()), pkt.size());
        if (events.last_payload == "throw") throw std::runtime_error("bad packet");
        if (events.last_payload == "throw-int") throw 7;
        if (events.last_payload == "close") {
            ch.close();
            events.send_after_close = channel_.send_inband(pkt.data(), 1);
            return;
        }
        Status st = pkt.completion_requested() ? ch.complete(pkt, pkt.data())
                                               : ch.reply_inband(pkt, pkt.data());
        REQUIRE(st);
    }
    void on_send_space(Channel &) override { ++events.send_space; }
    void on_channel_closed(Channel &, Status reason) override { events.closed_reason = reason; }
    void remove() override { ++events.removed; }

    static inline int fail_probe_with = 0;
    static inline bool throw_in_probe = false;
    Channel channel_;
};

struct EchoFixture : EventsReset, PluginFixture<EchoDevice> {
    EchoFixture()
    {
        EchoDevice::fail_probe_with = 0;
        EchoDevice::throw_in_probe = false;
    }
};

} // namespace

TEST_CASE_METHOD(EchoFixture, "probe creates the device and remove deletes it", "[sdk][device]")
{
    REQUIRE(probe() == 0);
    CHECK(events.constructed == 1);
    REQUIRE(device_cookie != nullptr);
    CHECK(device().host().c_host() == host.table());
    CHECK(device().c_device() == host.device());
    CHECK(device().info().class_id() == satori::guids::kHeartbeat);
    CHECK(device().info().relid() == 12);
    CHECK(device().info().vmbus_version() == ((5u << 16) | 3u));
    CHECK(host.channel_opens == 1);

    remove();
    CHECK(events.removed == 1);
    CHECK(events.destroyed == 1);
    CHECK(host.channel_closes == 1);
    CHECK(host.last_channel().close_calls == 1);
}

TEST_CASE_METHOD(EchoFixture, "open_channel hands OpenParams and stable callbacks to the shim",
                 "[sdk][device][channel]")
{
    REQUIRE(probe() == 0);
    const FakeChannel &ch = host.last_channel();
    CHECK(ch.sub_index == 0);
    CHECK(ch.params.struct_size == sizeof(satori_channel_open_params));
    CHECK(ch.params.flags == 0);
    CHECK(ch.params.ring_bytes_out == 8192);
    CHECK(ch.params.ring_bytes_in == 12288);
    CHECK(ch.params.max_packet_bytes == 512);
    CHECK(ch.params.max_outstanding == 4);
    CHECK(ch.params.target_vcpu == 2);
    CHECK(ch.user_data == std::vector<std::byte>(kUserData.begin(), kUserData.end()));
    REQUIRE(ch.params.callbacks != nullptr);
    CHECK(ch.params.callbacks->struct_size == sizeof(satori_channel_callbacks));
    CHECK(ch.params.callbacks->on_packet != nullptr);
    CHECK(ch.params.callbacks->on_send_space != nullptr);
    CHECK(ch.params.callbacks->on_closed != nullptr);
    // The cookie is the channel's control block, not the movable Channel object.
    CHECK(ch.params.cookie != static_cast<void *>(&device().channel_));
    CHECK(ch.params.cookie != nullptr);
}

TEST_CASE_METHOD(EchoFixture, "packets reach on_packet and replies carry the transaction id",
                 "[sdk][device][channel]")
{
    REQUIRE(probe() == 0);
    FakeChannel &ch = host.last_channel();

    host.deliver(ch, bytes_of("ping"), 77);
    CHECK(events.packets == 1);
    CHECK(events.last_payload == "ping");
    REQUIRE(ch.sent.size() == 1);
    CHECK(ch.sent[0].type == SATORI_PKT_DATA_INBAND);
    CHECK(ch.sent[0].trans_id == 77);
    CHECK(ch.sent[0].flags == 0);
    CHECK(ch.sent[0].data == bytes_of("ping"));

    SECTION("a request that wants a completion gets SATORI_PKT_COMP")
    {
        host.deliver(ch, bytes_of("req"), 99, SATORI_PKT_DATA_INBAND,
                     SATORI_PKT_FLAG_COMPLETION_REQUESTED);
        REQUIRE(ch.sent.size() == 2);
        CHECK(ch.sent[1].type == SATORI_PKT_COMP);
        CHECK(ch.sent[1].trans_id == 99);
        CHECK(ch.sent[1].data == bytes_of("req"));
    }
    SECTION("send space and channel errors are routed too")
    {
        host.deliver_send_space(ch);
        CHECK(events.send_space == 1);
        host.deliver_closed(ch, -SATORI_ENODEV);
        CHECK(events.closed_reason.code() == -SATORI_ENODEV);
    }
}

TEST_CASE_METHOD(EchoFixture, "a packet that arrives before channel_open returns is delivered",
                 "[sdk][device][channel]")
{
    host.packet_during_open = bytes_of("early");
    REQUIRE(probe() == 0);
    CHECK(events.packets == 1);
    CHECK(events.last_payload == "early");
    REQUIRE(host.last_channel().sent.size() == 1);
    CHECK(host.last_channel().sent[0].trans_id == 42);
}

TEST_CASE_METHOD(EchoFixture, "an exception thrown in on_packet is caught and logged",
                 "[sdk][device][exceptions]")
{
    REQUIRE(probe() == 0);
    FakeChannel &ch = host.last_channel();
    const std::string payload = GENERATE(as<std::string>{}, "throw", "throw-int");
    host.deliver(ch, bytes_of(payload), 1);
    CHECK(host.logged(payload == "throw" ? "on_packet threw: bad packet"
                                         : "on_packet threw a non-std exception"));
    host.deliver(ch, bytes_of("still alive"), 2);
    CHECK(events.packets == 2);
    CHECK(ch.sent.size() == 1);
}

TEST_CASE_METHOD(EchoFixture, "an exception thrown in probe declines the device with -SATORI_EIO",
                 "[sdk][device][exceptions]")
{
    EchoDevice::throw_in_probe = true;
    CHECK(probe() == -SATORI_EIO);
    CHECK(device_cookie == nullptr);
    CHECK(host.logged("probe threw: probe exploded"));
    CHECK(events.destroyed == 1);
    CHECK(host.last_channel().close_calls == 1);
}

TEST_CASE_METHOD(EchoFixture, "a probe error declines the device and closes what it opened",
                 "[sdk][device]")
{
    EchoDevice::fail_probe_with = -SATORI_EBUSY;
    CHECK(probe() == -SATORI_EBUSY);
    CHECK(device_cookie == nullptr);
    CHECK(events.destroyed == 1);
    CHECK(events.removed == 0);
    CHECK(host.last_channel().close_calls == 1);
}

TEST_CASE_METHOD(EchoFixture, "a failing channel_open reaches probe as a Status",
                 "[sdk][device][channel]")
{
    host.open_result = -SATORI_ETIMEDOUT;
    CHECK(probe() == -SATORI_ETIMEDOUT);
    CHECK(events.destroyed == 1);
    CHECK(host.channel_closes == 0);
}

TEST_CASE_METHOD(EchoFixture, "close from a callback stops the channel at once, finishes at remove",
                 "[sdk][device][channel]")
{
    REQUIRE(probe() == 0);
    FakeChannel &ch = host.last_channel();
    host.deliver(ch, bytes_of("close"), 5);
    CHECK(ch.close_calls == 0); // the ABI forbids channel_close inside the channel's callbacks
    CHECK(events.send_after_close.code() == -SATORI_ESHUTDOWN);
    CHECK_FALSE(device().channel_.is_open());

    host.deliver(ch, bytes_of("dropped"), 6);
    CHECK(events.packets == 1);

    remove();
    CHECK(ch.close_calls == 1);
}

namespace {

/// Default-constructible, opens sub-channels on request, customises suspend/resume.
class LifecycleDevice : public satori::Device {
  public:
    LifecycleDevice()
    {
        ++events.constructed;
        saw_host_in_constructor = host().valid();
    }
    ~LifecycleDevice() override { ++events.destroyed; }
    Status probe() override
    {
        saw_host_in_probe = host().valid() && info().class_id() == satori::guids::kHeartbeat;
        return Status::ok();
    }
    void on_subchannel(uint16_t index) override
    {
        ++events.subchannels;
        auto ch = open_channel({}, index);
        REQUIRE(ch);
        subchannels.push_back(std::move(*ch));
    }
    Status suspend() override { return Status(-SATORI_EBUSY); }
    Status resume() override { throw std::logic_error("cannot resume"); }

    bool saw_host_in_constructor = true;
    bool saw_host_in_probe = false;
    std::vector<Channel> subchannels;
};

struct LifecycleFixture : EventsReset, PluginFixture<LifecycleDevice> {};

class ThrowingConstructorDevice : public satori::Device {
  public:
    ThrowingConstructorDevice() { throw std::runtime_error("no memory for you"); }
};

} // namespace

TEST_CASE_METHOD(LifecycleFixture, "a default-constructed device is attached before probe",
                 "[sdk][device]")
{
    REQUIRE(probe() == 0);
    CHECK_FALSE(device().saw_host_in_constructor);
    CHECK(device().saw_host_in_probe);
}

TEST_CASE_METHOD(LifecycleFixture, "sub-channel, suspend and resume reach the device",
                 "[sdk][device]")
{
    REQUIRE(probe() == 0);
    desc.on_subchannel(device_cookie, host.device(), 3);
    CHECK(events.subchannels == 1);
    REQUIRE(host.channels.size() == 1);
    CHECK(host.last_channel().sub_index == 3);
    REQUIRE(device().subchannels.size() == 1);
    CHECK(device().subchannels[0].sub_index() == 3);

    CHECK(desc.suspend(device_cookie, host.device()) == -SATORI_EBUSY);
    CHECK(desc.resume(device_cookie, host.device()) == -SATORI_EIO);
    CHECK(host.logged("resume threw: cannot resume"));

    remove();
    CHECK(events.destroyed == 1);
    CHECK(host.last_channel().close_calls == 1);
}

TEST_CASE("an exception thrown by the device constructor declines the device",
          "[sdk][device][exceptions]")
{
    PluginFixture<ThrowingConstructorDevice> f;
    CHECK(f.probe() == -SATORI_EIO);
    CHECK(f.device_cookie == nullptr);
    CHECK(f.host.logged("device constructor threw: no memory for you"));
}

TEST_CASE("the default virtuals are safe", "[sdk][device]")
{
    PluginFixture<satori::Device> f;
    REQUIRE(f.probe() == 0);
    CHECK(f.desc.suspend(f.device_cookie, f.host.device()) == 0);
    CHECK(f.desc.resume(f.device_cookie, f.host.device()) == 0);
    f.desc.on_subchannel(f.device_cookie, f.host.device(), 1);
    auto &device = *static_cast<satori::Device *>(f.device_cookie);
    auto ch = device.open_channel();
    REQUIRE(ch);
    f.host.deliver(f.host.last_channel(), bytes_of("ignored"));
    f.host.deliver_send_space(f.host.last_channel());
    f.host.deliver_closed(f.host.last_channel(), -SATORI_ECONNRESET);
    CHECK(f.host.logged("stopped working: connection reset"));
    CHECK(f.host.last_channel().params.ring_bytes_out == satori::kDefaultRingBytes);
    CHECK(f.host.last_channel().params.target_vcpu == SATORI_VCPU_ANY);
    CHECK(f.host.last_channel().params.user_data == nullptr);
}

TEST_CASE("trampolines tolerate NULL cookies", "[sdk][device]")
{
    PluginFixture<satori::Device> f;
    REQUIRE(f.entry() == 0);
    void *cookie = nullptr;
    CHECK(f.desc.probe(nullptr, f.host.device(), &f.info, &cookie) == -SATORI_EINVAL);
    CHECK(f.desc.probe(f.desc.cookie, f.host.device(), &f.info, nullptr) == -SATORI_EINVAL);
    f.desc.remove(nullptr, f.host.device());
    f.desc.on_subchannel(nullptr, f.host.device(), 1);
    CHECK(f.desc.suspend(nullptr, f.host.device()) == -SATORI_EINVAL);
    CHECK(f.desc.resume(nullptr, f.host.device()) == -SATORI_EINVAL);
    f.desc.unload(nullptr);
    f.desc.unload(f.desc.cookie);
    CHECK_FALSE(f.state.host.valid());
}

TEST_CASE("open_channel without a bus is -SATORI_EOPNOTSUPP", "[sdk][device]")
{
    satori::Device detached;
    auto ch = detached.open_channel();
    CHECK(ch.error().code() == -SATORI_EOPNOTSUPP);
    CHECK_FALSE(detached.host().valid());
    detached.log().info("a detached device logs to stderr");
}
