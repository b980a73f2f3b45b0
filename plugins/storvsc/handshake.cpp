// SPDX-License-Identifier: MIT
// The initialisation handshake: the state machine (see handshake.hpp) and the Device code
// that runs it over the primary channel, one blocking step at a time.
#include "handshake.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <satori/errno.h>

#include "device.hpp"

namespace satori::storvsc {

std::string version_text(uint16_t version)
{
    return std::to_string(proto::version_major(version)) + "." +
           std::to_string(proto::version_minor(version));
}

std::string ntstatus_text(uint32_t status)
{
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%08X", static_cast<unsigned>(status));
    const char *name = nullptr;
    switch (status) {
    case proto::kStatusSuccess: name = "SUCCESS"; break;
    case proto::kStatusRevisionMismatch: name = "REVISION_MISMATCH"; break;
    case proto::kStatusInvalidDeviceState: name = "INVALID_DEVICE_STATE"; break;
    case proto::kStatusInvalidParameter: name = "INVALID_PARAMETER"; break;
    case proto::kStatusInvalidDeviceRequest: name = "INVALID_DEVICE_REQUEST"; break;
    case proto::kStatusUnsuccessful: name = "UNSUCCESSFUL"; break;
    case proto::kStatusIoDeviceError: name = "IO_DEVICE_ERROR"; break;
    default: break;
    }
    return name ? std::string(hex) + " (" + name + ")" : std::string(hex);
}

namespace {

const char *step_name(Handshake::Step step) noexcept
{
    switch (step) {
    case Handshake::Step::kBegin: return "BEGIN_INITIALIZATION";
    case Handshake::Step::kQueryVersion: return "QUERY_PROTOCOL_VERSION";
    case Handshake::Step::kQueryProperties: return "QUERY_PROPERTIES";
    case Handshake::Step::kEnd: return "END_INITIALIZATION";
    case Handshake::Step::kCreateSubChannels: return "CREATE_SUB_CHANNELS";
    case Handshake::Step::kDone: return "done";
    case Handshake::Step::kFailed: return "failed";
    }
    return "?";
}

std::string versions_text(const std::vector<uint16_t> &versions)
{
    std::string out;
    for (uint16_t v : versions) {
        if (!out.empty()) out += ", ";
        out += version_text(v);
    }
    return out;
}

} // namespace

Handshake::Handshake(Options options) : options_(std::move(options))
{
    if (options_.versions.empty()) {
        step_ = Step::kFailed;
        error_ = -SATORI_EINVAL;
        problem_ = "no protocol version to propose";
    }
}

proto::VstorPacket Handshake::request() const noexcept
{
    switch (step_) {
    case Step::kBegin:
        return proto::make_packet(proto::kOpBeginInitialization);
    case Step::kQueryVersion: {
        proto::VstorPacket pkt = proto::make_packet(proto::kOpQueryProtocolVersion);
        proto::put_payload(pkt, proto::ProtocolVersion{options_.versions[version_index_], 0});
        return pkt;
    }
    case Step::kQueryProperties:
        return proto::make_packet(proto::kOpQueryProperties);
    case Step::kEnd:
        return proto::make_packet(proto::kOpEndInitialization);
    case Step::kCreateSubChannels: {
        proto::VstorPacket pkt = proto::make_packet(proto::kOpCreateSubChannels);
        proto::put_payload(pkt, subchannels_asked_);
        return pkt;
    }
    case Step::kDone:
    case Step::kFailed:
        break;
    }
    return proto::VstorPacket{};
}

uint32_t Handshake::request_size() const noexcept
{
    if (step_ == Step::kBegin || step_ == Step::kQueryVersion)
        return proto::kPreNegotiationParams.packet_size;
    return proto::params_for(version_).packet_size;
}

uint32_t Handshake::max_transfer_bytes() const noexcept
{
    const uint32_t rounded = properties_.max_transfer_bytes & ~uint32_t{4095};
    return rounded >= 4096 ? rounded : kFallbackMaxTransfer;
}

Handshake::Result Handshake::fail(int32_t error, std::string why)
{
    step_ = Step::kFailed;
    error_ = error;
    problem_ = std::move(why);
    return Result::kFailed;
}

Handshake::Result Handshake::on_error(int32_t error, const char *what)
{
    if (finished()) return step_ == Step::kDone ? Result::kDone : Result::kFailed;
    if (step_ == Step::kCreateSubChannels) {
        // Not fatal: the primary channel works alone.
        problem_ = std::string("CREATE_SUB_CHANNELS got no answer (") + what +
                   "); using the primary channel only";
        subchannels_ = 0;
        step_ = Step::kDone;
        return Result::kDone;
    }
    return fail(error, std::string(step_name(step_)) + " got no answer: " + what);
}

Handshake::Result Handshake::advance_after_end()
{
    const bool multi = (properties_.flags & proto::kPropertyMultiChannel) != 0;
    const uint16_t want = std::min<uint16_t>(options_.subchannels_wanted, properties_.max_channel_cnt);
    if (multi && want > 0 && version_ >= proto::kVersionWin8) {
        subchannels_asked_ = want;
        step_ = Step::kCreateSubChannels;
        return Result::kContinue;
    }
    step_ = Step::kDone;
    return Result::kDone;
}

Handshake::Result Handshake::on_completion(std::span<const std::byte> payload)
{
    if (finished()) return step_ == Step::kDone ? Result::kDone : Result::kFailed;
    proto::ReceivedHeader h{};
    if (!proto::read_header(payload, h))
        return fail(-SATORI_EPROTO, std::string(step_name(step_)) + ": completion of " +
                                        std::to_string(payload.size()) + " bytes has no header");
    if (h.operation != proto::kOpCompleteIo)
        return fail(-SATORI_EPROTO, std::string(step_name(step_)) + ": host answered with operation " +
                                        std::to_string(h.operation) + ", not COMPLETE_IO");

    switch (step_) {
    case Step::kBegin:
        if (h.status != proto::kStatusSuccess)
            return fail(-SATORI_EIO, "BEGIN_INITIALIZATION refused: " + ntstatus_text(h.status));
        step_ = Step::kQueryVersion;
        return Result::kContinue;

    case Step::kQueryVersion: {
        const uint16_t proposed = options_.versions[version_index_];
        if (h.status == proto::kStatusSuccess) {
            version_ = proposed;
            step_ = Step::kQueryProperties;
            return Result::kContinue;
        }
        // REVISION_MISMATCH is the documented refusal; like Linux, any refusal moves on.
        if (h.status != proto::kStatusRevisionMismatch && problem_.empty())
            problem_ = "host refused version " + version_text(proposed) + " with " +
                       ntstatus_text(h.status) + " (expected REVISION_MISMATCH)";
        refused_.push_back(proposed);
        if (++version_index_ >= options_.versions.size())
            return fail(-SATORI_EPROTONOSUPPORT,
                        "host accepts none of the protocol versions " +
                            versions_text(options_.versions) + " (last status " +
                            ntstatus_text(h.status) + ")");
        return Result::kContinue;
    }

    case Step::kQueryProperties:
        if (h.status != proto::kStatusSuccess)
            return fail(-SATORI_EIO, "QUERY_PROPERTIES refused: " + ntstatus_text(h.status));
        if (payload.size() < proto::kPayloadOffset + sizeof(proto::ChannelProperties))
            return fail(-SATORI_EPROTO, "QUERY_PROPERTIES completion too short for the properties");
        std::memcpy(&properties_, payload.data() + proto::kPayloadOffset, sizeof(properties_));
        step_ = Step::kEnd;
        return Result::kContinue;

    case Step::kEnd:
        if (h.status != proto::kStatusSuccess)
            return fail(-SATORI_EIO, "END_INITIALIZATION refused: " + ntstatus_text(h.status));
        return advance_after_end();

    case Step::kCreateSubChannels:
        if (h.status != proto::kStatusSuccess) {
            problem_ = "CREATE_SUB_CHANNELS(" + std::to_string(subchannels_asked_) +
                       ") refused: " + ntstatus_text(h.status) + "; using the primary channel only";
            subchannels_ = 0;
        } else {
            subchannels_ = subchannels_asked_;
        }
        step_ = Step::kDone;
        return Result::kDone;

    case Step::kDone:
    case Step::kFailed:
        break;
    }
    return Result::kFailed;
}

// ---------------------------------------------------------------------------------------------
// Device
// ---------------------------------------------------------------------------------------------

std::shared_ptr<Waiter> Device::send_control(const proto::VstorPacket &pkt, uint32_t size,
                                             uint64_t timeout)
{
    auto waiter = std::make_shared<Waiter>();
    uint64_t id = 0;
    Deferred d;
    {
        std::lock_guard lock(mu_);
        if (stopping_ || dead_) {
            waiter->done = true;
            waiter->error = dead_ ? dead_error_ : -SATORI_ESHUTDOWN;
            return waiter;
        }
        Request *req = tracker_.allocate();
        if (!req) {
            waiter->done = true;
            waiter->error = -SATORI_ENOMEM;
            return waiter;
        }
        req->kind = RequestKind::kControl;
        req->pinned = true;
        req->control_queue = true;
        req->channel = 0;
        req->packet = pkt;
        req->packet_size = size;
        req->waiter = waiter;
        id = req->id();
        if (!enqueue_new(*req, d)) {
            tracker_.release(*req, d.graveyard);
            waiter->done = true;
            waiter->error = -SATORI_ENODEV;
        }
    }
    run(d);

    Deferred late;
    {
        std::unique_lock lock(mu_);
        const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout);
        waiters_cv_.wait_until(lock, until, [&] { return waiter->done; });
        if (!waiter->done)
            if (Request *req = tracker_.find(id)) {
                ++timeouts_;
                fail_request(*req, -SATORI_ETIMEDOUT, req->state == RequestState::kSent, late);
            }
    }
    run(late);
    return waiter;
}

