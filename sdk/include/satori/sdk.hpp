// SPDX-License-Identifier: MIT
// The whole Satori C++ SDK (header-only, C++20, over the C ABI in <satori/satori.h>).
#ifndef SATORI_SDK_HPP
#define SATORI_SDK_HPP

#include <satori/satori.h>
#include <satori/sdk/channel.hpp>
#include <satori/sdk/device.hpp>
#include <satori/sdk/device_info.hpp>
#include <satori/sdk/dma.hpp>
#include <satori/sdk/guid.hpp>
#include <satori/sdk/host.hpp>
#include <satori/sdk/packet.hpp>
#include <satori/sdk/plugin.hpp>
#include <satori/sdk/status.hpp>
#include <satori/sdk/timer.hpp>

#endif // SATORI_SDK_HPP
