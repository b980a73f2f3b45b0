// SPDX-License-Identifier: MIT
// Where the simulator's log lines go.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include <satori/log.h>

namespace satori::sim {

/// Same numbers as SATORI_LOG_*.
enum class LogLevel : uint32_t {
    error = SATORI_LOG_ERROR,
    warn = SATORI_LOG_WARN,
    info = SATORI_LOG_INFO,
    debug = SATORI_LOG_DEBUG,
};

/// Receives one finished line (no trailing newline).
/// @context [any] — called from every simulator thread, possibly concurrently.
using LogSink = std::function<void(LogLevel level, std::string_view line)>;

const char *to_string(LogLevel level) noexcept;

} // namespace satori::sim
