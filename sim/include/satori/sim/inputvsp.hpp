// SPDX-License-Identifier: MIT
// Host side of the Hyper-V synthetic input devices (spec/inputvsc.md): the synthetic HID
// mouse (pipe framing, SynthHID 2.0) and the synthetic keyboard (1.0, set-1 scan codes), with
// an API to script input (move, click, wheel, keys, text) and to watch the guest's LEDs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <satori/sim/vsp.hpp>

namespace satori::sim {

/// Synthetic mouse class cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a.
inline constexpr Guid kMouseClassId =
    Guid::from_fields(0xcfa8b69e, 0x5b4a, 0x4cc0, {0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a});
/// OpenVMM's mouse instance 58f75a6d-d949-4320-99e1-a2a2576d581c.
inline constexpr Guid kMouseDefaultInstanceId =
    Guid::from_fields(0x58f75a6d, 0xd949, 0x4320, {0x99, 0xe1, 0xa2, 0xa2, 0x57, 0x6d, 0x58, 0x1c});
/// Synthetic keyboard class f912ad6d-2b17-48ea-bd65-f927a61c7684.
inline constexpr Guid kKeyboardClassId =
    Guid::from_fields(0xf912ad6d, 0x2b17, 0x48ea, {0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84});
/// OpenVMM's keyboard instance d34b2567-b9b6-42b9-8778-0a4ec0b955bf.
inline constexpr Guid kKeyboardDefaultInstanceId =
    Guid::from_fields(0xd34b2567, 0xb9b6, 0x42b9, {0x87, 0x78, 0x0a, 0x4e, 0xc0, 0xb9, 0x55, 0xbf});

/// The 67-byte report descriptor of the synthetic mouse (spec A6; byte 14 = 0x29).
std::span<const uint8_t> mouse_report_descriptor() noexcept;

/// Mouse button bits of the input report (spec A7).
inline constexpr uint8_t kButtonLeft = 0x01;
inline constexpr uint8_t kButtonRight = 0x02;
inline constexpr uint8_t kButtonMiddle = 0x04;

struct MouseConfig {
    Guid instance_id = kMouseDefaultInstanceId;
    uint16_t vendor = 0x045E, product = 0x0621, version = 0x0001;
    /// Empty: the standard 67-byte descriptor.
    std::vector<uint8_t> report_descriptor;
    /// Send byte 14 as 0x25 like real Hyper-V (the "SA-167" bug guests patch).
    bool sa167_quirk = false;
    /// Pad the descriptor area to 128 bytes as OpenVMM does.
    bool pad_descriptor = true;
    /// Versions answered with approved = 1.
    std::vector<uint32_t> accepted_versions = {0x00020000};
    /// Tests: replaces the whole INITIAL_DEVICE_INFO packet (pipe header included).
    std::function<std::vector<std::byte>(std::vector<std::byte>)> mangle_device_info;
    /// Tests: an INPUT_REPORT (x = y = 777) before the device info (so before the ACK).
    bool early_report = false;
    /// Tests: replaces the whole PROTOCOL_RESPONSE packet.
    std::function<std::vector<std::byte>(std::vector<std::byte>)> mangle_response;
};

struct MouseStats {
    bool channel_open = false;
    bool negotiated = false; ///< a request was approved
    bool ready = false;      ///< the guest acknowledged the device info
    uint32_t requested_version = 0;
    uint64_t requests = 0, refused = 0;
    uint64_t reports_sent = 0;
    uint64_t protocol_errors = 0; ///< unexpected or malformed guest messages
    uint64_t opens = 0, closes = 0;
};

/// The synthetic HID mouse VSP.
class MouseVsp final : public Vsp {
  public:
    explicit MouseVsp(MouseConfig config = {});
    ~MouseVsp() override;

    /// The pointer's state; every call sends one INPUT_REPORT with the full state.
    /// @return 0, or -SATORI_ENODEV before the guest acknowledged the device info.
    int32_t move_to(uint16_t x, uint16_t y);
    int32_t set_buttons(uint8_t buttons);
    int32_t press(uint8_t button);   ///< adds kButton* bits
    int32_t release(uint8_t button); ///< clears them
    int32_t click(uint8_t button = kButtonLeft); ///< press + release
    int32_t wheel(int16_t delta);    ///< one report with this wheel value (relative)
    /// One INPUT_REPORT with exactly these values (no state change).
    int32_t send_report(uint8_t buttons, uint16_t x, uint16_t y, int16_t wheel);
    /// Tests: any in-band packet on the open channel.
    int32_t send_raw(std::span<const std::byte> packet);
    /// Waits until the guest acknowledged the device info.
    bool wait_ready(std::chrono::milliseconds timeout) const;

    MouseStats stats() const;

    void on_open(HostChannel &ch) override;
    void on_packet(HostChannel &ch, const HostPacket &pkt) override;
    void on_close(HostChannel &ch) override;

