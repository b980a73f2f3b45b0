// SPDX-License-Identifier: MIT
// inputvsc as a Satori plugin: probe (channel, negotiation, HID registration), remove, and
// the message handlers of both devices. The HID layer is the shim's satori.hid/1 service, so
// this plugin needs nothing but abi/ and sdk/.
#include "device.hpp"

#include <chrono>

#include <satori/errno.h>

#include "protocol.hpp"

namespace satori::inputvsc {

namespace {
constexpr auto kHostTimeout = std::chrono::seconds(5);
} // namespace

Device::~Device() { drop_hiddev(); }

Status Device::probe()
{
    keyboard_ = info().class_id() == kKeyboardClass;
    hid_ = HidService(host());
    if (!hid_) {
        log().error("inputvsc: the shim provides no usable ", SATORI_SERVICE_HID,
                    " service; cannot register the ", kind());
        return Status(-SATORI_EOPNOTSUPP);
    }
    auto ch = open_channel({.ring_bytes_out = kRingBytes, .ring_bytes_in = kRingBytes});
    if (!ch) {
        log().error("inputvsc: cannot open the ", kind(), " channel: ", ch.error());
        return ch.error();
    }
    channel_ = std::move(*ch);
    Status st = keyboard_ ? probe_keyboard() : probe_mouse();
    if (!st) {
        channel_.close();
        return st;
    }
    return Status::ok();
}

Status Device::wait_past(Phase phase, const char *what)
{
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, kHostTimeout, [&] { return phase_ > phase; })) {
        log().error("inputvsc: ", kind(), ": no ", what, " from the host within 5 s");
        return Status(-SATORI_ETIMEDOUT);
    }
    if (phase_ == Phase::failed) {
        log().error("inputvsc: ", kind(), ": ", failure_);
        return Status(failure_.find("refused") != std::string::npos ? -SATORI_ENODEV
                                                                    : -SATORI_EPROTO);
    }
    return Status::ok();
}

Status Device::probe_mouse()
{
    if (Status st = channel_.send_inband(mouse::protocol_request(), 1, true); !st) {
        log().error("inputvsc: mouse: cannot send PROTOCOL_REQUEST: ", st);
        return st;
    }
    if (Status st = wait_past(Phase::start, "PROTOCOL_RESPONSE"); !st) return st;
    if (Status st = wait_past(Phase::negotiated, "INITIAL_DEVICE_INFO"); !st) return st;
    mouse::DeviceInfo info;
    {
        std::lock_guard lock(mu_);
        info = info_;
    }
    HidDeviceParams p;
    p.vendor = info.vendor;
    p.product = info.product;
    p.version = info.version;
    p.country = info.country;
    p.name = "Microsoft Vmbus HID-compliant Mouse";
    p.short_name = "mouse";
    p.report_descriptor = info.report_descriptor;
    auto dev = hid_.add(c_device(), p, this);
    if (!dev) {
        log().error("inputvsc: mouse: the HID service refused the host's ",
                    info.report_descriptor.size(), "-byte report descriptor: ", dev.error());
        return dev.error();
    }
    {
        std::lock_guard lock(mu_);
        hiddev_ = std::move(*dev);
    }
    if (Status st = channel_.send_inband(mouse::device_info_ack(), 2, true); !st) {
        log().error("inputvsc: mouse: cannot send INITIAL_DEVICE_INFO_ACK: ", st);
        drop_hiddev();
        return st;
    }
    {
        std::lock_guard lock(mu_);
        if (phase_ == Phase::have_info) phase_ = Phase::ready;
    }
    log().info("inputvsc: mouse ready: protocol 2.0, vendor ", info.vendor, " product ",
               info.product, ", ", info.report_descriptor.size(), "-byte report descriptor",
               info.patched_sa167 ? " (SA-167 byte patched)" : "");
    return Status::ok();
}

