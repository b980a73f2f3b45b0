// SPDX-License-Identifier: MIT
// tests/sdk/test_instantiate.cpp — every SDK class and template instantiated at least once,
// so a template that does not compile fails here and not in a plugin author's build.
#include <satori/sdk.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "support/sdk_fake_host.hpp"

namespace {
struct Wire {
    uint32_t a;
    uint16_t b;
    uint16_t c;
};
class InstantiatedDevice : public satori::Device {
  public:
    using satori::Device::Device;
    void tick() {}
};
class DefaultConstructedDevice : public satori::Device {};
} // namespace

// Class templates, every member whose constraints hold.
template class satori::Result<int>;
template class satori::Result<Wire>;
template class satori::Result<satori::Guid>;
template class satori::Result<satori::Channel>;
template class satori::Result<satori::DmaBuffer>;
template class satori::Result<satori::Gpadl>;
template class satori::Result<satori::Timer>;
template class satori::Result<satori_gpa_range>;
template class satori::Result<satori_channel_info>;
template class satori::Result<std::span<const std::byte>>;
template class satori::Result<std::vector<satori_gpa_range>>;
template class satori::Result<std::unique_ptr<int>>;

// Function templates.
template satori::Result<Wire> satori::Packet::view<Wire>(std::size_t) const noexcept;
template satori::Result<uint64_t> satori::Packet::view<uint64_t>(std::size_t) const noexcept;
template satori::Status satori::Channel::send_inband<Wire>(const Wire &, uint64_t, bool,
                                                           uint32_t) const noexcept;
template satori::Status satori::Channel::send_gpa_direct<Wire>(const Wire &,
                                                               std::span<const satori_gpa_range>,
                                                               uint64_t, uint32_t) const noexcept;
template satori::Status satori::Channel::complete<Wire>(const satori::Packet &, const Wire &,
                                                        uint32_t) const noexcept;
template satori::Status satori::Channel::reply_inband<Wire>(const satori::Packet &, const Wire &,
                                                            uint32_t) const noexcept;
template satori::Result<satori::Timer>
satori::Timer::create<InstantiatedDevice>(const satori::Host &, satori_device *,
                                          InstantiatedDevice *,
                                          void (InstantiatedDevice::*)()) noexcept;
template satori::Result<satori::Timer>
satori::Device::create_timer<InstantiatedDevice>(InstantiatedDevice *,
                                                 void (InstantiatedDevice::*)()) const noexcept;
template int32_t
satori::detail::plugin_entry<InstantiatedDevice>(satori::detail::PluginState &, const satori_host *,
                                                 satori_plugin *, const char *, const char *,
                                                 std::span<const satori_guid>) noexcept;
template int32_t satori::detail::plugin_entry<DefaultConstructedDevice>(
    satori::detail::PluginState &, const satori_host *, satori_plugin *, const char *, const char *,
    std::span<const satori_guid>) noexcept;
template int32_t satori::detail::probe_trampoline<InstantiatedDevice>(void *, satori_device *,
                                                                      const satori_device_info *,
                                                                      void **) noexcept;
template void satori::Logger::write<int, const char *, satori::Guid, satori::Status>(
    satori::LogLevel, const int &, const char *const &, const satori::Guid &,
    const satori::Status &) const noexcept;
template const satori_timer_service *
satori::Host::service<satori_timer_service>(const char *) const noexcept;
template const satori_test_service *
satori::Host::service<satori_test_service>(const char *) const noexcept;

TEST_CASE("every SDK class can be constructed", "[sdk][instantiate]")
{
    satori::test::FakeHost fake;
    const satori::Host host(fake.table());
    satori::Status status;
    satori::Guid guid;
    satori::DeviceInfo info;
    satori::Logger logger(&host, nullptr);
    satori::OpenParams params;
    satori::Channel channel;
    satori::DmaBuffer dma;
    satori::Gpadl gpadl;
    satori::Timer timer;
    satori::DeviceContext ctx{&host, fake.device(), info};
    InstantiatedDevice device(ctx);
    DefaultConstructedDevice default_device;
    satori_packet raw{};
    raw.struct_size = sizeof(raw);
    const satori::Packet packet(raw);
    satori::detail::PluginState state;
    satori::detail::ChannelRegistry registry;

    CHECK(status);
    CHECK(guid.is_nil());
    CHECK_FALSE(channel);
    CHECK_FALSE(dma);
    CHECK_FALSE(gpadl);
    CHECK_FALSE(timer);
    CHECK(packet.size() == 0);
    CHECK(params.ring_bytes_in == satori::kDefaultRingBytes);
    CHECK(registry.size() == 0);
    CHECK(device.host().valid());
    CHECK_FALSE(default_device.host().valid());
    CHECK_FALSE(state.host.valid());
    logger.debug("instantiated");
}