    struct State;

  private:
    int32_t send_state(int16_t wheel);
    MouseConfig config_;
    std::unique_ptr<State> state_;
};

struct KeyboardConfig {
    Guid instance_id = kKeyboardDefaultInstanceId;
    /// Versions answered with status 1 (accepted).
    std::vector<uint32_t> accepted_versions = {0x00010000};
    /// Called for every SET_LED_INDICATORS from the guest. @context [channel]
    std::function<void(uint16_t flags)> on_leds;
};

struct KeyboardStats {
    bool channel_open = false;
    bool ready = false; ///< a protocol request was accepted
    uint64_t requests = 0, refused = 0;
    uint64_t events_sent = 0;
    uint64_t led_messages = 0;
    uint16_t leds = 0; ///< last LED flags
    uint64_t protocol_errors = 0;
};

/// Keystroke info flags (spec B3).
inline constexpr uint32_t kKeyUnicode = 0x1;
inline constexpr uint32_t kKeyBreak = 0x2;
inline constexpr uint32_t kKeyE0 = 0x4;
inline constexpr uint32_t kKeyE1 = 0x8;

/// One key as set-1 scan code: make code plus E0 prefix.
struct ScanKey {
    uint16_t make = 0;
    bool e0 = false;
};

/// Set-1 key for a US-layout character; shift is set when Shift must be held. False for
/// characters the US layout cannot type.
bool us_char_to_key(char c, ScanKey &key, bool &shift) noexcept;
/// Set-1 key by name: "enter", "esc", "tab", "space", "backspace", "up", "down", "left",
/// "right", "home", "end", "pgup", "pgdn", "insert", "delete", "f1".."f12", "lshift",
/// "rshift", "lctrl", "rctrl", "lalt", "ralt", "lwin", "rwin", "menu", "capslock",
/// "numlock", "scrolllock", "printscreen", "kpenter", "kpslash", "kp0".."kp9", or a single
/// character. False when unknown.
bool key_by_name(std::string_view name, ScanKey &key) noexcept;

/// The synthetic keyboard VSP.
class KeyboardVsp final : public Vsp {
  public:
    explicit KeyboardVsp(KeyboardConfig config = {});
    ~KeyboardVsp() override;

    /// One EVENT message. @return 0, or -SATORI_ENODEV before the negotiation.
    int32_t send_event(uint16_t make, uint32_t flags);
    int32_t press(ScanKey key);
    int32_t release(ScanKey key);
    int32_t tap(ScanKey key); ///< press + release
    /// Pause: E1 1D 45 then E1 9D C5, as four events.
    int32_t pause();
    /// Types @p text on a US layout, holding Left Shift where needed. Fails (-SATORI_EINVAL)
    /// on the first character it cannot type, before sending anything.
    int32_t type_text(std::string_view text);
    /// Tests: any in-band packet on the open channel.
    int32_t send_raw(std::span<const std::byte> packet);
    bool wait_ready(std::chrono::milliseconds timeout) const;
    /// Waits until the guest sent at least @p count LED messages.
    bool wait_leds(uint64_t count, std::chrono::milliseconds timeout) const;

    KeyboardStats stats() const;

    void on_open(HostChannel &ch) override;
    void on_packet(HostChannel &ch, const HostPacket &pkt) override;
    void on_close(HostChannel &ch) override;

    struct State;

  private:
    KeyboardConfig config_;
    std::unique_ptr<State> state_;
};

/**
 * A small input script, one command per line ('#' starts a comment):
 *   wait                      until both devices are ready (at most 10 s)
 *   move X Y                  pointer to X,Y (0..32767)
 *   path X1 Y1 X2 Y2 STEPS    STEPS moves from X1,Y1 to X2,Y2 (inclusive)
 *   click [left|right|middle] press and release
 *   press|release [left|right|middle]
 *   wheel N                   one wheel report with N (-32767..32767)
 *   type TEXT                 the rest of the line, US layout (\n in TEXT = Enter)
 *   key NAME                  tap a named key (see key_by_name), "pause" for Pause
 *   keydown|keyup NAME
 *   sleep MS
 */
class InputScript {
  public:
    /// Parses @p text; false and @p error ("line N: ...") on the first bad line.
    bool parse(std::string_view text, std::string &error);
    /// Runs the commands; stops early when @p stop returns true. Devices may be null when
    /// the script does not use them. @return false and @p error when a command failed.
    bool run(MouseVsp *mouse, KeyboardVsp *keyboard, const std::function<bool()> &stop,
             std::string &error) const;
    size_t size() const noexcept { return steps_.size(); }

    struct Step {
        std::string op;
        std::vector<int32_t> args;
        std::string text;
        ScanKey key;
        int line = 0;
    };

  private:
    std::vector<Step> steps_;
};

} // namespace satori::sim
