// SPDX-License-Identifier: MIT
// The guest side of the Hyper-V heartbeat integration component, as a Satori plugin.
#include <satori/sdk/plugin.hpp>

#include "heartbeat_logic.hpp"

namespace satori::heartbeat {

class Device final : public satori::Device {
  public:
    using satori::Device::Device;
    static constexpr const char *kDescription = "Hyper-V heartbeat integration component";

    satori::Status probe() override // [probe]
    {
        auto ch = open_channel({.ring_bytes_out = 16384, .ring_bytes_in = 16384});
        if (!ch) return ch.error();
        channel_ = std::move(*ch);
        return satori::Status::ok();
    }

    void on_packet(satori::Channel &ch, const satori::Packet &pkt) override // [channel & open]
    {
        if (!pkt.is_inband()) {
            log().warn("heartbeat: ignoring packet of type ", pkt.type());
            return;
        }
        const Responder::Outcome out = responder_.handle(pkt.data());
        report(out);
        if (out.reply.empty()) return;
        if (auto st = ch.send_inband(out.reply, pkt.trans_id(), false); !st)
            log().warn("heartbeat: reply not sent: ", st);
    }

    void remove() override // [probe]
    {
        channel_.close(); // after this no on_packet runs, so responder_ is ours alone
        log().info("heartbeat: removed after ", responder_.heartbeats(), " heartbeats");
    }

  private:
    void report(const Responder::Outcome &out)
    {
        switch (out.event) {
        case Responder::Event::kNegotiated:
            log().info("heartbeat: negotiated framework ", responder_.framework_version().major,
                       '.', responder_.framework_version().minor, ", message ",
                       responder_.message_version().major, '.', responder_.message_version().minor);
            break;
        case Responder::Event::kNegotiationFailed:
            log().warn("heartbeat: the host offers no framework/message version we speak");
            break;
        case Responder::Event::kHeartbeat:
            log().debug("heartbeat: sequence ", out.sequence, " (", responder_.heartbeats(),
                        " answered)");
            break;
        case Responder::Event::kUnsupported:
            if (!warned_unsupported_)
                log().warn("heartbeat: unsupported message type ", out.message_type,
                           "; answering with a failure status (logged once)");
            warned_unsupported_ = true;
            break;
        case Responder::Event::kMalformed:
            log().warn("heartbeat: dropped a malformed message: ", out.problem);
            break;
        }
    }

    Responder responder_;
    satori::Channel channel_;
    bool warned_unsupported_ = false;
};

} // namespace satori::heartbeat

SATORI_PLUGIN("heartbeat", "1.0.0", satori::heartbeat::Device, satori::guids::kHeartbeat);
