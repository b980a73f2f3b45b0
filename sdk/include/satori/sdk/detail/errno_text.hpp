// SPDX-License-Identifier: MIT
// Text for SATORI_E* values, so that Status::message() works without a host.
#ifndef SATORI_SDK_DETAIL_ERRNO_TEXT_HPP
#define SATORI_SDK_DETAIL_ERRNO_TEXT_HPP

#include <cstdint>

#include <satori/errno.h>

namespace satori::detail {

struct ErrnoText {
    int32_t code;
    const char *text;
};

inline constexpr ErrnoText kErrnoTexts[] = {
    {SATORI_OK, "success"},
    {SATORI_EPERM, "operation not permitted"},
    {SATORI_ENOENT, "no such object"},
    {SATORI_EINTR, "interrupted"},
    {SATORI_EIO, "I/O error"},
    {SATORI_E2BIG, "argument list too long"},
    {SATORI_EBADF, "bad handle"},
    {SATORI_EAGAIN, "resource temporarily unavailable"},
    {SATORI_ENOMEM, "out of memory"},
    {SATORI_EFAULT, "bad address"},
    {SATORI_EBUSY, "device or resource busy"},
    {SATORI_EEXIST, "already exists"},
    {SATORI_ENODEV, "no such device"},
    {SATORI_EINVAL, "invalid argument"},
    {SATORI_ENOSPC, "no space left"},
    {SATORI_ERANGE, "value out of range"},
    {SATORI_ENOSYS, "function not implemented"},
    {SATORI_ENODATA, "no data available"},
    {SATORI_ETIME, "timer expired"},
    {SATORI_EPROTO, "protocol error"},
    {SATORI_EBADMSG, "malformed message"},
    {SATORI_EOVERFLOW, "value too large"},
    {SATORI_EMSGSIZE, "message too long"},
    {SATORI_EPROTONOSUPPORT, "protocol or ABI version not supported"},
    {SATORI_EOPNOTSUPP, "operation not supported"},
    {SATORI_ECONNRESET, "connection reset"},
    {SATORI_ENOBUFS, "buffer too small"},
    {SATORI_ESHUTDOWN, "shutting down"},
    {SATORI_ETIMEDOUT, "timed out"},
    {SATORI_ECANCELED, "operation canceled"},
    {SATORI_EMEDIUMTYPE, "wrong medium type"},
};

/// Text for a SATORI_E* value, positive or negative; "unknown error" otherwise.
constexpr const char *errno_text(int32_t code) noexcept
{
    const int64_t positive = code < 0 ? -static_cast<int64_t>(code) : code;
    for (const ErrnoText &entry : kErrnoTexts)
        if (entry.code == positive) return entry.text;
    return "unknown error";
}

} // namespace satori::detail

#endif // SATORI_SDK_DETAIL_ERRNO_TEXT_HPP
