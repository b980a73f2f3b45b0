// SPDX-License-Identifier: MIT
// Framing of vstor completions: always exactly as long as the request's payload (§6.3).
#include <algorithm>
#include <cstring>

#include "vsp/storvsp/storvsp_impl.hpp"

namespace satori::sim::detail::storvsp {

namespace {

void put_header(std::vector<std::byte> &out, uint32_t operation, uint32_t status)
{
    const vstor::PacketHeader h{operation, 0, status};
    std::memcpy(out.data(), &h, std::min(out.size(), sizeof(h)));
}

} // namespace

size_t packet_size_for(uint16_t version) noexcept
{
    return version != 0 && version < kVstorWin8 ? vstor::kPacketBytesV1 : vstor::kPacketBytesV2;
}

std::vector<std::byte> completion_payload(size_t size, uint32_t status,
                                          std::span<const std::byte> body)
{
    std::vector<std::byte> out(size);
    put_header(out, vstor::kOpCompleteIo, status);
    if (size > vstor::kHeaderBytes && !body.empty())
        std::memcpy(out.data() + vstor::kHeaderBytes, body.data(),
                    std::min(body.size(), size - vstor::kHeaderBytes));
    return out;
}

std::vector<std::byte> srb_completion_payload(size_t size, const SrbOutcome &o)
{
    std::vector<std::byte> out(size);
    put_header(out, vstor::kOpCompleteIo, o.ntstatus);
    if (size <= vstor::kHeaderBytes) return out;
    const size_t srb_bytes = std::min(size - vstor::kHeaderBytes, vstor::kSrbBytesV2);
    const ScsiResult &r = o.result;
    const bool with_sense = r.sense && !o.disable_autosense;
    const uint8_t code = r.srb_status & vstor::kSrbCodeMask;
    vstor::ScsiRequest c{};
    c.length = static_cast<uint16_t>(srb_bytes);
    c.srb_status =
        static_cast<uint8_t>(r.srb_status | (with_sense ? vstor::kSrbAutosenseValid : 0));
    c.scsi_status = r.scsi_status;
    c.cdb_length = vstor::kCdbBytes;
    // Only SUCCESS and DATA_OVERRUN carry a length the guest uses (§8.2).
    c.data_transfer_length =
        code == vstor::kSrbSuccess || code == vstor::kSrbDataOverrun ? r.bytes : 0;
    if (with_sense) {
        const auto sense = fixed_sense(*r.sense);
        c.sense_info_length = static_cast<uint8_t>(sense.size()); // valid bytes: 18
        std::memcpy(c.cdb_or_sense, sense.data(), sense.size());
    }
    std::memcpy(out.data() + vstor::kHeaderBytes, &c, srb_bytes);
    return out;
}

} // namespace satori::sim::detail::storvsp
