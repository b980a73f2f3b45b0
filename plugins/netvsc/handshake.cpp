// SPDX-License-Identifier: MIT
// netvsc bring-up (netvsc.md §12): NVSP version (6.1 down to 1), NDIS config and version,
// receive and send buffers, RNDIS INITIALIZE and the OIDs the driver needs.
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "device.hpp"
#include "protocol.hpp"
#include "rndis.hpp"
#include "tids.hpp"

namespace satori::netvsc {

using rndis::get32;

namespace {
uint32_t env_kb(const char *name, uint32_t def, uint32_t min_kb, uint32_t max_kb)
{
    const char *v = std::getenv(name);
    if (!v || !*v) return def;
    char *end = nullptr;
    const unsigned long kb = std::strtoul(v, &end, 10);
    if (*end || kb < min_kb || kb > max_kb) return def;
    return static_cast<uint32_t>(kb * 1024);
}
} // namespace

Config Config::from_env()
{
    Config c;
    c.ring_bytes = env_kb("SATORI_NETVSC_RING_KB", c.ring_bytes, 16, 4096) & ~4095u;
    c.recv_bytes = env_kb("SATORI_NETVSC_RECV_KB", c.recv_bytes, 256, 31 * 1024) & ~4095u;
    c.send_bytes = env_kb("SATORI_NETVSC_SEND_KB", c.send_bytes, 64, 15 * 1024) & ~4095u;
    if (c.send_bytes == 0) c.send_bytes = 4096;
    return c;
}

Result<std::vector<std::byte>> Device::nvsp_request(std::span<const std::byte> msg)
{
    uint64_t id = 0;
    {
        std::lock_guard lock(mu_);
        id = tid::kControl | next_tid_++;
    }
    if (Status st = channel_.send_inband(msg, id, true); !st) return st;
    std::unique_lock lock(mu_);
    const bool got = cv_.wait_for(lock, std::chrono::milliseconds(config_.timeout_ms),
                                  [&] { return dead_ || nvsp_replies_.count(id) != 0; });
    if (dead_) return Status(-SATORI_ENODEV);
    if (!got) return Status(-SATORI_ETIMEDOUT);
    auto reply = std::move(nvsp_replies_[id]);
    nvsp_replies_.erase(id);
    return reply;
}

Status Device::negotiate_version()
{
    for (uint32_t v : proto::kVersions) {
        auto reply = nvsp_request(rndis::nvsp({proto::kInit, v, v}));
        if (!reply) return reply.error();
        if (reply->size() >= 16 && get32(*reply, 0) == proto::kInitComplete &&
            get32(*reply, 12) == proto::kStatusSuccess) {
            version_ = v;
            return Status::ok();
        }
        log().debug("netvsc: host refused NVSP ", v >> 16, ".", v & 0xFFFF);
    }
    log().error("netvsc: the host accepts none of NVSP 6.1, 6, 5, 4, 2, 1");
    return Status(-SATORI_EPROTO);
}

Status Device::setup_buffers()
{
    // NDIS config (NVSP >= 2) and version, no completion (§6.3, §6.4).
    if (version_ >= proto::kV2) {
        auto cfg = rndis::nvsp({proto::kSendNdisConfig, mtu_ + 14, 0, 0, 0});
        if (Status st = channel_.send_inband(cfg, 0); !st) return st;
    }
    auto ndis = rndis::nvsp({proto::kSendNdisVersion, 6, version_ >= proto::kV5 ? 30u : 1u});
    if (Status st = channel_.send_inband(ndis, 0); !st) return st;

    // Receive buffer (§6.5, §6.6, §7.1).
    auto rb = alloc_dma(config_.recv_bytes);
    if (!rb) return rb.error();
    recv_buf_ = std::move(*rb);
    auto rg = Gpadl::create(channel_, recv_buf_);
    if (!rg) return rg.error();
    recv_gpadl_ = std::move(*rg);
    auto reply = nvsp_request(
        rndis::nvsp({proto::kSendRecvBuf, recv_gpadl_.handle(), proto::kRecvBufferId}));
    if (!reply) return reply.error();
    {
        const auto &r = *reply;
        const uint32_t status = get32(r, 4), sections = get32(r, 8), offset = get32(r, 12);
        const uint64_t size = get32(r, 16), count = get32(r, 20);
        if (r.size() < 28 || get32(r, 0) != proto::kSendRecvBufComplete ||
            status != proto::kStatusSuccess || sections != 1 || offset != 0 || size < 68 ||
            count == 0 || size * count > recv_buf_.size()) {
            log().error("netvsc: the host refused or mis-described the receive buffer (status ",
                        status, ", ", sections, " sections, size ", size, " x ", count, ")");
            return Status(-SATORI_EPROTO);
        }
        recv_section_size_ = static_cast<uint32_t>(size);
        recv_sections_ = static_cast<uint32_t>(count);
    }

    // Send buffer (§6.7, §6.8, §7.2).
    auto sb = alloc_dma(config_.send_bytes);
    if (!sb) return sb.error();
    send_buf_ = std::move(*sb);
    auto sg = Gpadl::create(channel_, send_buf_);
    if (!sg) return sg.error();
    send_gpadl_ = std::move(*sg);
    reply = nvsp_request(
        rndis::nvsp({proto::kSendSendBuf, send_gpadl_.handle(), proto::kSendBufferId}));
    if (!reply) return reply.error();
    const uint32_t section = get32(*reply, 8);
    if (reply->size() < 12 || get32(*reply, 0) != proto::kSendSendBufComplete ||
        get32(*reply, 4) != proto::kStatusSuccess || section < proto::kPacketHeader + 64 ||
        section > send_buf_.size()) {
        log().error("netvsc: the host refused the send buffer (section size ", section, ")");
        return Status(-SATORI_EPROTO);
    }
    send_section_size_ = section;
    send_sections_ = static_cast<uint32_t>(std::min<uint64_t>(send_buf_.size() / section, 512));
    std::lock_guard lock(mu_);
    free_sections_.clear();
    for (uint32_t i = send_sections_; i-- > 0;)
        free_sections_.push_back(i);
    section_tag_.assign(send_sections_, 0);
    section_busy_.assign(send_sections_, 0);
    return Status::ok();
}

Result<std::vector<std::byte>> Device::rndis_request(std::vector<std::byte> msg)
{
    std::lock_guard ctl(ctl_mu_);
    if (msg.size() > ctl_buf_.size()) return Status(-SATORI_EMSGSIZE);
    const uint32_t req_id = get32(msg, 8);
    std::memcpy(ctl_buf_.data(), msg.data(), msg.size());
    auto range = ctl_buf_.gpa_range(0, msg.size());
    if (!range) return range.error();
    uint64_t id = 0;
    {
        std::lock_guard lock(mu_);
        id = tid::kRndisSend | next_tid_++;
    }
    // Control messages: channel type 1, no send section, one GPA range (§8.1).
    auto nv = rndis::nvsp({proto::kSendRndisPkt, 1, proto::kNoSection, 0});
    if (Status st = channel_.send_gpa_direct(nv, std::span(&*range, 1), id); !st) return st;
    std::unique_lock lock(mu_);
    const bool got = cv_.wait_for(lock, std::chrono::milliseconds(config_.timeout_ms),
                                  [&] { return dead_ || rndis_replies_.count(req_id) != 0; });
    if (dead_) return Status(-SATORI_ENODEV);
    if (!got) return Status(-SATORI_ETIMEDOUT);
    auto reply = std::move(rndis_replies_[req_id]);
    rndis_replies_.erase(req_id);
    return reply;
}

Result<std::vector<std::byte>> Device::query(uint32_t oid)
{
    uint32_t id = 0;
    {
        std::lock_guard lock(mu_);
        id = next_rndis_id_++;
    }
    auto reply = rndis_request(rndis::build_query(id, oid));
    if (!reply) return reply.error();
    auto c = rndis::parse_completion(*reply);
    if (!c || c->type != (proto::kRndisQuery | proto::kRndisCompletion)) {
        std::lock_guard lock(mu_);
        ++stats_.rx_bad_rndis;
        return Status(-SATORI_EPROTO);
    }
    if (c->status != proto::kRndisSuccess) return Status(-SATORI_EOPNOTSUPP);
    return std::vector<std::byte>(c->info.begin(), c->info.end());
}

Status Device::set_oid(uint32_t oid, std::span<const std::byte> data)
{
    uint32_t id = 0;
    {
        std::lock_guard lock(mu_);
        id = next_rndis_id_++;
    }
    auto reply = rndis_request(rndis::build_set(id, oid, data));
    if (!reply) return reply.error();
    auto c = rndis::parse_completion(*reply);
    if (!c || c->type != (proto::kRndisSet | proto::kRndisCompletion))
        return Status(-SATORI_EPROTO);
    return c->status == proto::kRndisSuccess ? Status::ok() : Status(-SATORI_EOPNOTSUPP);
}

Status Device::rndis_bring_up()
{
    auto ctl = alloc_dma(4096);
    if (!ctl) return ctl.error();
    ctl_buf_ = std::move(*ctl);
    uint32_t id = 0;
    {
        std::lock_guard lock(mu_);
        id = next_rndis_id_++;
    }
    auto reply = rndis_request(rndis::build_init(id, 0x4000));
    if (!reply) return reply.error();
    auto c = rndis::parse_completion(*reply);
    if (!c || c->type != (proto::kRndisInit | proto::kRndisCompletion) ||
        c->status != proto::kRndisSuccess) {
        log().error("netvsc: RNDIS INITIALIZE failed");
        return Status(-SATORI_EPROTO);
    }
    if (auto mtu = query(proto::kOidMaxFrameSize); mtu && mtu->size() >= 4) {
        const uint32_t v = get32(*mtu, 0);
        if (v >= 576 && v <= 9000) mtu_ = v;
    }
    auto mac = query(proto::kOidPermanentAddress);
    if (!mac || mac->size() < 6) {
        log().error("netvsc: the host did not report a MAC address");
        return mac ? Status(-SATORI_EPROTO) : mac.error();
    }
    std::memcpy(mac_, mac->data(), 6);
    if (auto link = query(proto::kOidMediaConnectStatus); link && link->size() >= 4)
        link_up_ = get32(*link, 0) == 0;
    if (version_ >= proto::kV5)
        if (auto speed = query(proto::kOidLinkSpeed); speed && speed->size() >= 4)
            link_speed_ = uint64_t{get32(*speed, 0)} * 100;
    return Status::ok();
}

void Device::teardown_buffers()
{
    bool dead = false;
    {
        std::lock_guard lock(mu_);
        dead = dead_;
    }
    if (channel_.is_open() && !dead) {
        (void)channel_.send_inband(rndis::nvsp({proto::kRevokeRecvBuf, proto::kRecvBufferId}), 0);
        (void)channel_.send_inband(rndis::nvsp({proto::kRevokeSendBuf, proto::kSendBufferId}), 0);
    }
}

} // namespace satori::netvsc
