// SPDX-License-Identifier: MIT
// tools/gate_xml.cpp — minimal XML reader (elements + attributes) for abidw output.
#include "gate_xml.hpp"

#include <cctype>
#include <cstdlib>

namespace satori::tool::gate {

const std::string XmlNode::empty_;

const std::string &XmlNode::attr(const std::string &name, const std::string &def) const
{
    auto it = attrs.find(name);
    return it == attrs.end() ? def : it->second;
}

namespace {

void append_utf8(std::string &out, unsigned long cp)
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

std::string decode_entities(const std::string &s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        size_t semi = s.find(';', i);
        if (semi == std::string::npos) {
            out += s[i];
            continue;
        }
        std::string ent = s.substr(i + 1, semi - i - 1);
        if (ent == "lt")
            out += '<';
        else if (ent == "gt")
            out += '>';
        else if (ent == "amp")
            out += '&';
        else if (ent == "apos")
            out += '\'';
        else if (ent == "quot")
            out += '"';
        else if (!ent.empty() && ent[0] == '#') {
            unsigned long cp = (ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X'))
                                   ? std::strtoul(ent.c_str() + 2, nullptr, 16)
                                   : std::strtoul(ent.c_str() + 1, nullptr, 10);
            append_utf8(out, cp);
        } else {
            out += s.substr(i, semi - i + 1);
        }
        i = semi;
    }
    return out;
}

class Parser {
  public:
    explicit Parser(const std::string &t) : t_(t) {}

    std::unique_ptr<XmlNode> parse(std::string &err)
    {
        std::unique_ptr<XmlNode> root;
        XmlNode *cur = nullptr;
        while (p_ < t_.size()) {
            if (t_[p_] != '<') {
                p_++;
                continue;
            }
            if (starts("<!--")) {
                if (!skip_past("-->")) return fail(err, "unterminated comment");
                continue;
            }
            if (starts("<?")) {
                if (!skip_past("?>")) return fail(err, "unterminated processing instruction");
                continue;
            }
            if (starts("<!")) {
                if (!skip_past(">")) return fail(err, "unterminated declaration");
                continue;
            }
            if (starts("</")) {
                p_ += 2;
                std::string name = read_name();
                skip_space();
                if (p_ >= t_.size() || t_[p_] != '>')
                    return fail(err, "malformed end tag </" + name);
                p_++;
                if (!cur || cur->tag != name)
                    return fail(err, "end tag </" + name + "> does not match");
                cur = cur->parent;
                continue;
            }
            p_++;
            auto node = std::make_unique<XmlNode>();
            node->tag = read_name();
            if (node->tag.empty()) return fail(err, "element without a name");
            bool self_closing = false;
            for (;;) {
                skip_space();
                if (p_ >= t_.size()) return fail(err, "unterminated start tag <" + node->tag);
                if (t_[p_] == '/') {
                    if (p_ + 1 >= t_.size() || t_[p_ + 1] != '>')
                        return fail(err, "malformed start tag <" + node->tag);
                    p_ += 2;
                    self_closing = true;
                    break;
                }
                if (t_[p_] == '>') {
                    p_++;
                    break;
                }
                std::string an = read_name();
                skip_space();
                if (an.empty() || p_ >= t_.size() || t_[p_] != '=')
                    return fail(err, "malformed attribute in <" + node->tag);
                p_++;
                skip_space();
                if (p_ >= t_.size() || (t_[p_] != '\'' && t_[p_] != '"'))
                    return fail(err, "unquoted attribute " + an);
                char q = t_[p_++];
                size_t end = t_.find(q, p_);
                if (end == std::string::npos) return fail(err, "unterminated attribute " + an);
                node->attrs[an] = decode_entities(t_.substr(p_, end - p_));
                p_ = end + 1;
            }
            XmlNode *raw = node.get();
            if (!cur) {
                if (root) return fail(err, "more than one root element");
                root = std::move(node);
            } else {
                raw->parent = cur;
                cur->children.push_back(std::move(node));
            }
            if (!self_closing) cur = raw;
        }
        if (!root) return fail(err, "no root element");
        if (cur) return fail(err, "element <" + cur->tag + "> is not closed");
        return root;
    }

  private:
    bool starts(const char *s) const
    {
        return t_.compare(p_, std::char_traits<char>::length(s), s) == 0;
    }

    bool skip_past(const char *s)
    {
        size_t e = t_.find(s, p_);
        if (e == std::string::npos) return false;
        p_ = e + std::char_traits<char>::length(s);
        return true;
    }

    void skip_space()
    {
        while (p_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[p_])))
            p_++;
    }

    std::string read_name()
    {
        size_t b = p_;
        while (p_ < t_.size()) {
            char c = t_[p_];
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
                c == '.')
                p_++;
            else
                break;
        }
        return t_.substr(b, p_ - b);
    }

    std::unique_ptr<XmlNode> fail(std::string &err, const std::string &msg)
    {
        size_t line = 1;
        for (size_t i = 0; i < p_ && i < t_.size(); i++)
            line += t_[i] == '\n';
        err = "XML line " + std::to_string(line) + ": " + msg;
        return nullptr;
    }

    const std::string &t_;
    size_t p_ = 0;
};

} // namespace

std::unique_ptr<XmlNode> parse_xml(const std::string &text, std::string &err)
{
    return Parser(text).parse(err);
}

} // namespace satori::tool::gate
