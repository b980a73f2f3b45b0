// SPDX-License-Identifier: MIT
// LUN hot add / remove and the ENUMERATE_BUS notification (§11).
#include <cstring>

#include <satori/errno.h>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim {

namespace vstor = detail::vstor;

int32_t StorvspVsp::Impl::add_lun(LunConfig lun)
{
    std::string why;
    if (detail::storvsp::check_lun(lun, why) != 0) {
        std::lock_guard lock(mutex);
        if (primary) primary->ch->log(LogLevel::warn, "storvsp: add_lun: " + why);
        return -SATORI_EINVAL;
    }
    const uint8_t n = lun.lun;
    auto disk = std::make_shared<detail::storvsp::ScsiDisk>(
        n, lun.backend, detail::storvsp::make_identity(lun, config.instance_id));
    {
        std::lock_guard lock(mutex);
        if (!luns.emplace(n, std::move(disk)).second) return -SATORI_EEXIST;
    }
    lun_set_changed("attached", n);
    return 0;
}

int32_t StorvspVsp::Impl::remove_lun(uint8_t lun)
{
    {
        std::lock_guard lock(mutex);
        // Commands in flight keep their ScsiDisk; later ones find the LUN absent.
        if (luns.erase(lun) == 0) return -SATORI_ENOENT;
    }
    lun_set_changed("detached", lun);
    return 0;
}

void StorvspVsp::Impl::lun_set_changed(const char *what, uint8_t lun)
{
    std::shared_ptr<Ctx> notify;
    uint16_t version = 0;
    bool dropped = false;
    {
        std::lock_guard lock(mutex);
        version = handshake.version();
        // Sent only on a ready primary from WIN7 on; before END_INITIALIZATION the guest
        // will scan anyway (OpenVMM drops the pending notification there).
        if (primary && handshake.ready() && version >= kVstorWin7)
            notify = primary;
        else
            dropped = primary != nullptr;
    }
    if (dropped) with_stats([](StorvspStats &s) { ++s.enumerate_bus_dropped; });
    if (!notify) return;
    notify->ch->log(LogLevel::info, std::string("storvsp: LUN ") + std::to_string(lun) + " " +
                                        what + ", sending ENUMERATE_BUS");
    // Unsolicited packets are sized for the negotiated version (§6.3).
    auto bus = detail::storvsp::completion_payload(detail::storvsp::packet_size_for(version),
                                                   vstor::kStatusSuccess, {});
    const uint32_t op = vstor::kOpEnumerateBus;
    std::memcpy(bus.data(), &op, sizeof(op));
    if (notify->ch->send_inband(bus, 0, false) == 0)
        with_stats([](StorvspStats &s) { ++s.enumerate_bus_sent; });
    else
        with_stats([](StorvspStats &s) { ++s.send_failures; });
}

} // namespace satori::sim
