// SPDX-License-Identifier: MIT
// netvsc data path: transmit through send-buffer sections (or section header + GPA ranges
// for frames larger than a section), receive from the receive buffer by transfer-page
// ranges, RNDIS completions and link indications (netvsc.md §8, §9, §13). Every host
// offset and length is checked; the message is copied out of the shared buffer before it
// is parsed.
#include <algorithm>
#include <cstring>

#include "device.hpp"
#include "protocol.hpp"
#include "rndis.hpp"
#include "tids.hpp"

namespace satori::netvsc {

using rndis::get32;

Status Device::xmit(satori_netdev *nd, const satori_net_tx &frame)
{
    nd_raw_.store(nd, std::memory_order_release);
    const uint32_t len = frame.len;
    if (len < 14 || len > mtu_ + 18 || frame.segment_count == 0 || !frame.segments) {
        std::lock_guard lock(mu_);
        ++stats_.tx_dropped;
        return Status(-SATORI_EINVAL);
    }
    uint32_t section = 0;
    {
        std::lock_guard lock(mu_);
        if (stopping_ || dead_) return Status(-SATORI_ENODEV);
        ++tx_active_;
    }
    // Leaves the xmit count on every return path; remove() waits for it to reach 0.
    struct Active {
        Device &d;
        ~Active()
        {
            std::lock_guard lock(d.mu_);
            if (--d.tx_active_ == 0) d.cv_.notify_all();
        }
    } active{*this};
    {
        std::lock_guard lock(mu_);
        if (free_sections_.empty()) {
            tx_stopped_ = true;
            ++stats_.tx_section_full;
            return Status(-SATORI_EAGAIN);
        }
        section = free_sections_.back();
        free_sections_.pop_back();
        section_busy_[section] = 1;
    }
    std::byte *base =
        static_cast<std::byte *>(send_buf_.data()) + uint64_t{section} * send_section_size_;
    const bool inline_copy = proto::kPacketHeader + len <= send_section_size_;
    rndis::write_packet_header({base, send_section_size_}, len);
    Status st;
    std::vector<satori_gpa_range> ranges;
    if (inline_copy) {
        std::size_t off = proto::kPacketHeader;
        for (uint32_t i = 0; i < frame.segment_count; ++i) {
            const satori_net_segment &s = frame.segments[i];
            const uint32_t n =
                std::min<uint32_t>(s.len, static_cast<uint32_t>(proto::kPacketHeader + len - off));
            std::memcpy(base + off, s.va, n);
            off += n;
        }
        auto msg = rndis::nvsp(
            {proto::kSendRndisPkt, 0, section, static_cast<uint32_t>(proto::kPacketHeader + len)});
        st = channel_.send_inband(msg, tid::kTx | section, true);
    } else {
        // Header in the section, frame by its own pages ("mixed", §8.1).
        for (uint32_t i = 0; i < frame.segment_count; ++i) {
            const satori_net_segment &s = frame.segments[i];
            satori_gpa_range r{};
            r.byte_count = s.len;
            r.byte_offset = s.byte_offset;
            r.pfn_count = s.pfn_count;
            r.pfns = s.pfns;
            ranges.push_back(r);
        }
        auto msg = rndis::nvsp(
            {proto::kSendRndisPkt, 0, section, static_cast<uint32_t>(proto::kPacketHeader)});
        st = channel_.send_gpa_direct(msg, ranges, tid::kTx | section);
    }
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        if (!st) {
            section_busy_[section] = 0;
            free_sections_.push_back(section);
            if (st.code() == -SATORI_EAGAIN || st.code() == -SATORI_ENOSPC) {
                tx_stopped_ = true;
                ++stats_.tx_ring_full;
                // A completion may have freed space between the send and here.
                return Status(-SATORI_EAGAIN);
            }
            ++stats_.tx_dropped;
            return st;
        }
        ++stats_.tx_packets;
        stats_.tx_bytes += len;
        if (!inline_copy) {
            ++stats_.tx_gpa;
            section_tag_[section] = frame.tag + 1; // done when the host completes
        } else {
            section_tag_[section] = 0;
        }
        (void)wake;
    }
    // A copied frame no longer needs the shim's memory.
    if (inline_copy) net_.c_service()->tx_done(nd, frame.tag, 0);
    return Status::ok();
}

