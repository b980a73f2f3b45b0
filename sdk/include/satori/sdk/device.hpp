// SPDX-License-Identifier: MIT
// satori::Device: the base class of a plugin's per-device object.
#ifndef SATORI_SDK_DEVICE_HPP
#define SATORI_SDK_DEVICE_HPP

#include <cstdint>
#include <memory>

#include <satori/bus.h>
#include <satori/errno.h>
#include <satori/plugin.h>
#include <satori/version.h>
#include <satori/sdk/channel.hpp>
#include <satori/sdk/detail/channel_core.hpp>
#include <satori/sdk/device_info.hpp>
#include <satori/sdk/dma.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/packet.hpp>
#include <satori/sdk/status.hpp>
#include <satori/sdk/timer.hpp>

namespace satori {

namespace detail {
struct DeviceAccess;
inline constexpr Host kNoHost{};
} // namespace detail

/// What the SDK hands a Device when it creates one in probe.
struct DeviceContext {
    const Host *host = nullptr;      ///< the plugin's host table
    satori_device *device = nullptr; ///< the shim's handle for this device
    DeviceInfo info;                 ///< what the host offered (class, instance, relid)
};

/**
 * One device driven by the plugin. SATORI_PLUGIN creates it (`new`) in the shim's probe and
 * deletes it after remove(); the SDK's noexcept trampolines call the virtuals below, catch
 * whatever they throw (logged; -SATORI_EIO where a status is returned) and never let a C++
 * type cross the ABI. Non-copyable and non-movable: channels call back into it.
 *
 * A derived class may inherit the context constructor (`using satori::Device::Device;`) or
 * have a default constructor; either way host(), log() and info() work from probe() on.
 */
class Device {
  public:
    Device() noexcept = default;
    /// Attaches to the device described by @p ctx; inherit it with
    /// `using satori::Device::Device;`.
    explicit Device(const DeviceContext &ctx) noexcept { attach(ctx); }
    Device(const Device &) = delete;
    Device &operator=(const Device &) = delete;
    virtual ~Device() { channels_.close_all(); }

    /// Set the device up: open channels, run the protocol handshake. An error declines the
    /// device; the SDK then closes what is still open and deletes it. [probe]
    virtual Status probe() { return Status::ok(); }
    /// The device goes away. Channels the plugin did not close are closed afterwards. [probe]
    virtual void remove() {}
    /// The host offered sub-channel @p index (>= 1); open it with open_channel. [probe]
    virtual void on_subchannel(uint16_t index) { (void)index; }
    /// Quiesce before a host save or migration. [probe]
    virtual Status suspend() { return Status::ok(); }
    /// Undo suspend. [probe]
    virtual Status resume() { return Status::ok(); }

    /// A packet arrived on @p channel; @p packet is valid only during the call. Must not
    /// block. [channel & open]
    virtual void on_packet(Channel &channel, const Packet &packet)
    {
        (void)channel;
        (void)packet;
    }
    /// Ring space is back after a send returned -SATORI_EAGAIN. [channel & open]
    virtual void on_send_space(Channel &channel) { (void)channel; }
    /// The channel stopped working (-SATORI_ENODEV rescinded, -SATORI_EPROTO, -SATORI_ECONNRESET).
    /// Fail in-flight work; the SDK closes the channel at the latest when the device is
    /// removed. [channel]
    virtual void on_channel_closed(Channel &channel, Status reason)
    {
        log().warn("channel ", channel.sub_index(), " stopped working: ", reason);
    }

    /// The host table (services, logging). [any]
    const Host &host() const noexcept { return *host_; }
    /// `log().info("link up, ", mbps, " Mb/s")`; lines name this device.
    Logger log() const noexcept { return Logger(host_, dev_); }
    /// The offer this device was probed for. [any]
    const DeviceInfo &info() const noexcept { return info_; }
    /// The C device handle, for calls the SDK does not wrap.
    satori_device *c_device() const noexcept { return dev_; }

    /// Opens channel @p sub_index (0 = primary); its callbacks come to this Device. Packets
    /// may arrive before this returns, with the Channel passed to on_packet. @context [probe]
    Result<Channel> open_channel(const OpenParams &params = {}, uint16_t sub_index = 0) noexcept;

    /// DMA memory for this device (DmaBuffer::allocate). [any]
    Result<DmaBuffer> alloc_dma(uint64_t bytes, uint32_t flags = 0) const noexcept
    {
        return DmaBuffer::allocate(*host_, dev_, bytes, flags);
    }
    /// A timer for this device (Timer::create). [any]
    Result<Timer> create_timer(Timer::Callback callback) const noexcept
    {
        return Timer::create(*host_, dev_, std::move(callback));
    }
    /// A timer calling @p method on @p object (Timer::create). [any]
    template <class T> Result<Timer> create_timer(T *object, void (T::*method)()) const noexcept
    {
        return Timer::create(*host_, dev_, object, method);
    }

  private:
    friend struct detail::DeviceAccess;

    void attach(const DeviceContext &ctx) noexcept
    {
        host_ = ctx.host ? ctx.host : &detail::kNoHost;
        dev_ = ctx.device;
        info_ = ctx.info;
    }

    const Host *host_ = &detail::kNoHost;
    satori_device *dev_ = nullptr;
    DeviceInfo info_;
    detail::ChannelRegistry channels_;
};

namespace detail {
/// The SDK's own access to Device internals; not for plugins.
struct DeviceAccess {
    static void attach(Device &device, const DeviceContext &ctx) noexcept { device.attach(ctx); }
    static void close_channels(Device &device) noexcept { device.channels_.close_all(); }
    static std::size_t channel_count(const Device &device) noexcept
    {
        return device.channels_.size();
    }
};
} // namespace detail

} // namespace satori

// Last: it defines open_channel and the callbacks, which need the complete Device.
#include <satori/sdk/detail/channel_dispatch.hpp>

#endif // SATORI_SDK_DEVICE_HPP
