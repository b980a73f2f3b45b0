// SPDX-License-Identifier: MIT
// Connection-level messages: dispatch, INITIATE_CONTACT, REQUESTOFFERS, UNLOAD (vmbus.md §8.2).
#include "vmbus/vmbus_server.hpp"

#include <algorithm>
#include <type_traits>

#include <satori/sim/vmbus_version.hpp>

namespace satori::sim::detail {

using wire::MsgType;

namespace {

constexpr uint8_t kConnectionSucceeded = 0;
constexpr uint8_t kConnectionFailedUnknown = 2;
constexpr uint32_t kMaxSint = 15;

bool version_supported(uint32_t v, uint32_t max) noexcept
{
    return v <= max && std::find(kSupportedVmbusVersions.begin(), kSupportedVmbusVersions.end(),
                                 v) != kSupportedVmbusVersions.end();
}

std::string version_text(uint32_t v)
{
    return std::to_string(v >> 16) + "." + std::to_string(v & 0xFFFFu);
}

} // namespace

VmbusServer::VmbusServer(std::shared_ptr<SessionEnv> env, ServerLimits limits, SynicPort &synic,
                         ChannelRoutes &routes, OfferSnapshot &snapshot,
                         std::vector<std::shared_ptr<Vsp>> devices)
    : env_(std::move(env)), log_(*env_->log), limits_(limits), synic_(synic), routes_(routes),
      snapshot_(snapshot)
{
    for (auto &vsp : devices)
        devices_.push_back(Device{std::move(vsp), {}, 1});
    publish();
}

void VmbusServer::handle(Command &cmd)
{
    std::visit(
        [&](auto &c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, GuestMessage>)
                on_message(c.connection_id, c.bytes);
            else if constexpr (std::is_same_v<T, AddDevice>)
                add_device(std::move(c.vsp));
            else if constexpr (std::is_same_v<T, RescindDevice>)
                rescind_device(c.vsp);
            else if constexpr (std::is_same_v<T, OfferSubchannels>)
                offer_subchannels(c.primary_relid, c.count, c.up_to_total);
            else if constexpr (std::is_same_v<T, RawMessage>)
                synic_.send(OutboundMessage{std::move(c.bytes), msg_vp_, msg_sint_, {}});
            else if constexpr (std::is_same_v<T, Barrier>)
                c.done->set_value();
        },
        cmd);
    publish();
}

void VmbusServer::shutdown()
{
    for (auto &[relid, ch] : channels_)
        if (ch.runtime) close_channel(ch);
}

void VmbusServer::protocol_error(const std::string &what)
{
    Counters::bump(env_->counters->protocol_errors);
    log_.warn("guest protocol error: ", what);
}

VmbusServer::Channel *VmbusServer::find_channel(uint32_t relid)
{
    auto it = channels_.find(relid);
    return it == channels_.end() ? nullptr : &it->second;
}

VmbusServer::Device *VmbusServer::find_device(const Vsp *vsp)
{
    for (auto &d : devices_)
        if (d.vsp.get() == vsp) return &d;
    return nullptr;
}

void VmbusServer::on_message(uint32_t connection_id, std::span<const std::byte> msg)
{
    auto header = wire::read<wire::MsgHeader>(msg);
    if (!header) {
        protocol_error("message of " + std::to_string(msg.size()) + " bytes has no header");
        return;
    }
    const auto type = static_cast<MsgType>(header->type);
    if (!connected_ && type != MsgType::initiate_contact) {
        protocol_error("message type " + std::to_string(header->type) +
                       " before a successful INITIATE_CONTACT, ignored");
        return;
    }
    switch (type) {
    case MsgType::initiate_contact:
        return on_initiate_contact(connection_id, msg);
    case MsgType::request_offers:
        return on_request_offers();
    case MsgType::open_channel:
        return on_open_channel(msg);
    case MsgType::close_channel:
        return on_close_channel(msg);
    case MsgType::gpadl_header:
        return on_gpadl_header(msg);
    case MsgType::gpadl_body:
        return on_gpadl_body(msg);
    case MsgType::gpadl_teardown:
        return on_gpadl_teardown(msg);
    case MsgType::relid_released:
        return on_relid_released(msg);
    case MsgType::unload:
        return on_unload();
    case MsgType::modify_channel:
        if (version_ < kVmbusWin10V4_1)
            return protocol_error("MODIFYCHANNEL needs version 4.1, negotiated " +
                                  version_text(version_));
        return on_modify_channel(msg);
    case MsgType::tl_connect_request:
        if (version_ < kVmbusWin10) return protocol_error("TL_CONNECT_REQUEST needs version 4.0");
        return on_tl_connect_request(msg);
    case MsgType::open_reserved_channel:
    case MsgType::close_reserved_channel:
        return protocol_error("reserved channels are not simulated (message type " +
                              std::to_string(header->type) + ")");
    default:
        return protocol_error("unknown or host-to-guest message type " +
                              std::to_string(header->type));
    }
}