Status Device::probe_keyboard()
{
    std::byte req[8];
    wr32(req, kbd::kProtocolRequest);
    wr32(req + 4, kbd::kVersion);
    if (Status st = channel_.send_inband(std::span<const std::byte>(req), 1, true); !st) {
        log().error("inputvsc: keyboard: cannot send PROTOCOL_REQUEST: ", st);
        return st;
    }
    if (Status st = wait_past(Phase::start, "PROTOCOL_RESPONSE"); !st) return st;
    HidDeviceParams p;
    p.vendor = 0x045E;
    p.product = 0x0000;
    p.version = 0x0001;
    p.name = "Microsoft Vmbus Synthetic Keyboard";
    p.short_name = "kbd";
    p.report_descriptor = keyboard_report_descriptor();
    auto dev = hid_.add(c_device(), p, this);
    if (!dev) {
        log().error("inputvsc: keyboard: cannot register the HID keyboard: ", dev.error());
        return dev.error();
    }
    {
        std::lock_guard lock(mu_);
        hiddev_ = std::move(*dev);
        if (phase_ == Phase::negotiated) phase_ = Phase::ready;
    }
    log().info("inputvsc: keyboard ready: protocol 1.0, set-1 scan codes as a HID keyboard");
    return Status::ok();
}

void Device::drop_hiddev()
{
    HidDevice dev;
    {
        std::lock_guard lock(mu_);
        dev = std::move(hiddev_);
    }
    dev.remove(); // waits for HID callbacks in progress; none start afterwards
}

void Device::remove()
{
    drop_hiddev();    // no more input forwarded, no more LED output
    channel_.close(); // no channel callback after this
    log().info("inputvsc: ", kind(), " removed");
}

void Device::violation(const std::string &what)
{
    log().error("inputvsc: ", kind(), ": host protocol violation: ", what,
                "; closing the channel");
    {
        std::lock_guard lock(mu_);
        if (phase_ != Phase::ready) {
            failure_ = "host protocol violation: " + what;
            phase_ = Phase::failed;
        }
    }
    cv_.notify_all();
    const satori_bus_ops *bus = host().bus();
    if (satori_channel *ch = channel_.c_channel();
        ch && SATORI_SDK_HAS(satori_bus_ops, bus, channel_abort) && bus->channel_abort)
        bus->channel_abort(ch, -SATORI_EPROTO);
}

void Device::early_report()
{
    uint64_t n;
    {
        std::lock_guard lock(mu_);
        n = ++early_reports_;
    }
    if (n == 1)
        log().warn("inputvsc: ", kind(),
                   ": input before the device was set up; dropped (as Linux does)");
}

void Device::on_packet(Channel &, const Packet &packet)
{
    if (packet.is_completion()) return; // guests ignore completions on these channels
    if (!packet.is_inband()) {
        violation("packet of type " + std::to_string(packet.type()) + " (only in-band expected)");
        return;
    }
    if (keyboard_)
        kbd_packet(packet);
    else
        mouse_packet(packet);
}

void Device::mouse_packet(const Packet &packet)
{
    const mouse::Message m = mouse::parse_message(packet.data());
    if (!m.ok) {
        violation(m.error);
        return;
    }
    if (m.ignore) return;
    std::unique_lock lock(mu_);
    switch (m.type) {
    case mouse::kProtocolResponse: {
        if (phase_ != Phase::start) {
            lock.unlock();
            violation("PROTOCOL_RESPONSE after the negotiation");
            return;
        }
        const auto r = mouse::parse_protocol_response(m.body);
        if (!r.ok) {
            lock.unlock();
            violation(r.error);
            return;
        }
        if (!r.approved) {
            failure_ = "the host refused protocol version 2.0 (PROTOCOL_RESPONSE approved = 0)";
            phase_ = Phase::failed;
        } else {
            phase_ = Phase::negotiated;
        }
        lock.unlock();
        cv_.notify_all();
        return;
    }
    case mouse::kInitialDeviceInfo: {
        if (phase_ != Phase::negotiated) {
            lock.unlock();
            violation(phase_ == Phase::start ? "INITIAL_DEVICE_INFO before PROTOCOL_RESPONSE"
                                             : "a second INITIAL_DEVICE_INFO");
            return;
        }
        auto info = mouse::parse_device_info(m.body);
        if (!info.ok) {
            lock.unlock();
            violation("INITIAL_DEVICE_INFO: " + info.error);
            return;
        }
        info_ = std::move(info);
        phase_ = Phase::have_info;
        lock.unlock();
        cv_.notify_all();
        return;
    }
    case mouse::kInputReport: {
        if (phase_ != Phase::ready) {
            lock.unlock();
            early_report();
            return;
        }
        if (m.body.empty() || m.body.size() > SATORI_HID_MAX_REPORT) {
            lock.unlock();
            violation("INPUT_REPORT of " + std::to_string(m.body.size()) + " bytes");
            return;
        }
        const auto *p = reinterpret_cast<const uint8_t *>(m.body.data());
        const Status st = hiddev_.input_report({p, m.body.size()}); // under mu_: see remove()
        lock.unlock();
        if (!st) log().warn("inputvsc: mouse: the HID service dropped a report: ", st);
        return;
    }
    default:
        lock.unlock();
        violation("unknown SynthHID message type " + std::to_string(m.type));
        return;
    }
}

