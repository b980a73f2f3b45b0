// SPDX-License-Identifier: MIT
// Slots and transaction ids of in-hand requests (see request_tracker.hpp).
#include "request_tracker.hpp"

#include <utility>

namespace satori::storvsc {

Request *RequestTracker::allocate()
{
    uint32_t index = 0;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
    } else {
        if (slots_.size() >= max_) return nullptr;
        index = static_cast<uint32_t>(slots_.size());
        slots_.push_back(std::make_unique<Request>());
        slots_.back()->index = index;
    }
    Request &req = *slots_[index];
    req.state = RequestState::kQueued;
    ++active_;
    return &req;
}

Request *RequestTracker::find(uint64_t id) noexcept
{
    const uint64_t low = id & 0xffffffffu;
    if (low == 0 || low > slots_.size()) return nullptr;
    Request &req = *slots_[static_cast<std::size_t>(low - 1)];
    if (req.state == RequestState::kFree || req.generation != static_cast<uint32_t>(id >> 32))
        return nullptr;
    return &req;
}

void RequestTracker::release(Request &req, std::vector<DmaBuffer> &graveyard)
{
    if (req.state == RequestState::kFree) return;
    if (req.buffer) graveyard.push_back(std::move(req.buffer));
    const uint32_t index = req.index;
    uint32_t generation = req.generation + 1;
    if (generation == 0) generation = 1; // never 0: keeps ids recognisably ours
    req = Request{};
    req.index = index;
    req.generation = generation;
    req.state = RequestState::kFree;
    free_.push_back(index);
    --active_;
}

} // namespace satori::storvsc
