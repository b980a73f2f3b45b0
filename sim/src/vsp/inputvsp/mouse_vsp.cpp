// SPDX-License-Identifier: MIT
// Synthetic HID mouse, host side (spec/inputvsc.md part A): answers PROTOCOL_REQUEST,
// sends INITIAL_DEVICE_INFO, waits for the ACK, then streams 7-byte INPUT_REPORTs.
#include <satori/sim/inputvsp.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <satori/errno.h>

#include "vsp/inputvsp/wire.hpp"

namespace satori::sim {

using namespace input_wire;

namespace {

constexpr uint8_t kDescriptor[67] = {
    0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x01, 0xA1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x05,
    0x15, 0x00, 0x25, 0x01, 0x95, 0x05, 0x75, 0x01, 0x81, 0x02, 0x95, 0x01, 0x75, 0x03, 0x81, 0x01,
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x00, 0x26, 0xFF, 0x7F, 0x75, 0x10, 0x95, 0x02, 0x81,
    0x02, 0x05, 0x01, 0x09, 0x38, 0x16, 0x01, 0x80, 0x26, 0xFF, 0x7F, 0x75, 0x10, 0x95, 0x01, 0x81,
    0x06, 0xC0, 0xC0};

enum : uint32_t { kRequest = 0, kResponse = 1, kDeviceInfo = 2, kAck = 3, kInput = 4 };

std::vector<std::byte> frame(uint32_t type, const std::vector<std::byte> &body)
{
    std::vector<std::byte> out;
    put32(out, 1);
    put32(out, static_cast<uint32_t>(8 + body.size()));
    put32(out, type);
    put32(out, static_cast<uint32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

VspInfo mouse_info(const MouseConfig &c)
{
    VspInfo info;
    info.class_id = kMouseClassId;
    info.instance_id = c.instance_id;
    info.name = "synthetic mouse";
    info.offer_flags = kOfferFlagNamedPipeMode;
    info.user_defined[0] = static_cast<uint8_t>(kPipeModeMessage);
    return info;
}

} // namespace

std::span<const uint8_t> mouse_report_descriptor() noexcept { return kDescriptor; }

struct MouseVsp::State {
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::mutex send_mu; ///< keeps reports in state order
    std::shared_ptr<HostChannel> ch;
    MouseStats stats;
    uint8_t buttons = 0;
    uint16_t x = 0, y = 0;
};

MouseVsp::MouseVsp(MouseConfig config)
    : Vsp(mouse_info(config)), config_(std::move(config)), state_(std::make_unique<State>())
{
    if (config_.report_descriptor.empty())
        config_.report_descriptor.assign(std::begin(kDescriptor), std::end(kDescriptor));
}

MouseVsp::~MouseVsp() = default;

MouseStats MouseVsp::stats() const
{
    std::lock_guard lock(state_->mu);
    return state_->stats;
}

bool MouseVsp::wait_ready(std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->stats.ready; });
}

void MouseVsp::on_open(HostChannel &ch)
{
    std::lock_guard lock(state_->mu);
    state_->ch = ch.shared();
    state_->stats.channel_open = true;
    state_->stats.negotiated = false;
    state_->stats.ready = false;
    state_->stats.opens++;
}

void MouseVsp::on_close(HostChannel &)
{
    std::lock_guard lock(state_->mu);
    state_->ch.reset();
    state_->stats.channel_open = false;
    state_->stats.ready = false;
    state_->stats.closes++;
    state_->cv.notify_all();
}

void MouseVsp::on_packet(HostChannel &ch, const HostPacket &pkt)
{
    if (pkt.type != PacketType::data_inband) return;
    const auto p = pkt.payload;
    auto error = [&](const std::string &what) {
        ch.log(LogLevel::warn, "mouse: " + what);
        std::lock_guard lock(state_->mu);
        state_->stats.protocol_errors++;
    };
    if (p.size() < 16) return error("guest message shorter than the pipe + SynthHID headers");
    const uint32_t pipe_size = get32(p, 4);
    const uint32_t type = get32(p, 8);
    const uint32_t size = get32(p, 12);
    if (get32(p, 0) != 1 || pipe_size > p.size() - 8 || pipe_size < 8 || size > pipe_size - 8)
        return error("bad pipe framing");
    const auto body = p.subspan(16, size);
    if (type == kRequest) {
        if (body.size() < 4) return error("PROTOCOL_REQUEST without a version");
        const uint32_t version = get32(body, 0);
        const bool ok = std::find(config_.accepted_versions.begin(),
                                  config_.accepted_versions.end(),
                                  version) != config_.accepted_versions.end();
        {
            std::lock_guard lock(state_->mu);
            state_->stats.requests++;
            state_->stats.requested_version = version;
            if (ok)
                state_->stats.negotiated = true;
            else
                state_->stats.refused++;
        }
        std::vector<std::byte> rb;
        put32(rb, version);
        rb.push_back(std::byte{ok ? uint8_t{1} : uint8_t{0}});
        auto response = frame(kResponse, rb);
        if (config_.mangle_response) response = config_.mangle_response(std::move(response));
        ch.send_inband(response);
        if (!ok) return;
        // INITIAL_DEVICE_INFO: attributes, HID descriptor, report descriptor
        const auto &rd = config_.report_descriptor;
        std::vector<std::byte> info;
        put32(info, 32);
        put16(info, config_.vendor);
        put16(info, config_.product);
        put16(info, config_.version);
        info.resize(32);
        info.push_back(std::byte{9});
        info.push_back(std::byte{0x21});
        put16(info, 0x0101);
        info.push_back(std::byte{0});
        info.push_back(std::byte{1});
        info.push_back(std::byte{0x22});
        put16(info, static_cast<uint16_t>(rd.size()));
        for (size_t i = 0; i < rd.size(); i++)
            info.push_back(std::byte{i == 14 && config_.sa167_quirk && rd[i] == 0x29
                                         ? uint8_t{0x25}
                                         : rd[i]});
        const size_t hid_size = info.size();
        if (config_.pad_descriptor && rd.size() < 128) info.resize(41 + 128);
        auto msg = frame(kDeviceInfo, info);
        // SynthHID size counts attributes + descriptors, not OpenVMM's padding
        for (int i = 0; i < 4; i++)
            msg[12 + i] = std::byte(static_cast<uint32_t>(hid_size) >> (8 * i));
        if (config_.mangle_device_info) msg = config_.mangle_device_info(std::move(msg));
        if (config_.early_report) {
            std::vector<std::byte> rep;
            rep.push_back(std::byte{0});
            put16(rep, 777);
            put16(rep, 777);
            put16(rep, 0);
            ch.send_inband(frame(kInput, rep));
        }
        ch.send_inband(msg);
        return;
    }
    if (type == kAck) {
        std::lock_guard lock(state_->mu);
        if (!state_->stats.negotiated || state_->stats.ready) {
            state_->stats.protocol_errors++;
            return;
        }
        state_->stats.ready = true;
        state_->cv.notify_all();
        return;
    }
    error("unexpected guest message type " + std::to_string(type));
}

int32_t MouseVsp::send_report(uint8_t buttons, uint16_t x, uint16_t y, int16_t wheel)
{
    std::shared_ptr<HostChannel> ch;
    {
        std::lock_guard lock(state_->mu);
        if (!state_->stats.ready || !state_->ch) return -SATORI_ENODEV;
        ch = state_->ch;
    }
    std::vector<std::byte> rep;
    rep.push_back(std::byte{buttons});
    put16(rep, x);
    put16(rep, y);
    put16(rep, static_cast<uint16_t>(wheel));
    const int32_t r = ch->send_inband(frame(kInput, rep));
    if (r == 0) {
        std::lock_guard lock(state_->mu);
        state_->stats.reports_sent++;
    }
    return r;
}

int32_t MouseVsp::send_state(int16_t wheel)
{
    uint8_t b;
    uint16_t x, y;
    {
        std::lock_guard lock(state_->mu);
        b = state_->buttons;
        x = state_->x;
        y = state_->y;
    }
    return send_report(b, x, y, wheel);
}

int32_t MouseVsp::move_to(uint16_t x, uint16_t y)
{
    std::lock_guard send(state_->send_mu);
    {
        std::lock_guard lock(state_->mu);
        state_->x = std::min<uint16_t>(x, 0x7FFF);
        state_->y = std::min<uint16_t>(y, 0x7FFF);
    }
    return send_state(0);
}

int32_t MouseVsp::set_buttons(uint8_t buttons)
{
    std::lock_guard send(state_->send_mu);
    {
        std::lock_guard lock(state_->mu);
        state_->buttons = buttons & 0x1F;
    }
    return send_state(0);
}

int32_t MouseVsp::press(uint8_t button)
{
    uint8_t b;
    {
        std::lock_guard lock(state_->mu);
        b = state_->buttons | button;
    }
    return set_buttons(b);
}

int32_t MouseVsp::release(uint8_t button)
{
    uint8_t b;
    {
        std::lock_guard lock(state_->mu);
        b = state_->buttons & static_cast<uint8_t>(~button);
    }
    return set_buttons(b);
}

int32_t MouseVsp::click(uint8_t button)
{
    if (int32_t r = press(button); r != 0) return r;
    return release(button);
}

int32_t MouseVsp::wheel(int16_t delta)
{
    std::lock_guard send(state_->send_mu);
    return send_state(delta);
}

int32_t MouseVsp::send_raw(std::span<const std::byte> packet)
{
    std::shared_ptr<HostChannel> ch;
    {
        std::lock_guard lock(state_->mu);
        ch = state_->ch;
    }
    return ch ? ch->send_inband(packet) : -SATORI_ENODEV;
}

} // namespace satori::sim
