// SPDX-License-Identifier: MIT
// The data-path side: channel open/close, copying each guest packet out, the handshake on
// the primary channel (§9), and admission of SCSI requests (queue depth, §12).
#include <algorithm>
#include <cstring>
#include <iterator>

#include <satori/sim/vmbus_version.hpp>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim {

namespace vstor = detail::vstor;
using detail::storvsp::packet_size_for;

namespace {

detail::storvsp::Request copy_request(const HostPacket &pkt)
{
    detail::storvsp::Request r;
    r.transaction_id = pkt.transaction_id;
    r.payload_size = pkt.payload.size();
    if (!pkt.payload.empty())
        std::memcpy(r.head.data(), pkt.payload.data(), std::min(r.head.size(), pkt.payload.size()));
    std::memcpy(&r.operation, r.head.data(), sizeof(r.operation));
    r.data.type = pkt.type;
    r.data.flags = pkt.flags;
    r.data.transaction_id = pkt.transaction_id;
    r.data.gpa_ranges = pkt.gpa_ranges;
    return r;
}

bool is_io(uint32_t op)
{
    return op == vstor::kOpExecuteSrb || op == vstor::kOpResetLun || op == vstor::kOpResetAdapter ||
           op == vstor::kOpResetBus;
}

} // namespace

void StorvspVsp::Impl::on_open(HostChannel &ch)
{
    auto ctx = std::make_shared<Ctx>();
    ctx->ch = ch.shared();
    ctx->index = ch.sub_channel_index();
    {
        std::lock_guard lock(mutex);
        channels[&ch] = ctx;
        if (ctx->index == 0) {
            primary = ctx;
            handshake.reset();
            subchannels_requested = 0;
        }
    }
    with_channel_stats(ctx->index, [&](StorvspChannelStats &s) {
        s.sub_channel_index = ctx->index;
        s.open = true;
        s.in_flight = 0;
    });
}

void StorvspVsp::Impl::on_close(HostChannel &ch)
{
    std::shared_ptr<Ctx> ctx;
    std::vector<Outgoing> dropped_held;
    size_t still_held = 0;
    uint32_t dropped = 0;
    {
        std::lock_guard lock(mutex);
        auto it = channels.find(&ch);
        if (it == channels.end()) return;
        ctx = it->second;
        channels.erase(it);
        if (primary == ctx) {
            primary.reset();
            handshake.reset();
        }
        {
            // Closed before the held list is pruned (both under `mutex`), so finish() can
            // no longer hold a completion of this channel.
            std::lock_guard clock(ctx->mutex);
            ctx->open = false;
            dropped = static_cast<uint32_t>(ctx->stash.size() + ctx->resets.size());
            ctx->stash.clear();
            ctx->resets.clear();
        }
        // Held completions of this channel could never be sent; they would also keep the
        // channel (and through it this VSP) alive.
        auto keep = std::partition(held.begin(), held.end(),
                                   [&](const Outgoing &o) { return o.ctx != ctx; });
        std::move(keep, held.end(), std::back_inserter(dropped_held));
        held.erase(keep, held.end());
        still_held = held.size();
        dropped += static_cast<uint32_t>(dropped_held.size());
        std::lock_guard clock(ctx->mutex);
        ctx->in_flight -= std::min(ctx->in_flight, dropped);
    }
    std::lock_guard lock(stats_mutex);
    stats.in_flight -= std::min(stats.in_flight, dropped);
    stats.completions_held = still_held;
    StorvspChannelStats &s = channel_stats[ctx->index];
    s.open = false;
    s.in_flight = 0;
}

void StorvspVsp::Impl::protocol_error(Ctx &ctx, const std::string &what)
{
    ctx.ch->log(LogLevel::warn, "storvsp: " + what);
    with_stats([](StorvspStats &s) { ++s.protocol_errors; });
}

void StorvspVsp::Impl::reply_now(Ctx &ctx, const Request &req, uint32_t status,
                                 std::span<const std::byte> body)
{
    size_t size = req.payload_size;
    if (size < vstor::kHeaderBytes) {
        // Too short to carry a status: answer with a full packet of the negotiated size.
        std::lock_guard lock(mutex);
        size = packet_size_for(handshake.version());
    }
    send(ctx, req.transaction_id, detail::storvsp::completion_payload(size, status, body));
}

