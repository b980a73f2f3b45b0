// SPDX-License-Identifier: MIT
// Offers, hot-add, sub-channels, rescind and RELID_RELEASED (vmbus.md §3.3, §8.2, §8.4).
#include "vmbus/vmbus_server.hpp"

#include <algorithm>

#include <satori/sim/vmbus_version.hpp>

namespace satori::sim::detail {

using wire::MsgType;

namespace {

constexpr uint32_t kMaxRelid = 2047; // bit 0 of the 2048-bit event bitmap is not a channel
constexpr uint32_t kConnectionIdSint2 = 0x2000; // openvmm: relid | (sint << 12), VTL 0
constexpr uint8_t kNoMonitor = 0xFF;
constexpr uint16_t kDedicatedInterrupt = 0x1;
constexpr uint16_t kMaxSubChannels = 256;

} // namespace

void VmbusServer::add_device(std::shared_ptr<Vsp> vsp)
{
    if (find_device(vsp.get())) {
        log_.warn("device ", vsp->info().name, " added twice; ignored");
        return;
    }
    devices_.push_back(Device{std::move(vsp), {}, 1});
    if (connected_ && offers_requested_)
        offer_channel(devices_.back(), 0); // hot-add: no ALLOFFERS_DELIVERED
}

uint32_t VmbusServer::offer_channel(Device &dev, uint16_t sub_channel_index)
{
    uint32_t relid = 1;
    while (relid <= kMaxRelid && channels_.count(relid))
        ++relid;
    if (relid > kMaxRelid) {
        log_.error("no free relid for ", dev.vsp->info().name, "; not offered");
        return 0;
    }
    Channel ch;
    ch.relid = relid;
    ch.connection_id = relid | kConnectionIdSint2;
    ch.vsp = dev.vsp;
    ch.sub_channel_index = sub_channel_index;

    const VspInfo &info = dev.vsp->info();
    auto offer = wire::make<wire::OfferChannel>(MsgType::offer_channel);
    offer.if_type = info.class_id.bytes;
    offer.if_instance = info.instance_id.bytes;
    offer.chn_flags = info.offer_flags;
    offer.mmio_megabytes = info.mmio_megabytes;
    offer.user_defined = info.user_defined;
    offer.sub_channel_index = sub_channel_index;
    offer.child_relid = relid;
    offer.monitor_id = kNoMonitor;
    offer.monitor_allocated = 0;
    offer.interrupt_flags = kDedicatedInterrupt;
    offer.connection_id = ch.connection_id;

    routes_.add(ch.connection_id, relid);
    channels_.emplace(relid, std::move(ch));
    dev.relids.push_back(relid);
    Counters::bump(env_->counters->offers_sent);
    log_.debug("offer relid ", relid, ": ", info.name, " sub-channel ", sub_channel_index);
    send(offer);
    return relid;
}

void VmbusServer::offer_subchannels(uint32_t primary_relid, uint16_t count, bool up_to_total)
{
    Channel *primary = find_channel(primary_relid);
    if (!primary || primary->state == ChannelState::revoked || primary->sub_channel_index != 0) {
        log_.warn("sub-channels requested for relid ", primary_relid,
                  ", which is not a live primary channel");
        return;
    }
    if (version_ < kVmbusWin8) {
        log_.warn("sub-channels need VMBus 2.4; not offered");
        return;
    }
    Device *dev = find_device(primary->vsp.get());
    if (!dev) return;
    if (up_to_total) {
        const uint16_t offered = static_cast<uint16_t>(dev->next_sub_channel_index - 1);
        count = count > offered ? static_cast<uint16_t>(count - offered) : 0;
    }
    for (uint16_t i = 0; i < count; ++i) {
        if (dev->next_sub_channel_index > kMaxSubChannels) {
            log_.warn(dev->vsp->info().name, ": more than ", kMaxSubChannels,
                      " sub-channels requested; the rest are not offered");
            return;
        }
        if (offer_channel(*dev, dev->next_sub_channel_index) == 0) return;
        ++dev->next_sub_channel_index;
    }
}

void VmbusServer::rescind_device(const std::shared_ptr<Vsp> &vsp)
{
    auto it = std::find_if(devices_.begin(), devices_.end(),
                           [&](const Device &d) { return d.vsp == vsp; });
    if (it == devices_.end()) return;
    // Sub-channels first, the primary last.
    for (auto r = it->relids.rbegin(); r != it->relids.rend(); ++r)
        if (Channel *ch = find_channel(*r)) revoke_channel(*ch);
    devices_.erase(it);
}

void VmbusServer::revoke_channel(Channel &ch)
{
    if (ch.runtime) stop_runtime(ch);
    ch.state = ChannelState::revoked;
    auto rescind = wire::make<wire::RelidOnly>(MsgType::rescind_channel_offer);
    rescind.child_relid = ch.relid;
    send(rescind);
    Counters::bump(env_->counters->rescinds_sent);
    log_.info("rescind relid ", ch.relid, " (", ch.vsp->info().name, ")");
    // Then: GPADLs still being created fail; teardowns waiting for the close complete.
    for (auto it = in_progress_.begin(); it != in_progress_.end();) {
        if (it->second.relid() == ch.relid) {
            fail_gpadl(ch.relid, it->first, "channel rescinded");
            it = in_progress_.erase(it);
        } else {
            ++it;
        }
    }
    while (!ch.teardown_pending.empty())
        finish_teardown(ch, *ch.teardown_pending.begin());
}

void VmbusServer::on_relid_released(std::span<const std::byte> msg)
{
    auto m = parse<wire::RelidOnly>(msg, "RELID_RELEASED");
    if (!m) return;
    Channel *ch = find_channel(m->child_relid);
    if (!ch) {
        protocol_error("RELID_RELEASED for unknown relid " + std::to_string(m->child_relid));
        return;
    }
    if (ch->state != ChannelState::revoked) {
        protocol_error("RELID_RELEASED for relid " + std::to_string(ch->relid) +
                       ", which the host did not rescind");
        return;
    }
    ch->table->clear();
    routes_.remove(ch->connection_id);
    log_.debug("relid ", ch->relid, " released");
    channels_.erase(m->child_relid);
}

void VmbusServer::publish()
{
    auto state_of = [](ChannelState s) {
        switch (s) {
        case ChannelState::open:
            return OfferState::open;
        case ChannelState::revoked:
            return OfferState::rescinded;
        case ChannelState::offered:
            break;
        }
        return OfferState::offered;
    };
    auto info_of = [&](const Vsp &vsp) {
        OfferInfo o;
        o.class_id = vsp.info().class_id;
        o.instance_id = vsp.info().instance_id;
        o.name = vsp.info().name;
        return o;
    };
    std::vector<OfferInfo> out;
    std::set<uint32_t> listed;
    for (const Device &d : devices_) {
        if (d.relids.empty()) {
            out.push_back(info_of(*d.vsp));
            continue;
        }
        for (uint32_t relid : d.relids) {
            const Channel *ch = find_channel(relid);
            if (!ch) continue;
            OfferInfo o = info_of(*d.vsp);
            o.sub_channel_index = ch->sub_channel_index;
            o.relid = relid;
            o.connection_id = ch->connection_id;
            o.state = state_of(ch->state);
            out.push_back(std::move(o));
            listed.insert(relid);
        }
    }
    // Rescinded channels whose device is gone, still waiting for RELID_RELEASED.
    for (const auto &[relid, ch] : channels_) {
        if (listed.count(relid)) continue;
        OfferInfo o = info_of(*ch.vsp);
        o.sub_channel_index = ch.sub_channel_index;
        o.relid = relid;
        o.connection_id = ch.connection_id;
        o.state = state_of(ch.state);
        out.push_back(std::move(o));
    }
    snapshot_.publish(std::move(out), connected_ ? version_ : 0);
}

} // namespace satori::sim::detail
