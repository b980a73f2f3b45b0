// SPDX-License-Identifier: MIT
// StorvspVsp: construction, the public API and the Vsp callbacks (forwarded to Impl).
#include <satori/sim/storvsp.hpp>

#include <stdexcept>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim {

namespace {

VspInfo storvsp_info(const StorvspConfig &config)
{
    detail::storvsp::check_config(config); // before anything is built
    VspInfo info;
    info.class_id = kStorvspClassId;
    info.instance_id = config.instance_id;
    info.name = config.name;
    return info;
}

} // namespace

StorvspVsp::Impl::Impl(const StorvspConfig &cfg)
    : config(cfg), handshake(cfg.protocol_versions), pool(cfg.worker_threads)
{
}

StorvspVsp::StorvspVsp(StorvspConfig config)
    : Vsp(storvsp_info(config)), config_(std::move(config)), impl_(std::make_unique<Impl>(config_))
{
    for (const LunConfig &lun : config_.luns)
        if (impl_->add_lun(lun) != 0)
            throw std::invalid_argument("storvsp: cannot attach LUN " + std::to_string(lun.lun));
}

StorvspVsp::~StorvspVsp() = default;

int32_t StorvspVsp::add_lun(LunConfig lun)
{
    return impl_->add_lun(std::move(lun));
}

int32_t StorvspVsp::add_lun(uint8_t lun, std::shared_ptr<DiskBackend> backend)
{
    LunConfig c;
    c.lun = lun;
    c.backend = std::move(backend);
    return impl_->add_lun(std::move(c));
}

int32_t StorvspVsp::remove_lun(uint8_t lun)
{
    return impl_->remove_lun(lun);
}

std::vector<uint8_t> StorvspVsp::luns() const
{
    std::lock_guard lock(impl_->mutex);
    std::vector<uint8_t> out;
    for (const auto &[n, disk] : impl_->luns)
        out.push_back(n);
    return out;
}

StorvspStats StorvspVsp::stats() const
{
    bool ready;
    uint16_t version;
    uint16_t subchannels;
    {
        std::lock_guard lock(impl_->mutex);
        ready = impl_->handshake.ready();
        version = impl_->handshake.version();
        subchannels = impl_->subchannels_requested;
    }
    std::lock_guard lock(impl_->stats_mutex);
    StorvspStats s = impl_->stats;
    s.ready = ready;
    s.protocol_version = version;
    s.subchannels_offered = subchannels;
    for (const auto &[index, c] : impl_->channel_stats)
        s.channels.push_back(c);
    return s;
}

void StorvspVsp::fail_next(uint32_t count, const StorvspFault &fault)
{
    std::lock_guard lock(impl_->mutex);
    impl_->fail_count = count;
    impl_->fault = fault;
}

void StorvspVsp::set_completion_delay(std::chrono::milliseconds delay)
{
    std::lock_guard lock(impl_->mutex);
    impl_->delay = delay;
}

void StorvspVsp::hold_completions(bool on)
{
    if (on) {
        std::lock_guard lock(impl_->mutex);
        impl_->hold = true;
        return;
    }
    impl_->release(true);
}

size_t StorvspVsp::release_held()
{
    return impl_->release(false);
}

void StorvspVsp::complete_with_unknown_id(uint32_t count, bool then_real)
{
    std::lock_guard lock(impl_->mutex);
    impl_->unknown_id_count = count;
    impl_->unknown_then_real = then_real;
}

void StorvspVsp::on_open(HostChannel &ch)
{
    impl_->on_open(ch);
}

void StorvspVsp::on_packet(HostChannel &ch, const HostPacket &pkt)
{
    impl_->on_packet(ch, pkt);
}

void StorvspVsp::on_close(HostChannel &ch)
{
    impl_->on_close(ch);
}

} // namespace satori::sim
