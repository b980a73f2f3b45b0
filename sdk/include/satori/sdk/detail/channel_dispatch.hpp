// SPDX-License-Identifier: MIT
// The channel callbacks the shim calls (noexcept trampolines from a ChannelCore cookie to the
// owning Device's virtuals) and Device::open_channel, which installs them. device.hpp
// includes this at its end, once Device is complete.
#ifndef SATORI_SDK_DETAIL_CHANNEL_DISPATCH_HPP
#define SATORI_SDK_DETAIL_CHANNEL_DISPATCH_HPP

#include <exception>
#include <memory>

#include <satori/channel.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/channel.hpp>
#include <satori/sdk/detail/channel_core.hpp>
#include <satori/sdk/device.hpp>
#include <satori/sdk/packet.hpp>
#include <satori/sdk/status.hpp>

namespace satori::detail {

struct ChannelDispatch {
    /// Runs @p call on the Device behind @p cookie with a borrowed Channel, unless the device
    /// is gone or a close was requested. Nothing thrown gets past here.
    template <class Call>
    static void deliver(void *cookie, satori_channel *ch, const char *what, Call &&call) noexcept
    {
        auto *core = static_cast<ChannelCore *>(cookie);
        if (!core) return;
        if (ch) core->adopt_handle(ch);
        Device *device = core->device();
        if (!device || core->closing()) return;
        ChannelCore::DispatchScope scope(*core);
        try {
            Channel channel = ChannelAccess::borrowed(*core);
            call(*device, channel);
        } catch (const std::exception &e) {
            device->log().error(what, " threw: ", e.what());
        } catch (...) {
            device->log().error(what, " threw a non-std exception");
        }
    }

    static void on_packet(void *cookie, satori_channel *ch, const satori_packet *pkt) noexcept
    {
        if (!pkt) return;
        deliver(cookie, ch, "on_packet", [pkt](Device &device, Channel &channel) {
            device.on_packet(channel, Packet(*pkt));
        });
    }

    static void on_send_space(void *cookie, satori_channel *ch) noexcept
    {
        deliver(cookie, ch, "on_send_space",
                [](Device &device, Channel &channel) { device.on_send_space(channel); });
    }

    static void on_closed(void *cookie, satori_channel *ch, int32_t reason) noexcept
    {
        deliver(cookie, ch, "on_channel_closed", [reason](Device &device, Channel &channel) {
            device.on_channel_closed(channel, Status(reason));
        });
    }
};

inline constexpr satori_channel_callbacks kChannelCallbacks = {
    sizeof(satori_channel_callbacks), 0, &ChannelDispatch::on_packet,
    &ChannelDispatch::on_send_space, &ChannelDispatch::on_closed};

} // namespace satori::detail

namespace satori {

inline Result<Channel> Device::open_channel(const OpenParams &params, uint16_t sub_index) noexcept
{
    const satori_bus_ops *bus = host_->bus();
    if (!SATORI_SDK_HAS(satori_bus_ops, bus, channel_close) || !bus->channel_open ||
        !bus->channel_close)
        return Status(-SATORI_EOPNOTSUPP);
    if (params.user_data.size() > kMaxOpenUserDataBytes) return Status(-SATORI_EINVAL);

    std::shared_ptr<detail::ChannelCore> core;
    try {
        core = std::make_shared<detail::ChannelCore>(bus, this, sub_index);
        channels_.add(core); // before open: callbacks may start at once
    } catch (...) {
        return Status(-SATORI_ENOMEM);
    }

    satori_channel_open_params open{};
    open.struct_size = sizeof(open);
    open.ring_bytes_out = params.ring_bytes_out;
    open.ring_bytes_in = params.ring_bytes_in;
    open.max_packet_bytes = params.max_packet_bytes;
    open.max_outstanding = params.max_outstanding;
    open.user_data = params.user_data.empty() ? nullptr : params.user_data.data();
    open.user_data_len = static_cast<uint32_t>(params.user_data.size());
    open.target_vcpu = params.target_vcpu;
    open.cookie = core.get();
    open.callbacks = &detail::kChannelCallbacks;

    satori_channel *ch = nullptr;
    Status st(bus->channel_open(dev_, sub_index, &open, &ch));
    if (st && !ch)
        st = Status(-SATORI_EPROTO); // success without a handle: the shim broke its contract
    if (!st) {
        core->detach_device();
        channels_.remove(core.get());
        return st;
    }
    core->adopt_handle(ch);
    return detail::ChannelAccess::owning(std::move(core));
}

} // namespace satori

#endif // SATORI_SDK_DETAIL_CHANNEL_DISPATCH_HPP