void Device::tx_section_done(uint32_t section, bool ok)
{
    uint64_t tag = 0;
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        if (section >= section_busy_.size() || !section_busy_[section]) {
            ++stats_.rx_bad_nvsp;
            return;
        }
        section_busy_[section] = 0;
        tag = section_tag_[section];
        section_tag_[section] = 0;
        free_sections_.push_back(section);
        if (!ok) ++stats_.tx_dropped;
        wake = tx_stopped_;
        tx_stopped_ = false;
    }
    if (tag) tx_done(tag - 1, ok ? 0 : -SATORI_EIO);
    if (wake)
        if (auto *n = nd_raw_.load(std::memory_order_acquire)) net_.c_service()->wake_queue(n, 0);
}

void Device::fail_in_flight()
{
    std::vector<uint64_t> tags;
    {
        std::lock_guard lock(mu_);
        for (uint32_t i = 0; i < section_busy_.size(); ++i) {
            if (section_busy_[i] && section_tag_[i]) tags.push_back(section_tag_[i] - 1);
            section_tag_[i] = 0;
        }
    }
    for (uint64_t t : tags)
        tx_done(t, -SATORI_ENODEV);
}

void Device::on_send_space(Channel &)
{
    bool wake = false;
    {
        std::lock_guard lock(mu_);
        wake = tx_stopped_;
        tx_stopped_ = false;
    }
    if (wake)
        if (auto *n = nd_raw_.load(std::memory_order_acquire)) net_.c_service()->wake_queue(n, 0);
}

void Device::on_completion(const Packet &packet)
{
    const uint64_t id = packet.trans_id();
    const auto data = packet.data();
    switch (tid::kind(id)) {
    case tid::kControl: {
        std::lock_guard lock(mu_);
        nvsp_replies_[id].assign(data.begin(), data.end());
        cv_.notify_all();
        return;
    }
    case tid::kRndisSend:
        return; // the RNDIS answer comes as a receive
    case tid::kTx: {
        const bool ok = data.size() < 8 || get32(data, 4) == proto::kStatusSuccess;
        tx_section_done(static_cast<uint32_t>(tid::value(id)), ok);
        return;
    }
    default: {
        std::lock_guard lock(mu_);
        ++stats_.rx_bad_nvsp;
    }
    }
}

void Device::set_link(bool up)
{
    {
        std::lock_guard lock(mu_);
        if (link_up_ == up) return;
        link_up_ = up;
        ++stats_.link_changes;
    }
    log().info("netvsc: link ", up ? "up" : "down");
    if (auto *n = nd_raw_.load(std::memory_order_acquire))
        net_.c_service()->set_link(n, up ? 1u : 0u, link_speed_);
}

