// SPDX-License-Identifier: MIT
// The per-LUN command switch, unit attention on capacity change, and the sense slot.
#include "vsp/storvsp/scsi_disk.hpp"

#include <algorithm>
#include <utility>

namespace satori::sim::detail::storvsp {

namespace {

template <size_t N> std::array<uint8_t, N> padded(const std::string &s)
{
    std::array<uint8_t, N> out;
    out.fill(' ');
    for (size_t i = 0; i < N && i < s.size(); ++i)
        out[i] = static_cast<uint8_t>(s[i]);
    return out;
}

constexpr uint32_t kMaxWriteSameBytes = 8u << 20;

} // namespace

LunIdentity make_identity(const LunConfig &config, const Guid &controller_id)
{
    LunIdentity id;
    id.vendor = padded<8>(config.vendor);
    id.product = padded<16>(config.product);
    id.revision = padded<4>(config.revision);
    id.serial = config.serial;
    id.rotation_rate = config.rotation_rate;
    if (config.disk_id) {
        id.disk_id = *config.disk_id;
    } else {
        // Stable per controller and LUN, and different from the controller's own GUID.
        id.disk_id = controller_id;
        id.disk_id.bytes[14] ^= 0xD1;
        id.disk_id.bytes[15] ^= config.lun;
    }
    return id;
}

uint32_t Geometry::max_write_same_blocks(uint32_t max_transfer_bytes) const noexcept
{
    return std::min(kMaxWriteSameBytes, max_transfer_bytes) / block;
}

size_t cdb_size_for(uint8_t opcode) noexcept
{
    switch (opcode >> 5) {
    case 0:
        return 6;
    case 1:
    case 2:
        return 10;
    case 4:
        return 16;
    case 5:
        return 12;
    default:
        return 0;
    }
}

ScsiResult reply(const DataBuffer &buf, std::span<const uint8_t> data, size_t alloc)
{
    const size_t n = std::min({alloc, data.size(), size_t{buf.size()}});
    if (buf.to_guest(0, std::as_bytes(data.first(n))) != 0) return malformed_request();
    return good(static_cast<uint32_t>(n));
}

ScsiDisk::ScsiDisk(uint8_t lun, std::shared_ptr<DiskBackend> backend, LunIdentity identity)
    : lun_(lun), backend_(std::move(backend)), identity_(std::move(identity))
{
    known_sectors_ = geometry().sectors;
}

Geometry ScsiDisk::geometry() const noexcept
{
    Geometry g;
    g.block = backend_->logical_sector_size();
    g.physical = std::max(backend_->physical_sector_size(), g.block);
    g.sectors = backend_->size_bytes() / g.block;
    g.read_only = backend_->read_only();
    g.thin = backend_->supports_discard() && !g.read_only;
    g.lbprz = g.thin && backend_->discard_zeroes();
    return g;
}

std::optional<Sense> ScsiDisk::take_sense()
{
    std::lock_guard lock(mutex_);
    return std::exchange(last_sense_, std::nullopt);
}

bool ScsiDisk::capacity_changed(uint64_t sectors)
{
    std::lock_guard lock(mutex_);
    if (sectors == known_sectors_) return false;
    known_sectors_ = sectors;
    return true;
}

ScsiResult ScsiDisk::execute(std::span<const uint8_t> cdb, const DataBuffer &buf,
                             const ExecEnv &env)
{
    const uint8_t op = cdb[0];
    const size_t need = cdb_size_for(op);
    Command c{cdb, buf, env, geometry()};
    ScsiResult r;
    if (need != 0 && cdb.size() < need) {
        r = invalid_cdb();
    } else if (op != scsi::kInquiry && capacity_changed(c.geo.sectors)) {
        const Sense ua{scsi::kUnitAttention, scsi::kAscCapacityChanged, scsi::kAscqCapacityChanged};
        if (op == scsi::kRequestSense) {
            // REQUEST SENSE reports a pending unit attention instead of failing with it.
            {
                std::lock_guard lock(mutex_);
                last_sense_ = ua;
            }
            r = dispatch(c);
        } else {
            r = check_condition(vstor::kSrbError, ua);
        }
    } else {
        r = dispatch(c);
    }
    if (r.scsi_status == scsi::kCheckCondition && r.sense) {
        std::lock_guard lock(mutex_);
        last_sense_ = r.sense;
    }
    return r;
}

ScsiResult ScsiDisk::dispatch(const Command &c)
{
    using namespace scsi;
    switch (c.opcode()) {
    case kTestUnitReady:
    case kFormatUnit:
    case kReserve6:
    case kRelease6:
    case kPreventAllowMediumRemoval:
        return good();
    case kRequestSense:
        return cmd_request_sense(*this, c);
    case kInquiry:
        return cmd_inquiry(*this, c);
    case kRead6:
    case kWrite6:
    case kRead10:
    case kWrite10:
    case kRead12:
    case kWrite12:
    case kRead16:
    case kWrite16:
        return cmd_read_write(*this, c);
    case kVerify10:
    case kVerify12:
    case kVerify16:
    case kWriteAndVerify10:
    case kWriteAndVerify12:
    case kWriteAndVerify16:
        return cmd_verify(*this, c);
    case kModeSense6:
    case kModeSense10:
        return cmd_mode_sense(*this, c);
    case kModeSelect6:
    case kModeSelect10:
        return cmd_mode_select(*this, c);
    case kStartStopUnit:
        return cmd_start_stop_unit(*this, c);
    case kSendDiagnostic:
        return cmd_send_diagnostic(*this, c);
    case kReadCapacity10:
        return cmd_read_capacity10(*this, c);
    case kServiceActionIn16:
        return cmd_service_action_in16(*this, c);
    case kSynchronizeCache10:
    case kSynchronizeCache16:
        return cmd_synchronize_cache(*this, c);
    case kWriteSame10:
    case kWriteSame16:
        return cmd_write_same(*this, c);
    case kUnmap:
        return cmd_unmap(*this, c);
    default:
        return illegal_request(kAscInvalidOpcode);
    }
}

} // namespace satori::sim::detail::storvsp
