// SPDX-License-Identifier: MIT
#include "kbd_state.hpp"

#include <algorithm>

#include "protocol.hpp"
#include "scancode.hpp"

namespace satori::inputvsc {

namespace {
constexpr uint8_t kDescriptor[] = {
    0x05, 0x01,       // Usage Page (Generic Desktop)
    0x09, 0x06,       // Usage (Keyboard)
    0xA1, 0x01,       // Collection (Application)
    0x05, 0x07,       //   Usage Page (Keyboard/Keypad)
    0x19, 0xE0,       //   Usage Minimum (Left Control)
    0x29, 0xE7,       //   Usage Maximum (Right GUI)
    0x15, 0x00,       //   Logical Minimum (0)
    0x25, 0x01,       //   Logical Maximum (1)
    0x75, 0x01,       //   Report Size (1)
    0x95, 0x08,       //   Report Count (8)
    0x81, 0x02,       //   Input (Data, Variable, Absolute): modifier byte
    0x95, 0x01,       //   Report Count (1)
    0x75, 0x08,       //   Report Size (8)
    0x81, 0x01,       //   Input (Constant): reserved byte
    0x95, 0x05,       //   Report Count (5)
    0x75, 0x01,       //   Report Size (1)
    0x05, 0x08,       //   Usage Page (LEDs)
    0x19, 0x01,       //   Usage Minimum (Num Lock)
    0x29, 0x05,       //   Usage Maximum (Kana)
    0x91, 0x02,       //   Output (Data, Variable, Absolute): LED bits
    0x95, 0x01,       //   Report Count (1)
    0x75, 0x03,       //   Report Size (3)
    0x91, 0x01,       //   Output (Constant): padding
    0x95, 0x06,       //   Report Count (6)
    0x75, 0x08,       //   Report Size (8)
    0x15, 0x00,       //   Logical Minimum (0)
    0x26, 0xE7, 0x00, //   Logical Maximum (231)
    0x05, 0x07,       //   Usage Page (Keyboard/Keypad)
    0x19, 0x00,       //   Usage Minimum (0)
    0x29, 0xE7,       //   Usage Maximum (231)
    0x81, 0x00,       //   Input (Data, Array): six keys
    0xC0,             // End Collection
};
} // namespace

std::span<const uint8_t> keyboard_report_descriptor() noexcept { return kDescriptor; }

bool KeyboardState::press(uint8_t usage)
{
    if (usage >= 0xE0 && usage <= 0xE7) {
        const uint8_t bit = static_cast<uint8_t>(1u << (usage - 0xE0));
        const bool changed = !(modifiers_ & bit);
        modifiers_ |= bit;
        return changed;
    }
    if (std::find(keys_.begin(), keys_.end(), usage) != keys_.end()) return false; // repeat
    auto slot = std::find(keys_.begin(), keys_.end(), uint8_t{0});
    if (slot == keys_.end()) return false; // seven keys at once: the seventh is not reported
    *slot = usage;
    return true;
}

bool KeyboardState::release(uint8_t usage)
{
    if (usage >= 0xE0 && usage <= 0xE7) {
        const uint8_t bit = static_cast<uint8_t>(1u << (usage - 0xE0));
        const bool changed = (modifiers_ & bit) != 0;
        modifiers_ &= static_cast<uint8_t>(~bit);
        return changed;
    }
    auto it = std::find(keys_.begin(), keys_.end(), usage);
    if (it == keys_.end()) return false;
    // keep the array packed in press order
    std::copy(it + 1, keys_.end(), it);
    keys_.back() = 0;
    return true;
}

KeyboardState::Result KeyboardState::on_event(uint16_t make, uint32_t flags)
{
    Result r;
    const bool brk = (flags & kbd::kIsBreak) != 0;
    if (flags & kbd::kIsUnicode) {
        r.unknown = true;
        return r;
    }
    if (flags & kbd::kIsE1) {
        // Pause: E1 1D 45 (make) E1 9D C5 (break). Set 1 has no separate Pause release, so
        // the make is reported as press + release and the rest of the sequence is dropped.
        if (make != 0x1D && make != 0x45) {
            r.unknown = true;
            return r;
        }
        if (make == 0x1D) swallow_45_ = brk ? 1 : 0;
        if (brk) {
            r.swallowed = true;
            return r;
        }
        press(kUsagePause);
        r.reports.push_back(report());
        release(kUsagePause);
        r.reports.push_back(report());
        return r;
    }
    if (swallow_45_ >= 0 && !(flags & kbd::kIsE0) && make == 0x45 &&
        swallow_45_ == (brk ? 1 : 0)) {
        swallow_45_ = -1;
        r.swallowed = true;
        return r;
    }
    swallow_45_ = -1;
    const uint8_t usage = set1_to_usage(make, (flags & kbd::kIsE0) != 0);
    if (!usage) {
        // E0 2A / E0 36 (fake shifts) land here too: no key, no state change
        r.unknown = !((flags & kbd::kIsE0) && (make == 0x2A || make == 0x36));
        r.swallowed = !r.unknown;
        return r;
    }
    if (brk ? release(usage) : press(usage)) r.reports.push_back(report());
    return r;
}

KbdReport KeyboardState::report() const noexcept
{
    KbdReport rep{};
    rep[0] = modifiers_;
    std::copy(keys_.begin(), keys_.end(), rep.begin() + 2);
    return rep;
}

void KeyboardState::reset() noexcept
{
    modifiers_ = 0;
    keys_ = {};
    swallow_45_ = -1;
}

uint16_t hid_leds_to_hyperv(uint8_t hid) noexcept
{
    uint16_t out = 0;
    if (hid & 0x1) out |= kbd::kLedNumLock;
    if (hid & 0x2) out |= kbd::kLedCapsLock;
    if (hid & 0x4) out |= kbd::kLedScrollLock;
    return out;
}

} // namespace satori::inputvsc