Status Device::run_handshake()
{
    Handshake::Options options;
    options.subchannels_wanted = ide_ ? uint16_t{0} : config_.subchannels;
    Handshake hs(std::move(options));
    while (!hs.finished()) {
        const Handshake::Step step = hs.step();
        std::shared_ptr<Waiter> w = send_control(hs.request(), hs.request_size(), timeout_ns());
        if (w->error != 0) {
            hs.on_error(w->error, host().strerror(w->error));
        } else {
            hs.on_completion(std::span<const std::byte>(w->reply.data(), w->reply_size));
        }
        if (step == Handshake::Step::kQueryVersion && hs.step() == Handshake::Step::kQueryVersion)
            log().debug("storvsc: host refused protocol ", version_text(hs.refused().back()),
                        ", trying the next one");
    }
    if (hs.step() == Handshake::Step::kFailed) {
        log().error("storvsc: handshake failed: ", hs.problem());
        return Status(hs.error() ? hs.error() : -SATORI_EIO);
    }
    if (!hs.problem().empty()) log().warn("storvsc: ", hs.problem());

    std::lock_guard lock(mu_);
    version_ = hs.version();
    params_ = hs.params();
    properties_ = hs.properties();
    max_transfer_ = hs.max_transfer_bytes();
    subchannels_ = hs.subchannels();
    return Status::ok();
}

} // namespace satori::storvsc
