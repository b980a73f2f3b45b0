// SPDX-License-Identifier: MIT
// One inputvsc device: the synthetic HID mouse or the synthetic keyboard, chosen by the
// offered class. Both register a HID device with the shim's satori.hid/1 service.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include <satori/sdk/hid.hpp>
#include <satori/sdk/plugin.hpp>

#include "kbd_state.hpp"
#include "mouse_proto.hpp"

namespace satori::inputvsc {

class Device final : public satori::Device, public satori::HidHandler {
  public:
    using satori::Device::Device;
    ~Device() override;

    Status probe() override;                                        // [probe]
    void remove() override;                                         // [probe]
    void on_packet(Channel &channel, const Packet &packet) override; // [channel]
    void on_channel_closed(Channel &channel, Status reason) override;

    void on_open(bool open) override;                                // [service]
    Status set_report(uint32_t type, uint32_t report_id,
                      std::span<const uint8_t> data) override;       // [service]

  private:
    enum class Phase { start, negotiated, have_info, ready, failed };

    Status probe_mouse();
    Status probe_keyboard();
    Status wait_past(Phase phase, const char *what);
    void mouse_packet(const Packet &packet);
    void kbd_packet(const Packet &packet);
    /// A host protocol violation: log it, close the channel, fail a waiting probe.
    void violation(const std::string &what);
    void early_report();
    /// Unregisters the HID device (mu_ guards hiddev_; the removal itself runs unlocked).
    void drop_hiddev();
    const char *kind() const noexcept { return keyboard_ ? "keyboard" : "mouse"; }

    bool keyboard_ = false;
    Channel channel_;
    HidService hid_;
    HidDevice hiddev_;

    std::mutex mu_;
    std::condition_variable cv_;
    Phase phase_ = Phase::start;
    std::string failure_;
    mouse::DeviceInfo info_;
    uint64_t early_reports_ = 0;
    KeyboardState kbd_; ///< [channel] only
    uint8_t leds_ = 0;
};

} // namespace satori::inputvsc
