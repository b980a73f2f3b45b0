// SPDX-License-Identifier: MIT
// Parent-image path handling shared by differencing formats: text decoding of locators,
// resolution against the child's directory, and loop detection along a chain.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace satori::sim::disk {

/// UTF-16 (little- or big-endian) to UTF-8; stops at the first NUL. Unpaired surrogates
/// become U+FFFD.
std::string utf16_to_utf8(std::span<const std::byte> data, bool big_endian);
/// UTF-8 to UTF-16 (no NUL added).
std::vector<std::byte> utf8_to_utf16(const std::string &text, bool big_endian);

/// A Windows-style locator path made usable here: backslashes become slashes, a relative
/// path is taken relative to @p child's directory, "file://" is dropped.
std::string resolve_parent_path(const std::string &child, std::string locator);

/// The canonical path of @p path (realpath), or @p path itself when it cannot be resolved.
std::string canonical_path(const std::string &path);

/// Images already open along a differencing chain (the child first), to refuse loops.
struct ParentChain {
    std::vector<std::string> canonical;
    static constexpr size_t kMaxDepth = 32;
};

} // namespace satori::sim::disk