uint32_t Device::handle_rndis(std::span<const std::byte> msg)
{
    const uint32_t type = get32(msg, 0);
    const uint32_t len = get32(msg, 4);
    if (msg.size() < 8 || len < 8 || len > msg.size()) {
        std::lock_guard lock(mu_);
        ++stats_.rx_bad_rndis;
        return proto::kStatusFail;
    }
    msg = msg.first(len);
    if (type == proto::kRndisPacket) {
        auto p = rndis::parse_packet(msg);
        if (!p) {
            std::lock_guard lock(mu_);
            ++stats_.rx_bad_rndis;
            return proto::kStatusFail;
        }
        satori_net_meta meta{};
        if (p->csum_ok) meta.flags |= SATORI_NET_META_CSUM_VALID;
        Status st(-SATORI_ENODEV);
        if (auto *n = nd_raw_.load(std::memory_order_acquire)) {
            satori_net_rx rx{};
            rx.struct_size = sizeof(rx);
            rx.data = p->frame.data();
            rx.len = static_cast<uint32_t>(p->frame.size());
            rx.meta = meta;
            st = Status(net_.c_service()->receive(n, &rx));
        }
        std::lock_guard lock(mu_);
        if (st) {
            ++stats_.rx_packets;
            stats_.rx_bytes += p->frame.size();
        } else {
            ++stats_.rx_dropped;
        }
        return proto::kStatusSuccess;
    }
    if (type == proto::kRndisIndicate) {
        auto status = rndis::parse_indication(msg);
        if (!status) return proto::kStatusFail;
        if (*status == proto::kMediaConnect)
            set_link(true);
        else if (*status == proto::kMediaDisconnect)
            set_link(false);
        else if (*status == proto::kNetworkChange) {
            set_link(false);
            set_link(true);
        }
        return proto::kStatusSuccess;
    }
    if ((type & proto::kRndisCompletion) != 0) {
        auto c = rndis::parse_completion(msg);
        if (!c) {
            std::lock_guard lock(mu_);
            ++stats_.rx_bad_rndis;
            return proto::kStatusFail;
        }
        std::lock_guard lock(mu_);
        rndis_replies_[c->request_id].assign(msg.begin(), msg.end());
        cv_.notify_all();
        return proto::kStatusSuccess;
    }
    std::lock_guard lock(mu_);
    ++stats_.rx_bad_rndis;
    return proto::kStatusFail;
}

void Device::on_xfer_pages(Channel &channel, const Packet &packet)
{
    uint32_t status = proto::kStatusSuccess;
    const auto nv = packet.data();
    if (nv.size() < 4 || get32(nv, 0) != proto::kSendRndisPkt ||
        packet.xfer_pageset_id() != proto::kRecvBufferId || !recv_buf_.valid()) {
        std::lock_guard lock(mu_);
        ++stats_.rx_bad_nvsp;
        status = proto::kStatusFail;
        if (warnings_++ < 8)
            log().warn("netvsc: transfer-page packet with NVSP type ", get32(nv, 0),
                       " on page set ", packet.xfer_pageset_id(), " rejected");
    } else {
        const auto buf = recv_buf_.span();
        const uint64_t limit = uint64_t{recv_section_size_} * recv_sections_;
        for (const satori_xfer_range &r : packet.xfer_ranges()) {
            const uint64_t off = r.byte_offset, n = r.byte_count;
            if (n < 8 || n > recv_section_size_ || off > limit || n > limit - off) {
                std::lock_guard lock(mu_);
                ++stats_.rx_bad_range;
                status = proto::kStatusFail;
                if (warnings_++ < 8)
                    log().warn("netvsc: host sent a receive range (offset ", off, ", ", n,
                               " bytes) outside its sections; dropped");
                continue;
            }
            // Copy once out of memory the host can still write, then parse the copy.
            rx_copy_.assign(buf.begin() + static_cast<std::ptrdiff_t>(off),
                            buf.begin() + static_cast<std::ptrdiff_t>(off + n));
            if (handle_rndis(rx_copy_) != proto::kStatusSuccess) {
                status = proto::kStatusFail;
                if (warnings_++ < 8)
                    log().warn("netvsc: malformed RNDIS message from the host; dropped");
            }
        }
    }
    // Always give the sections back (§8.3): 8-byte completion.
    std::byte done[8];
    rndis::put32(done, 0, proto::kSendRndisPktComplete);
    rndis::put32(done, 4, status);
    if (!channel.complete(packet, std::span<const std::byte>(done, 8))) {
        std::lock_guard lock(mu_);
        ++stats_.completion_send_failures;
    }
}

void Device::on_packet(Channel &channel, const Packet &packet)
{
    if (packet.is_completion()) return on_completion(packet);
    if (packet.is_xfer_pages()) return on_xfer_pages(channel, packet);
    // In-band host messages: the indirection table and VF association are not used.
    const uint32_t type = get32(packet.data(), 0);
    if (type == proto::kSendIndirectionTable || type == proto::kSendVfAssociation) return;
    std::lock_guard lock(mu_);
    ++stats_.rx_bad_nvsp;
    if (warnings_++ < 8)
        log().warn("netvsc: ignoring unknown NVSP message type ", type, " from the host");
}

} // namespace satori::netvsc
