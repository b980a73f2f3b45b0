// SPDX-License-Identifier: MIT
// satori::NetService, satori::NetDev, satori::NetDeviceHandler: the network service
// `satori.net/1` (abi/include/satori/net.h) in C++.
//
//     class Nic final : public satori::NetDeviceHandler {
//         satori::Status xmit(satori_netdev *nd, const satori_net_tx &frame) noexcept override;
//     };
//     satori::NetService net(host());                        // [probe]
//     auto nd = net.add_netdev(c_device(), params, nic);     // xmit() may run before it returns
//     nd->receive(frame_bytes);                              // [any]
//     nd->tx_done(tag, satori::Status::ok());                // [any], once per accepted frame
//     nd->remove();                                          // [probe]; the destructor does it too
//
// The handler's address is the netdev's cookie: keep it alive and in place until remove()
// returns. Exceptions thrown by handler methods become -SATORI_EIO.
#ifndef SATORI_SDK_NET_HPP
#define SATORI_SDK_NET_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include <satori/errno.h>
#include <satori/net.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

/// What a plugin implements for each network device.
class NetDeviceHandler {
  public:
    NetDeviceHandler() = default;
    NetDeviceHandler(const NetDeviceHandler &) = delete;
    NetDeviceHandler &operator=(const NetDeviceHandler &) = delete;
    virtual ~NetDeviceHandler() = default;

    /// Transmit @p frame (net.h satori_net_device_ops::xmit). [service] never blocks.
    virtual Status xmit(satori_netdev *nd, const satori_net_tx &frame) = 0;
    /// Interface up/down. [service & config]
    virtual Status set_up(satori_netdev *, bool) { return Status::ok(); }
    /// New MTU. [service & config]
    virtual Status set_mtu(satori_netdev *, uint32_t) { return Status(-SATORI_EOPNOTSUPP); }
    /// Receive filter (SATORI_NET_RX_* flags). [service & config]
    virtual Status set_rx_mode(satori_netdev *, uint32_t, std::span<const uint8_t>)
    {
        return Status::ok();
    }
};

namespace detail {
struct NetDispatch {
    static NetDeviceHandler *h(void *cookie) noexcept
    {
        return static_cast<NetDeviceHandler *>(cookie);
    }
    static int32_t xmit(void *c, satori_netdev *nd, const satori_net_tx *f) noexcept
    {
        if (!h(c) || !f || f->struct_size < sizeof(uint32_t)) return -SATORI_EINVAL;
        try {
            return h(c)->xmit(nd, *f).code();
        } catch (...) {
            return -SATORI_EIO;
        }
    }
    static int32_t set_up(void *c, satori_netdev *nd, uint32_t up) noexcept
    {
        try {
            return h(c) ? h(c)->set_up(nd, up != 0).code() : -SATORI_EINVAL;
        } catch (...) {
            return -SATORI_EIO;
        }
    }
    static int32_t set_mtu(void *c, satori_netdev *nd, uint32_t mtu) noexcept
    {
        try {
            return h(c) ? h(c)->set_mtu(nd, mtu).code() : -SATORI_EINVAL;
        } catch (...) {
            return -SATORI_EIO;
        }
    }
    static int32_t set_rx_mode(void *c, satori_netdev *nd, uint32_t flags, const uint8_t *mcast,
                               uint32_t count) noexcept
    {
        try {
            std::span<const uint8_t> list;
            if (mcast && count) list = {mcast, std::size_t{count} * SATORI_NET_ALEN};
            return h(c) ? h(c)->set_rx_mode(nd, flags, list).code() : -SATORI_EINVAL;
        } catch (...) {
            return -SATORI_EIO;
        }
    }
};
inline constexpr satori_net_device_ops kNetDeviceOps = {
    sizeof(satori_net_device_ops), 0,       &NetDispatch::xmit,       &NetDispatch::set_up,
    &NetDispatch::set_mtu,         nullptr, &NetDispatch::set_rx_mode};
} // namespace detail

class NetDev;

/// Parameters of NetService::add_netdev (satori_netdev_params without the plumbing).
struct NetDevParams {
    uint32_t caps = 0;          ///< SATORI_NET_CAP_* bits
    const char *name = nullptr; ///< interface name wish, or nullptr
    uint8_t mac[6] = {};          ///< permanent MAC address
    uint32_t mtu = 1500;          ///< initial MTU (bytes of L3 payload)
    uint32_t mtu_min = 68;        ///< smallest MTU the device accepts
    uint32_t mtu_max = 1500;      ///< largest MTU the device accepts
    uint32_t tx_queues = 1;       ///< transmit queues (1 without sub-channels)
    uint32_t rx_queues = 1;       ///< receive queues
    uint32_t max_tx_segments = 0; ///< most scatter/gather segments per frame, 0 = no limit
    uint32_t gso_max_size = 0;    ///< largest GSO/LSO frame, 0 = no GSO
};

/// The `satori.net/1` table, looked up once. A default-constructed one is not valid.
class NetService {
  public:
    NetService() noexcept = default;
    /// Looks up `satori.net/1` through @p host; invalid when the shim lacks it.
    explicit NetService(const Host &host) noexcept : svc_(lookup(host)) {}