void Device::kbd_packet(const Packet &packet)
{
    const auto data = packet.data();
    if (data.size() < 8) {
        violation("message of " + std::to_string(data.size()) + " bytes (at least 8)");
        return;
    }
    if (data.size() > kbd::kMaxMessage) {
        violation("message of " + std::to_string(data.size()) + " bytes (at most 256)");
        return;
    }
    const uint32_t type = rd32(data.data());
    std::unique_lock lock(mu_);
    switch (type) {
    case kbd::kProtocolResponse: {
        if (phase_ != Phase::start) {
            lock.unlock();
            violation("PROTOCOL_RESPONSE after the negotiation");
            return;
        }
        if (rd32(data.data() + 4) & kbd::kAccepted) {
            phase_ = Phase::negotiated;
        } else {
            failure_ = "the host refused protocol version 1.0 (PROTOCOL_RESPONSE status 0)";
            phase_ = Phase::failed;
        }
        lock.unlock();
        cv_.notify_all();
        return;
    }
    case kbd::kEvent: {
        if (data.size() < kbd::kEventSize) {
            lock.unlock();
            violation("EVENT of " + std::to_string(data.size()) + " bytes (needs 12)");
            return;
        }
        if (phase_ != Phase::ready) {
            lock.unlock();
            early_report();
            return;
        }
        lock.unlock();
        const uint16_t make = rd16(data.data() + 4);
        const uint32_t flags = rd32(data.data() + 8);
        const auto r = kbd_.on_event(make, flags);
        if (r.unknown)
            log().debug("inputvsc: keyboard: scan code ", make, " flags ", flags,
                        " has no key; ignored");
        Status st;
        {
            std::lock_guard guard(mu_); // hiddev_ stays valid while held: see remove()
            for (const auto &rep : r.reports)
                if (Status one = hiddev_.input_report(rep); !one) st = one;
        }
        if (!st) log().warn("inputvsc: keyboard: the HID service dropped a report: ", st);
        return;
    }
    default:
        lock.unlock();
        violation("unknown keyboard message type " + std::to_string(type));
        return;
    }
}

void Device::on_channel_closed(Channel &channel, Status reason)
{
    {
        std::lock_guard lock(mu_);
        if (phase_ != Phase::ready && phase_ != Phase::failed) {
            failure_ = "the channel closed during the negotiation";
            phase_ = Phase::failed;
        }
    }
    cv_.notify_all();
    log().warn("inputvsc: ", kind(), " channel ", channel.sub_index(),
               " stopped working: ", reason);
}

void Device::on_open(bool open)
{
    log().debug("inputvsc: ", kind(), open ? " opened by a consumer" : " closed by its consumers");
}

Status Device::set_report(uint32_t type, uint32_t report_id, std::span<const uint8_t> data)
{
    if (!keyboard_ || type != SATORI_HID_REPORT_OUTPUT || report_id != 0 || data.empty())
        return Status(-SATORI_EOPNOTSUPP);
    const uint16_t flags = hid_leds_to_hyperv(data[0]);
    std::byte msg[8] = {};
    wr32(msg, kbd::kLedIndicators);
    wr16(msg + 4, flags);
    {
        std::lock_guard lock(mu_);
        leds_ = data[0];
    }
    log().debug("inputvsc: keyboard LEDs ", unsigned{data[0]}, " -> SET_LED_INDICATORS ", flags);
    return channel_.send_inband(std::span<const std::byte>(msg), 0, false);
}

} // namespace satori::inputvsc

SATORI_PLUGIN("inputvsc", "1.0.0", satori::inputvsc::Device, satori::inputvsc::kMouseClass,
              satori::inputvsc::kKeyboardClass);
