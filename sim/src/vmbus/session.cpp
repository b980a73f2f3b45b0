// SPDX-License-Identifier: MIT
#include "vmbus/session.hpp"

#include <atomic>
#include <cstring>

#include <satori/sim/vmbus_version.hpp>

namespace satori::sim::detail {

Session::Session(std::shared_ptr<SessionEnv> env, const HostConfig &config,
                 std::vector<std::shared_ptr<Vsp>> devices)
    : env_(std::move(env)), max_version_(config.max_version),
      max_queued_(config.max_queued_messages),
      synic_(env_->guest, *env_->log, *env_->counters, config.response_delay),
      server_(env_,
              ServerLimits{config.max_version, config.max_gpadls_in_progress,
                           config.max_gpadls_per_channel},
              synic_, routes_, snapshot_, std::move(devices))
{
    control_ = std::thread([this] { control_loop(); });
}

Session::~Session()
{
    shutdown();
}

void Session::control_loop()
{
    while (auto cmd = env_->queue->pop())
        server_.handle(*cmd);
    server_.shutdown();
}

bool Session::shutdown()
{
    if (shut_down_) return true;
    if (std::this_thread::get_id() == control_.get_id() || synic_.on_delivery_thread() ||
        env_->timers->on_timer_thread())
        return false;
    env_->queue->close();
    control_.join(); // closes every channel on the way out
    synic_.stop();
    env_->timers->stop();
    routes_.clear();
    shut_down_ = true;
    return true;
}

uint32_t Session::post_message(uint32_t connection_id, uint32_t message_type, const void *payload,
                               uint32_t payload_size)
{
    const bool listening =
        connection_id == wire::kMessageConnectionId ||
        (connection_id == wire::kMessageConnectionIdMultiClient && max_version_ >= kVmbusWin10V5);
    if (!listening) {
        env_->log->debug("post_message on connection id ", connection_id, ": nobody listens");
        return SATORI_HV_STATUS_INVALID_CONNECTION_ID;
    }
    if (message_type != wire::kVmbusMessageType || payload_size > wire::kMaxMessageBytes) {
        Counters::bump(env_->counters->protocol_errors);
        env_->log->warn("post_message: message type ", message_type, ", ", payload_size,
                        " bytes refused");
        return SATORI_HV_STATUS_INVALID_PARAMETER;
    }
    if (payload_size > 0 && !payload) return SATORI_HV_STATUS_INVALID_HYPERCALL_INPUT;
    GuestMessage m{connection_id, std::vector<std::byte>(payload_size)};
    if (payload_size > 0) std::memcpy(m.bytes.data(), payload, payload_size);
    if (!env_->queue->push(std::move(m), max_queued_)) return SATORI_HV_STATUS_INSUFFICIENT_BUFFERS;
    Counters::bump(env_->counters->messages_received);
    return SATORI_HV_STATUS_SUCCESS;
}

uint32_t Session::signal_event(uint32_t connection_id, uint16_t flag_number)
{
    (void)flag_number; // only 6.0 guests choose event flags
    Counters::bump(env_->counters->guest_signals);
    if (connection_id == wire::kSharedEventConnectionId) {
        if (const uint64_t page = routes_.interrupt_page(); page != 0) {
            scan_interrupt_page(page);
            return SATORI_HV_STATUS_SUCCESS;
        }
    }
    std::shared_ptr<ChannelRuntime> rt;
    if (!routes_.find(connection_id, rt)) return SATORI_HV_STATUS_INVALID_CONNECTION_ID;
    if (rt) rt->on_guest_signal();
    return SATORI_HV_STATUS_SUCCESS;
}

void Session::scan_interrupt_page(uint64_t gpa)
{
    // Pre-2.4 guests set bit relid in the guest->host half (second 2 KiB) of the interrupt
    // page and signal the shared event (vmbus.md §5.5). Take the bits atomically.
    constexpr uint64_t kGuestToHostHalf = 2048;
    for (uint32_t word = 0; word < kGuestToHostHalf / 4; ++word) {
        std::byte *p = env_->memory->at(gpa + kGuestToHostHalf + word * 4, 4);
        if (!p) return;
        uint32_t bits = std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(p))
                            .exchange(0, std::memory_order_acq_rel);
        while (bits != 0) {
            const int bit = __builtin_ctz(bits);
            bits &= bits - 1;
            if (auto rt = routes_.by_relid(word * 32 + static_cast<uint32_t>(bit)))
                rt->on_guest_signal();
        }
    }
}

} // namespace satori::sim::detail
