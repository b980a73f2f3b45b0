// SPDX-License-Identifier: MIT
// satori::Status (0 or -SATORI_E*) and satori::Result<T> (a value or a Status).
#ifndef SATORI_SDK_STATUS_HPP
#define SATORI_SDK_STATUS_HPP

#include <concepts>
#include <cstdint>
#include <exception>
#include <ostream>
#include <type_traits>
#include <utility>
#include <variant>

#include <satori/errno.h>
#include <satori/sdk/detail/errno_text.hpp>

namespace satori {

/// The outcome of an SDK or ABI call: 0 (success) or a negative SATORI_E* value.
class [[nodiscard]] Status {
  public:
    /// Success.
    constexpr Status() noexcept = default;
    /// Wraps an ABI return value. A positive errno is taken as its negative.
    constexpr explicit Status(int32_t code) noexcept : code_(code > 0 ? -code : code) {}

    /// A successful Status: `return satori::Status::ok();`.
    static constexpr Status ok() noexcept { return Status(); }

    /// True for success (code() == 0).
    constexpr bool is_ok() const noexcept { return code_ == 0; }
    /// Same as is_ok().
    constexpr explicit operator bool() const noexcept { return is_ok(); }
    /// 0 or a negative SATORI_E* value.
    constexpr int32_t code() const noexcept { return code_; }
    /// The value to return across the C ABI.
    constexpr int32_t to_c() const noexcept { return code_; }
    /// Static text for the code (the SDK's own table; no host needed).
    constexpr const char *message() const noexcept { return detail::errno_text(code_); }

    /// Equal when the codes are equal.
    friend constexpr bool operator==(Status, Status) noexcept = default;

    /// "message (code)", e.g. "invalid argument (-22)", for log lines.
    friend std::ostream &operator<<(std::ostream &os, Status s)
    {
        return os << s.message() << " (" << s.code() << ')';
    }

  private:
    int32_t code_ = 0;
};

/// Thrown by Result<T>::operator* / -> on an error Result. Trampolines catch it like any
/// other exception, so a plugin bug becomes a logged -SATORI_EIO, not a crash.
class BadResultAccess final : public std::exception {
  public:
    /// Records the error the Result held.
    explicit BadResultAccess(Status error) noexcept : error_(error) {}
    /// A fixed text; the Status is in error().
    const char *what() const noexcept override { return "satori::Result accessed without a value"; }
    /// The error the Result held.
    Status error() const noexcept { return error_; }

  private:
    Status error_;
};

/// A value of type T, or the Status that explains why there is none (like std::expected).
template <class T> class [[nodiscard]] Result {
    static_assert(!std::is_same_v<std::remove_cv_t<T>, Status>, "use Status directly");
    static_assert(!std::is_reference_v<T>, "Result<T&> is not supported; use a pointer");

  public:
    /// A Result holding a copy of @p value.
    constexpr Result(const T &value) requires std::copy_constructible<T> : v_(value) {}
    /// A Result holding @p value, moved in.
    constexpr Result(T &&value) noexcept(std::is_nothrow_move_constructible_v<T>)
        : v_(std::in_place_index<0>, std::move(value))
    {
    }
    /// An error. A successful Status carries no value, so it becomes -SATORI_EINVAL.
    constexpr Result(Status error) noexcept
        : v_(std::in_place_index<1>, error.is_ok() ? Status(-SATORI_EINVAL) : error)
    {
    }

    /// True when the Result holds a value.
    constexpr bool has_value() const noexcept { return v_.index() == 0; }
    /// Same as has_value().
    constexpr explicit operator bool() const noexcept { return has_value(); }

    /// Success when there is a value, the error otherwise.
    constexpr Status error() const noexcept
    {
        return has_value() ? Status::ok() : *std::get_if<1>(&v_);
    }

    /// The value; throws BadResultAccess if there is none.
    constexpr T &operator*() & { return checked(); }
    /// The value; throws BadResultAccess if there is none.
    constexpr const T &operator*() const & { return checked(); }
    /// Moves the value out; throws BadResultAccess if there is none.
    constexpr T &&operator*() && { return std::move(checked()); }
    /// Member access to the value; throws BadResultAccess if there is none.
    constexpr T *operator->() { return &checked(); }
    /// Member access to the value; throws BadResultAccess if there is none.
    constexpr const T *operator->() const { return &checked(); }

    /// A copy of the value, or @p fallback converted to T.
    template <class U> constexpr T value_or(U &&fallback) const &requires std::copy_constructible<T>
    {
        return has_value() ? *std::get_if<0>(&v_) : static_cast<T>(std::forward<U>(fallback));
    }
    /// The value moved out, or @p fallback converted to T.
    template <class U> constexpr T value_or(U &&fallback) &&
    {
        return has_value() ? std::move(*std::get_if<0>(&v_))
                           : static_cast<T>(std::forward<U>(fallback));
    }

  private:
    constexpr T &checked()
    {
        if (T *value = std::get_if<0>(&v_)) return *value;
        throw BadResultAccess(error());
    }
    constexpr const T &checked() const
    {
        if (const T *value = std::get_if<0>(&v_)) return *value;
        throw BadResultAccess(error());
    }

    std::variant<T, Status> v_;
};

} // namespace satori

#endif // SATORI_SDK_STATUS_HPP
