// SPDX-License-Identifier: MIT
// EXECUTE_SRB on a worker thread: parse the vmscsi_request with the size-delta rule (§6.3),
// validate it against its data range (§8.1), route it to REPORT LUNS, an absent LUN or the
// LUN's disk model (§13.1), and frame the completion (§8.2).
#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim {

namespace vstor = detail::vstor;
namespace scsi = detail::scsi;
using detail::storvsp::ScsiResult;
using detail::storvsp::SrbOutcome;

namespace {

SrbOutcome rejected(uint8_t srb_status, uint32_t ntstatus)
{
    SrbOutcome o;
    o.result.srb_status = srb_status;
    o.result.malformed = true;
    o.ntstatus = ntstatus;
    return o;
}

SrbOutcome from_fault(const StorvspFault &f)
{
    SrbOutcome o;
    o.result.srb_status = f.srb_status & vstor::kSrbCodeMask;
    o.result.scsi_status = f.scsi_status;
    if (f.sense)
        o.result.sense = detail::storvsp::Sense{(*f.sense)[0], (*f.sense)[1], (*f.sense)[2]};
    o.ntstatus = f.ntstatus.value_or(vstor::ntstatus_for_srb(f.srb_status));
    return o;
}

/// Exactly one range that covers the transfer, or none at all when nothing moves (§8.1).
bool range_fits(const HostPacket &data, uint32_t transfer_length)
{
    if (transfer_length == 0) return data.gpa_ranges.size() <= 1;
    return data.gpa_ranges.size() == 1 && data.gpa_ranges[0].byte_count >= transfer_length;
}

} // namespace

SrbOutcome StorvspVsp::Impl::run_srb(const Ctx &ctx, const Request &req)
{
    // Parse up to min(payload - 12, 0x34) bytes whatever version was negotiated; the rest of
    // the struct stays zero.
    const size_t srb_bytes = std::min(req.payload_size - vstor::kHeaderBytes, vstor::kSrbBytesV2);
    if (srb_bytes < vstor::kSrbBytesV1)
        return rejected(vstor::kSrbBadSrbBlockLength, vstor::kStatusInvalidDeviceRequest);
    vstor::ScsiRequest srb{};
    std::memcpy(&srb, req.head.data() + vstor::kHeaderBytes, srb_bytes);
    if (srb.cdb_length == 0 || srb.cdb_length > vstor::kCdbBytes) {
        ctx.ch->log(LogLevel::warn,
                    "storvsp: SRB with cdb_length " + std::to_string(srb.cdb_length));
        return rejected(vstor::kSrbInvalidRequest, vstor::kStatusInvalidParameter);
    }
    if (!range_fits(req.data, srb.data_transfer_length)) {
        ctx.ch->log(LogLevel::warn,
                    "storvsp: SRB data_transfer_length " +
                        std::to_string(srb.data_transfer_length) + " does not match its " +
                        std::to_string(req.data.gpa_ranges.size()) + " GPA range(s)");
        return rejected(vstor::kSrbInvalidRequest, vstor::kStatusInvalidParameter);
    }
    const std::span<const uint8_t> cdb(srb.cdb_or_sense, srb.cdb_length);
    const uint8_t opcode = cdb[0];
    const bool our_target = srb.path_id == 0 && srb.target_id == 0;
    std::shared_ptr<detail::storvsp::ScsiDisk> disk;
    std::vector<uint8_t> lun_list;
    std::optional<StorvspFault> injected;
    {
        std::lock_guard lock(mutex);
        if (fail_count > 0) {
            --fail_count;
            injected = fault;
        }
        if (our_target) {
            auto it = luns.find(srb.lun);
            if (it != luns.end()) disk = it->second;
            if (opcode == scsi::kReportLuns)
                for (const auto &[n, d] : luns)
                    lun_list.push_back(n);
        }
    }
    with_stats([&](StorvspStats &s) {
        ++s.commands_by_opcode[opcode];
        if (injected) ++s.faults_injected;
    });
    if (injected) return from_fault(*injected);

    const detail::storvsp::DataBuffer buf(*ctx.ch, req.data, srb.data_transfer_length, srb.data_in);
    SrbOutcome o;
    o.disable_autosense = (srb.srb_flags & vstor::kSrbFlagDisableAutosense) != 0;
    if (opcode == scsi::kReportLuns)
        o.result = detail::storvsp::report_luns(lun_list, cdb, buf);
    else if (!disk && opcode == scsi::kInquiry)
        o.result = detail::storvsp::absent_lun_inquiry(srb.lun, cdb, buf, srb.data_in);
    else if (!disk)
        o.result = detail::storvsp::invalid_lun();
    else
        o.result = disk->execute(cdb, buf, {config.max_transfer_bytes, srb.srb_flags});
    o.ntstatus = o.result.malformed ? vstor::kStatusInvalidParameter
                                    : vstor::ntstatus_for_srb(o.result.srb_status);
    return o;
}

void StorvspVsp::Impl::execute_srb(const std::shared_ptr<Ctx> &ctx, const Request &req)
{
    const SrbOutcome o = run_srb(*ctx, req);
    const ScsiResult &r = o.result;
    with_stats([&](StorvspStats &s) {
        ++s.srbs;
        if ((r.srb_status & vstor::kSrbCodeMask) != vstor::kSrbSuccess) ++s.srb_errors;
        if (r.malformed) ++s.malformed;
        s.bytes_read += r.bytes_read;
        s.bytes_written += r.bytes_written;
        s.flushes += r.flushes;
        s.unmapped_blocks += r.unmapped_blocks;
    });
    Outgoing out;
    out.ctx = ctx;
    out.transaction_id = req.transaction_id;
    out.seq = req.seq;
    out.payload = detail::storvsp::srb_completion_payload(req.payload_size, o);
    finish(std::move(out));
}

} // namespace satori::sim
