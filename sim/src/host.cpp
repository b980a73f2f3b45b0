// SPDX-License-Identifier: MIT
// Host: owns the devices and at most one attached guest (Session); implements hvlink.
#include <satori/sim/host.hpp>

#include <future>
#include <mutex>

#include <satori/errno.h>

#include "common/counters.hpp"
#include "common/logger.hpp"
#include "vmbus/session.hpp"

namespace satori::sim {

using detail::Session;

struct Host::Impl {
    explicit Impl(HostConfig c)
        : config(std::move(c)), log(std::make_shared<detail::Logger>(config.log_level, config.log)),
          counters(std::make_shared<detail::Counters>())
    {
    }

    std::shared_ptr<Session> current() const
    {
        std::lock_guard lock(mutex);
        return session;
    }

    int32_t connect(const satori_hvlink_guest *guest, int32_t mem_fd, uint64_t mem_bytes);
    void disconnect();

    HostConfig config;
    std::shared_ptr<const detail::Logger> log;
    std::shared_ptr<detail::Counters> counters;
    satori_hvlink_host table{};
    std::shared_ptr<HeartbeatVsp> heartbeat;

    mutable std::mutex mutex; ///< guards devices and session
    std::vector<std::shared_ptr<Vsp>> devices;
    std::shared_ptr<Session> session;
};

namespace {

Host::Impl &impl_of(void *host)
{
    return *static_cast<Host::Impl *>(host);
}

int32_t hv_connect(void *host, const satori_hvlink_guest *guest, int32_t mem_fd, uint64_t mem_bytes)
{
    return impl_of(host).connect(guest, mem_fd, mem_bytes);
}

uint32_t hv_post_message(void *host, uint32_t connection_id, uint32_t message_type,
                         const void *payload, uint32_t payload_size)
{
    auto s = impl_of(host).current();
    if (!s) return SATORI_HV_STATUS_INVALID_CONNECTION_ID;
    return s->post_message(connection_id, message_type, payload, payload_size);
}

uint32_t hv_signal_event(void *host, uint32_t connection_id, uint16_t flag_number)
{
    auto s = impl_of(host).current();
    if (!s) return SATORI_HV_STATUS_INVALID_CONNECTION_ID;
    return s->signal_event(connection_id, flag_number);
}

void hv_disconnect(void *host)
{
    impl_of(host).disconnect();
}

} // namespace

int32_t Host::Impl::connect(const satori_hvlink_guest *guest, int32_t mem_fd, uint64_t mem_bytes)
{
    auto env = std::make_shared<detail::SessionEnv>();
    if (!env->guest.attach(guest)) {
        log->error("connect: the guest table is missing fields or has an old version");
        return -SATORI_EINVAL;
    }
    int32_t err = 0;
    env->memory = detail::GuestMemory::map(mem_fd, mem_bytes, err);
    if (!env->memory) {
        log->error("connect: cannot map ", mem_bytes, " bytes of guest memory (fd ", mem_fd,
                   "): error ", err);
        return err;
    }
    env->log = log;
    env->counters = counters;
    env->timers = std::make_unique<detail::TimerService>(*log);
    env->queue = std::make_shared<detail::InboundQueue>();
    env->send_timeout = config.send_timeout;

    std::lock_guard lock(mutex);
    if (session) {
        log->error("connect: a guest is already attached");
        return -SATORI_EBUSY;
    }
    session = std::make_shared<Session>(std::move(env), config, devices);
    log->info("guest attached: ", mem_bytes / detail::kPageSize, " pages of guest memory");
    return 0;
}

void Host::Impl::disconnect()
{
    std::shared_ptr<Session> s;
    {
        std::lock_guard lock(mutex);
        s = session;
    }
    if (!s) return;
    if (!s->shutdown()) {
        log->error("disconnect called from a host thread (inside a guest or VSP callback); "
                   "refused");
        return;
    }
    std::lock_guard lock(mutex);
    if (session == s) session.reset();
    log->info("guest detached");
}

Host::Host(HostConfig config) : impl_(std::make_unique<Impl>(std::move(config))), hooks_(*this)
{
    auto &t = impl_->table;
    t.struct_size = sizeof(t);
    t.version = SATORI_HVLINK_VERSION;
    t.host = impl_.get();
    t.connect = hv_connect;
    t.post_message = hv_post_message;
    t.signal_event = hv_signal_event;
    t.disconnect = hv_disconnect;
    if (impl_->config.heartbeat) {
        impl_->heartbeat = std::make_shared<HeartbeatVsp>(*impl_->config.heartbeat);
        impl_->devices.push_back(impl_->heartbeat);
    }
}

Host::~Host()
{
    impl_->disconnect();
}

const satori_hvlink_host *Host::hvlink() const noexcept
{
    return &impl_->table;
}

const HostConfig &Host::config() const noexcept
{
    return impl_->config;
}

void Host::add_device(std::shared_ptr<Vsp> vsp)
{
    if (!vsp) return;
    std::lock_guard lock(impl_->mutex);
    for (const auto &d : impl_->devices)
        if (d == vsp) return;
    impl_->devices.push_back(vsp);
    if (impl_->session) impl_->session->push(detail::AddDevice{std::move(vsp)});
}

bool Host::rescind(const std::shared_ptr<Vsp> &vsp)
{
    std::lock_guard lock(impl_->mutex);
    auto &devs = impl_->devices;
    auto it = std::find(devs.begin(), devs.end(), vsp);
    if (it == devs.end()) return false;
    devs.erase(it);
    if (impl_->session) impl_->session->push(detail::RescindDevice{vsp});
    return true;
}

std::vector<OfferInfo> Host::offers() const
{
    std::lock_guard lock(impl_->mutex);
    if (impl_->session) return impl_->session->snapshot().offers();
    std::vector<OfferInfo> out;
    for (const auto &d : impl_->devices) {
        OfferInfo o;
        o.class_id = d->info().class_id;
        o.instance_id = d->info().instance_id;
        o.name = d->info().name;
        out.push_back(std::move(o));
    }
    return out;
}

HostCounters Host::counters() const noexcept
{
    return impl_->counters->snapshot();
}

bool Host::guest_attached() const
{
    return impl_->current() != nullptr;
}

uint32_t Host::negotiated_version() const
{
    auto s = impl_->current();
    return s ? s->snapshot().version() : 0;
}

std::shared_ptr<HeartbeatVsp> Host::heartbeat() const noexcept
{
    return impl_->heartbeat;
}

void Host::sync()
{
    auto s = impl_->current();
    if (!s) return;
    auto done = std::make_shared<std::promise<void>>();
    auto f = done->get_future();
    if (!s->push(detail::Barrier{done})) return;
    try {
        f.get();
    } catch (const std::future_error &) {
        // the session shut down before reaching the barrier
    }
}

// ---- TestHooks ----

namespace {

std::shared_ptr<detail::ChannelRuntime> channel_of(Host::Impl &impl, uint32_t relid)
{
    auto s = impl.current();
    return s ? s->channel(relid) : nullptr;
}

} // namespace

int32_t TestHooks::inject_packet(uint32_t relid, std::span<const std::byte> bytes)
{
    auto ch = channel_of(*host_.impl_, relid);
    return ch ? ch->inject(bytes) : -SATORI_ENODEV;
}

int32_t TestHooks::write_ring_word(uint32_t relid, RingSide side, RingWord word, uint32_t value)
{
    auto ch = channel_of(*host_.impl_, relid);
    return ch ? ch->access_word(side, word, &value, nullptr) : -SATORI_ENODEV;
}

int32_t TestHooks::read_ring_word(uint32_t relid, RingSide side, RingWord word, uint32_t &value)
{
    auto ch = channel_of(*host_.impl_, relid);
    return ch ? ch->access_word(side, word, nullptr, &value) : -SATORI_ENODEV;
}

int32_t TestHooks::send_raw_message(std::span<const std::byte> bytes)
{
    auto s = host_.impl_->current();
    if (!s) return -SATORI_ENODEV;
    return s->push(detail::RawMessage{{bytes.begin(), bytes.end()}}) ? 0 : -SATORI_ENODEV;
}

int32_t TestHooks::signal_guest(uint32_t relid)
{
    auto ch = channel_of(*host_.impl_, relid);
    return ch ? ch->raise_signal() : -SATORI_ENODEV;
}

void TestHooks::pause_responses()
{
    if (auto s = host_.impl_->current()) s->synic().pause();
}

void TestHooks::resume_responses()
{
    if (auto s = host_.impl_->current()) s->synic().resume();
}

void TestHooks::set_response_delay(std::chrono::milliseconds delay)
{
    if (auto s = host_.impl_->current()) s->synic().set_delay(delay);
}

} // namespace satori::sim
