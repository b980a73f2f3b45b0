// SPDX-License-Identifier: MIT
// Which connection id reaches which channel, for guest signals (guest threads) and test
// hooks; written by the control thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "vmbus/channel_runtime.hpp"

namespace satori::sim::detail {

class ChannelRoutes {
  public:
    /// An offered channel: signals to @p connection_id are accepted (and ignored while closed).
    void add(uint32_t connection_id, uint32_t relid)
    {
        std::lock_guard lock(mutex_);
        by_connection_[connection_id] = Route{relid, nullptr};
    }
    void set_runtime(uint32_t connection_id, std::shared_ptr<ChannelRuntime> rt)
    {
        std::lock_guard lock(mutex_);
        auto it = by_connection_.find(connection_id);
        if (it != by_connection_.end()) it->second.runtime = std::move(rt);
    }
    void remove(uint32_t connection_id)
    {
        std::lock_guard lock(mutex_);
        by_connection_.erase(connection_id);
    }
    void clear()
    {
        std::lock_guard lock(mutex_);
        by_connection_.clear();
        interrupt_page_ = 0;
    }
    void set_interrupt_page(uint64_t gpa)
    {
        std::lock_guard lock(mutex_);
        interrupt_page_ = gpa;
    }

    /// False if nothing listens on @p connection_id; @p rt is null for a closed channel.
    bool find(uint32_t connection_id, std::shared_ptr<ChannelRuntime> &rt) const
    {
        std::lock_guard lock(mutex_);
        auto it = by_connection_.find(connection_id);
        if (it == by_connection_.end()) return false;
        rt = it->second.runtime;
        return true;
    }
    std::shared_ptr<ChannelRuntime> by_relid(uint32_t relid) const
    {
        std::lock_guard lock(mutex_);
        for (const auto &[id, route] : by_connection_)
            if (route.relid == relid) return route.runtime;
        return nullptr;
    }
    uint64_t interrupt_page() const
    {
        std::lock_guard lock(mutex_);
        return interrupt_page_;
    }

  private:
    struct Route {
        uint32_t relid;
        std::shared_ptr<ChannelRuntime> runtime;
    };
    mutable std::mutex mutex_;
    std::map<uint32_t, Route> by_connection_;
    uint64_t interrupt_page_ = 0;
};

/// What Host::offers() and Host::negotiated_version() report.
class OfferSnapshot {
  public:
    void publish(std::vector<OfferInfo> offers, uint32_t version)
    {
        std::lock_guard lock(mutex_);
        offers_ = std::move(offers);
        version_ = version;
    }
    std::vector<OfferInfo> offers() const
    {
        std::lock_guard lock(mutex_);
        return offers_;
    }
    uint32_t version() const
    {
        std::lock_guard lock(mutex_);
        return version_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<OfferInfo> offers_;
    uint32_t version_ = 0;
};

} // namespace satori::sim::detail
