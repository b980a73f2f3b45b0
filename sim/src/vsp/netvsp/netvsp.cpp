// SPDX-License-Identifier: MIT
// NetvspVsp: NVSP negotiation, NDIS config/version, receive and send buffers (netvsc.md
// §6–§8), receive-section bookkeeping and frames from the switch to the guest.
#include <algorithm>
#include <stdexcept>
#include <string>

#include <satori/errno.h>

#include "netvsp_impl.hpp"
#include "netvsp_wire.hpp"

namespace satori::sim {

using wire::get32;
using wire::put32;
using wire::words;

namespace {
constexpr uint64_t kRecvTidBase = 0x4E00000000ull; // receive packets: base | section
constexpr uint32_t kRecvHeadroom = 256;            // RNDIS header + PPIs (§6.6)

bool known_version(uint32_t v)
{
    return v == kNvspV1 || v == kNvspV2 || v == kNvspV4 || v == kNvspV5 || v == kNvspV6 ||
           v == kNvspV61;
}
} // namespace

NetvspVsp::NetvspVsp(NetvspConfig config)
    : Vsp(VspInfo{kNetvspClassId,
                  config.instance_id.is_zero()
                      ? Guid::from_fields(0x5a70d15c, 0x0002, 0x4e7f,
                                          {0x9b, 0x2d, config.mac[0], config.mac[1], config.mac[2],
                                           config.mac[3], config.mac[4], config.mac[5]})
                      : config.instance_id,
                  config.name,
                  0,
                  0,
                  {}}),
      config_(std::move(config)), impl_(std::make_unique<Impl>(config_))
{
    if (config_.mtu < 576 || config_.mtu > 9000)
        throw std::invalid_argument("netvsp: mtu must be 576..9000");
    if (!known_version(config_.max_nvsp_version))
        throw std::invalid_argument("netvsp: max_nvsp_version is not an NVSP version");
    if (config_.send_section_size < 2048 || config_.send_section_size > 65536)
        throw std::invalid_argument("netvsp: send_section_size must be 2048..65536");
    if (config_.mac[0] & 1) throw std::invalid_argument("netvsp: mac is a group address");
    impl_->link_up = config_.link_up;
    if (config_.vswitch)
        impl_->port = config_.vswitch->attach(
            [this](std::span<const std::byte> frame) { (void)deliver_to_guest(frame); },
            config_.name);
}

NetvspVsp::~NetvspVsp()
{
    if (config_.vswitch && impl_->port) config_.vswitch->detach(impl_->port);
}

NetvspStats NetvspVsp::stats() const
{
    std::lock_guard lock(impl_->mu);
    return impl_->st;
}

void NetvspVsp::inject(NetvspFault fault)
{
    std::shared_ptr<HostChannel> ch;
    {
        std::lock_guard lock(impl_->mu);
        if (fault != NetvspFault::unknown_nvsp) {
            impl_->fault = fault;
            return;
        }
        ch = impl_->ch;
        ++impl_->st.faults_injected;
    }
    if (ch) (void)ch->send_inband(words({0x3E7, 1, 2, 3}, nvsp::kMessageBytes), 0, false);
}

void NetvspVsp::set_link(bool up)
{
    bool ready = false;
    {
        std::lock_guard lock(impl_->mu);
        if (impl_->link_up == up) return;
        impl_->link_up = up;
        ready = impl_->st.rndis_ready;
    }
    if (ready) impl_->indicate(up ? rndis::kMediaConnect : rndis::kMediaDisconnect);
}

bool NetvspVsp::deliver_to_guest(std::span<const std::byte> frame)
{
    {
        std::lock_guard lock(impl_->mu);
        if (!impl_->st.rndis_ready || !impl_->link_up || impl_->st.packet_filter == 0 ||
            frame.size() > impl_->cfg.mtu + 18u) {
            ++impl_->st.rx_dropped;
            return false;
        }
    }
    std::vector<std::byte> msg(rndis::kPacketHeader + frame.size());
    put32(msg, 0, rndis::kPacket);
    put32(msg, 4, static_cast<uint32_t>(msg.size()));
    put32(msg, 8, rndis::kPacketHeader - 8); // data offset, relative to byte 8
    put32(msg, 12, static_cast<uint32_t>(frame.size()));
    std::memcpy(msg.data() + rndis::kPacketHeader, frame.data(), frame.size());
    if (!impl_->to_guest(msg, 0, true)) return false;
    std::lock_guard lock(impl_->mu);
    ++impl_->st.rx_frames;
    impl_->st.rx_bytes += frame.size();
    return true;
}

void NetvspVsp::on_open(HostChannel &ch)
{
    if (ch.sub_channel_index() != 0) return;
    std::lock_guard lock(impl_->mu);
    impl_->reset_locked();
    impl_->ch = ch.shared();
}

void NetvspVsp::on_close(HostChannel &ch)
{
    if (ch.sub_channel_index() != 0) return;
    std::lock_guard lock(impl_->mu);
    impl_->reset_locked();
}

void NetvspVsp::on_packet(HostChannel &ch, const HostPacket &pkt)
{
    if (pkt.type == PacketType::completion) {
        // The guest is done with a receive section (§8.3).
        const uint64_t idx = pkt.transaction_id - kRecvTidBase;
        std::lock_guard lock(impl_->mu);
        if (pkt.transaction_id < kRecvTidBase || idx >= impl_->st.recv_sections ||
            std::find(impl_->free_sections.begin(), impl_->free_sections.end(), idx) !=
                impl_->free_sections.end()) {
            ++impl_->st.malformed;
            return;
        }
        impl_->free_sections.push_back(static_cast<uint32_t>(idx));
        return;
    }
    impl_->handle_nvsp(ch, pkt);
}

void NetvspVsp::Impl::reset_locked()
{
    ch.reset();
    recv.reset();
    send.reset();
    free_sections.clear();
    sub_alloc = 0;
    send_section = 0;
    send_count = 0;
    const NetvspStats keep = st;
    st = NetvspStats{};
    st.tx_frames = keep.tx_frames;
    st.tx_bytes = keep.tx_bytes;
    st.rx_frames = keep.rx_frames;
    st.rx_bytes = keep.rx_bytes;
    st.rx_dropped = keep.rx_dropped;
    st.malformed = keep.malformed;
    st.faults_injected = keep.faults_injected;
}

bool NetvspVsp::Impl::to_guest(std::span<const std::byte> msg, uint32_t channel_type, bool data)
{
    std::shared_ptr<HostChannel> c;
    uint32_t idx = 0;
    XferPageRange range;
    uint16_t set_id = 0;
    {
        std::lock_guard lock(mu);
        if (!ch || !recv || free_sections.empty() || msg.size() > sub_alloc) {
            ++st.rx_dropped;
            return false;
        }
        c = ch;
        idx = free_sections.back();
        free_sections.pop_back();
        std::span<std::byte> buf = recv->buffer();
        std::memcpy(buf.data() + uint64_t{idx} * sub_alloc, msg.data(), msg.size());
        range.byte_offset = idx * sub_alloc;
        range.byte_count = static_cast<uint32_t>(msg.size());
        set_id = recv_id;
        if (data && fault != NetvspFault::none) {
            ++st.faults_injected;
            std::byte *m = buf.data() + uint64_t{idx} * sub_alloc;
            switch (fault) {
            case NetvspFault::bad_xfer_range:
                range.byte_offset = static_cast<uint32_t>(buf.size() - 8);
                range.byte_count = 4096;
                break;
            case NetvspFault::oversize_rndis: {
                const uint32_t len = range.byte_count + 4096;
                std::memcpy(m + 4, &len, 4);
                break;
            }
            case NetvspFault::bad_data_offset: {
                const uint32_t off = range.byte_count + 100;
                std::memcpy(m + 8, &off, 4);
                break;
            }
            case NetvspFault::bad_pageset_id:
                set_id = static_cast<uint16_t>(recv_id ^ 0x5555);
                break;
            default:
                break;
            }
            fault = NetvspFault::none;
        }
    }
    const auto payload =
        words({nvsp::kSendRndisPkt, channel_type, nvsp::kNoSection, 0}, nvsp::kMessageBytes);
    const int32_t r =
        c->send_xfer_pages(set_id, std::span(&range, 1), payload, kRecvTidBase + idx, true);
    if (r < 0) {
        std::lock_guard lock(mu);
        free_sections.push_back(idx);
        ++st.rx_dropped;
        return false;
    }
    return true;
}

void NetvspVsp::Impl::indicate(uint32_t status)
{
    const auto msg = words({rndis::kIndicateStatus, 20, status, 0, 0});
    if (to_guest(msg, 1, false)) {
        std::lock_guard lock(mu);
        ++st.indications;
    }
}

void NetvspVsp::Impl::handle_nvsp(HostChannel &c, const HostPacket &pkt)
{
    const auto p = pkt.payload;
    auto bad = [&](const char *why) {
        {
            std::lock_guard lock(mu);
            ++st.malformed;
        }
        c.log(LogLevel::warn, std::string("netvsp: ") + why);
        if (pkt.completion_requested())
            (void)c.send_completion(
                pkt.transaction_id,
                words({nvsp::kSendRndisPktComplete, nvsp::kStatusFail}, nvsp::kMessageBytes));
    };
    if (p.size() < 4) return bad("NVSP message shorter than 4 bytes");
    const uint32_t type = get32(p, 0);
    std::unique_lock lock(mu);
    const uint32_t ver = st.nvsp_version;
    switch (type) {
    case nvsp::kInit: {
        if (p.size() < 12) {
            lock.unlock();
            return bad("INIT too short");
        }
        const uint32_t want = get32(p, 4);
        const bool ok = ver == 0 && known_version(want) && want <= cfg.max_nvsp_version;
        if (ok) st.nvsp_version = want;
        lock.unlock();
        (void)c.send_completion(pkt.transaction_id,
                                words({nvsp::kInitComplete, want == kNvspV1 ? 2u : 0xFFFFFFFFu, 34,
                                       ok ? nvsp::kStatusSuccess : 0u},
                                      nvsp::kMessageBytes));
        return;
    }
    case nvsp::kSendNdisConfig:
        if (ver < kNvspV2 || p.size() < 8) break;
        st.guest_mtu = get32(p, 4);
        lock.unlock();
        if (pkt.completion_requested()) (void)c.send_completion(pkt.transaction_id, {});
        return;
    case nvsp::kSendNdisVersion:
        if (ver == 0 || p.size() < 12) break;
        st.ndis_version = (get32(p, 4) << 16) | (get32(p, 8) & 0xFFFF);
        lock.unlock();
        if (pkt.completion_requested()) (void)c.send_completion(pkt.transaction_id, {});
        return;
    case nvsp::kSendRecvBuf: {
        if (ver == 0 || p.size() < 12 || recv) break;
        auto m = c.gpadl(get32(p, 4));
        const uint32_t frame = cfg.mtu + 18;
        const uint32_t sub = (kRecvHeadroom + frame + 36 + 7) & ~7u;
        uint32_t count = 0;
        if (m) count = static_cast<uint32_t>(std::min<size_t>(m->buffer().size() / sub, 0xFFFFu));
        if (!m || count < 16) {
            lock.unlock();
            (void)c.send_completion(
                pkt.transaction_id,
                words({nvsp::kSendRecvBufComplete, nvsp::kStatusFail, 0}, nvsp::kMessageBytes));
            return;
        }
        recv = std::move(m);
        recv_id = static_cast<uint16_t>(get32(p, 8) & 0xFFFF);
        sub_alloc = sub;
        st.recv_sub_alloc = sub;
        st.recv_sections = count;
        free_sections.clear();
        for (uint32_t i = count; i-- > 0;)
            free_sections.push_back(i);
        lock.unlock();
        (void)c.send_completion(
            pkt.transaction_id,
            words({nvsp::kSendRecvBufComplete, nvsp::kStatusSuccess, 1, 0, sub, count, sub * count},
                  nvsp::kMessageBytes));
        return;
    }
    case nvsp::kSendSendBuf: {
        if (ver == 0 || p.size() < 12 || send) break;
        auto m = c.gpadl(get32(p, 4));
        if (!m || m->buffer().size() < cfg.send_section_size) {
            lock.unlock();
            (void)c.send_completion(
                pkt.transaction_id,
                words({nvsp::kSendSendBufComplete, nvsp::kStatusFail, 0}, nvsp::kMessageBytes));
            return;
        }
        send = std::move(m);
        send_section = cfg.send_section_size;
        send_count = static_cast<uint32_t>(send->buffer().size() / send_section);
        st.send_sections = send_count;
        lock.unlock();
        (void)c.send_completion(pkt.transaction_id, words({nvsp::kSendSendBufComplete,
                                                           nvsp::kStatusSuccess, send_section},
                                                          nvsp::kMessageBytes));
        return;
    }
    case nvsp::kRevokeRecvBuf:
        recv.reset();
        free_sections.clear();
        return;
    case nvsp::kRevokeSendBuf:
        send.reset();
        send_count = 0;
        return;
    case nvsp::kSendRndisPkt: {
        if (ver == 0 || p.size() < 16) break;
        const uint32_t section = get32(p, 8);
        const uint32_t size = get32(p, 12);
        std::vector<std::byte> stream;
        bool ok = true;
        if (section != nvsp::kNoSection) {
            if (!send || section >= send_count || size > send_section) {
                ok = false;
            } else {
                const auto buf = send->buffer();
                stream.assign(buf.begin() + uint64_t{section} * send_section,
                              buf.begin() + uint64_t{section} * send_section + size);
                ++st.tx_via_section;
            }
        }
        lock.unlock();
        if (ok && pkt.type == PacketType::data_using_gpa_direct) {
            const uint64_t n = pkt.gpa_bytes();
            if (n > 256 * 1024) {
                ok = false;
            } else {
                const size_t at = stream.size();
                stream.resize(at + n);
                ok = c.read_gpa(pkt, 0, std::span(stream).subspan(at)) == 0;
                std::lock_guard l2(mu);
                ++st.tx_via_gpa;
            }
        }
        if (ok) ok = handle_rndis_stream(stream);
        if (!ok) {
            std::lock_guard l2(mu);
            ++st.malformed;
        }
        (void)c.send_completion(
            pkt.transaction_id,
            words({nvsp::kSendRndisPktComplete, ok ? nvsp::kStatusSuccess : nvsp::kStatusFail},
                  nvsp::kMessageBytes));
        return;
    }
    case nvsp::kSwitchDataPath:
        lock.unlock();
        if (pkt.completion_requested()) (void)c.send_completion(pkt.transaction_id, {});
        return;
    case nvsp::kSubchannel:
        if (ver < kNvspV5) break;
        lock.unlock();
        (void)c.send_completion(pkt.transaction_id, words({nvsp::kSubchannel, nvsp::kStatusFail, 0},
                                                          nvsp::kMessageBytes));
        return;
    default:
        break;
    }
    lock.unlock();
    bad(("unexpected NVSP message type " + std::to_string(type)).c_str());
}

} // namespace satori::sim
