// SPDX-License-Identifier: MIT
// satori::DeviceInfo: what the shim told probe about the offered device, kept as a copy.
#ifndef SATORI_SDK_DEVICE_INFO_HPP
#define SATORI_SDK_DEVICE_INFO_HPP

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include <satori/plugin.h>
#include <satori/sdk/guid.hpp>

namespace satori {

/// A copy of `struct satori_device_info`; fields the shim did not provide read as zero.
class DeviceInfo {
  public:
    DeviceInfo() noexcept = default;
    /// Copies the fields of @p info the shim filled (struct_size); the rest stay 0.
    explicit DeviceInfo(const satori_device_info *info) noexcept
    {
        if (!info) return;
        const uint32_t size = std::min<uint32_t>(info->struct_size, sizeof(info_));
        std::memcpy(&info_, info, size);
        info_.struct_size = size;
    }

    /// Device class (interface type) GUID.
    Guid class_id() const noexcept { return info_.class_id; }
    /// Device instance GUID.
    Guid instance_id() const noexcept { return info_.instance_id; }
    /// Negotiated VMBus protocol, (major << 16) | minor.
    uint32_t vmbus_version() const noexcept { return info_.vmbus_version; }
    /// VMBus offer channel flags (e.g. 0x10: named pipe).
    uint16_t offer_flags() const noexcept { return info_.offer_flags; }
    /// MMIO space the host asks for, in MiB.
    uint16_t mmio_megabytes() const noexcept { return info_.mmio_megabytes; }
    /// The channel's relative id on the bus.
    uint32_t relid() const noexcept { return info_.relid; }
    /// The offer's 120 user-defined bytes (device specific).
    std::span<const uint8_t, 120> user_defined() const noexcept { return info_.user_defined; }
    /// The C structure (a copy).
    const satori_device_info &c_info() const noexcept { return info_; }

  private:
    satori_device_info info_{};
};

} // namespace satori

#endif // SATORI_SDK_DEVICE_INFO_HPP
