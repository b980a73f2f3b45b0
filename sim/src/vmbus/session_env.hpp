// SPDX-License-Identifier: MIT
// What one guest connection shares between the control thread, the delivery thread and the
// channels. Channels hold it by shared_ptr, so a VSP that keeps a channel past disconnect
// still touches only live objects (and gets -SATORI_ENODEV).
#pragma once

#include <chrono>
#include <memory>

#include "common/counters.hpp"
#include "common/logger.hpp"
#include "memory/guest_memory.hpp"
#include "timers/timer_service.hpp"
#include "vmbus/guest_link.hpp"
#include "vmbus/inbound_queue.hpp"

namespace satori::sim::detail {

struct SessionEnv {
    std::shared_ptr<const Logger> log;
    std::shared_ptr<Counters> counters;
    GuestLink guest;
    std::unique_ptr<GuestMemory> memory;
    std::unique_ptr<TimerService> timers;
    std::shared_ptr<InboundQueue> queue;
    std::chrono::milliseconds send_timeout{5000};
};

} // namespace satori::sim::detail
