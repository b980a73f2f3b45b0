// SPDX-License-Identifier: MIT
#include "mouse_proto.hpp"

#include <satori/hid.h>

namespace satori::inputvsc::mouse {

Message parse_message(std::span<const std::byte> packet)
{
    Message m;
    if (packet.size() < kPipeHeader) {
        m.error = "packet of " + std::to_string(packet.size()) +
                  " bytes is shorter than the 8-byte pipe header";
        return m;
    }
    const uint32_t pipe_type = rd32(packet.data());
    const uint32_t pipe_size = rd32(packet.data() + 4);
    if (pipe_type != kPipeData) {
        m.ok = true;
        m.ignore = true;
        return m;
    }
    if (pipe_size > packet.size() - kPipeHeader) {
        m.error = "pipe size " + std::to_string(pipe_size) + " exceeds the " +
                  std::to_string(packet.size() - kPipeHeader) + " bytes in the packet";
        return m;
    }
    if (pipe_size < kHidHeader) {
        m.error = "pipe message of " + std::to_string(pipe_size) +
                  " bytes is shorter than the 8-byte SynthHID header";
        return m;
    }
    m.type = rd32(packet.data() + kPipeHeader);
    const uint32_t hid_size = rd32(packet.data() + kPipeHeader + 4);
    if (hid_size > pipe_size - kHidHeader) {
        m.error = "SynthHID size " + std::to_string(hid_size) + " exceeds the pipe message (" +
                  std::to_string(pipe_size - kHidHeader) + " bytes after the header)";
        return m;
    }
    m.body = packet.subspan(kBodyOffset, hid_size);
    m.ok = true;
    return m;
}

ProtocolResponse parse_protocol_response(std::span<const std::byte> body)
{
    ProtocolResponse r;
    if (body.size() < 5) {
        r.error = "PROTOCOL_RESPONSE of " + std::to_string(body.size()) +
                  " bytes (needs 5: version, approved)";
        return r;
    }
    r.version = rd32(body.data());
    r.approved = body[4] != std::byte{0};
    r.ok = true;
    return r;
}

DeviceInfo parse_device_info(std::span<const std::byte> body)
{
    DeviceInfo d;
    if (body.size() < kAttributesSize + kHidDescriptorMin) {
        d.error = "INITIAL_DEVICE_INFO of " + std::to_string(body.size()) +
                  " bytes is shorter than attributes + HID descriptor (41)";
        return d;
    }
    d.vendor = rd16(body.data() + 4);
    d.product = rd16(body.data() + 6);
    d.version = rd16(body.data() + 8);
    const std::byte *hd = body.data() + kAttributesSize;
    const size_t b_length = static_cast<size_t>(hd[0]);
    if (b_length < kHidDescriptorMin) {
        d.error = "HID descriptor bLength " + std::to_string(b_length) + " (at least 9)";
        return d;
    }
    if (kAttributesSize + b_length > body.size()) {
        d.error = "HID descriptor bLength " + std::to_string(b_length) +
                  " runs past the message";
        return d;
    }
    d.country = static_cast<uint8_t>(hd[4]);
    const size_t len = rd16(hd + 7);
    if (len == 0) {
        d.error = "report descriptor length 0";
        return d;
    }
    if (len > SATORI_HID_MAX_DESCRIPTOR) {
        d.error = "report descriptor length " + std::to_string(len) + " exceeds " +
                  std::to_string(SATORI_HID_MAX_DESCRIPTOR);
        return d;
    }
    const size_t start = kAttributesSize + b_length;
    if (len > body.size() - start) {
        d.error = "report descriptor of " + std::to_string(len) + " bytes does not fit in the " +
                  std::to_string(body.size() - start) + " bytes left in the message";
        return d;
    }
    d.report_descriptor.resize(len);
    for (size_t i = 0; i < len; i++)
        d.report_descriptor[i] = static_cast<uint8_t>(body[start + i]);
    // SA-167: real Hyper-V sends Logical Maximum (0x25) where Usage Maximum (0x29) belongs.
    if (len > 14 && d.report_descriptor[14] == 0x25) {
        d.report_descriptor[14] = 0x29;
        d.patched_sa167 = true;
    }
    d.ok = true;
    return d;
}

std::vector<std::byte> frame(uint32_t type, std::span<const std::byte> body)
{
    std::vector<std::byte> out(kBodyOffset + body.size());
    wr32(out.data(), kPipeData);
    wr32(out.data() + 4, static_cast<uint32_t>(kHidHeader + body.size()));
    wr32(out.data() + 8, type);
    wr32(out.data() + 12, static_cast<uint32_t>(body.size()));
    for (size_t i = 0; i < body.size(); i++)
        out[kBodyOffset + i] = body[i];
    return out;
}

std::vector<std::byte> protocol_request(uint32_t version)
{
    std::byte body[4];
    wr32(body, version);
    return frame(kProtocolRequest, body);
}

std::vector<std::byte> device_info_ack()
{
    const std::byte body[1] = {std::byte{0}};
    return frame(kInitialDeviceInfoAck, body);
}

} // namespace satori::inputvsc::mouse
