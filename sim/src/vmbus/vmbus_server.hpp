// SPDX-License-Identifier: MIT
// The VMBus control plane of the host (vmbus.md §3, §4, §8.2–§8.4). Runs only on the
// control thread; everything it says to the guest goes through the SynicPort queue.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <satori/sim/host.hpp>

#include "vmbus/channel_routes.hpp"
#include "vmbus/gpadl.hpp"
#include "vmbus/inbound_queue.hpp"
#include "vmbus/session_env.hpp"
#include "vmbus/synic_port.hpp"
#include "vmbus/wire.hpp"

namespace satori::sim::detail {

struct ServerLimits {
    uint32_t max_version;
    size_t max_gpadls_in_progress;
    size_t max_gpadls_per_channel;
};

class VmbusServer {
  public:
    VmbusServer(std::shared_ptr<SessionEnv> env, ServerLimits limits, SynicPort &synic,
                ChannelRoutes &routes, OfferSnapshot &snapshot,
                std::vector<std::shared_ptr<Vsp>> devices);

    void handle(Command &cmd);
    /// Closes every channel (VSP on_close runs); the guest gets no message.
    void shutdown();

  private:
    enum class ChannelState { offered, open, revoked };
    struct Channel {
        uint32_t relid = 0;
        uint32_t connection_id = 0;
        std::shared_ptr<Vsp> vsp;
        uint16_t sub_channel_index = 0;
        ChannelState state = ChannelState::offered;
        std::map<uint32_t, std::shared_ptr<const Gpadl>> gpadls;
        std::set<uint32_t> teardown_pending; ///< ring GPADL torn down while still open
        std::shared_ptr<GpadlTable> table = std::make_shared<GpadlTable>();
        std::shared_ptr<ChannelRuntime> runtime;
        uint32_t ring_gpadl = 0;
    };
    struct Device {
        std::shared_ptr<Vsp> vsp;
        std::vector<uint32_t> relids; ///< primary first
        uint16_t next_sub_channel_index = 1;
    };

    // server_connection.cpp
    void on_message(uint32_t connection_id, std::span<const std::byte> msg);
    void on_initiate_contact(uint32_t connection_id, std::span<const std::byte> msg);
    void on_request_offers();
    void on_unload();
    void reset_guest_state();
    // server_offers.cpp
    void add_device(std::shared_ptr<Vsp> vsp);
    void rescind_device(const std::shared_ptr<Vsp> &vsp);
    void offer_subchannels(uint32_t primary_relid, uint16_t count, bool up_to_total);
    uint32_t offer_channel(Device &dev, uint16_t sub_channel_index);
    void revoke_channel(Channel &ch);
    void on_relid_released(std::span<const std::byte> msg);
    /// Makes the current offers and version visible to Host::offers() (before every message
    /// to the guest, so a guest that reacts to a message sees the matching state).
    void publish();
    // server_gpadl.cpp
    void on_gpadl_header(std::span<const std::byte> msg);
    void on_gpadl_body(std::span<const std::byte> msg);
    void complete_gpadl(const GpadlAssembly &a);
    void fail_gpadl(uint32_t relid, uint32_t handle, const std::string &why);
    void on_gpadl_teardown(std::span<const std::byte> msg);
    void finish_teardown(Channel &ch, uint32_t handle);
    // server_channel.cpp
    void on_open_channel(std::span<const std::byte> msg);
    void on_close_channel(std::span<const std::byte> msg);
    void close_channel(Channel &ch);
    void stop_runtime(Channel &ch);
    void on_modify_channel(std::span<const std::byte> msg);
    void on_tl_connect_request(std::span<const std::byte> msg);

    template <class T> std::optional<T> parse(std::span<const std::byte> msg, const char *name);
    template <class T> void send(const T &msg, std::function<void()> after = {});
    void protocol_error(const std::string &what);
    Channel *find_channel(uint32_t relid);
    Device *find_device(const Vsp *vsp);

    std::shared_ptr<SessionEnv> env_;
    const Logger &log_;
    ServerLimits limits_;
    SynicPort &synic_;
    ChannelRoutes &routes_;
    OfferSnapshot &snapshot_;

    std::vector<Device> devices_; ///< offer order
    std::map<uint32_t, Channel> channels_;
    std::map<uint32_t, GpadlAssembly> in_progress_; ///< by handle (unique among in-progress)

    bool connected_ = false;
    bool offers_requested_ = false;
    uint32_t version_ = 0;
    uint32_t msg_vp_ = 0;
    uint32_t msg_sint_ = SATORI_HV_VMBUS_SINT;
    uint64_t interrupt_page_ = 0;
};

template <class T>
std::optional<T> VmbusServer::parse(std::span<const std::byte> msg, const char *name)
{
    auto m = wire::read<T>(msg);
    if (!m)
        protocol_error(std::string(name) + " of " + std::to_string(msg.size()) + " bytes, needs " +
                       std::to_string(sizeof(T)));
    return m;
}

template <class T> void VmbusServer::send(const T &msg, std::function<void()> after)
{
    publish();
    synic_.send(OutboundMessage{wire::bytes_of(msg), msg_vp_, msg_sint_, std::move(after)});
}

} // namespace satori::sim::detail
