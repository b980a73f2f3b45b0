// SPDX-License-Identifier: MIT
// CaptureStderr: redirects file descriptor 2 into a temporary file for its lifetime.
#ifndef SATORI_TESTS_SUPPORT_SDK_CAPTURE_STDERR_HPP
#define SATORI_TESTS_SUPPORT_SDK_CAPTURE_STDERR_HPP

#include <cstdio>
#include <string>

#include <unistd.h>

namespace satori::test {

class CaptureStderr {
  public:
    CaptureStderr() : file_(std::tmpfile())
    {
        std::fflush(stderr);
        saved_ = ::dup(STDERR_FILENO);
        if (file_) ::dup2(::fileno(file_), STDERR_FILENO);
    }
    CaptureStderr(const CaptureStderr &) = delete;
    CaptureStderr &operator=(const CaptureStderr &) = delete;
    ~CaptureStderr()
    {
        restore();
        if (file_) std::fclose(file_);
    }

    /// Everything written so far; stops the capture.
    std::string text()
    {
        restore();
        std::string out;
        if (!file_) return out;
        std::rewind(file_);
        char buf[512];
        while (std::size_t n = std::fread(buf, 1, sizeof(buf), file_))
            out.append(buf, n);
        return out;
    }

  private:
    void restore()
    {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, STDERR_FILENO);
        ::close(saved_);
        saved_ = -1;
    }

    std::FILE *file_;
    int saved_ = -1;
};

} // namespace satori::test

#endif // SATORI_TESTS_SUPPORT_SDK_CAPTURE_STDERR_HPP
