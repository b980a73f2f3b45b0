// SPDX-License-Identifier: MIT
// VirtualSwitch: a learning L2 switch between simulated NICs and host ports.
#include <algorithm>
#include <cstring>
#include <thread>

#include <satori/sim/netvsp.hpp>

namespace satori::sim {

namespace {
MacAddress mac_at(std::span<const std::byte> frame, size_t offset)
{
    MacAddress m{};
    std::memcpy(m.data(), frame.data() + offset, m.size());
    return m;
}
bool is_group(const MacAddress &m)
{
    return (m[0] & 0x01u) != 0;
}
constexpr size_t kMaxTable = 4096; // hostile guests cannot grow it without bound
} // namespace

VirtualSwitch::PortId VirtualSwitch::attach(Deliver deliver, std::string name)
{
    std::lock_guard lock(mu_);
    const PortId id = next_++;
    ports_.push_back({id, std::move(name), std::make_shared<Deliver>(std::move(deliver))});
    return id;
}

void VirtualSwitch::detach(PortId port)
{
    std::shared_ptr<Deliver> keep;
    {
        std::lock_guard lock(mu_);
        auto it =
            std::find_if(ports_.begin(), ports_.end(), [&](const Port &p) { return p.id == port; });
        if (it == ports_.end()) return;
        keep = std::move(it->deliver);
        ports_.erase(it);
        std::erase_if(table_, [&](const auto &e) { return e.second == port; });
    }
    // A deliver() running on another thread holds its own reference; wait until it is the
    // last one so that none runs after detach returns.
    while (keep.use_count() > 1)
        std::this_thread::yield();
}

void VirtualSwitch::send(PortId from, std::span<const std::byte> frame)
{
    std::vector<std::shared_ptr<Deliver>> targets;
    {
        std::lock_guard lock(mu_);
        ++stats_.frames;
        if (frame.size() < 14) {
            ++stats_.dropped;
            return;
        }
        const MacAddress dst = mac_at(frame, 0);
        const MacAddress src = mac_at(frame, 6);
        if (!is_group(src)) {
            auto it = std::find_if(table_.begin(), table_.end(),
                                   [&](const auto &e) { return e.first == src; });
            if (it != table_.end())
                it->second = from;
            else if (table_.size() < kMaxTable)
                table_.emplace_back(src, from);
        }
        PortId to = 0;
        if (!is_group(dst)) {
            auto it = std::find_if(table_.begin(), table_.end(),
                                   [&](const auto &e) { return e.first == dst; });
            if (it != table_.end()) to = it->second;
        }
        if (to == from && to != 0) {
            ++stats_.dropped;
            return;
        }
        for (const Port &p : ports_)
            if (p.id != from && (to == 0 || p.id == to)) targets.push_back(p.deliver);
        if (to != 0)
            ++stats_.unicast;
        else
            ++stats_.flooded;
    }
    for (auto &t : targets)
        (*t)(frame);
}

VirtualSwitch::Stats VirtualSwitch::stats() const
{
    std::lock_guard lock(mu_);
    Stats s = stats_;
    s.learned = table_.size();
    return s;
}

} // namespace satori::sim