void VmbusServer::on_initiate_contact(uint32_t connection_id, std::span<const std::byte> msg)
{
    auto m = parse<wire::InitiateContact>(msg, "INITIATE_CONTACT");
    if (!m) return;
    if (connected_) {
        log_.info("guest sent INITIATE_CONTACT again: resetting the connection");
        reset_guest_state();
    }
    const uint32_t v = m->version;
    // Where VERSION_RESPONSE and later messages go (vmbus.md §3.3 INITIATE_CONTACT notes).
    msg_vp_ = v >= kVmbusWin8_1 ? m->target_vcpu : 0;
    msg_sint_ = SATORI_HV_VMBUS_SINT;
    if (v >= kVmbusWin10V5 && connection_id == wire::kMessageConnectionIdMultiClient) {
        const uint32_t sint = static_cast<uint8_t>(m->interrupt_page_or_sint);
        if (sint >= 1 && sint <= kMaxSint)
            msg_sint_ = sint;
        else
            log_.warn("INITIATE_CONTACT asks for message SINT ", sint, "; using 2");
    }

    auto reply = wire::make<wire::VersionResponse>(MsgType::version_response);
    if (!version_supported(v, limits_.max_version)) {
        log_.info("guest asked for VMBus ", version_text(v), ": refused (host max ",
                  version_text(limits_.max_version), ")");
        send(reply);
        return;
    }
    const bool one_monitor_page = (m->monitor_page1 == 0) != (m->monitor_page2 == 0);
    const uint64_t interrupt_page = v < kVmbusWin8 ? m->interrupt_page_or_sint : 0;
    const bool bad_interrupt_page =
        v < kVmbusWin8 && (interrupt_page % kPageSize != 0 || interrupt_page == 0 ||
                           !env_->memory->contains(interrupt_page, kPageSize));
    if (one_monitor_page || bad_interrupt_page) {
        protocol_error(one_monitor_page ? "INITIATE_CONTACT gives only one monitor page"
                                        : "INITIATE_CONTACT interrupt page outside guest memory");
        // Guests before 2.4 cannot see a failed connection state (openvmm's rule).
        if (v >= kVmbusWin8) {
            reply.version_supported = 1;
            reply.connection_state = kConnectionFailedUnknown;
        }
        send(reply);
        return;
    }
    connected_ = true;
    version_ = v;
    interrupt_page_ = interrupt_page;
    routes_.set_interrupt_page(interrupt_page);
    reply.version_supported = 1;
    reply.connection_state = kConnectionSucceeded;
    // >= 5.0: the id the guest must post to from now on; older: openvmm echoes the version.
    reply.msg_conn_id = v >= kVmbusWin10V5 ? wire::kMessageConnectionId : v;
    log_.info("guest connected: VMBus ", version_text(v), ", messages to VP ", msg_vp_, " SINT ",
              msg_sint_);
    send(reply);
}

void VmbusServer::on_request_offers()
{
    if (offers_requested_) {
        protocol_error("REQUESTOFFERS sent twice in one connection");
        return;
    }
    offers_requested_ = true;
    for (auto &dev : devices_)
        offer_channel(dev, 0);
    send(wire::header_only(MsgType::all_offers_delivered));
}

void VmbusServer::on_unload()
{
    const uint32_t v = version_;
    log_.info("guest UNLOAD: closing every channel");
    reset_guest_state();
    if (v >= kVmbusWin7) // UNLOAD_RESPONSE exists since 1.1
        send(wire::header_only(MsgType::unload_response));
}

void VmbusServer::reset_guest_state()
{
    for (auto &[relid, ch] : channels_)
        if (ch.runtime) close_channel(ch);
    channels_.clear();
    in_progress_.clear();
    routes_.clear();
    for (auto &dev : devices_) {
        dev.relids.clear();
        dev.next_sub_channel_index = 1;
    }
    offers_requested_ = false;
    connected_ = false;
    version_ = 0;
    interrupt_page_ = 0;
}

} // namespace satori::sim::detail
