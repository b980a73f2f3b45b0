// SPDX-License-Identifier: MIT
// StorvspConfig and LunConfig validation, one precise line per problem.
#include <algorithm>
#include <bit>
#include <set>
#include <sstream>
#include <stdexcept>

#include <satori/errno.h>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim::detail::storvsp {

namespace {

constexpr uint32_t kMaxTransferLimit = 1u << 20;
constexpr uint32_t kMaxQueueDepth = 4096;
constexpr unsigned kMaxWorkers = 64;
constexpr uint16_t kMaxSubchannelLimit = 256; // the simulator's VMBus limit per device
constexpr uint16_t kKnownVersions[] = {kVstorWin6, kVstorWin7, kVstorWin8, kVstorWin8_1,
                                       kVstorWin10};

[[noreturn]] void fail(const std::string &what)
{
    throw std::invalid_argument("storvsp: " + what);
}

} // namespace

int32_t check_lun(const LunConfig &lun, std::string &why)
{
    std::ostringstream o;
    if (lun.lun > 254) {
        o << "LUN " << unsigned{lun.lun} << " is out of range 0..254";
    } else if (!lun.backend) {
        o << "LUN " << unsigned{lun.lun} << " has no disk backend";
    } else {
        const uint32_t logical = lun.backend->logical_sector_size();
        const uint32_t physical = lun.backend->physical_sector_size();
        if (logical != 512 && logical != 4096)
            o << "LUN " << unsigned{lun.lun} << ": logical sector size " << logical
              << " is not 512 or 4096";
        else if (physical < logical || !std::has_single_bit(physical) || physical > (1u << 16))
            o << "LUN " << unsigned{lun.lun} << ": physical sector size " << physical
              << " is not a power of two in [" << logical << ", 65536]";
    }
    why = o.str();
    return why.empty() ? 0 : -SATORI_EINVAL;
}

void check_config(const StorvspConfig &c)
{
    std::ostringstream o;
    if (c.max_transfer_bytes < 4096 || c.max_transfer_bytes > kMaxTransferLimit ||
        c.max_transfer_bytes % 4096 != 0) {
        o << "max_transfer_bytes " << c.max_transfer_bytes
          << " must be a multiple of 4096 in [4096, " << kMaxTransferLimit << "]";
        fail(o.str());
    }
    if (c.io_queue_depth == 0 || c.io_queue_depth > kMaxQueueDepth) {
        o << "io_queue_depth " << c.io_queue_depth << " must be in [1, " << kMaxQueueDepth << "]";
        fail(o.str());
    }
    if (c.worker_threads == 0 || c.worker_threads > kMaxWorkers) {
        o << "worker_threads " << c.worker_threads << " must be in [1, " << kMaxWorkers << "]";
        fail(o.str());
    }
    if (c.max_subchannels > kMaxSubchannelLimit) {
        o << "max_subchannels " << c.max_subchannels << " exceeds " << kMaxSubchannelLimit;
        fail(o.str());
    }
    if (c.protocol_versions.empty()) fail("protocol_versions is empty");
    for (uint16_t v : c.protocol_versions) {
        if (std::find(std::begin(kKnownVersions), std::end(kKnownVersions), v) ==
            std::end(kKnownVersions)) {
            o << "protocol version 0x" << std::hex << v
              << " is not one of 0x0200 0x0402 0x0501 0x0600 0x0602";
            fail(o.str());
        }
    }
    std::set<uint8_t> seen;
    for (const LunConfig &lun : c.luns) {
        std::string why;
        if (check_lun(lun, why) != 0) fail(why);
        if (!seen.insert(lun.lun).second) {
            o << "LUN " << unsigned{lun.lun} << " is configured twice";
            fail(o.str());
        }
    }
}

} // namespace satori::sim::detail::storvsp
