// SPDX-License-Identifier: MIT
// fuzz/common/fuzz_input.hpp — reads a fuzzer input as a script: fixed-width values and
// byte runs taken from the front, zeros once it runs out (so every input is a valid script).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace satori::fuzz {

class FuzzInput {
  public:
    FuzzInput(const uint8_t *data, size_t size) : data_(data), size_(size) {}

    bool empty() const noexcept { return pos_ >= size_; }
    size_t remaining() const noexcept { return size_ - pos_; }

    /// The next sizeof(T) bytes (little endian, as the wire); zero-filled past the end.
    template <class T> T take()
    {
        static_assert(std::is_trivially_copyable_v<T>);
        T v{};
        const size_t n = std::min(sizeof(T), remaining());
        if (n != 0) std::memcpy(&v, data_ + pos_, n);
        pos_ += n;
        return v;
    }

    /// A value in [0, bound) (bound > 0).
    uint32_t below(uint32_t bound) { return take<uint32_t>() % bound; }
    /// One byte in [0, bound).
    uint8_t small(uint8_t bound) { return static_cast<uint8_t>(take<uint8_t>() % bound); }

    /// Up to @p n bytes, fewer at the end of the input.
    std::span<const uint8_t> bytes(size_t n)
    {
        n = std::min(n, remaining());
        std::span<const uint8_t> out(data_ + pos_, n);
        pos_ += n;
        return out;
    }

    /// A run prefixed by a 16-bit length (capped at @p max).
    std::vector<uint8_t> blob(size_t max)
    {
        const size_t n = std::min<size_t>(take<uint16_t>(), max);
        auto b = bytes(n);
        return {b.begin(), b.end()};
    }

  private:
    const uint8_t *data_;
    size_t size_;
    size_t pos_ = 0;
};

} // namespace satori::fuzz
