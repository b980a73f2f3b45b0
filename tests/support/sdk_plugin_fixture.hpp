// SPDX-License-Identifier: MIT
// PluginFixture<D>: a FakeHost plus the SDK's entry for device class D, with probe/remove
// called through the descriptor exactly as the shim calls them.
#ifndef SATORI_TESTS_SUPPORT_SDK_PLUGIN_FIXTURE_HPP
#define SATORI_TESTS_SUPPORT_SDK_PLUGIN_FIXTURE_HPP

#include <array>
#include <cstdint>

#include <satori/sdk/plugin.hpp>

#include "support/sdk_fake_host.hpp"

namespace satori::test {

inline constexpr std::array<satori_guid, 1> kTestClasses = {satori_guid SATORI_GUID_HEARTBEAT};

template <class D> class PluginFixture {
  public:
    PluginFixture() : info(make_device_info(kTestClasses[0])) { desc.struct_size = sizeof(desc); }
    PluginFixture(const PluginFixture &) = delete;
    PluginFixture &operator=(const PluginFixture &) = delete;
    ~PluginFixture()
    {
        if (device_cookie) remove();
    }

    int32_t entry()
    {
        return detail::plugin_entry<D>(state, host.table(), &desc, "test", "0.1", kTestClasses);
    }
    /// Runs the entry if needed, then probe.
    int32_t probe()
    {
        if (!desc.probe && entry() != 0) return -SATORI_EINVAL;
        return desc.probe(desc.cookie, host.device(), &info, &device_cookie);
    }
    void remove()
    {
        desc.remove(device_cookie, host.device());
        device_cookie = nullptr;
    }
    D &device() { return *dynamic_cast<D *>(static_cast<satori::Device *>(device_cookie)); }

    FakeHost host;
    detail::PluginState state;
    satori_plugin desc{};
    satori_device_info info;
    void *device_cookie = nullptr;
};

} // namespace satori::test

#endif // SATORI_TESTS_SUPPORT_SDK_PLUGIN_FIXTURE_HPP
