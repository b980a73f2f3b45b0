// SPDX-License-Identifier: MIT
// The per-channel control block (the callback cookie) and the Device's registry of them.
#ifndef SATORI_SDK_DETAIL_CHANNEL_CORE_HPP
#define SATORI_SDK_DETAIL_CHANNEL_CORE_HPP

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <satori/bus.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>

namespace satori {
class Device;
}

namespace satori::detail {

class ChannelRegistry;

/**
 * One open channel. Its address is the cookie the shim hands back to every callback, so it
 * lives on the heap and never moves, while satori::Channel handles to it move freely. The
 * owning Device's registry keeps it alive until the channel is closed for good.
 */
class ChannelCore : public std::enable_shared_from_this<ChannelCore> {
  public:
    ChannelCore(const satori_bus_ops *bus, Device *device, uint16_t sub_index) noexcept
        : bus_(bus), sub_index_(sub_index), device_(device)
    {
    }
    ChannelCore(const ChannelCore &) = delete;
    ChannelCore &operator=(const ChannelCore &) = delete;

    const satori_bus_ops *bus() const noexcept { return bus_; }
    uint16_t sub_index() const noexcept { return sub_index_; }
    satori_channel *handle() const noexcept { return handle_.load(std::memory_order_acquire); }
    Device *device() const noexcept { return device_.load(std::memory_order_acquire); }
    bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }

    /// The shim may deliver packets before channel_open has returned the handle; the first
    /// callback then supplies it. Both writers store the same value.
    void adopt_handle(satori_channel *ch) noexcept
    {
        satori_channel *expected = nullptr;
        handle_.compare_exchange_strong(expected, ch, std::memory_order_acq_rel);
    }
    void detach_device() noexcept { device_.store(nullptr, std::memory_order_release); }

    void set_registry(ChannelRegistry *registry) noexcept
    {
        registry_.store(registry, std::memory_order_release);
    }
    ChannelRegistry *registry() const noexcept { return registry_.load(std::memory_order_acquire); }

    bool in_own_callback() const noexcept
    {
        return dispatching_.load(std::memory_order_relaxed) == std::this_thread::get_id();
    }

    /**
     * Closes the channel. The ABI forbids channel_close from the channel's own callbacks, so
     * there it only stops deliveries and sends; the registry closes it when the device goes
     * away. @return true when the channel is closed on return.
     */
    bool close() noexcept
    {
        closing_.store(true, std::memory_order_release);
        if (in_own_callback()) return false;
        satori_channel *ch = handle_.exchange(nullptr, std::memory_order_acq_rel);
        if (ch && SATORI_SDK_HAS(satori_bus_ops, bus_, channel_close) && bus_->channel_close)
            bus_->channel_close(ch);
        return true;
    }

    /// Marks the current thread as running this channel's callback for its lifetime.
    class DispatchScope {
      public:
        explicit DispatchScope(ChannelCore &core) noexcept
            : core_(core), previous_(core.dispatching_.exchange(std::this_thread::get_id(),
                                                                std::memory_order_relaxed))
        {
        }
        ~DispatchScope() { core_.dispatching_.store(previous_, std::memory_order_relaxed); }
        DispatchScope(const DispatchScope &) = delete;
        DispatchScope &operator=(const DispatchScope &) = delete;

      private:
        ChannelCore &core_;
        std::thread::id previous_;
    };

  private:
    const satori_bus_ops *const bus_;
    const uint16_t sub_index_;
    std::atomic<satori_channel *> handle_{nullptr};
    std::atomic<Device *> device_;
    std::atomic<ChannelRegistry *> registry_{nullptr};
    std::atomic<bool> closing_{false};
    std::atomic<std::thread::id> dispatching_{};
};

/// The channels of one Device. Whatever is still registered when the device goes away
/// (leaked handles, closes requested from callbacks) is closed here, in [probe] context.
class ChannelRegistry {
  public:
    ChannelRegistry() = default;
    ChannelRegistry(const ChannelRegistry &) = delete;
    ChannelRegistry &operator=(const ChannelRegistry &) = delete;
    ~ChannelRegistry() { close_all(); }

    /// @throws std::bad_alloc
    void add(std::shared_ptr<ChannelCore> core)
    {
        std::lock_guard lock(mutex_);
        cores_.push_back(core);
        core->set_registry(this);
    }

    void remove(const ChannelCore *core) noexcept
    {
        std::shared_ptr<ChannelCore> released; // freed outside the lock
        std::lock_guard lock(mutex_);
        auto it = std::find_if(cores_.begin(), cores_.end(),
                               [core](const auto &c) { return c.get() == core; });
        if (it == cores_.end()) return;
        (*it)->set_registry(nullptr);
        released = std::move(*it);
        cores_.erase(it);
    }

    void close_all() noexcept
    {
        std::vector<std::shared_ptr<ChannelCore>> cores;
        {
            std::lock_guard lock(mutex_);
            cores.swap(cores_);
        }
        for (const auto &core : cores) {
            core->set_registry(nullptr);
            core->close();
            core->detach_device();
        }
    }

    std::size_t size() const noexcept
    {
        std::lock_guard lock(mutex_);
        return cores_.size();
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<ChannelCore>> cores_;
};

} // namespace satori::detail

#endif // SATORI_SDK_DETAIL_CHANNEL_CORE_HPP
