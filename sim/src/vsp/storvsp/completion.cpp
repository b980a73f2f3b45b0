// SPDX-License-Identifier: MIT
// The way back to the guest: queue-depth accounting, the completion fault hooks (delay,
// hold, unknown id), resets that wait for the I/O before them, and sending.
#include <algorithm>

#include <satori/errno.h>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim {

namespace vstor = detail::vstor;

uint64_t StorvspVsp::Impl::admit_locked(Ctx &ctx)
{
    const uint64_t seq = ctx.next_seq++;
    ctx.outstanding.insert(seq);
    ++ctx.in_flight;
    reconcile_locked(ctx);
    std::lock_guard lock(stats_mutex);
    StorvspChannelStats &c = channel_stats[ctx.index];
    c.in_flight = ctx.in_flight;
    c.in_flight_peak = std::max(c.in_flight_peak, ctx.in_flight);
    ++stats.in_flight;
    stats.in_flight_peak = std::max(stats.in_flight_peak, stats.in_flight);
    return seq;
}

void StorvspVsp::Impl::reconcile_locked(Ctx &ctx)
{
    if (!ctx.open) return;
    const bool want = ctx.in_flight >= config.io_queue_depth || !ctx.stash.empty();
    if (want && !ctx.paused) {
        ctx.paused = true;
        ctx.ch->pause_reading();
        with_channel_stats(ctx.index, [](StorvspChannelStats &s) { ++s.ring_pauses; });
    } else if (!want && ctx.paused) {
        ctx.paused = false;
        ctx.ch->resume_reading();
    }
}

bool StorvspVsp::Impl::send(Ctx &ctx, uint64_t transaction_id, std::span<const std::byte> payload)
{
    const int32_t err = ctx.ch->send_completion(transaction_id, payload);
    if (err == 0) {
        with_channel_stats(ctx.index, [](StorvspChannelStats &s) { ++s.completions; });
        return true;
    }
    if (err != -SATORI_ENODEV) { // a closed channel is expected to refuse
        ctx.ch->log(LogLevel::warn,
                    "storvsp: completion not sent (error " + std::to_string(err) + ")");
        with_stats([](StorvspStats &s) { ++s.send_failures; });
    }
    return false;
}

void StorvspVsp::Impl::finish(Outgoing out)
{
    std::chrono::milliseconds wait;
    {
        std::lock_guard lock(mutex);
        if (unknown_id_count > 0) {
            --unknown_id_count;
            out.bogus_id = true;
            out.then_real = unknown_then_real;
        }
        bool open;
        {
            std::lock_guard clock(out.ctx->mutex);
            open = out.ctx->open;
        }
        // A closed channel's completion is not held: it could never be sent, and it would
        // keep the channel (and through it this VSP) alive.
        if (hold && open) {
            held.push_back(std::move(out));
            const size_t n = held.size();
            with_stats([n](StorvspStats &s) { s.completions_held = n; });
            return;
        }
        wait = delay;
    }
    if (wait.count() > 0) {
        Timers &timers = out.ctx->ch->timers();
        timers.start(wait, std::chrono::nanoseconds(0), [this, out] { deliver(out); });
        return;
    }
    deliver(out);
}

void StorvspVsp::Impl::deliver(const Outgoing &out)
{
    if (deliver_faulty(out)) return; // faults.cpp
    if (out.bogus_id) {
        uint64_t id;
        {
            std::lock_guard lock(mutex);
            id = next_bogus_id++;
        }
        send(*out.ctx, id, out.payload);
    }
    if (!out.bogus_id || out.then_real) send(*out.ctx, out.transaction_id, out.payload);
    retire(out.ctx, out.seq);
}

size_t StorvspVsp::Impl::release(bool stop_holding)
{
    std::vector<Outgoing> out;
    {
        std::lock_guard lock(mutex);
        if (stop_holding) hold = false;
        out.swap(held);
    }
    with_stats([](StorvspStats &s) { s.completions_held = 0; });
    for (const Outgoing &o : out)
        deliver(o);
    return out.size();
}

void StorvspVsp::Impl::add_reset(const std::shared_ptr<Ctx> &ctx, const Request &req)
{
    {
        std::lock_guard lock(ctx->mutex);
        ctx->resets.push_back({req.transaction_id, req.payload_size, req.seq});
    }
    retire(ctx, 0); // seq 0 is never used: just looks for resets that may complete now
}

void StorvspVsp::Impl::retire(const std::shared_ptr<Ctx> &ctx, uint64_t seq)
{
    // A reset completes once nothing admitted before it is still in flight (§11: the guest
    // waits for the reset, then for its outstanding I/O).
    for (;;) {
        detail::storvsp::PendingReset done;
        bool found = false;
        {
            std::lock_guard lock(ctx->mutex);
            if (seq != 0 && ctx->outstanding.erase(seq) != 0) {
                --ctx->in_flight;
                reconcile_locked(*ctx);
                std::lock_guard slock(stats_mutex);
                channel_stats[ctx->index].in_flight = ctx->in_flight;
                if (stats.in_flight > 0) --stats.in_flight;
            }
            const uint64_t oldest = ctx->outstanding.empty() ? 0 : *ctx->outstanding.begin();
            auto it = std::find_if(ctx->resets.begin(), ctx->resets.end(),
                                   [&](const auto &r) { return r.seq == oldest; });
            if (it != ctx->resets.end()) {
                done = *it;
                ctx->resets.erase(it);
                found = true;
            }
        }
        if (!found) return;
        with_stats([](StorvspStats &s) { ++s.resets; });
        send(*ctx, done.transaction_id,
             detail::storvsp::completion_payload(done.payload_size, vstor::kStatusSuccess, {}));
        seq = done.seq;
    }
}

} // namespace satori::sim
