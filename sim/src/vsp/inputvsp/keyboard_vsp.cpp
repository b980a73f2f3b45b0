// SPDX-License-Identifier: MIT
// Synthetic keyboard, host side (spec/inputvsc.md part B): raw messages, no pipe header;
// PROTOCOL_REQUEST/RESPONSE, then EVENT per key press/release; the guest may send
// SET_LED_INDICATORS at any time.
#include <satori/sim/inputvsp.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <satori/errno.h>

#include "vsp/inputvsp/wire.hpp"

namespace satori::sim {

using namespace input_wire;

namespace {
enum : uint32_t { kRequest = 1, kResponse = 2, kEvent = 3, kLeds = 4 };

VspInfo keyboard_info(const KeyboardConfig &c)
{
    VspInfo info;
    info.class_id = kKeyboardClassId;
    info.instance_id = c.instance_id;
    info.name = "synthetic keyboard";
    return info;
}
} // namespace

struct KeyboardVsp::State {
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::mutex send_mu; ///< keeps multi-event sequences together
    std::shared_ptr<HostChannel> ch;
    KeyboardStats stats;
};

KeyboardVsp::KeyboardVsp(KeyboardConfig config)
    : Vsp(keyboard_info(config)), config_(std::move(config)), state_(std::make_unique<State>())
{
}

KeyboardVsp::~KeyboardVsp() = default;

KeyboardStats KeyboardVsp::stats() const
{
    std::lock_guard lock(state_->mu);
    return state_->stats;
}

bool KeyboardVsp::wait_ready(std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->stats.ready; });
}

bool KeyboardVsp::wait_leds(uint64_t count, std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, timeout,
                               [&] { return state_->stats.led_messages >= count; });
}

void KeyboardVsp::on_open(HostChannel &ch)
{
    std::lock_guard lock(state_->mu);
    state_->ch = ch.shared();
    state_->stats.channel_open = true;
    state_->stats.ready = false;
}

void KeyboardVsp::on_close(HostChannel &)
{
    std::lock_guard lock(state_->mu);
    state_->ch.reset();
    state_->stats.channel_open = false;
    state_->stats.ready = false;
    state_->cv.notify_all();
}

void KeyboardVsp::on_packet(HostChannel &ch, const HostPacket &pkt)
{
    if (pkt.type != PacketType::data_inband) return;
    const auto p = pkt.payload;
    if (p.size() < 8) {
        ch.log(LogLevel::warn, "keyboard: guest message shorter than 8 bytes");
        std::lock_guard lock(state_->mu);
        state_->stats.protocol_errors++;
        return;
    }
    const uint32_t type = get32(p, 0);
    if (type == kRequest) {
        const uint32_t version = get32(p, 4);
        const bool ok = std::find(config_.accepted_versions.begin(),
                                  config_.accepted_versions.end(),
                                  version) != config_.accepted_versions.end();
        std::vector<std::byte> msg;
        put32(msg, kResponse);
        put32(msg, ok ? 1u : 0u);
        ch.send_inband(msg);
        std::lock_guard lock(state_->mu);
        state_->stats.requests++;
        if (ok)
            state_->stats.ready = true;
        else
            state_->stats.refused++;
        state_->cv.notify_all();
        return;
    }
    if (type == kLeds) {
        const uint16_t flags = get16(p, 4);
        {
            std::lock_guard lock(state_->mu);
            state_->stats.led_messages++;
            state_->stats.leds = flags;
            state_->cv.notify_all();
        }
        if (config_.on_leds) config_.on_leds(flags);
        return;
    }
    ch.log(LogLevel::warn, "keyboard: unexpected guest message type " + std::to_string(type));
    std::lock_guard lock(state_->mu);
    state_->stats.protocol_errors++;
}

int32_t KeyboardVsp::send_event(uint16_t make, uint32_t flags)
{
    std::shared_ptr<HostChannel> ch;
    {
        std::lock_guard lock(state_->mu);
        if (!state_->stats.ready || !state_->ch) return -SATORI_ENODEV;
        ch = state_->ch;
    }
    std::vector<std::byte> msg;
    put32(msg, kEvent);
    put16(msg, make);
    put16(msg, 0);
    put32(msg, flags);
    const int32_t r = ch->send_inband(msg);
    if (r == 0) {
        std::lock_guard lock(state_->mu);
        state_->stats.events_sent++;
    }
    return r;
}

int32_t KeyboardVsp::press(ScanKey key)
{
    return send_event(key.make, key.e0 ? kKeyE0 : 0);
}

int32_t KeyboardVsp::release(ScanKey key)
{
    return send_event(key.make, (key.e0 ? kKeyE0 : 0) | kKeyBreak);
}

int32_t KeyboardVsp::tap(ScanKey key)
{
    std::lock_guard send(state_->send_mu);
    if (int32_t r = press(key); r != 0) return r;
    return release(key);
}

int32_t KeyboardVsp::pause()
{
    std::lock_guard send(state_->send_mu);
    int32_t r = send_event(0x1D, kKeyE1);
    if (r == 0) r = send_event(0x45, 0);
    if (r == 0) r = send_event(0x1D, kKeyE1 | kKeyBreak);
    if (r == 0) r = send_event(0x45, kKeyBreak);
    return r;
}

int32_t KeyboardVsp::type_text(std::string_view text)
{
    struct Stroke {
        ScanKey key;
        bool shift;
    };
    std::vector<Stroke> strokes;
    for (char c : text) {
        Stroke s{};
        if (!us_char_to_key(c, s.key, s.shift)) return -SATORI_EINVAL;
        strokes.push_back(s);
    }
    constexpr ScanKey kShift{0x2A, false};
    std::lock_guard send(state_->send_mu);
    bool shifted = false;
    for (const auto &s : strokes) {
        int32_t r = 0;
        if (s.shift != shifted) {
            r = s.shift ? press(kShift) : release(kShift);
            shifted = s.shift;
        }
        if (r == 0) r = press(s.key);
        if (r == 0) r = release(s.key);
        if (r != 0) return r;
    }
    return shifted ? release(kShift) : 0;
}

int32_t KeyboardVsp::send_raw(std::span<const std::byte> packet)
{
    std::shared_ptr<HostChannel> ch;
    {
        std::lock_guard lock(state_->mu);
        ch = state_->ch;
    }
    return ch ? ch->send_inband(packet) : -SATORI_ENODEV;
}

} // namespace satori::sim
