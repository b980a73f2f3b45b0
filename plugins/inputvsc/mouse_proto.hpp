// SPDX-License-Identifier: MIT
// Building and checking the synthetic HID mouse's messages (spec/inputvsc.md A2-A4). Pure
// functions over bytes: every length the host supplies is checked against the packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace satori::inputvsc::mouse {

/// One host->guest packet after the framing checks.
struct Message {
    bool ok = false;      ///< false: a protocol violation, see error
    bool ignore = false;  ///< a pipe message of another type (guests skip them)
    uint32_t type = 0;    ///< SynthHID type
    std::span<const std::byte> body; ///< exactly SynthHID size bytes
    std::string error;
};
Message parse_message(std::span<const std::byte> packet);

struct ProtocolResponse {
    bool ok = false;
    uint32_t version = 0;
    bool approved = false;
    std::string error;
};
ProtocolResponse parse_protocol_response(std::span<const std::byte> body);

struct DeviceInfo {
    bool ok = false;
    uint16_t vendor = 0, product = 0, version = 0;
    uint8_t country = 0;
    std::vector<uint8_t> report_descriptor;
    bool patched_sa167 = false; ///< byte 14 was 0x25 and was changed to 0x29
    std::string error;
};
DeviceInfo parse_device_info(std::span<const std::byte> body);

/// A whole guest->host packet: pipe header, SynthHID header, body.
std::vector<std::byte> frame(uint32_t type, std::span<const std::byte> body);
std::vector<std::byte> protocol_request(uint32_t version = kVersion);
std::vector<std::byte> device_info_ack();

} // namespace satori::inputvsc::mouse
