// SPDX-License-Identifier: MIT
// The file under an image format: positioned reads and writes that either move every byte
// or fail, plus the byte-order helpers the on-disk structures need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace satori::sim::disk {

class ImageFile {
  public:
    ImageFile() = default;
    ImageFile(const ImageFile &) = delete;
    ImageFile &operator=(const ImageFile &) = delete;
    ~ImageFile();

    /// Opens a regular file. On failure returns a negative SATORI_E* and sets @p message
    /// ("PATH: what is wrong").
    int32_t open(const std::string &path, bool read_only, std::string &message);

    const std::string &path() const noexcept { return path_; }
    bool read_only() const noexcept { return read_only_; }
    /// The file size now (fstat); 0 on error.
    uint64_t size() const noexcept;

    /// 0 or -SATORI_EIO. A short file is an error (reads never return partial data).
    int32_t read(uint64_t offset, std::span<std::byte> dst) const noexcept;
    int32_t write(uint64_t offset, std::span<const std::byte> src) noexcept;
    int32_t truncate(uint64_t size) noexcept;
    int32_t sync() noexcept;
    /// Deallocates a range (keeps the size); false when the file system cannot.
    bool punch_hole(uint64_t offset, uint64_t len) noexcept;
    /// Writes zeros over the range, in chunks.
    int32_t write_zeroes(uint64_t offset, uint64_t len) noexcept;

  private:
    int fd_ = -1;
    std::string path_;
    bool read_only_ = true;
};

// Little- and big-endian field access into byte buffers (offsets are the caller's to check).
inline uint64_t load_be(const std::byte *p, int n) noexcept
{
    uint64_t v = 0;
    for (int i = 0; i < n; ++i)
        v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
}
inline uint64_t load_le(const std::byte *p, int n) noexcept
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
}
inline void store_be(std::byte *p, int n, uint64_t v) noexcept
{
    for (int i = n - 1; i >= 0; --i, v >>= 8)
        p[i] = static_cast<std::byte>(v & 0xff);
}
inline void store_le(std::byte *p, int n, uint64_t v) noexcept
{
    for (int i = 0; i < n; ++i, v >>= 8)
        p[i] = static_cast<std::byte>(v & 0xff);
}
inline uint32_t be32(const std::byte *p) noexcept
{
    return static_cast<uint32_t>(load_be(p, 4));
}
inline uint64_t be64(const std::byte *p) noexcept
{
    return load_be(p, 8);
}
inline uint16_t le16(const std::byte *p) noexcept
{
    return static_cast<uint16_t>(load_le(p, 2));
}
inline uint32_t le32(const std::byte *p) noexcept
{
    return static_cast<uint32_t>(load_le(p, 4));
}
inline uint64_t le64(const std::byte *p) noexcept
{
    return load_le(p, 8);
}
inline bool bytes_equal(const std::byte *p, const char *text, size_t n) noexcept
{
    return std::memcmp(p, text, n) == 0;
}

inline bool is_pow2(uint64_t v) noexcept
{
    return v != 0 && (v & (v - 1)) == 0;
}
inline uint64_t div_round_up(uint64_t a, uint64_t b) noexcept
{
    return a / b + (a % b != 0);
}
/// [off, off+len) lies inside [0, limit) without overflow.
inline bool range_inside(uint64_t off, uint64_t len, uint64_t limit) noexcept
{
    return off <= limit && len <= limit - off;
}
/// The two ranges share at least one byte.
inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) noexcept
{
    return a < b + blen && b < a + alen;
}

} // namespace satori::sim::disk

namespace satori::sim::disk {
/// "1a2b" style lower-case hex of @p v (no prefix).
inline std::string to_hex(uint64_t v)
{
    static const char *digits = "0123456789abcdef";
    std::string s;
    do {
        s.insert(s.begin(), digits[v & 0xf]);
        v >>= 4;
    } while (v);
    return s;
}
} // namespace satori::sim::disk
