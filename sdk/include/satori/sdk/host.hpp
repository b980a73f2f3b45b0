// SPDX-License-Identifier: MIT
// satori::Host: a checked proxy over `struct satori_host`; satori::Logger: streaming log lines.
#ifndef SATORI_SDK_HOST_HPP
#define SATORI_SDK_HOST_HPP

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include <satori/bus.h>
#include <satori/host.h>
#include <satori/log.h>
#include <satori/timer.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/detail/errno_text.hpp>
#include <satori/sdk/status.hpp>

namespace satori {

class Host;

/// Log severities, the SATORI_LOG_* values.
enum class LogLevel : uint32_t {
    kError = SATORI_LOG_ERROR,
    kWarn = SATORI_LOG_WARN,
    kInfo = SATORI_LOG_INFO,
    kDebug = SATORI_LOG_DEBUG,
};

/**
 * Formats its arguments with `operator<<` into one line and hands it to the host:
 * `log().info("disk ", n, " attached, ", bytes, " bytes")`. Never throws; falls back to
 * stderr when the host has no log function. [any]
 */
class Logger {
  public:
    constexpr Logger() noexcept = default;
    /// A logger for @p dev (nullptr: the plugin) through @p host.
    constexpr Logger(const Host *host, satori_device *dev) noexcept : host_(host), dev_(dev) {}

    /// Logs the concatenated @p args at error level. [any]
    template <class... Args> void error(const Args &...args) const noexcept
    {
        write(LogLevel::kError, args...);
    }
    /// Logs the concatenated @p args at warning level. [any]
    template <class... Args> void warn(const Args &...args) const noexcept
    {
        write(LogLevel::kWarn, args...);
    }
    /// Logs the concatenated @p args at info level. [any]
    template <class... Args> void info(const Args &...args) const noexcept
    {
        write(LogLevel::kInfo, args...);
    }
    /// Logs the concatenated @p args at debug level. [any]
    template <class... Args> void debug(const Args &...args) const noexcept
    {
        write(LogLevel::kDebug, args...);
    }

    /// Logs the concatenated @p args (streamed with operator<<) at @p level. [any]
    template <class... Args> void write(LogLevel level, const Args &...args) const noexcept;

  private:
    const Host *host_ = nullptr;
    satori_device *dev_ = nullptr;
};

/**
 * The shim's table for this plugin, checked once: every function pointer and the table's
 * struct_size are tested before use, so an incomplete host degrades to an error code
 * (-SATORI_EOPNOTSUPP) or a fallback instead of a crash. Services are looked up once, here.
 * A default-constructed Host has no table at all (useful in tests).
 */
class Host {
  public:
    constexpr Host() noexcept = default;
    /// Wraps the table the shim passed to satori_plugin_entry.
    explicit Host(const satori_host *host) noexcept : host_(host)
    {
        if (!host_) return;
        if (SATORI_SDK_HAS(satori_host, host_, bus) && host_->bus &&
            host_->bus->struct_size >= sizeof(uint32_t))
            bus_ = host_->bus;
        timer_ = service<satori_timer_service>(SATORI_SERVICE_TIMER);
    }

    /// The C host table.
    const satori_host *c_host() const noexcept { return host_; }
    /// True when a table is wrapped.
    bool valid() const noexcept { return host_ != nullptr; }

    /// The shim's ABI version word; 0 without a host.
    uint32_t abi_version() const noexcept
    {
        return SATORI_SDK_HAS(satori_host, host_, abi_version) ? host_->abi_version : 0;
    }
    /// The minor both sides use: min(the shim's, the headers').
    uint32_t negotiated_minor() const noexcept
    {
        return std::min<uint32_t>(SATORI_ABI_MINOR(abi_version()), SATORI_ABI_VERSION_MINOR);
    }
    /// The shim's name, e.g. `satori-shim`.
    std::string_view name() const noexcept
    {
        return SATORI_SDK_HAS(satori_host, host_, name) && host_->name ? host_->name : "";
    }
    /// The shim's version string, e.g. `1.0.0`.
    std::string_view version() const noexcept
    {
        return SATORI_SDK_HAS(satori_host, host_, version) && host_->version ? host_->version : "";
    }

    /// The bus table, or nullptr when the host did not provide a usable one.
    const satori_bus_ops *bus() const noexcept { return bus_; }
    /// The `satori.timer/1` table, or nullptr.
    const satori_timer_service *timer_service() const noexcept { return timer_; }

    /// Looks a service up by id; nullptr when absent. Check each field with SATORI_HAS.
    template <class Table> const Table *service(const char *id) const noexcept
    {
        if (!SATORI_SDK_HAS(satori_host, host_, get_service) || !host_->get_service) return nullptr;
        const auto *table = static_cast<const Table *>(host_->get_service(host_, id));
        if (!table || table->struct_size < sizeof(uint32_t)) return nullptr;
        return table;
    }

    /// Monotonic time; the host's clock, or std::chrono::steady_clock without one.
    std::chrono::nanoseconds now() const noexcept
    {
        if (SATORI_SDK_HAS(satori_host, host_, now_ns) && host_->now_ns)
            return std::chrono::nanoseconds(host_->now_ns(host_));
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now().time_since_epoch());
    }

    /// Text for a SATORI_E* value (the host's table, else the SDK's).
    const char *strerror(int32_t err) const noexcept
    {
        if (SATORI_SDK_HAS(satori_host, host_, strerror) && host_->strerror)
            if (const char *text = host_->strerror(err)) return text;
        return detail::errno_text(err);
    }

    /// Writes one finished line; stderr when the host cannot log.
    void log_line(satori_device *dev, LogLevel level, const char *msg) const noexcept
    {
        if (SATORI_SDK_HAS(satori_host, host_, log) && host_->log) {
            host_->log(host_, dev, static_cast<uint32_t>(level), msg);
            return;
        }
        static constexpr const char *kNames[] = {"error", "warn", "info", "debug"};
        const auto index = static_cast<uint32_t>(level);
        std::fprintf(stderr, "satori plugin [%s] %s\n", index < 4 ? kNames[index] : "?", msg);
    }

    /// A Logger for @p dev, or for the plugin when nullptr.
    Logger log(satori_device *dev = nullptr) const noexcept { return Logger(this, dev); }

  private:
    const satori_host *host_ = nullptr;
    const satori_bus_ops *bus_ = nullptr;
    const satori_timer_service *timer_ = nullptr;
};

template <class... Args> void Logger::write(LogLevel level, const Args &...args) const noexcept
{
    const Host fallback;
    const Host &host = host_ ? *host_ : fallback;
    try {
        std::ostringstream line;
        if constexpr (sizeof...(Args) > 0) (line << ... << args);
        host.log_line(dev_, level, line.str().c_str());
    } catch (...) {
        host.log_line(dev_, level, "(log line could not be formatted)");
    }
}

} // namespace satori

#endif // SATORI_SDK_HOST_HPP
