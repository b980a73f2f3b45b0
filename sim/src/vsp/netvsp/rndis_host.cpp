// SPDX-License-Identifier: MIT
// The simulated host's RNDIS side: control messages (INITIALIZE, QUERY, SET, HALT,
// KEEPALIVE; netvsc.md §9–§10) and PACKET messages from the guest, forwarded to the switch.
#include <cstring>
#include <string>

#include "netvsp_impl.hpp"
#include "netvsp_wire.hpp"

namespace satori::sim {

using wire::get32;
using wire::put32;
using wire::words;

bool NetvspVsp::Impl::handle_rndis_stream(std::span<const std::byte> stream)
{
    size_t off = 0;
    bool ok = true;
    bool first = true;
    while (ok && stream.size() - off >= 8) {
        const uint32_t type = get32(stream, off);
        const uint32_t len = get32(stream, off + 4);
        if (len < 8 || len > stream.size() - off) return false;
        const auto msg = stream.subspan(off, len);
        if (type == rndis::kPacket)
            handle_frame(msg, ok);
        else if (first)
            handle_control(type, msg);
        else
            return false; // only PACKETs may be batched (§8.1)
        first = false;
        off += len;
        // Batched messages are padded to 8 bytes.
        while (off < stream.size() && off % 8 != 0 && stream[off] == std::byte{0})
            ++off;
    }
    return ok;
}

void NetvspVsp::Impl::handle_frame(std::span<const std::byte> msg, bool &ok)
{
    if (msg.size() < rndis::kPacketHeader) {
        ok = false;
        return;
    }
    const uint64_t data_off = uint64_t{get32(msg, 8)} + 8;
    const uint32_t data_len = get32(msg, 12);
    if (get32(msg, 16) != 0 || get32(msg, 20) != 0 || data_len < 14 || data_off > msg.size() ||
        data_len > msg.size() - data_off || data_len > cfg.mtu + 18u) {
        ok = false;
        return;
    }
    const auto frame = msg.subspan(static_cast<size_t>(data_off), data_len);
    std::shared_ptr<VirtualSwitch> sw;
    VirtualSwitch::PortId port = 0;
    {
        std::lock_guard lock(mu);
        ++st.tx_frames;
        st.tx_bytes += data_len;
        if (link_up) {
            sw = cfg.vswitch;
            port = this->port;
        }
    }
    if (sw) sw->send(port, frame);
}

std::vector<std::byte> NetvspVsp::Impl::query_answer(uint32_t oid, uint32_t &status)
{
    status = rndis::kSuccess;
    const uint32_t frame = cfg.mtu + 14;
    switch (oid) {
    case rndis::kOidSupportedList:
        return words({rndis::kOidSupportedList, rndis::kOidHardwareStatus,
                      rndis::kOidMediaSupported, rndis::kOidMediaInUse, rndis::kOidMaxFrameSize,
                      rndis::kOidLinkSpeed, rndis::kOidVendorId, rndis::kOidPacketFilter,
                      rndis::kOidMaxTotalSize, rndis::kOidMediaConnectStatus,
                      rndis::kOidMaxSendPackets, rndis::kOidPermanentAddress,
                      rndis::kOidCurrentAddress});
    case rndis::kOidHardwareStatus:
    case rndis::kOidMediaSupported:
    case rndis::kOidMediaInUse:
        return words({0});
    case rndis::kOidMaxLookahead:
    case rndis::kOidMaxFrameSize:
        return words({cfg.mtu});
    case rndis::kOidMaxTotalSize:
        return words({frame});
    case rndis::kOidLinkSpeed:
        return words({static_cast<uint32_t>(cfg.link_speed_bps / 100)});
    case rndis::kOidVendorId:
        return words({0x0000155D});
    case rndis::kOidPacketFilter:
        return words({st.packet_filter});
    case rndis::kOidMediaConnectStatus:
        return words({link_up ? 0u : 1u});
    case rndis::kOidMaxSendPackets:
        return words({0xFFFFFFFFu});
    case rndis::kOidPermanentAddress:
    case rndis::kOidCurrentAddress: {
        std::vector<std::byte> mac(6);
        std::memcpy(mac.data(), cfg.mac.data(), 6);
        return mac;
    }
    default:
        status = rndis::kNotSupported;
        return {};
    }
}

void NetvspVsp::Impl::handle_control(uint32_t type, std::span<const std::byte> msg)
{
    std::vector<std::byte> reply;
    const uint32_t req_id = get32(msg, 8);
    switch (type) {
    case rndis::kInitialize: {
        if (msg.size() < 24) {
            reply =
                words({rndis::kInitialize | rndis::kCompletion, 16, req_id, rndis::kInvalidData});
            break;
        }
        reply = words({rndis::kInitialize | rndis::kCompletion, 52, req_id, rndis::kSuccess, 1, 0,
                       1, 0, 8, 0xEFFFFFFF, 3, 0, 0});
        std::lock_guard lock(mu);
        st.rndis_ready = true;
        break;
    }
    case rndis::kQuery: {
        uint32_t status = rndis::kInvalidData;
        std::vector<std::byte> data;
        if (msg.size() >= 28) {
            std::lock_guard lock(mu);
            ++st.rndis_queries;
            data = query_answer(get32(msg, 12), status);
        }
        reply =
            words({rndis::kQuery | rndis::kCompletion, static_cast<uint32_t>(24 + data.size()),
                   req_id, status, static_cast<uint32_t>(data.size()), data.empty() ? 0u : 16u});
        reply.insert(reply.end(), data.begin(), data.end());
        break;
    }
    case rndis::kSet: {
        uint32_t status = rndis::kInvalidData;
        if (msg.size() >= 28) {
            const uint32_t oid = get32(msg, 12);
            const uint64_t len = get32(msg, 16);
            const uint64_t off = uint64_t{get32(msg, 20)} + 8;
            std::lock_guard lock(mu);
            ++st.rndis_sets;
            if (off > msg.size() || len > msg.size() - off) {
                status = rndis::kInvalidData;
            } else if (oid == rndis::kOidPacketFilter) {
                if (len >= 4) {
                    st.packet_filter = get32(msg, static_cast<size_t>(off));
                    status = rndis::kSuccess;
                }
            } else if (oid == rndis::kOidNetworkLayerAddresses ||
                       oid == rndis::kOidConfigParameter) {
                status = rndis::kSuccess;
            } else {
                status = rndis::kNotSupported;
            }
        }
        reply = words({rndis::kSet | rndis::kCompletion, 16, req_id, status});
        break;
    }
    case rndis::kKeepalive:
        reply = words({rndis::kKeepalive | rndis::kCompletion, 16, req_id, rndis::kSuccess});
        break;
    case rndis::kHalt:
        return;
    default: {
        std::lock_guard lock(mu);
        ++st.malformed;
        return;
    }
    }
    (void)to_guest(reply, 1, false);
}

} // namespace satori::sim
