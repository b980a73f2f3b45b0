// SPDX-License-Identifier: MIT
// tools/gate_xml.hpp — a minimal XML reader for libabigail's ABI XML (abidw output):
// elements and attributes only; text, comments and processing instructions are skipped.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace satori::tool::gate {

struct XmlNode {
    std::string tag;
    std::map<std::string, std::string> attrs;
    std::vector<std::unique_ptr<XmlNode>> children;
    XmlNode *parent = nullptr;

    /// Attribute value, or @p def when absent.
    const std::string &attr(const std::string &name, const std::string &def = empty_) const;
    bool has(const std::string &name) const { return attrs.count(name) != 0; }

  private:
    static const std::string empty_;
};

/// Parses @p text. @return the root element, or nullptr and a reason in @p err.
std::unique_ptr<XmlNode> parse_xml(const std::string &text, std::string &err);

} // namespace satori::tool::gate
