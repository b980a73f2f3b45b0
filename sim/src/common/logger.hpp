// SPDX-License-Identifier: MIT
// The simulator's logger: a level filter in front of the configured sink.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>

#include <satori/sim/log.hpp>

namespace satori::sim::detail {

/// Prints an integer as 0x... in a log line.
struct Hex {
    uint64_t value;
};
std::ostream &operator<<(std::ostream &os, Hex h);

class Logger {
  public:
    Logger(LogLevel max_level, LogSink sink);

    bool enabled(LogLevel level) const noexcept { return level <= max_level_; }

    template <class... Args> void log(LogLevel level, Args &&...args) const
    {
        if (!enabled(level)) return;
        std::ostringstream os;
        (os << ... << std::forward<Args>(args));
        write(level, os.str());
    }
    template <class... Args> void error(Args &&...args) const
    {
        log(LogLevel::error, std::forward<Args>(args)...);
    }
    template <class... Args> void warn(Args &&...args) const
    {
        log(LogLevel::warn, std::forward<Args>(args)...);
    }
    template <class... Args> void info(Args &&...args) const
    {
        log(LogLevel::info, std::forward<Args>(args)...);
    }
    template <class... Args> void debug(Args &&...args) const
    {
        log(LogLevel::debug, std::forward<Args>(args)...);
    }

  private:
    void write(LogLevel level, const std::string &line) const noexcept;

    LogLevel max_level_;
    LogSink sink_;
};

} // namespace satori::sim::detail
