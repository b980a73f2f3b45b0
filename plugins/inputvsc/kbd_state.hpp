// SPDX-License-Identifier: MIT
// The synthetic keyboard as a HID boot keyboard: set-1 keystroke events in, 8-byte reports
// out (modifier bits, reserved byte, six-key rollover array); LED output reports back to
// Hyper-V LED flags.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace satori::inputvsc {

using KbdReport = std::array<uint8_t, 8>;

/// The report descriptor the plugin registers for the keyboard (HID 1.11 boot keyboard,
/// logical maximum of the key array 231).
std::span<const uint8_t> keyboard_report_descriptor() noexcept;

class KeyboardState {
  public:
    struct Result {
        std::vector<KbdReport> reports; ///< to send, in order (0, 1 or 2)
        bool unknown = false;           ///< the code has no key: dropped, state unchanged
        bool swallowed = false;         ///< part of a multi-event sequence (Pause), no report
    };

    /// One keystroke event: set-1 @p make code and the info flags (IS_BREAK/E0/E1/UNICODE).
    Result on_event(uint16_t make, uint32_t flags);
    /// The report of the keys held now.
    KbdReport report() const noexcept;
    /// Releases everything (channel reset).
    void reset() noexcept;

  private:
    bool press(uint8_t usage);
    bool release(uint8_t usage);

    uint8_t modifiers_ = 0;
    std::array<uint8_t, 6> keys_{};
    int swallow_45_ = -1; ///< after E1 1D: the 0x45 event with this break state is swallowed
};

/// HID LED output report (bit0 Num, bit1 Caps, bit2 Scroll) -> SET_LED_INDICATORS flags.
uint16_t hid_leds_to_hyperv(uint8_t hid) noexcept;

} // namespace satori::inputvsc
