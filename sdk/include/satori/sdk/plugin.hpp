// SPDX-License-Identifier: MIT
// What a plugin source includes: satori::Device and friends, and the SATORI_PLUGIN macro.
#ifndef SATORI_SDK_PLUGIN_HPP
#define SATORI_SDK_PLUGIN_HPP

#include <cstdint>

#include <satori/plugin.h>
#include <satori/sdk/channel.hpp>
#include <satori/sdk/detail/entry.hpp>
#include <satori/sdk/device.hpp>
#include <satori/sdk/dma.hpp>
#include <satori/sdk/guid.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/packet.hpp>
#include <satori/sdk/status.hpp>
#include <satori/sdk/timer.hpp>

/**
 * Defines `satori_plugin_entry`, the plugin's only exported symbol.
 *
 *     SATORI_PLUGIN("heartbeat", "1.0.0", satori::heartbeat::Device, satori::guids::kHeartbeat);
 *
 * @param name        short unique plugin name (string literal)
 * @param version     plugin release (string literal)
 * @param DeviceClass a class derived from satori::Device, created for each offered device
 * @param ...         the device classes it drives, as satori::Guid values (at least one)
 *
 * Use it once per plugin, at namespace scope, followed by a semicolon.
 */
#define SATORI_PLUGIN(name, version, DeviceClass, ...)                                             \
    namespace {                                                                                    \
    ::satori::detail::PluginState satori_plugin_state_;                                            \
    constexpr auto satori_plugin_classes_ = ::satori::detail::class_list(__VA_ARGS__);             \
    }                                                                                              \
    extern "C" __attribute__((visibility("default"))) int32_t satori_plugin_entry(                 \
        const struct satori_host *host, struct satori_plugin *out)                                 \
    {                                                                                              \
        return ::satori::detail::plugin_entry<DeviceClass>(satori_plugin_state_, host, out, name,  \
                                                           version, satori_plugin_classes_);       \
    }                                                                                              \
    static_assert(true, "SATORI_PLUGIN is followed by a semicolon")

#endif // SATORI_SDK_PLUGIN_HPP