    /// The table when the shim provides every 1.0 function, else nullptr.
    static const satori_net_service *lookup(const Host &host) noexcept
    {
        const auto *svc = host.service<satori_net_service>(SATORI_SERVICE_NET);
        if (!SATORI_SDK_HAS(satori_net_service, svc, remove_netdev) || !svc->add_netdev ||
            !svc->tx_done || !svc->wake_queue || !svc->receive || !svc->set_link || !svc->stats ||
            !svc->remove_netdev)
            return nullptr;
        return svc;
    }
    /// True when the shim provides the service.
    bool valid() const noexcept { return svc_ != nullptr; }
    /// Same as valid().
    explicit operator bool() const noexcept { return valid(); }
    /// The C table, for calls the wrapper does not cover.
    const satori_net_service *c_service() const noexcept { return svc_; }

    /// Registers a network device of @p dev driven by @p handler. [probe]
    Result<NetDev> add_netdev(satori_device *dev, const NetDevParams &params,
                              NetDeviceHandler &handler) const noexcept;

  private:
    const satori_net_service *svc_ = nullptr;
};

/// A registered network device, removed exactly once (remove() or the destructor). Move-only.
class NetDev {
  public:
    NetDev() noexcept = default;
    /// Moves the registration; @p o is left empty.
    NetDev(NetDev &&o) noexcept
        : svc_(std::exchange(o.svc_, nullptr)), nd_(std::exchange(o.nd_, nullptr))
    {
    }
    /// Removes this device, then takes over @p o's registration.
    NetDev &operator=(NetDev &&o) noexcept
    {
        if (this != &o) {
            remove();
            svc_ = std::exchange(o.svc_, nullptr);
            nd_ = std::exchange(o.nd_, nullptr);
        }
        return *this;
    }
    NetDev(const NetDev &) = delete;
    NetDev &operator=(const NetDev &) = delete;
    ~NetDev() { remove(); }

    /// True while a device is registered.
    bool valid() const noexcept { return nd_ != nullptr; }
    /// Same as valid().
    explicit operator bool() const noexcept { return valid(); }
    /// The C handle, for calls the wrapper does not cover.
    satori_netdev *c_netdev() const noexcept { return nd_; }

    /// A transmitted frame is done. [any]
    void tx_done(uint64_t tag, Status status) const noexcept
    {
        if (nd_) svc_->tx_done(nd_, tag, status.code());
    }
    /// Queue @p queue may transmit again. [any]
    void wake_queue(uint32_t queue = 0) const noexcept
    {
        if (nd_) svc_->wake_queue(nd_, queue);
    }
    /// Hands a received frame up (copied before return). [any]
    Status receive(std::span<const std::byte> frame, const satori_net_meta *meta = nullptr,
                   uint32_t queue = 0) const noexcept
    {
        if (!nd_) return Status(-SATORI_EBADF);
        satori_net_rx rx{};
        rx.struct_size = sizeof(rx);
        rx.queue = queue;
        rx.data = frame.data();
        rx.len = static_cast<uint32_t>(frame.size());
        if (meta) rx.meta = *meta;
        return Status(svc_->receive(nd_, &rx));
    }
    /// Link state and speed in bit/s. [any]
    void set_link(bool up, uint64_t speed_bps = 0) const noexcept
    {
        if (nd_) svc_->set_link(nd_, up ? 1u : 0u, speed_bps);
    }
    /// The shim's counters. [any]
    Result<satori_net_stats> stats() const noexcept
    {
        if (!nd_) return Status(-SATORI_EBADF);
        satori_net_stats s{};
        s.struct_size = sizeof(s);
        if (Status st(svc_->stats(nd_, &s)); !st) return st;
        return s;
    }
    /// Removes the interface. [probe]
    void remove() noexcept
    {
        if (nd_) svc_->remove_netdev(std::exchange(nd_, nullptr));
        svc_ = nullptr;
    }

  private:
    friend class NetService;
    NetDev(const satori_net_service *svc, satori_netdev *nd) noexcept : svc_(svc), nd_(nd) {}
    const satori_net_service *svc_ = nullptr;
    satori_netdev *nd_ = nullptr;
};

inline Result<NetDev> NetService::add_netdev(satori_device *dev, const NetDevParams &params,
                                             NetDeviceHandler &handler) const noexcept
{
    if (!svc_) return Status(-SATORI_EOPNOTSUPP);
    satori_netdev_params p{};
    p.struct_size = sizeof(p);
    p.caps = params.caps;
    p.name = params.name;
    for (int i = 0; i < 6; ++i)
        p.mac[i] = params.mac[i];
    p.mtu = params.mtu;
    p.mtu_min = params.mtu_min;
    p.mtu_max = params.mtu_max;
    p.tx_queues = params.tx_queues;
    p.rx_queues = params.rx_queues;
    p.max_tx_segments = params.max_tx_segments;
    p.gso_max_size = params.gso_max_size;
    p.cookie = &handler;
    p.ops = &detail::kNetDeviceOps;
    satori_netdev *nd = nullptr;
    if (Status st(svc_->add_netdev(svc_, dev, &p, &nd)); !st) return st;
    return NetDev(svc_, nd);
}

} // namespace satori

#endif // SATORI_SDK_NET_HPP
