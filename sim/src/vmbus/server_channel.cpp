// SPDX-License-Identifier: MIT
// OPENCHANNEL / CLOSECHANNEL / MODIFYCHANNEL / TL_CONNECT_REQUEST (vmbus.md §8.3).
#include "vmbus/vmbus_server.hpp"

#include <satori/sim/vmbus_version.hpp>

namespace satori::sim::detail {

using wire::MsgType;

namespace {

constexpr uint32_t kNoInterrupts = 0xFFFFFFFFu;

} // namespace

void VmbusServer::on_open_channel(std::span<const std::byte> msg)
{
    auto m = parse<wire::OpenChannel>(msg, "OPENCHANNEL");
    if (!m) return;
    Channel *ch = find_channel(m->child_relid);
    if (!ch) {
        protocol_error("OPENCHANNEL for unknown relid " + std::to_string(m->child_relid));
        return;
    }
    if (ch->state == ChannelState::open) {
        protocol_error("OPENCHANNEL for relid " + std::to_string(ch->relid) +
                       ", which is already open; ignored");
        return;
    }
    auto result = wire::make<wire::OpenChannelResult>(MsgType::open_channel_result);
    result.child_relid = m->child_relid;
    result.open_id = m->open_id;
    result.status = wire::kStatusUnsuccessful;
    auto fail = [&](const std::string &why) {
        log_.warn("OPENCHANNEL relid ", ch->relid, " refused: ", why);
        send(result);
    };
    if (ch->state == ChannelState::revoked) return fail("the channel was rescinded");
    auto g = ch->gpadls.find(m->ring_gpadl);
    if (g == ch->gpadls.end())
        return fail("ring GPADL " + std::to_string(m->ring_gpadl) + " does not exist");

    ChannelRuntime::Params p;
    p.relid = ch->relid;
    p.sub_channel_index = ch->sub_channel_index;
    p.target_vp = version_ >= kVmbusWin8 ? m->target_vp : 0;
    p.vmbus_version = version_;
    p.interrupt_page = interrupt_page_;
    p.user_data = m->user_data;
    p.vsp = ch->vsp;
    p.ring_gpadl = g->second;
    p.downstream_page_offset = m->downstream_page_offset;
    p.gpadls = ch->table;
    std::string why;
    auto rt = ChannelRuntime::create(env_, std::move(p), why);
    if (!rt) return fail(why);

    ch->state = ChannelState::open;
    ch->runtime = rt;
    ch->ring_gpadl = m->ring_gpadl;
    routes_.set_runtime(ch->connection_id, rt);
    Counters::bump(env_->counters->channels_opened);
    log_.debug("relid ", ch->relid, " open (ring GPADL ", Hex{m->ring_gpadl}, ", VP ", m->target_vp,
               ")");
    result.status = 0;
    // The VSP starts only once the guest has the result, so its first packets and signals
    // reach a guest that knows the channel is open.
    send(result, [rt] { rt->start(); });
}

void VmbusServer::on_close_channel(std::span<const std::byte> msg)
{
    auto m = parse<wire::RelidOnly>(msg, "CLOSECHANNEL");
    if (!m) return;
    Channel *ch = find_channel(m->child_relid);
    if (!ch) {
        protocol_error("CLOSECHANNEL for unknown relid " + std::to_string(m->child_relid));
        return;
    }
    if (ch->state == ChannelState::revoked) {
        log_.debug("CLOSECHANNEL for rescinded relid ", ch->relid, " (already closed)");
        return;
    }
    if (ch->state != ChannelState::open) {
        protocol_error("CLOSECHANNEL for relid " + std::to_string(ch->relid) +
                       ", which is not open");
        return;
    }
    close_channel(*ch); // no reply: there is no close-complete message
}

void VmbusServer::stop_runtime(Channel &ch)
{
    auto rt = std::move(ch.runtime);
    routes_.set_runtime(ch.connection_id, nullptr);
    rt->stop(); // the VSP's on_close runs (and finishes) here
    Counters::bump(env_->counters->channels_closed);
    ch.state = ChannelState::offered;
    log_.debug("relid ", ch.relid, " closed");
}

void VmbusServer::close_channel(Channel &ch)
{
    stop_runtime(ch);
    if (ch.teardown_pending.count(ch.ring_gpadl)) finish_teardown(ch, ch.ring_gpadl);
    ch.ring_gpadl = 0;
}

void VmbusServer::on_modify_channel(std::span<const std::byte> msg)
{
    auto m = parse<wire::ModifyChannel>(msg, "MODIFYCHANNEL");
    if (!m) return;
    Channel *ch = find_channel(m->child_relid);
    uint32_t status = 0;
    if (!ch || ch->state != ChannelState::open || m->target_vp == kNoInterrupts) {
        protocol_error("MODIFYCHANNEL relid " + std::to_string(m->child_relid) + " to VP " +
                       std::to_string(m->target_vp) + ": channel not open or VP invalid");
        status = wire::kStatusUnsuccessful;
    } else {
        ch->runtime->set_target_vp(m->target_vp);
        log_.debug("relid ", ch->relid, " now interrupts VP ", m->target_vp);
    }
    if (version_ >= kVmbusWin10V5_3) {
        auto reply = wire::make<wire::ModifyChannelResponse>(MsgType::modify_channel_response);
        reply.child_relid = m->child_relid;
        reply.status = status;
        send(reply);
    }
}

void VmbusServer::on_tl_connect_request(std::span<const std::byte> msg)
{
    auto m = parse<wire::TlConnectRequest>(msg, "TL_CONNECT_REQUEST");
    if (!m) return;
    log_.info("hv_sock connect request refused: hv_sock is not simulated");
    if (version_ < kVmbusWin10V4_1) return; // no way to tell a 4.0 guest
    auto reply = wire::make<wire::TlConnectResult>(MsgType::tl_connect_result);
    reply.endpoint_id = m->guest_endpoint_id;
    reply.service_id = m->host_service_id;
    reply.status = wire::kStatusConnectionRefused;
    send(reply);
}

} // namespace satori::sim::detail
