// SPDX-License-Identifier: MIT
// MODE SENSE(6/10) and MODE SELECT(6/10) (§13.2, §13.5): one caching page, write cache on.
#include <array>
#include <vector>

#include "vsp/storvsp/scsi_disk.hpp"

namespace satori::sim::detail::storvsp {

namespace {

constexpr uint8_t kPageCaching = 0x08;
constexpr uint8_t kPageAll = 0x3F;
constexpr uint8_t kPcChangeable = 1;
constexpr uint8_t kPcSaved = 3;
constexpr uint8_t kWce = 0x04;
constexpr size_t kCachingPageBytes = 12;
constexpr uint8_t kDeviceWriteProtected = 0x80;
constexpr uint8_t kDeviceDpoFua = 0x10;

std::array<uint8_t, kCachingPageBytes> caching_page(uint8_t pc)
{
    std::array<uint8_t, kCachingPageBytes> p{};
    p[0] = kPageCaching;
    p[1] = kCachingPageBytes - 2;
    p[2] = pc == kPcChangeable ? 0 : kWce; // current and default: write cache enabled
    return p;
}

ScsiResult parameter_list_length()
{
    return illegal_request(scsi::kAscParameterListLength);
}

ScsiResult invalid_parameter()
{
    return illegal_request(scsi::kAscInvalidFieldInParameterList);
}

} // namespace

ScsiResult cmd_mode_sense(ScsiDisk &disk, const Command &c)
{
    (void)disk;
    const bool ten = c.opcode() == scsi::kModeSense10;
    const size_t header = ten ? 8 : 4;
    const uint8_t pc = c.cdb[2] >> 6;
    const uint8_t page = c.cdb[2] & 0x3F;
    const uint8_t subpage = c.cdb[3];
    const size_t alloc = ten ? scsi::be16(c.cdb, 7) : c.cdb[4];
    if (c.buf.size() == 0 || alloc == 0) return good();
    if (alloc > c.buf.size() || alloc < header || pc == kPcSaved) return invalid_cdb();
    if (page != kPageCaching && page != kPageAll) return invalid_cdb();
    if (subpage != 0 && !(page == kPageAll && subpage == 0xFF)) return invalid_cdb();

    std::vector<uint8_t> d(header);
    const uint8_t device =
        static_cast<uint8_t>((c.geo.read_only ? kDeviceWriteProtected : 0) | kDeviceDpoFua);
    const auto p = caching_page(pc);
    d.insert(d.end(), p.begin(), p.end());
    if (ten) {
        scsi::put_be16(d, 0, static_cast<uint16_t>(d.size() - 2));
        d[3] = device; // bytes 6-7: block descriptor length 0
    } else {
        d[0] = static_cast<uint8_t>(d.size() - 1);
        d[2] = device;
    }
    return reply(c.buf, d, alloc);
}

ScsiResult cmd_mode_select(ScsiDisk &disk, const Command &c)
{
    (void)disk;
    const bool ten = c.opcode() == scsi::kModeSelect10;
    const size_t header = ten ? 8 : 4;
    if ((c.cdb[1] & 0x01) != 0) return invalid_cdb(); // SP: nothing can be saved
    const size_t len = ten ? scsi::be16(c.cdb, 7) : c.cdb[4];
    if (len == 0) return good();
    if (len > c.buf.size() || len < header) return parameter_list_length();
    std::vector<uint8_t> p(len);
    if (c.buf.from_guest(0, std::as_writable_bytes(std::span(p))) != 0) return malformed_request();
    const size_t block_descriptors = ten ? scsi::be16(p, 6) : p[3];
    size_t at = header + block_descriptors;
    if (at > len) return parameter_list_length();
    while (at < len) {
        if (len - at < 2) return parameter_list_length();
        const uint8_t code = p[at];
        const size_t page_len = size_t{p[at + 1]} + 2;
        if (page_len > len - at) return parameter_list_length();
        // Only the caching page, without subpage format, and only WCE as it already is.
        if ((code & 0x40) != 0 || (code & 0x3F) != kPageCaching || page_len < 3 ||
            (p[at + 2] & kWce) == 0)
            return invalid_parameter();
        at += page_len;
    }
    return good(static_cast<uint32_t>(len));
}

} // namespace satori::sim::detail::storvsp