void StorvspVsp::Impl::on_packet(HostChannel &ch, const HostPacket &pkt)
{
    std::shared_ptr<Ctx> ctx;
    {
        std::lock_guard lock(mutex);
        auto it = channels.find(&ch);
        if (it == channels.end()) return;
        ctx = it->second;
    }
    with_channel_stats(ctx->index, [](StorvspChannelStats &s) { ++s.requests; });
    if (!pkt.completion_requested()) {
        // OpenVMM: "NotTransactional". Without the flag there is nothing to answer.
        protocol_error(*ctx, "packet without the VMBus completion flag ignored");
        return;
    }
    Request req = copy_request(pkt);
    if (pkt.type != PacketType::data_inband && pkt.type != PacketType::data_using_gpa_direct) {
        protocol_error(*ctx, "packet of VMBus type " + std::to_string(unsigned(pkt.type)) +
                                 " is neither in-band nor GPA-direct");
        with_stats([](StorvspStats &s) { ++s.malformed; });
        reply_now(*ctx, req, vstor::kStatusInvalidParameter);
        return;
    }
    if (req.payload_size < vstor::kHeaderBytes) {
        protocol_error(*ctx, "vstor packet of " + std::to_string(req.payload_size) +
                                 " bytes is shorter than its 12-byte header");
        with_stats([](StorvspStats &s) { ++s.malformed; });
        reply_now(*ctx, req, vstor::kStatusInvalidParameter);
        return;
    }
    if (is_io(req.operation))
        admit_io(ctx, std::move(req));
    else
        init_packet(ctx, req);
}

void StorvspVsp::Impl::init_packet(const std::shared_ptr<Ctx> &ctx, const Request &req)
{
    if (ctx->index != 0) {
        protocol_error(*ctx, "operation " + std::to_string(req.operation) + " on a sub-channel");
        reply_now(*ctx, req, vstor::kStatusInvalidDeviceState);
        return;
    }
    detail::storvsp::HandshakeLimits limits;
    limits.max_subchannels = ctx->ch->vmbus_version() >= kVmbusWin8 ? config.max_subchannels : 0;
    limits.max_transfer_bytes = config.max_transfer_bytes;
    const auto body = std::span(req.head).subspan(vstor::kHeaderBytes);
    detail::storvsp::InitReply r;
    std::vector<std::pair<std::shared_ptr<Ctx>, std::vector<Request>>> stashed;
    {
        std::lock_guard lock(mutex);
        r = handshake.on_packet(req.operation, body, limits);
        if (r.subchannels > subchannels_requested) subchannels_requested = r.subchannels;
        if (r.became_ready) {
            for (auto &[key, c] : channels) {
                std::lock_guard clock(c->mutex);
                if (c->stash.empty()) continue;
                stashed.emplace_back(c, std::move(c->stash));
                c->stash.clear();
                reconcile_locked(*c);
            }
        }
    }
    if (r.status == vstor::kStatusRevisionMismatch)
        with_stats([](StorvspStats &s) { ++s.version_mismatches; });
    if (r.out_of_state)
        protocol_error(*ctx, "operation " + std::to_string(req.operation) +
                                 " not expected now: INVALID_DEVICE_STATE");
    else if (r.became_ready)
        ctx->ch->log(LogLevel::info, "storvsp: ready");
    // Sub-channel offers travel on the control path: the guest may see them before or
    // after this completion (Linux registers its offer callback before asking).
    if (r.subchannels > 0) ctx->ch->ensure_subchannels(r.subchannels);
    reply_now(*ctx, req, r.status, r.body);
    for (auto &[c, reqs] : stashed)
        for (Request &q : reqs)
            dispatch(c, std::move(q));
}

void StorvspVsp::Impl::admit_io(const std::shared_ptr<Ctx> &ctx, Request req)
{
    enum class Route { reject, stash, run } route;
    {
        std::lock_guard lock(mutex);
        route = handshake.ready() ? Route::run : ctx->index == 0 ? Route::reject : Route::stash;
        if (route != Route::reject) {
            std::lock_guard clock(ctx->mutex);
            req.seq = admit_locked(*ctx);
            if (route == Route::stash) {
                // A sub-channel used before the primary is ready: keep the request and stop
                // reading this ring until the primary is ready (§10).
                ctx->stash.push_back(std::move(req));
                reconcile_locked(*ctx);
            }
        }
    }
    if (route == Route::reject) {
        protocol_error(*ctx,
                       "operation " + std::to_string(req.operation) + " before END_INITIALIZATION");
        reply_now(*ctx, req, vstor::kStatusInvalidDeviceState);
    } else if (route == Route::run) {
        dispatch(ctx, std::move(req));
    }
}

void StorvspVsp::Impl::dispatch(const std::shared_ptr<Ctx> &ctx, Request req)
{
    if (req.operation != vstor::kOpExecuteSrb) {
        add_reset(ctx, req);
        return;
    }
    pool.submit([this, ctx, req = std::move(req)] { execute_srb(ctx, req); });
}

} // namespace satori::sim
