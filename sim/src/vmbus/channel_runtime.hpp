// SPDX-License-Identifier: MIT
// One open channel on the host: its two rings, its data-path thread and the HostChannel a
// VSP talks to.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <satori/sim/host.hpp>
#include <satori/sim/host_channel.hpp>

#include "ring/incoming_ring.hpp"
#include "ring/outgoing_ring.hpp"
#include "vmbus/gpadl.hpp"
#include "vmbus/session_env.hpp"

namespace satori::sim::detail {

class ChannelRuntime final : public HostChannel {
  public:
    struct Params {
        uint32_t relid = 0;
        uint16_t sub_channel_index = 0;
        uint32_t target_vp = 0;
        uint32_t vmbus_version = 0;
        uint64_t interrupt_page = 0; ///< < 2.4: GPA of the shared interrupt page, else 0
        std::array<uint8_t, 120> user_data{};
        std::shared_ptr<Vsp> vsp;
        std::shared_ptr<const Gpadl> ring_gpadl;
        uint32_t downstream_page_offset = 0;
        std::shared_ptr<GpadlTable> gpadls;
    };

    /// Maps and checks the ring GPADL; nullptr + @p why if the guest's rings are unusable.
    static std::shared_ptr<ChannelRuntime> create(std::shared_ptr<SessionEnv> env, Params p,
                                                  std::string &why);
    ~ChannelRuntime() override;

    /// Starts the data-path thread: on_open, then drain on every guest signal.
    void start();
    /// Closes: sends fail from now on, the thread is joined after on_close. Idempotent.
    void stop();
    /// The guest signalled this channel's connection id.
    void on_guest_signal();
    void set_target_vp(uint32_t vp) noexcept { target_vp_.store(vp, std::memory_order_relaxed); }

    // Test hooks (TestHooks).
    int32_t inject(std::span<const std::byte> bytes);
    int32_t access_word(RingSide side, RingWord word, uint32_t *write, uint32_t *read);
    int32_t raise_signal();

    // HostChannel
    uint32_t relid() const noexcept override { return p_.relid; }
    uint16_t sub_channel_index() const noexcept override { return p_.sub_channel_index; }
    Vsp &vsp() const noexcept override { return *p_.vsp; }
    std::span<const std::byte> open_user_data() const noexcept override
    {
        return std::as_bytes(std::span(p_.user_data));
    }
    uint32_t vmbus_version() const noexcept override { return p_.vmbus_version; }
    int32_t send_inband(std::span<const std::byte> payload, uint64_t transaction_id,
                        bool completion_requested) override;
    int32_t send_completion(uint64_t transaction_id, std::span<const std::byte> payload) override;
    int32_t send_xfer_pages(uint16_t pageset_id, std::span<const XferPageRange> ranges,
                            std::span<const std::byte> payload, uint64_t transaction_id,
                            bool completion_requested) override;
    int32_t read_gpa(const HostPacket &pkt, uint64_t offset,
                     std::span<std::byte> dst) const override;
    int32_t write_gpa(const HostPacket &pkt, uint64_t offset,
                      std::span<const std::byte> src) const override;
    std::shared_ptr<const GpadlMapping> gpadl(uint32_t handle) const override;
    void offer_subchannels(uint16_t count) override;
    void ensure_subchannels(uint16_t total) override;
    void pause_reading() override;
    void resume_reading() override;
    Timers &timers() noexcept override { return *env_->timers; }
    void log(LogLevel level, std::string_view message) const override;
    bool is_open() const noexcept override { return !closed_.load(std::memory_order_acquire); }

  private:
    enum class State { created, running, stopped };

    ChannelRuntime(std::shared_ptr<SessionEnv> env, Params p,
                   std::shared_ptr<const GpadlMapping> rings, std::byte *in, uint32_t in_bytes,
                   std::byte *out, uint32_t out_bytes);

    void run();
    void drain(std::vector<std::byte> &buf);
    void deliver(const std::vector<std::byte> &raw);
    template <class F> void call_vsp(const char *what, F &&f) noexcept;
    /// Signals the guest for this channel. Caller holds send_mutex_ or is the data thread.
    void signal_guest();
    /// Writes a complete packet, waiting for space up to the send timeout.
    int32_t send_packet(std::span<const std::byte> packet);
    int32_t wait_for_space(std::unique_lock<std::mutex> &send_lock,
                           std::chrono::steady_clock::time_point deadline, uint32_t needed);

    std::shared_ptr<SessionEnv> env_;
    Params p_;
    std::shared_ptr<const GpadlMapping> rings_; ///< keeps both rings mapped
    ring::IncomingRing in_;
    ring::OutgoingRing out_;
    std::atomic<uint32_t> target_vp_;

    std::mutex state_mutex_;
    State state_ = State::created;
    std::thread thread_;

    std::mutex event_mutex_; ///< guards the three fields below
    std::condition_variable event_cv_;
    bool signal_pending_ = true; ///< drain once at start
    uint64_t signal_seq_ = 0;
    bool stop_ = false;
    std::atomic<bool> stopping_{false}; ///< lock-free copy of stop_ for the drain loop
    std::atomic<bool> paused_{false};   ///< pause_reading(): the drain loop stops early

    std::mutex send_mutex_; ///< one writer at a time; also orders closed_ against writes
    std::atomic<bool> closed_{false};
    bool out_broken_ = false; ///< the host no longer writes its ring; guarded by send_mutex_

    std::mutex reader_mutex_; ///< guards in_ and in_stopped_ (data thread and test hooks)
    bool in_stopped_ = false; ///< the host no longer reads the guest's ring
};

} // namespace satori::sim::detail
