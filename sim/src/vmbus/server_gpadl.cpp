// SPDX-License-Identifier: MIT
// GPADL_HEADER / GPADL_BODY / GPADL_TEARDOWN (vmbus.md §4, §8.3).
#include "vmbus/vmbus_server.hpp"

namespace satori::sim::detail {

using wire::MsgType;

void VmbusServer::fail_gpadl(uint32_t relid, uint32_t handle, const std::string &why)
{
    Counters::bump(env_->counters->gpadls_failed);
    log_.warn("GPADL ", Hex{handle}, " on relid ", relid, " refused: ", why);
    auto reply = wire::make<wire::GpadlCreated>(MsgType::gpadl_created);
    reply.child_relid = relid;
    reply.gpadl = handle;
    reply.status = wire::kStatusUnsuccessful;
    send(reply);
}

void VmbusServer::on_gpadl_header(std::span<const std::byte> msg)
{
    auto m = parse<wire::GpadlHeader>(msg, "GPADL_HEADER");
    if (!m) return;
    const uint32_t relid = m->child_relid;
    const uint32_t handle = m->gpadl;
    Channel *ch = find_channel(relid);
    if (!ch || ch->state == ChannelState::revoked) {
        protocol_error("GPADL_HEADER for " + std::string(ch ? "rescinded" : "unknown") + " relid " +
                       std::to_string(relid));
        fail_gpadl(relid, handle, "no such channel");
        return;
    }
    if (in_progress_.count(handle)) {
        // GPADL_BODY carries no relid, so in-progress handles must be unique everywhere.
        fail_gpadl(relid, handle, "handle already being created");
        return;
    }
    if (ch->gpadls.count(handle)) {
        fail_gpadl(relid, handle, "handle already exists on this channel");
        return;
    }
    if (in_progress_.size() >= limits_.max_gpadls_in_progress) {
        fail_gpadl(relid, handle, "too many GPADLs being created at once");
        return;
    }
    if (ch->gpadls.size() >= limits_.max_gpadls_per_channel) {
        fail_gpadl(relid, handle, "too many GPADLs on this channel");
        return;
    }
    if (const std::string why = check_gpadl_header(m->range_buflen, m->range_count); !why.empty()) {
        fail_gpadl(relid, handle, why);
        return;
    }
    GpadlAssembly a(relid, handle, m->range_buflen, m->range_count);
    a.append(msg.subspan(sizeof(wire::GpadlHeader)));
    if (a.complete())
        complete_gpadl(a);
    else
        in_progress_.emplace(handle, std::move(a));
}

void VmbusServer::on_gpadl_body(std::span<const std::byte> msg)
{
    auto m = parse<wire::GpadlBody>(msg, "GPADL_BODY");
    if (!m) return;
    auto it = in_progress_.find(m->gpadl);
    if (it == in_progress_.end()) {
        protocol_error("GPADL_BODY for handle " + std::to_string(m->gpadl) +
                       ", which is not being created; dropped");
        return;
    }
    it->second.append(msg.subspan(sizeof(wire::GpadlBody)));
    if (!it->second.complete()) return;
    GpadlAssembly a = std::move(it->second);
    in_progress_.erase(it);
    complete_gpadl(a);
}

void VmbusServer::complete_gpadl(const GpadlAssembly &a)
{
    Channel *ch = find_channel(a.relid());
    if (!ch || ch->state == ChannelState::revoked) {
        fail_gpadl(a.relid(), a.handle(), "channel went away");
        return;
    }
    std::vector<GpadlRange> ranges;
    if (const std::string why = a.finish(*env_->memory, ranges); !why.empty()) {
        fail_gpadl(a.relid(), a.handle(), why);
        return;
    }
    auto g = std::make_shared<const Gpadl>(a.relid(), a.handle(), std::move(ranges));
    log_.debug("GPADL ", Hex{a.handle()}, " on relid ", a.relid(), ": ", g->ranges().size(),
               " ranges, ", g->page_count(), " pages");
    ch->gpadls.emplace(a.handle(), g);
    ch->table->add(std::move(g));
    Counters::bump(env_->counters->gpadls_created);
    auto reply = wire::make<wire::GpadlCreated>(MsgType::gpadl_created);
    reply.child_relid = a.relid();
    reply.gpadl = a.handle();
    reply.status = 0;
    send(reply);
}

void VmbusServer::on_gpadl_teardown(std::span<const std::byte> msg)
{
    auto m = parse<wire::GpadlTeardown>(msg, "GPADL_TEARDOWN");
    if (!m) return;
    Channel *ch = find_channel(m->child_relid);
    if (!ch) {
        protocol_error("GPADL_TEARDOWN for unknown relid " + std::to_string(m->child_relid));
        return;
    }
    const uint32_t handle = m->gpadl;
    if (ch->state == ChannelState::revoked) {
        // The host stopped using everything at rescind: answer at once (openvmm's rule).
        finish_teardown(*ch, handle);
        return;
    }
    auto in_progress = in_progress_.find(handle);
    if (in_progress != in_progress_.end() && in_progress->second.relid() == ch->relid) {
        protocol_error("GPADL_TEARDOWN of handle " + std::to_string(handle) +
                       ", which is still being created");
        return;
    }
    if (!ch->gpadls.count(handle)) {
        protocol_error("GPADL_TEARDOWN of unknown handle " + std::to_string(handle) + " on relid " +
                       std::to_string(ch->relid));
        return;
    }
    if (ch->teardown_pending.count(handle)) {
        protocol_error("GPADL_TEARDOWN of handle " + std::to_string(handle) + " sent twice");
        return;
    }
    if (ch->state == ChannelState::open && ch->ring_gpadl == handle) {
        // The rings are still in use: GPADL_TORNDOWN once the channel closes.
        protocol_error("GPADL_TEARDOWN of the ring GPADL of open relid " +
                       std::to_string(ch->relid) + "; deferred until close");
        ch->teardown_pending.insert(handle);
        return;
    }
    finish_teardown(*ch, handle);
}

void VmbusServer::finish_teardown(Channel &ch, uint32_t handle)
{
    ch.teardown_pending.erase(handle);
    if (ch.gpadls.erase(handle)) Counters::bump(env_->counters->gpadls_torn_down);
    ch.table->remove(handle);
    auto reply = wire::make<wire::GpadlTorndown>(MsgType::gpadl_torndown);
    reply.gpadl = handle;
    send(reply);
}

} // namespace satori::sim::detail
