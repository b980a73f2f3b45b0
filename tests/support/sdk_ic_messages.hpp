// SPDX-License-Identifier: MIT
// Builds Integration-Component messages byte by byte (independently of the sample's structs)
// for the heartbeat tests.
#ifndef SATORI_TESTS_SUPPORT_SDK_IC_MESSAGES_HPP
#define SATORI_TESTS_SUPPORT_SDK_IC_MESSAGES_HPP

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace satori::test::ic {

class Bytes {
  public:
    Bytes &u8(uint8_t v)
    {
        b_.push_back(std::byte{v});
        return *this;
    }
    Bytes &u16(uint16_t v) { return u8(uint8_t(v)).u8(uint8_t(v >> 8)); }
    Bytes &u32(uint32_t v) { return u16(uint16_t(v)).u16(uint16_t(v >> 16)); }
    Bytes &u64(uint64_t v) { return u32(uint32_t(v)).u32(uint32_t(v >> 32)); }
    Bytes &append(const std::vector<std::byte> &more)
    {
        b_.insert(b_.end(), more.begin(), more.end());
        return *this;
    }
    std::vector<std::byte> take() { return std::move(b_); }
    std::size_t size() const noexcept { return b_.size(); }

  private:
    std::vector<std::byte> b_;
};

struct Header {
    uint16_t type = 0;
    uint32_t status = 0;
    uint8_t flags = 0x3; // TRANSACTION | REQUEST
    uint8_t transaction = 0x11;
    int body_size = -1; // -1: the body's real size
    int pipe_size = -1; // -1: IC header + body
};

/// pipe header | icmsg_hdr (framework 3.0, message 3.0) | body.
inline std::vector<std::byte> message(const Header &h, const std::vector<std::byte> &body)
{
    const uint32_t pipe_size =
        h.pipe_size >= 0 ? uint32_t(h.pipe_size) : uint32_t(20 + body.size());
    const uint16_t body_size = h.body_size >= 0 ? uint16_t(h.body_size) : uint16_t(body.size());
    return Bytes()
        .u32(1)
        .u32(pipe_size)
        .u16(3)
        .u16(0)
        .u16(h.type)
        .u16(3)
        .u16(0)
        .u16(body_size)
        .u32(h.status)
        .u8(h.transaction)
        .u8(h.flags)
        .u16(0)
        .append(body)
        .take();
}

using VersionList = std::initializer_list<std::pair<uint16_t, uint16_t>>;

inline std::vector<std::byte> negotiate_body(VersionList framework, VersionList message_versions,
                                             int framework_count = -1, int message_count = -1)
{
    Bytes b;
    b.u16(framework_count >= 0 ? uint16_t(framework_count) : uint16_t(framework.size()))
        .u16(message_count >= 0 ? uint16_t(message_count) : uint16_t(message_versions.size()))
        .u32(0);
    for (auto [major, minor] : framework)
        b.u16(major).u16(minor);
    for (auto [major, minor] : message_versions)
        b.u16(major).u16(minor);
    return b.take();
}

inline std::vector<std::byte> heartbeat_body(uint64_t sequence)
{
    Bytes b;
    b.u64(sequence);
    for (int i = 0; i < 8; ++i)
        b.u32(0);
    return b.take();
}

/// Overwrites @p bytes at @p offset with @p value, little-endian.
template <class T> void poke(std::vector<std::byte> &bytes, std::size_t offset, T value)
{
    for (std::size_t i = 0; i < sizeof(T); ++i)
        bytes.at(offset + i) = std::byte(uint8_t(uint64_t(value) >> (8 * i)));
}

} // namespace satori::test::ic

#endif // SATORI_TESTS_SUPPORT_SDK_IC_MESSAGES_HPP
