// SPDX-License-Identifier: MIT
// Heartbeat IC: version negotiation, then one heartbeat per interval (vmbus.md §6).
#include <satori/sim/heartbeat.hpp>

#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "vsp/ic_protocol.hpp"

namespace satori::sim {

namespace ic = detail::ic;

namespace {

using Clock = std::chrono::steady_clock;

constexpr ic::Version kOffered[] = {{1, 0}, {3, 0}}; // framework and heartbeat versions alike
constexpr size_t kMaxOutstanding = 64;

bool offered(const ic::Version &v)
{
    for (const auto &o : kOffered)
        if (o == v) return true;
    return false;
}

VspInfo heartbeat_info(const HeartbeatConfig &config)
{
    VspInfo info;
    info.class_id = kHeartbeatClassId;
    info.instance_id = config.instance_id;
    info.name = "heartbeat";
    // ICs are message-mode pipes (openvmm offers them as Pipe { message_mode: true }).
    info.offer_flags = kOfferFlagNamedPipeMode;
    info.user_defined[0] = static_cast<uint8_t>(kPipeModeMessage);
    return info;
}

uint64_t random_sequence()
{
    std::random_device rd;
    return (uint64_t{rd()} << 32 | rd()) >> 8; // leave headroom before wrap-around
}

} // namespace

struct HeartbeatVsp::State {
    struct Outstanding {
        uint64_t seq;
        Clock::time_point sent;
    };

