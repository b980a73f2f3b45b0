// SPDX-License-Identifier: MIT
// One attached guest: its memory, the control thread running the VMBus server, the message
// delivery thread, timers, and the routing of guest signals to channels.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <satori/sim/host.hpp>

#include "vmbus/channel_routes.hpp"
#include "vmbus/session_env.hpp"
#include "vmbus/synic_port.hpp"
#include "vmbus/vmbus_server.hpp"

namespace satori::sim::detail {

class Session {
  public:
    Session(std::shared_ptr<SessionEnv> env, const HostConfig &config,
            std::vector<std::shared_ptr<Vsp>> devices);
    ~Session();

    /// HvCallPostMessage. @context guest thread.
    uint32_t post_message(uint32_t connection_id, uint32_t message_type, const void *payload,
                          uint32_t payload_size);
    /// HvCallSignalEvent. @context guest thread.
    uint32_t signal_event(uint32_t connection_id, uint16_t flag_number);

    /// Queues an API request for the control thread. False once shut down.
    bool push(Command c) { return env_->queue->push(std::move(c)); }
    /// Joins every thread (VSP on_close callbacks run). False if called on one of this
    /// session's own threads, where it cannot join itself.
    bool shutdown();

    std::shared_ptr<ChannelRuntime> channel(uint32_t relid) const
    {
        return routes_.by_relid(relid);
    }
    SynicPort &synic() noexcept { return synic_; }
    const OfferSnapshot &snapshot() const noexcept { return snapshot_; }

  private:
    void control_loop();
    void scan_interrupt_page(uint64_t gpa);

    std::shared_ptr<SessionEnv> env_;
    uint32_t max_version_;
    size_t max_queued_;
    ChannelRoutes routes_;
    OfferSnapshot snapshot_;
    SynicPort synic_;
    VmbusServer server_;
    std::thread control_;
    bool shut_down_ = false;
};

} // namespace satori::sim::detail
