// SPDX-License-Identifier: MIT
#include "common/logger.hpp"

#include <cstdio>
#include <ios>
#include <mutex>

namespace satori::sim {

const char *to_string(LogLevel level) noexcept
{
    switch (level) {
    case LogLevel::error:
        return "error";
    case LogLevel::warn:
        return "warn";
    case LogLevel::info:
        return "info";
    case LogLevel::debug:
        return "debug";
    }
    return "?";
}

namespace detail {

std::ostream &operator<<(std::ostream &os, Hex h)
{
    const auto flags = os.flags();
    os << "0x" << std::hex << h.value;
    os.flags(flags);
    return os;
}

namespace {

void stderr_sink(LogLevel level, std::string_view line)
{
    static std::mutex mutex; // keeps lines from different threads whole
    std::lock_guard lock(mutex);
    std::fprintf(stderr, "satori-sim %s: %.*s\n", to_string(level), static_cast<int>(line.size()),
                 line.data());
}

} // namespace

Logger::Logger(LogLevel max_level, LogSink sink)
    : max_level_(max_level), sink_(sink ? std::move(sink) : LogSink(stderr_sink))
{
}

void Logger::write(LogLevel level, const std::string &line) const noexcept
{
    try {
        sink_(level, line);
    } catch (...) {
        // A throwing sink must not take a simulator thread down with it.
    }
}

} // namespace detail
} // namespace satori::sim
