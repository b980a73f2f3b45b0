// SPDX-License-Identifier: MIT
// The plugin-wide state and the lifecycle trampolines (probe, remove, sub-channel, suspend,
// resume, unload) that SATORI_PLUGIN puts into `struct satori_plugin`.
#ifndef SATORI_SDK_DETAIL_LIFECYCLE_HPP
#define SATORI_SDK_DETAIL_LIFECYCLE_HPP

#include <exception>
#include <memory>
#include <type_traits>

#include <satori/errno.h>
#include <satori/plugin.h>
#include <satori/sdk/device.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/status.hpp>

namespace satori::detail {

/// Everything a plugin keeps between the entry and unload; satori_plugin::cookie points here.
struct PluginState {
    Host host;
};

/// Calls @p call, turning anything it throws into a logged -SATORI_EIO.
template <class Call> Status guarded(const Logger &log, const char *what, Call &&call) noexcept
{
    try {
        return call();
    } catch (const std::exception &e) {
        log.error(what, " threw: ", e.what());
    } catch (...) {
        log.error(what, " threw a non-std exception");
    }
    return Status(-SATORI_EIO);
}

template <class D> std::unique_ptr<Device> construct_device(const DeviceContext &ctx)
{
    std::unique_ptr<Device> device;
    if constexpr (std::is_constructible_v<D, const DeviceContext &>)
        device = std::make_unique<D>(ctx);
    else
        device = std::make_unique<D>();
    DeviceAccess::attach(*device, ctx);
    return device;
}

template <class D>
int32_t probe_trampoline(void *cookie, satori_device *dev, const satori_device_info *info,
                         void **device_cookie) noexcept
{
    auto *state = static_cast<PluginState *>(cookie);
    if (!state || !device_cookie) return -SATORI_EINVAL;
    *device_cookie = nullptr;
    const Logger log = state->host.log(dev);
    std::unique_ptr<Device> device;
    const DeviceContext ctx{&state->host, dev, DeviceInfo(info)};
    Status st = guarded(log, "device constructor", [&] {
        device = construct_device<D>(ctx);
        return Status::ok();
    });
    if (st) st = guarded(log, "probe", [&] { return device->probe(); });
    if (!st) {
        if (device)
            DeviceAccess::close_channels(
                *device); // before the destructor: no callback into a half-destroyed object
        return st.to_c();
    }
    *device_cookie = device.release(); // a Device*, whatever D is
    return 0;
}

inline void remove_trampoline(void *device_cookie, satori_device *) noexcept
{
    auto *device = static_cast<Device *>(device_cookie);
    if (!device) return;
    (void)guarded(device->log(), "remove", [&] {
        device->remove();
        return Status::ok();
    });
    DeviceAccess::close_channels(*device);
    delete device;
}

inline void subchannel_trampoline(void *device_cookie, satori_device *, uint16_t index) noexcept
{
    if (auto *device = static_cast<Device *>(device_cookie))
        (void)guarded(device->log(), "on_subchannel", [&] {
            device->on_subchannel(index);
            return Status::ok();
        });
}

inline int32_t suspend_trampoline(void *device_cookie, satori_device *) noexcept
{
    auto *device = static_cast<Device *>(device_cookie);
    if (!device) return -SATORI_EINVAL;
    return guarded(device->log(), "suspend", [&] { return device->suspend(); }).to_c();
}

inline int32_t resume_trampoline(void *device_cookie, satori_device *) noexcept
{
    auto *device = static_cast<Device *>(device_cookie);
    if (!device) return -SATORI_EINVAL;
    return guarded(device->log(), "resume", [&] { return device->resume(); }).to_c();
}

/// Every device is gone; the host table is about to become invalid.
inline void unload_trampoline(void *cookie) noexcept
{
    if (auto *state = static_cast<PluginState *>(cookie)) state->host = Host();
}

} // namespace satori::detail

#endif // SATORI_SDK_DETAIL_LIFECYCLE_HPP
