// SPDX-License-Identifier: MIT
#include "vsp/storvsp/handshake.hpp"

#include <algorithm>
#include <cstring>

#include <satori/sim/storvsp.hpp>

#include "vsp/storvsp/protocol.hpp"

namespace satori::sim::detail::storvsp {

namespace {

InitReply answer(uint32_t status)
{
    InitReply r;
    r.status = status;
    r.out_of_state = status == vstor::kStatusInvalidDeviceState;
    return r;
}

template <class T> std::vector<std::byte> bytes_of(const T &v)
{
    std::vector<std::byte> b(sizeof(T));
    std::memcpy(b.data(), &v, sizeof(T));
    return b;
}

uint16_t u16_at0(std::span<const std::byte> body)
{
    uint16_t v = 0;
    std::memcpy(&v, body.data(), std::min(body.size(), sizeof(v)));
    return v;
}

} // namespace

void Handshake::reset() noexcept
{
    state_ = InitState::begin;
    version_ = 0;
}

uint16_t Handshake::max_subchannels(const HandshakeLimits &limits) const noexcept
{
    return version_ >= kVstorWin8 ? limits.max_subchannels : 0;
}

InitReply Handshake::on_packet(uint32_t operation, std::span<const std::byte> body,
                               const HandshakeLimits &limits)
{
    switch (operation) {
    case vstor::kOpBeginInitialization:
        if (state_ != InitState::begin) break;
        state_ = InitState::query_version;
        return answer(vstor::kStatusSuccess);
    case vstor::kOpQueryProtocolVersion:
        if (state_ != InitState::query_version) break;
        return query_version(body);
    case vstor::kOpQueryProperties:
        if (state_ != InitState::query_properties) break;
        return query_properties(limits);
    case vstor::kOpCreateSubChannels:
        // Linux asks when ready; OpenVMM's guide before END_INITIALIZATION (from WIN8).
        if (state_ == InitState::ready || (state_ == InitState::end_init && version_ >= kVstorWin8))
            return create_subchannels(body, limits);
        break;
    case vstor::kOpEndInitialization: {
        if (state_ != InitState::end_init) break;
        state_ = InitState::ready;
        InitReply r = answer(vstor::kStatusSuccess);
        r.became_ready = true;
        return r;
    }
    default:
        break;
    }
    return answer(vstor::kStatusInvalidDeviceState);
}

InitReply Handshake::query_version(std::span<const std::byte> body)
{
    const uint16_t asked = u16_at0(body);
    const bool ok = std::find(accepted_.begin(), accepted_.end(), asked) != accepted_.end();
    InitReply r = answer(ok ? vstor::kStatusSuccess : vstor::kStatusRevisionMismatch);
    r.body = bytes_of(vstor::ProtocolVersion{asked, 0}); // echoed either way, revision 0
    if (ok) {
        version_ = asked;
        state_ = InitState::query_properties;
    }
    return r;
}

InitReply Handshake::query_properties(const HandshakeLimits &limits)
{
    vstor::ChannelProperties p{};
    p.max_channel_cnt = max_subchannels(limits);
    p.flags = version_ >= kVstorWin8 ? vstor::kChannelFlagMultiChannel : 0;
    p.max_transfer_bytes = limits.max_transfer_bytes;
    state_ = InitState::end_init;
    InitReply r = answer(vstor::kStatusSuccess);
    r.body = bytes_of(p);
    return r;
}

InitReply Handshake::create_subchannels(std::span<const std::byte> body,
                                        const HandshakeLimits &limits)
{
    const uint16_t n = u16_at0(body);
    if (n > max_subchannels(limits)) return answer(vstor::kStatusInvalidParameter);
    InitReply r = answer(vstor::kStatusSuccess);
    r.subchannels = n;
    return r;
}

} // namespace satori::sim::detail::storvsp
