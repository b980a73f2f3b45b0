// SPDX-License-Identifier: MIT
// Channel lifecycle and the data-path thread (vmbus.md §8.5 reader duties).
#include "vmbus/channel_runtime.hpp"

#include <exception>

#include <satori/errno.h>

#include "ring/packet_parser.hpp"

namespace satori::sim::detail {

namespace {

constexpr uint32_t kMinRingPages = 2; // header page + at least one data page

} // namespace

std::shared_ptr<ChannelRuntime> ChannelRuntime::create(std::shared_ptr<SessionEnv> env, Params p,
                                                       std::string &why)
{
    const auto &ranges = p.ring_gpadl->ranges();
    if (ranges.size() != 1) {
        why = "ring GPADL must have exactly one range";
        return nullptr;
    }
    const GpadlRange &r = ranges.front();
    if (r.byte_offset != 0 || r.byte_count % kPageSize != 0) {
        why = "ring GPADL range must start at offset 0 and be a whole number of pages";
        return nullptr;
    }
    const uint64_t pages = r.byte_count / kPageSize;
    const uint64_t split = p.downstream_page_offset;
    if (split < kMinRingPages || pages < split + kMinRingPages) {
        why = "downstream ring page offset " + std::to_string(split) + " does not leave two " +
              "rings of at least 2 pages in a " + std::to_string(pages) + "-page GPADL";
        return nullptr;
    }
    int32_t err = 0;
    auto rings = p.ring_gpadl->mapping(*env->memory, err);
    if (!rings) {
        why = "cannot map the ring GPADL (error " + std::to_string(err) + ")";
        return nullptr;
    }
    std::byte *base = rings->buffer().data();
    const auto in_bytes = static_cast<uint32_t>(split * kPageSize);
    const auto out_bytes = static_cast<uint32_t>((pages - split) * kPageSize);
    std::shared_ptr<ChannelRuntime> rt(new ChannelRuntime(std::move(env), std::move(p), rings, base,
                                                          in_bytes, base + in_bytes, out_bytes));
    why = rt->in_.attach();
    if (why.empty()) why = rt->out_.attach();
    if (!why.empty()) return nullptr;
    return rt;
}

ChannelRuntime::ChannelRuntime(std::shared_ptr<SessionEnv> env, Params p,
                               std::shared_ptr<const GpadlMapping> rings, std::byte *in,
                               uint32_t in_bytes, std::byte *out, uint32_t out_bytes)
    : env_(std::move(env)), p_(std::move(p)), rings_(std::move(rings)), in_(in, in_bytes),
      out_(out, out_bytes), target_vp_(p_.target_vp)
{
}

ChannelRuntime::~ChannelRuntime()
{
    stop();
    if (thread_.joinable()) {
        // Only possible when the last reference died on the data thread itself.
        if (thread_.get_id() == std::this_thread::get_id())
            thread_.detach();
        else
            thread_.join();
    }
}

void ChannelRuntime::start()
{
    std::lock_guard lock(state_mutex_);
    if (state_ != State::created) return;
    state_ = State::running;
    thread_ = std::thread([this] { run(); });
}

void ChannelRuntime::stop()
{
    State prev;
    {
        std::lock_guard lock(state_mutex_);
        prev = state_;
        state_ = State::stopped;
    }
    if (prev == State::stopped) return;
    {
        std::lock_guard lock(event_mutex_);
        stop_ = true;
        stopping_.store(true, std::memory_order_relaxed);
        event_cv_.notify_all();
    }
    {
        // Waits for a send in progress; after this nothing writes the rings or signals.
        std::lock_guard lock(send_mutex_);
        closed_.store(true, std::memory_order_release);
    }
    if (prev == State::running && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ChannelRuntime::on_guest_signal()
{
    std::lock_guard lock(event_mutex_);
    signal_pending_ = true;
    ++signal_seq_;
    event_cv_.notify_all();
}

template <class F> void ChannelRuntime::call_vsp(const char *what, F &&f) noexcept
{
    try {
        f();
    } catch (const std::exception &e) {
        env_->log->error("relid ", p_.relid, ": VSP ", p_.vsp->info().name, " ", what,
                         " threw: ", e.what());
    } catch (...) {
        env_->log->error("relid ", p_.relid, ": VSP ", p_.vsp->info().name, " ", what,
                         " threw a non-std exception");
    }
}

void ChannelRuntime::run()
{
    call_vsp("on_open", [&] { p_.vsp->on_open(*this); });
    std::vector<std::byte> buf;
    std::unique_lock lock(event_mutex_);
    while (!stop_) {
        if (!signal_pending_) {
            event_cv_.wait(lock, [&] { return stop_ || signal_pending_; });
            continue;
        }
        signal_pending_ = false;
        lock.unlock();
        drain(buf);
        lock.lock();
    }
    lock.unlock();
    call_vsp("on_close", [&] { p_.vsp->on_close(*this); });
}

void ChannelRuntime::drain(std::vector<std::byte> &buf)
{
    std::string why;
    for (;;) {
        while (!stopping_.load(std::memory_order_relaxed) &&
               !paused_.load(std::memory_order_acquire)) {
            ring::IncomingRing::Status status;
            bool writer_waiting = false;
            {
                // Held only around ring accesses, so a test hook can freeze the ring between
                // two packets (the packet is copied out: the space is free before the VSP
                // runs).
                std::lock_guard lock(reader_mutex_);
                if (in_stopped_) return;
                in_.mask();
                status = in_.read(buf, why);
                if (status == ring::IncomingRing::Status::packet)
                    writer_waiting = in_.publish_and_check_writer(why);
                if (status == ring::IncomingRing::Status::corrupt)
                    in_stopped_ = true; // stays masked: no need to signal a ring nobody reads
            }
            if (status == ring::IncomingRing::Status::empty) break;
            if (status == ring::IncomingRing::Status::corrupt) {
                env_->log->error("relid ", p_.relid, ": corrupt guest->host ring (", why,
                                 "); the host stops reading this channel");
                Counters::bump(env_->counters->ring_errors);
                return;
            }
            Counters::bump(env_->counters->packets_received);
            if (writer_waiting) {
                std::lock_guard lock(send_mutex_);
                if (!closed_.load(std::memory_order_relaxed)) signal_guest();
            }
            deliver(buf);
        }
        // Paused: return still masked; resume_reading() re-arms a drain.
        if (stopping_.load(std::memory_order_relaxed) || paused_.load(std::memory_order_acquire))
            return;
        std::lock_guard lock(reader_mutex_);
        if (in_stopped_ || in_.unmask_and_check_empty()) return;
    }
}

void ChannelRuntime::deliver(const std::vector<std::byte> &raw)
{
    HostPacket pkt;
    const std::string why = ring::parse_packet(raw, *env_->memory, pkt);
    if (!why.empty()) {
        Counters::bump(env_->counters->packets_dropped);
        env_->log->warn("relid ", p_.relid, ": dropping guest packet: ", why);
        return;
    }
    call_vsp("on_packet", [&] { p_.vsp->on_packet(*this, pkt); });
}

void ChannelRuntime::signal_guest()
{
    Counters::bump(env_->counters->host_signals);
    if (p_.interrupt_page != 0) {
        // < 2.4: bit relid in the host->guest half of the interrupt page, then flag 0 on VP 0
        // (vmbus.md §5.5).
        const uint64_t gpa = p_.interrupt_page + (p_.relid / 32) * 4;
        if (std::byte *w = env_->memory->at(gpa, 4))
            std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t *>(w))
                .fetch_or(uint32_t{1} << (p_.relid % 32), std::memory_order_seq_cst);
        env_->guest.signal_event(0, SATORI_HV_VMBUS_SINT, 0);
        return;
    }
    const uint32_t vp = target_vp_.load(std::memory_order_relaxed);
    if (vp == 0xFFFFFFFFu) // the guest opened the channel with interrupts disabled
        return;
    env_->guest.signal_event(vp, SATORI_HV_VMBUS_SINT, p_.relid);
}

void ChannelRuntime::log(LogLevel level, std::string_view message) const
{
    env_->log->log(level, "relid ", p_.relid, " (", p_.vsp->info().name, "): ", message);
}

void ChannelRuntime::offer_subchannels(uint16_t count)
{
    if (closed_.load(std::memory_order_acquire)) return;
    env_->queue->push(OfferSubchannels{p_.relid, count, false});
}

void ChannelRuntime::ensure_subchannels(uint16_t total)
{
    if (closed_.load(std::memory_order_acquire)) return;
    env_->queue->push(OfferSubchannels{p_.relid, total, true});
}

void ChannelRuntime::pause_reading()
{
    paused_.store(true, std::memory_order_release);
}

void ChannelRuntime::resume_reading()
{
    if (!paused_.exchange(false, std::memory_order_acq_rel)) return;
    // Same wake-up as a guest signal: the run loop checks signal_pending_ under
    // event_mutex_, so a resume racing with the loop going to sleep is not lost.
    on_guest_signal();
}

} // namespace satori::sim::detail
