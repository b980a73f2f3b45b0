// SPDX-License-Identifier: MIT
// tests/support/blk_libnbd.hpp — a thin RAII handle over libnbd for the blk tests. Without
// libnbd at build time the tests that need it fail (SATORI_REQUIRE_LIBNBD), naming the package.
#pragma once

#include <cstdint>
#include <string>

#if defined(SATORI_HAVE_LIBNBD)
#include <libnbd.h>
#endif

#include <catch2/catch.hpp>

namespace satori::test {

#if defined(SATORI_HAVE_LIBNBD)

#define SATORI_REQUIRE_LIBNBD() (void)0

class Nbd {
  public:
    /// Connects to @p uri; @p strict = false lets requests the server should refuse reach it.
    explicit Nbd(const std::string &uri, bool strict = true) : h_(nbd_create())
    {
        if (!h_) return;
        if (!strict) nbd_set_strict_mode(h_, 0);
        if (nbd_connect_uri(h_, uri.c_str()) < 0) {
            error_ = nbd_get_error() ? nbd_get_error() : "connect failed";
            nbd_close(h_);
            h_ = nullptr;
        }
    }
    ~Nbd()
    {
        if (h_) {
            nbd_shutdown(h_, 0);
            nbd_close(h_);
        }
    }
    Nbd(const Nbd &) = delete;
    Nbd &operator=(const Nbd &) = delete;

    bool ok() const { return h_ != nullptr; }
    const std::string &error() const { return error_; }
    nbd_handle *h() const { return h_; }

    /// 0, or the errno the server (or libnbd) reported.
    int pread(void *buf, size_t n, uint64_t off) { return status(nbd_pread(h_, buf, n, off, 0)); }
    int pwrite(const void *buf, size_t n, uint64_t off, uint32_t flags = 0)
    {
        return status(nbd_pwrite(h_, buf, n, off, flags));
    }
    int trim(uint64_t n, uint64_t off) { return status(nbd_trim(h_, n, off, 0)); }
    int zero(uint64_t n, uint64_t off) { return status(nbd_zero(h_, n, off, 0)); }
    int flush() { return status(nbd_flush(h_, 0)); }
    int64_t size() { return nbd_get_size(h_); }

  private:
    int status(int r)
    {
        if (r == 0) return 0;
        error_ = nbd_get_error() ? nbd_get_error() : "";
        return nbd_get_errno() ? nbd_get_errno() : -1;
    }

    nbd_handle *h_ = nullptr;
    std::string error_;
};

#else

#define SATORI_REQUIRE_LIBNBD()                                                                    \
    FAIL("libnbd was not found at build time: install the Debian package 'libnbd-dev' "            \
         "(scripts/test installs it) and reconfigure")

#endif

} // namespace satori::test