    mutable std::mutex mutex;
    HeartbeatStats stats;
    std::shared_ptr<HostChannel> channel;
    Timers *timers = nullptr;
    Timers::Id timer = Timers::kNone;
    uint64_t next_transaction = 1;
    uint64_t negotiate_transaction = 0;
    uint64_t next_seq = 0;
    uint8_t ic_transaction = 0;
    ic::Version framework{}, message{};
    std::map<uint64_t, Outstanding> outstanding; ///< by VMBus transaction id
};

HeartbeatVsp::HeartbeatVsp(HeartbeatConfig config)
    : Vsp(heartbeat_info(config)), config_(std::move(config)), state_(std::make_unique<State>())
{
}

HeartbeatVsp::~HeartbeatVsp() = default;

HeartbeatStats HeartbeatVsp::stats() const
{
    std::lock_guard lock(state_->mutex);
    return state_->stats;
}

void HeartbeatVsp::on_open(HostChannel &ch)
{
    ic::MessageHeader hdr{};
    hdr.msg_type = ic::kTypeNegotiate;
    hdr.flags = ic::kFlagTransaction | ic::kFlagRequest;
    const ic::NegotiateHeader neg{2, 2, 0};
    std::vector<std::byte> body(sizeof(neg) + 2 * sizeof(kOffered));
    std::memcpy(body.data(), &neg, sizeof(neg));
    std::memcpy(body.data() + sizeof(neg), kOffered, sizeof(kOffered)); // framework
    std::memcpy(body.data() + sizeof(neg) + sizeof(kOffered), kOffered, sizeof(kOffered));
    hdr.msg_size = static_cast<uint16_t>(body.size());

    uint64_t transaction;
    {
        std::lock_guard lock(state_->mutex);
        State &s = *state_;
        s.channel = ch.shared();
        s.timers = &ch.timers();
        s.stats.channel_open = true;
        s.stats.negotiated = false;
        s.outstanding.clear();
        s.next_seq = config_.first_sequence ? *config_.first_sequence : random_sequence();
        hdr.transaction_id = s.ic_transaction++;
        transaction = s.next_transaction++;
        s.negotiate_transaction = transaction;
    }
    if (const int32_t err = ch.send_inband(ic::frame(hdr, body), transaction); err != 0)
        ch.log(LogLevel::error, "heartbeat: cannot send NEGOTIATE: " + std::to_string(err));
}

void HeartbeatVsp::on_packet(HostChannel &ch, const HostPacket &pkt)
{
    const auto hdr = ic::header_of(pkt.payload);
    if (!hdr) {
        ch.log(LogLevel::warn, "heartbeat: answer shorter than the IC header");
        std::lock_guard lock(state_->mutex);
        ++state_->stats.wrong;
        return;
    }
    if (hdr->msg_type == ic::kTypeNegotiate)
        handle_negotiate_response(pkt);
    else if (hdr->msg_type == ic::kTypeHeartbeat)
        handle_heartbeat_response(pkt);
    else {
        ch.log(LogLevel::warn,
               "heartbeat: unexpected IC message type " + std::to_string(hdr->msg_type));
        std::lock_guard lock(state_->mutex);
        ++state_->stats.wrong;
    }
}

void HeartbeatVsp::handle_negotiate_response(const HostPacket &pkt)
{
    const auto hdr = *ic::header_of(pkt.payload);
    std::ostringstream why;
    std::shared_ptr<HostChannel> ch;
    Timers *timers = nullptr;
    {
        std::lock_guard lock(state_->mutex);
        State &s = *state_;
        ch = s.channel;
        if (pkt.transaction_id != s.negotiate_transaction || s.negotiate_transaction == 0) {
            ++s.stats.wrong;
            if (ch)
                ch->log(LogLevel::warn, "heartbeat: NEGOTIATE answer with unexpected "
                                        "transaction id " +
                                            std::to_string(pkt.transaction_id));
            return;
        }
        s.negotiate_transaction = 0;
        ic::NegotiateHeader neg{};
        ic::Version chosen[2]{};
        const auto body = pkt.payload.subspan(ic::kBodyOffset);
        if ((hdr.flags & ic::kFlagResponse) == 0)
            why << "icflags " << unsigned{hdr.flags} << " without RESPONSE";
        else if (hdr.status != 0)
            why << "status " << hdr.status;
        else if (body.size() < sizeof(neg) + sizeof(chosen))
            why << "body of " << body.size() << " bytes too short";
        if (why.str().empty()) {
            std::memcpy(&neg, body.data(), sizeof(neg));
            std::memcpy(chosen, body.data() + sizeof(neg), sizeof(chosen));
            if (neg.framework_count != 1 || neg.message_count != 1)
                why << neg.framework_count << " framework and " << neg.message_count
                    << " message versions chosen, expected one each";
            else if (!offered(chosen[0]) || !offered(chosen[1]))
                why << "chosen versions " << chosen[0].major << "." << chosen[0].minor << " / "
                    << chosen[1].major << "." << chosen[1].minor << " were not offered";
        }
        if (!why.str().empty()) {
            ++s.stats.negotiation_failures;
        } else {
            s.framework = chosen[0];
            s.message = chosen[1];
            s.stats.negotiated = true;
            s.stats.framework_major = chosen[0].major;
            s.stats.framework_minor = chosen[0].minor;
            s.stats.message_major = chosen[1].major;
            s.stats.message_minor = chosen[1].minor;
            timers = s.timers;
        }
    }
    if (!ch) return;
    if (!timers) {
        ch->log(LogLevel::error, "heartbeat: negotiation failed: " + why.str());
        return;
    }
    ch->log(LogLevel::info, "heartbeat: negotiated");
    const auto id =
        timers->start(std::chrono::nanoseconds(0), config_.interval, [this] { send_heartbeat(); });
    std::lock_guard lock(state_->mutex);
    state_->timer = id;
}

void HeartbeatVsp::send_heartbeat()
{
    std::shared_ptr<HostChannel> ch;
    uint64_t transaction;
    std::vector<std::byte> bytes;
    {
        std::lock_guard lock(state_->mutex);
        State &s = *state_;
        if (!s.channel || !s.stats.negotiated) return;
        ch = s.channel;
        ic::MessageHeader hdr{};
        hdr.framework = s.framework;
        hdr.msg_type = ic::kTypeHeartbeat;
        hdr.message = s.message;
        hdr.msg_size = sizeof(ic::HeartbeatBody);
        hdr.transaction_id = s.ic_transaction++;
        hdr.flags = ic::kFlagTransaction | ic::kFlagRequest;
        ic::HeartbeatBody body{};
        body.seq_num = s.next_seq++;
        bytes = ic::frame(hdr, std::as_bytes(std::span(&body, 1)));
        transaction = s.next_transaction++;
        if (s.outstanding.size() >= kMaxOutstanding)
            s.outstanding.erase(s.outstanding.begin()); // the guest stopped answering
        s.outstanding[transaction] = {body.seq_num, Clock::now()};
        s.stats.last_sequence = body.seq_num;
        ++s.stats.sent;
    }
    if (const int32_t err = ch->send_inband(bytes, transaction); err != 0) {
        ch->log(LogLevel::warn, "heartbeat: send failed: " + std::to_string(err));
        std::lock_guard lock(state_->mutex);
        state_->outstanding.erase(transaction);
        --state_->stats.sent;
    }
}

void HeartbeatVsp::handle_heartbeat_response(const HostPacket &pkt)
{
    const auto hdr = *ic::header_of(pkt.payload);
    std::ostringstream why;
    HeartbeatBeat beat;
    std::shared_ptr<HostChannel> ch;
    {
        std::lock_guard lock(state_->mutex);
        State &s = *state_;
        ch = s.channel;
        auto it = s.outstanding.find(pkt.transaction_id);
        if (it == s.outstanding.end()) {
            why << "answer with unknown transaction id " << pkt.transaction_id;
        } else {
            const auto body = pkt.payload.subspan(ic::kBodyOffset);
            ic::HeartbeatBody hb{};
            if (body.size() < sizeof(hb)) {
                why << "body of " << body.size() << " bytes too short";
            } else {
                std::memcpy(&hb, body.data(), sizeof(hb));
                if (hdr.flags != (ic::kFlagTransaction | ic::kFlagResponse))
                    why << "icflags " << unsigned{hdr.flags} << ", expected TRANSACTION|RESPONSE";
                else if (hb.seq_num != it->second.seq + 1)
                    why << "sequence " << hb.seq_num << ", expected " << it->second.seq + 1;
            }
            beat.sequence = it->second.seq;
            beat.round_trip = Clock::now() - it->second.sent;
            beat.late = beat.round_trip > config_.interval;
            s.outstanding.erase(it);
        }
        if (!why.str().empty()) {
            ++s.stats.wrong;
        } else {
            ++s.stats.answered;
            s.stats.late += beat.late ? 1 : 0;
        }
    }
    if (!why.str().empty()) {
        if (ch) ch->log(LogLevel::warn, "heartbeat: wrong answer: " + why.str());
        return;
    }
    if (config_.on_beat) config_.on_beat(beat);
}

void HeartbeatVsp::on_close(HostChannel &ch)
{
    (void)ch;
    Timers *timers;
    Timers::Id id;
    {
        std::lock_guard lock(state_->mutex);
        State &s = *state_;
        timers = s.timers;
        id = s.timer;
        s.timer = Timers::kNone;
        s.channel.reset();
        s.timers = nullptr;
        s.stats.channel_open = false;
        s.negotiate_transaction = 0;
        s.outstanding.clear();
    }
    if (timers && id != Timers::kNone)
        timers->cancel(id); // outside the lock: a running beat takes it
}

} // namespace satori::sim
