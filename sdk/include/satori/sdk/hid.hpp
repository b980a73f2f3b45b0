// SPDX-License-Identifier: MIT
// satori::HidService, satori::HidDevice: the HID service `satori.hid/1`
// (abi/include/satori/hid.h) in C++.
//
//     class Mouse final : public satori::HidHandler { ... };   // on_open / set_report
//     satori::HidService hid(host());                          // [probe]: looked up once
//     satori::HidDeviceParams p{.vendor = 0x045e, .product = 0x0621, .name = "Mouse",
//                               .short_name = "mouse", .report_descriptor = desc};
//     auto dev = hid.add(c_device(), p, &handler);             // Result<HidDevice>
//     dev->input_report(report);                               // [any]
//     dev->remove();                                           // [probe] or [channel]; the destructor too
//
// The handler's address is the device's cookie: it must stay valid until remove() returns.
// Exceptions thrown by the handler are swallowed (set_report answers -SATORI_EIO).
#ifndef SATORI_SDK_HID_HPP
#define SATORI_SDK_HID_HPP

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include <satori/errno.h>
#include <satori/hid.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

/// What a plugin implements for each HID device it registers. Both have defaults.
class HidHandler {
  public:
    HidHandler() = default;
    HidHandler(const HidHandler &) = delete;
    HidHandler &operator=(const HidHandler &) = delete;
    virtual ~HidHandler() = default;

    /// A consumer opened the device (@p open true) or the last one closed it. [service]
    virtual void on_open(bool open) { (void)open; }
    /// An output or feature report (SATORI_HID_REPORT_*) without the id byte. [service],
    /// must not block.
    virtual Status set_report(uint32_t type, uint32_t report_id, std::span<const uint8_t> data)
    {
        (void)type;
        (void)report_id;
        (void)data;
        return Status(-SATORI_EOPNOTSUPP);
    }
};

/// Parameters of HidService::add (satori_hiddev_params without the plumbing).
struct HidDeviceParams {
    uint32_t vendor = 0;  ///< USB-style vendor id (16 bits used)
    uint32_t product = 0; ///< product id (16 bits used)
    uint32_t version = 0; ///< device version
    uint32_t country = 0; ///< HID country code, 0 = not localized
    const char *name = nullptr;       ///< shown to users
    const char *short_name = nullptr; ///< "mouse" -> "mouse0"; nullptr: "hid"
    std::span<const uint8_t> report_descriptor; ///< raw HID report descriptor; the shim copies it
};

namespace detail {
struct HidDispatch {
    static void on_open(void *cookie, satori_hiddev *, uint32_t open) noexcept
    {
        auto *h = static_cast<HidHandler *>(cookie);
        if (!h) return;
        try {
            h->on_open(open != 0);
        } catch (...) {
        }
    }
    static int32_t set_report(void *cookie, satori_hiddev *, uint32_t type, uint32_t report_id,
                              const uint8_t *data, uint32_t len) noexcept
    {
        auto *h = static_cast<HidHandler *>(cookie);
        if (!h || (!data && len)) return -SATORI_EINVAL;
        try {
            return h->set_report(type, report_id, {data, len}).to_c();
        } catch (...) {
            return -SATORI_EIO;
        }
    }
};
inline constexpr satori_hid_device_ops kHidDeviceOps = {sizeof(satori_hid_device_ops), 0,
                                                        &HidDispatch::on_open,
                                                        &HidDispatch::set_report};
} // namespace detail

/// One registered HID device; move-only, removed by remove() or the destructor.
class HidDevice {
  public:
    HidDevice() noexcept = default;
    /// Takes ownership of @p hd registered through @p svc (HidService::add does this).
    HidDevice(const satori_hid_service *svc, satori_hiddev *hd) noexcept : svc_(svc), hd_(hd) {}
    /// Moves the registration; @p o is left empty.
    HidDevice(HidDevice &&o) noexcept
        : svc_(std::exchange(o.svc_, nullptr)), hd_(std::exchange(o.hd_, nullptr))
    {
    }
    /// Removes this device, then takes over @p o's registration.
    HidDevice &operator=(HidDevice &&o) noexcept
    {
        if (this != &o) {
            remove();
            svc_ = std::exchange(o.svc_, nullptr);
            hd_ = std::exchange(o.hd_, nullptr);
        }
        return *this;
    }
    HidDevice(const HidDevice &) = delete;
    HidDevice &operator=(const HidDevice &) = delete;
    ~HidDevice() { remove(); }

    /// True while a device is registered.
    explicit operator bool() const noexcept { return hd_ != nullptr; }
    /// The C handle, for calls the wrapper does not cover.
    satori_hiddev *c_handle() const noexcept { return hd_; }

    /// Forwards one input report (report-id byte first when the descriptor uses ids). [any]
    Status input_report(std::span<const uint8_t> report) const noexcept
    {
        if (!hd_) return Status(-SATORI_ENODEV);
        return Status(svc_->input_report(hd_, report.data(), static_cast<uint32_t>(report.size())));
    }
    /// Takes the device away from its consumers. [probe] or [channel]
    void remove() noexcept
    {
        if (hd_) svc_->remove_hiddev(std::exchange(hd_, nullptr));
    }

  private:
    const satori_hid_service *svc_ = nullptr;
    satori_hiddev *hd_ = nullptr;
};

/// The `satori.hid/1` table, looked up once. A default-constructed one is not valid.
class HidService {
  public:
    HidService() noexcept = default;
    /// Looks up `satori.hid/1` through @p host; invalid when the shim lacks it.
    explicit HidService(const Host &host) noexcept : svc_(lookup(host)) {}

    /// The table when the shim provides every 1.0 function, else nullptr.
    static const satori_hid_service *lookup(const Host &host) noexcept
    {
        const auto *svc = host.service<satori_hid_service>(SATORI_SERVICE_HID);
        if (!SATORI_SDK_HAS(satori_hid_service, svc, remove_hiddev) || !svc->add_hiddev ||
            !svc->input_report || !svc->remove_hiddev)
            return nullptr;
        return svc;
    }

    /// True when the shim provides the service.
    explicit operator bool() const noexcept { return svc_ != nullptr; }
    /// The C table, for calls the wrapper does not cover.
    const satori_hid_service *c_table() const noexcept { return svc_; }

    /// Registers a device; @p handler (may be nullptr) receives open/close and output reports.
    Result<HidDevice> add(satori_device *dev, const HidDeviceParams &p,
                          HidHandler *handler) const noexcept
    {
        if (!svc_) return Status(-SATORI_EOPNOTSUPP);
        satori_hiddev_params c{};
        c.struct_size = sizeof(c);
        c.bus = SATORI_HID_BUS_VIRTUAL;
        c.vendor = p.vendor;
        c.product = p.product;
        c.version = p.version;
        c.country = p.country;
        c.name = p.name;
        c.short_name = p.short_name;
        c.report_descriptor = p.report_descriptor.data();
        c.report_descriptor_len = static_cast<uint32_t>(p.report_descriptor.size());
        c.cookie = handler;
        c.ops = handler ? &detail::kHidDeviceOps : nullptr;
        satori_hiddev *hd = nullptr;
        if (Status st(svc_->add_hiddev(svc_, dev, &c, &hd)); !st) return st;
        if (!hd) return Status(-SATORI_EIO);
        return HidDevice(svc_, hd);
    }

  private:
    const satori_hid_service *svc_ = nullptr;
};

} // namespace satori

#endif // SATORI_SDK_HID_HPP
