// SPDX-License-Identifier: MIT
#include "parent_path.hpp"

#include <climits>
#include <cstdlib>

namespace satori::sim::disk {

namespace {

void put_utf8(std::string &out, uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

void put_unit(std::vector<std::byte> &out, uint32_t u, bool be)
{
    const auto hi = static_cast<std::byte>(u >> 8), lo = static_cast<std::byte>(u & 0xff);
    out.push_back(be ? hi : lo);
    out.push_back(be ? lo : hi);
}

} // namespace

std::string utf16_to_utf8(std::span<const std::byte> data, bool big_endian)
{
    std::string out;
    auto unit = [&](size_t i) -> uint32_t {
        const auto a = static_cast<uint8_t>(data[2 * i]), b = static_cast<uint8_t>(data[2 * i + 1]);
        return big_endian ? (uint32_t{a} << 8 | b) : (uint32_t{b} << 8 | a);
    };
    const size_t n = data.size() / 2;
    for (size_t i = 0; i < n; ++i) {
        uint32_t u = unit(i);
        if (u == 0) break;
        if (u >= 0xd800 && u < 0xdc00 && i + 1 < n) {
            const uint32_t v = unit(i + 1);
            if (v >= 0xdc00 && v < 0xe000) {
                put_utf8(out, 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00));
                ++i;
                continue;
            }
        }
        put_utf8(out, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
    }
    return out;
}

std::vector<std::byte> utf8_to_utf16(const std::string &text, bool big_endian)
{
    std::vector<std::byte> out;
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<uint8_t>(text[i]);
        uint32_t cp = 0xfffd;
        size_t len = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c >> 5) == 6 && i + 1 < text.size()) {
            cp = (c & 0x1fu) << 6 | (static_cast<uint8_t>(text[i + 1]) & 0x3fu);
            len = 2;
        } else if ((c >> 4) == 14 && i + 2 < text.size()) {
            cp = (c & 0x0fu) << 12 | (static_cast<uint8_t>(text[i + 1]) & 0x3fu) << 6 |
                 (static_cast<uint8_t>(text[i + 2]) & 0x3fu);
            len = 3;
        } else if ((c >> 3) == 30 && i + 3 < text.size()) {
            cp = (c & 0x07u) << 18 | (static_cast<uint8_t>(text[i + 1]) & 0x3fu) << 12 |
                 (static_cast<uint8_t>(text[i + 2]) & 0x3fu) << 6 |
                 (static_cast<uint8_t>(text[i + 3]) & 0x3fu);
            len = 4;
        }
        i += len;
        if (cp >= 0x10000) {
            put_unit(out, 0xd800 + ((cp - 0x10000) >> 10), big_endian);
            put_unit(out, 0xdc00 + ((cp - 0x10000) & 0x3ff), big_endian);
        } else {
            put_unit(out, cp, big_endian);
        }
    }
    return out;
}

std::string resolve_parent_path(const std::string &child, std::string locator)
{
    if (locator.rfind("file://", 0) == 0) locator = locator.substr(7);
    for (char &c : locator)
        if (c == '\\') c = '/';
    while (locator.rfind("./", 0) == 0)
        locator = locator.substr(2);
    if (!locator.empty() && locator[0] == '/') return locator;
    const auto slash = child.rfind('/');
    return slash == std::string::npos ? locator : child.substr(0, slash + 1) + locator;
}

std::string canonical_path(const std::string &path)
{
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

} // namespace satori::sim::disk
