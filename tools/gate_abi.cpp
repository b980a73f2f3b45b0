// SPDX-License-Identifier: MIT
// tools/gate_abi.cpp — what `satori abi-check` accepts as a compatible change. The rules are
// documented in docs/release.md ("How the gate decides"); keep the two in step.
//
// Why not libabigail's own verdict: abidiff's exit code marks type changes as "ABI change"
// without telling a safe append from a reorder, and its suppression
// `has_data_member_inserted_at = end` (2.2) also hides a reorder of existing members. So the
// gate reads both abidw XML files itself and applies the rules below; abidiff's report is
// printed alongside for the details.
#include "gate_abi.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <regex>
#include <sstream>

#include "gate_util.hpp"

namespace satori::tool::gate {

size_t Findings::count(Finding::Kind k) const
{
    return static_cast<size_t>(
        std::count_if(v_.begin(), v_.end(), [k](const Finding &f) { return f.kind == k; }));
}

size_t Findings::count(Finding::Kind k, const std::string &rule) const
{
    return static_cast<size_t>(std::count_if(
        v_.begin(), v_.end(), [&](const Finding &f) { return f.kind == k && f.rule == rule; }));
}

namespace {

bool is_type_tag(const std::string &t)
{
    return t == "type-decl" || t == "typedef-decl" || t == "pointer-type-def" ||
           t == "reference-type-def" || t == "qualified-type-def" || t == "array-type-def" ||
           t == "class-decl" || t == "union-decl" || t == "enum-decl" || t == "function-type" ||
           t == "subrange";
}

bool yes(const XmlNode &n, const char *attr)
{
    return n.attr(attr) == "yes";
}

bool is_anonymous(const XmlNode &n)
{
    const std::string &name = n.attr("name");
    return yes(n, "is-anonymous") || name.empty() || name.rfind("__anonymous_", 0) == 0;
}

bool decl_only(const XmlNode &n)
{
    return yes(n, "is-declaration-only");
}

std::string kind_of(const XmlNode &n)
{
    if (n.tag == "class-decl") return yes(n, "is-struct") ? "struct" : "class";
    if (n.tag == "union-decl") return "union";
    if (n.tag == "enum-decl") return "enum";
    if (n.tag == "typedef-decl") return "typedef";
    return n.tag;
}

long long bits(const XmlNode &n, const char *attr = "size-in-bits")
{
    const std::string &v = n.attr(attr);
    return v.empty() ? -1 : std::atoll(v.c_str());
}

/// "24 bytes", or "13 bits" when not a whole number of bytes.
std::string size_text(long long b)
{
    if (b < 0) return "unknown size";
    if (b % 8 == 0) return std::to_string(b / 8) + (b == 8 ? " byte" : " bytes");
    return std::to_string(b) + " bits";
}

std::string offset_text(long long b)
{
    if (b % 8 == 0) return "byte " + std::to_string(b / 8);
    return "bit " + std::to_string(b);
}

struct Member {
    std::string name;
    long long offset = 0;
    std::string type;  ///< for messages
    std::string canon; ///< for comparison (typedefs resolved)
};

std::vector<Member> members_of(const AbiCorpus &c, const XmlNode &rec, int depth = 0)
{
    std::vector<Member> out;
    for (const auto &ch : rec.children) {
        if (ch->tag != "data-member" || yes(*ch, "static")) continue;
        const XmlNode *var = nullptr;
        for (const auto &g : ch->children)
            if (g->tag == "var-decl") var = g.get();
        if (!var) continue;
        Member m;
        m.offset = bits(*ch, "layout-offset-in-bits");
        m.type = c.render(var->attr("type-id"), false, depth + 1);
        m.canon = c.render(var->attr("type-id"), true, depth + 1);
        m.name = var->attr("name");
        if (m.name.empty()) m.name = "(anonymous member at " + offset_text(m.offset) + ")";
        out.push_back(m);
    }
    return out;
}

bool size_first(const std::vector<Member> &m)
{
    return !m.empty() && m[0].offset == 0 && m[0].name == "struct_size" &&
           m[0].canon == "unsigned int"; // normalized spelling of uint32_t
}

/// A base type name in one spelling whatever the compiler wrote ("long unsigned int" from GCC,
/// "unsigned long" from clang -> "unsigned long").
std::string normalize_base(const std::string &name)
{
    std::istringstream in(name);
    std::string w, base;
    int longs = 0;
    bool is_unsigned = false, is_signed = false;
    while (in >> w) {
        if (w == "long")
            longs++;
        else if (w == "unsigned")
            is_unsigned = true;
        else if (w == "signed")
            is_signed = true;
        else if (w != "int")
            base += (base.empty() ? "" : " ") + w;
    }
    if (base.empty())
        base = longs == 0 ? "int" : longs == 1 ? "long" : "long long";
    else if (longs)
        base = (longs == 1 ? "long " : "long long ") + base; // long double
    if (is_unsigned) return "unsigned " + base;
    if (is_signed && base == "char") return "signed char";
    return base;
}

/// "from 'A' to 'B'" for a changed type; when the spelling is the same (a typedef behind it
/// changed), the typedef-resolved forms are shown.
std::string change_text(const std::string &was, const std::string &is, const std::string &was_canon,
                        const std::string &is_canon)
{
    if (was != is) return "from '" + was + "' to '" + is + "'";
    return "from '" + was_canon + "' to '" + is_canon + "' (same spelling '" + was +
           "'; a typedef it uses changed)";
}

/// "char[8]" -> 8 (the probe's alignment variables).
long long array_len(const std::string &t)
{
    size_t b = t.rfind('['), e = t.rfind(']');
    if (b == std::string::npos || e == std::string::npos || e < b) return -1;
    return std::atoll(t.substr(b + 1, e - b - 1).c_str());
}

} // namespace

bool AbiCorpus::load(const std::string &xml_text, std::string &err)
{
    root_ = parse_xml(xml_text, err);
    if (!root_) return false;
    if (root_->tag != "abi-corpus") {
        err = "not an abidw corpus (root element <" + root_->tag + ">)";
        return false;
    }
    std::function<void(const XmlNode &)> walk = [&](const XmlNode &n) {
        if (is_type_tag(n.tag) && n.has("id")) {
            auto it = ids_.find(n.attr("id"));
            if (it == ids_.end() || (decl_only(*it->second) && !decl_only(n)))
                ids_[n.attr("id")] = &n;
        }
        for (const auto &ch : n.children)
            walk(*ch);
    };
    walk(*root_);

    for (const auto &sec : root_->children) {
        if (sec->tag == "elf-function-symbols" || sec->tag == "elf-variable-symbols") {
            for (const auto &s : sec->children) {
                if (s->tag != "elf-symbol") continue;
                std::string key = s->attr("name");
                if (!s->attr("version").empty())
                    key += (yes(*s, "is-default-version") ? "@@" : "@") + s->attr("version");
                elf_symbols_.insert(key);
            }
            continue;
        }
        if (sec->tag != "abi-instr") continue;
        for (const auto &d : sec->children) {
            const XmlNode &n = *d;
            if (n.tag == "function-decl" && n.has("elf-symbol-id")) {
                functions_.emplace(n.attr("elf-symbol-id"), &n);
                continue;
            }
            if (n.tag == "var-decl" && n.has("elf-symbol-id")) {
                variables_.emplace(n.attr("elf-symbol-id"), &n);
                continue;
            }
            if (n.tag != "class-decl" && n.tag != "union-decl" && n.tag != "enum-decl" &&
                n.tag != "typedef-decl")
                continue;
            const std::string &file = n.attr("filepath");
            if (file.empty() || file[0] == '/' || is_anonymous(n)) continue;
            std::string key = kind_of(n) + " " + n.attr("name");
            auto it = public_types_.find(key);
            if (it == public_types_.end() || (decl_only(*it->second) && !decl_only(n)))
                public_types_[key] = &n;
        }
    }
    return true;
}

const XmlNode *AbiCorpus::by_id(const std::string &id) const
{
    auto it = ids_.find(id);
    return it == ids_.end() ? nullptr : it->second;
}

std::string AbiCorpus::render_function(const XmlNode &fn, const std::string &declarator, bool canon,
                                       int depth) const
{
    std::string ret = "void", params;
    for (const auto &ch : fn.children) {
        if (ch->tag == "return") {
            ret = render(ch->attr("type-id"), canon, depth + 1);
        } else if (ch->tag == "parameter") {
            if (!params.empty()) params += ", ";
            params +=
                yes(*ch, "is-variadic") ? "..." : render(ch->attr("type-id"), canon, depth + 1);
        }
    }
    if (params.empty()) params = "void";
    return ret + " " + declarator + "(" + params + ")";
}

std::string AbiCorpus::render(const std::string &type_id, bool canon, int depth) const
{
    if (depth > 40) return "...";
    const XmlNode *n = by_id(type_id);
    if (!n) return "<unknown type " + type_id + ">";
    const std::string &t = n->tag;
    if (t == "typedef-decl" && canon) return render(n->attr("type-id"), canon, depth + 1);
    if (t == "type-decl" && canon) return normalize_base(n->attr("name"));
    if (t == "type-decl" || t == "typedef-decl") return n->attr("name");
    if (t == "pointer-type-def" || t == "reference-type-def") {
        const char *sigil = t == "pointer-type-def" ? "*" : "&";
        const XmlNode *to = by_id(n->attr("type-id"));
        if (to && to->tag == "function-type")
            return render_function(*to, std::string("(") + sigil + ")", canon, depth);
        return render(n->attr("type-id"), canon, depth + 1) + sigil;
    }
    if (t == "qualified-type-def") {
        std::string inner = render(n->attr("type-id"), canon, depth + 1);
        std::string q;
        if (yes(*n, "const")) q += "const";
        if (yes(*n, "volatile")) q += std::string(q.empty() ? "" : " ") + "volatile";
        if (yes(*n, "restrict")) q += std::string(q.empty() ? "" : " ") + "restrict";
        if (q.empty()) return inner;
        if (!inner.empty() && (inner.back() == '*' || inner.back() == ')')) return inner + " " + q;
        return q + " " + inner;
    }
    if (t == "array-type-def") {
        std::string dims;
        for (const auto &ch : n->children) {
            if (ch->tag != "subrange") continue;
            std::string len = ch->attr("length");
            dims += "[" + (len == "infinite" || len == "unknown" ? std::string() : len) + "]";
        }
        if (dims.empty()) dims = "[]";
        return render(n->attr("type-id"), canon, depth + 1) + dims;
    }
    if (t == "function-type") return render_function(*n, "", canon, depth);
    if (t == "class-decl" || t == "union-decl" || t == "enum-decl") {
        if (!is_anonymous(*n)) return kind_of(*n) + " " + n->attr("name");
        std::string body;
        if (t == "enum-decl") {
            for (const auto &ch : n->children)
                if (ch->tag == "enumerator")
                    body += ch->attr("name") + "=" + ch->attr("value") + ";";
        } else {
            for (const auto &m : members_of(*this, *n, depth + 1))
                body += (canon ? m.canon : m.type) + " " + m.name + " @" +
                        std::to_string(m.offset) + ";";
        }
        return kind_of(*n) + " {" + body + "} (" + size_text(bits(*n)) + ")";
    }
    return t;
}

namespace {

void compare_record(const std::string &key, const AbiCorpus &base, const XmlNode &b,
                    const AbiCorpus &now, const XmlNode &n, Findings &out)
{
    const auto bm = members_of(base, b);
    const auto nm = members_of(now, n);
    const long long bsize = bits(b), nsize = bits(n);
    const bool growable = kind_of(b) == "struct" && size_first(bm);
    const bool is_union = kind_of(b) == "union";
    std::set<std::string> matched; // names in nm accounted for

    auto find = [&](const std::string &name) -> const Member * {
        for (const auto &m : nm)
            if (m.name == name) return &m;
        return nullptr;
    };
    std::set<std::string> base_names;
    for (const auto &m : bm)
        base_names.insert(m.name);

    for (const auto &o : bm) {
        const Member *m = find(o.name);
        if (!m && o.name.rfind("reserved", 0) == 0) {
            // A reserved field given a meaning: same offset, same type, new name. Old writers
            // put 0 there, so the new field must treat 0 as "not set" (documented rule).
            for (const auto &c : nm) {
                if (c.offset == o.offset && c.canon == o.canon && !base_names.count(c.name) &&
                    !matched.count(c.name)) {
                    matched.insert(c.name);
                    out.note("types", key + ": reserved member '" + o.name + "' is now '" + c.name +
                                          "' (same " + offset_text(o.offset) + ", same type " +
                                          o.type + "); 0 must keep meaning \"not set\"");
                    m = &c;
                    break;
                }
            }
            if (m) continue;
        }
        if (!m) {
            out.brk("types", key + ": member '" + o.name + "' (" + o.type + " at " +
                                 offset_text(o.offset) + ") was removed or renamed");
            continue;
        }
        matched.insert(m->name);
        if (m->offset != o.offset)
            out.brk("types", key + ": member '" + o.name + "' moved from " + offset_text(o.offset) +
                                 " to " + offset_text(m->offset));
        if (m->canon != o.canon)
            out.brk("types", key + ": member '" + o.name + "' changed type " +
                                 change_text(o.type, m->type, o.canon, m->canon));
    }

    std::vector<std::string> appended;
    size_t inserted = 0;
    for (const auto &m : nm) {
        if (matched.count(m.name)) continue;
        if (is_union) {
            if (nsize == bsize)
                out.add("types",
                        key + ": new member '" + m.name + "' (" + m.type + "), size unchanged");
            continue; // a size change is reported below
        }
        if (m.offset < bsize) {
            inserted++;
            out.brk("types", key + ": member '" + m.name + "' inserted at " +
                                 offset_text(m.offset) + ", inside the old size (" +
                                 size_text(bsize) +
                                 "); new members may only be appended after the old end");
        } else if (!growable) {
            out.brk("types", key + ": member '" + m.name + "' appended, but " + key +
                                 " does not start with 'uint32_t struct_size' and so cannot grow "
                                 "(copies, arrays and embedded uses have a fixed size)");
        } else {
            appended.push_back(m.name + " at " + offset_text(m.offset));
        }
    }

    if (nsize < bsize) {
        out.brk("types",
                key + ": size shrank from " + size_text(bsize) + " to " + size_text(nsize));
    } else if (nsize > bsize) {
        if (!growable) {
            out.brk("types",
                    key + ": size grew from " + size_text(bsize) + " to " + size_text(nsize) +
                        (is_union
                             ? " (a union cannot grow)"
                             : "; only structs that start with 'uint32_t struct_size' may grow"));
        } else if (appended.empty() || inserted) {
            out.brk(
                "types",
                key + ": size grew from " + size_text(bsize) + " to " + size_text(nsize) +
                    (inserted
                         ? ""
                         : " without a new member at the end (an array or a member type grew)"));
        } else {
            std::string list;
            for (const auto &a : appended)
                list += (list.empty() ? "" : ", ") + a;
            out.add("types", key + ": grew from " + size_text(bsize) + " to " + size_text(nsize) +
                                 " by appending " + list + " (struct_size-first struct)");
        }
    } else if (!appended.empty()) {
        // Appended into trailing padding without growing: offsets >= old size cannot be
        // inside the old size, so this only happens with a zero-sized member; accept.
        for (const auto &a : appended)
            out.add("types", key + ": appended " + a);
    }
}

void compare_enum(const std::string &key, const XmlNode &b, const XmlNode &n, Findings &out)
{
    std::map<std::string, std::string> nv;
    for (const auto &ch : n.children)
        if (ch->tag == "enumerator") nv[ch->attr("name")] = ch->attr("value");
    std::set<std::string> old;
    for (const auto &ch : b.children) {
        if (ch->tag != "enumerator") continue;
        old.insert(ch->attr("name"));
        auto it = nv.find(ch->attr("name"));
        if (it == nv.end())
            out.brk("types", key + ": enumerator " + ch->attr("name") + " removed");
        else if (it->second != ch->attr("value"))
            out.brk("types", key + ": enumerator " + ch->attr("name") + " changed from " +
                                 ch->attr("value") + " to " + it->second);
    }
    for (const auto &[name, value] : nv)
        if (!old.count(name)) out.add("types", key + ": new enumerator " + name + " = " + value);
    if (bits(b) != bits(n))
        out.brk("types",
                key + ": size changed from " + size_text(bits(b)) + " to " + size_text(bits(n)));
}

} // namespace

void compare_types(const AbiCorpus &base, const AbiCorpus &now, Findings &out)
{
    const auto &bt = base.public_types();
    const auto &nt = now.public_types();
    for (const auto &[key, b] : bt) {
        auto it = nt.find(key);
        if (it == nt.end()) {
            std::string name = b->attr("name"), other;
            for (const auto &[k2, n2] : nt)
                if (n2->attr("name") == name) other = k2;
            out.brk("types", key + " was removed" +
                                 (other.empty() ? "" : " (there is now a " + other + ")"));
            continue;
        }
        const XmlNode &n = *it->second;
        if (decl_only(*b)) {
            if (!decl_only(n))
                out.add(
                    "types",
                    key + ": opaque in the baseline, now defined (its layout is ABI from now on)");
            continue; // opaque handle: its layout is the shim's business
        }
        if (decl_only(n)) {
            out.brk("types", key + " is now only declared (opaque); its layout was public");
            continue;
        }
        const std::string kind = kind_of(*b);
        if (kind == "typedef") {
            if (base.render(b->attr("type-id"), true) != now.render(n.attr("type-id"), true))
                out.brk("types", key + " changed from '" + base.render(b->attr("type-id")) +
                                     "' to '" + now.render(n.attr("type-id")) + "'");
        } else if (kind == "enum") {
            compare_enum(key, *b, n, out);
        } else {
            compare_record(key, base, *b, now, n, out);
        }
    }
    for (const auto &[key, n] : nt)
        if (!bt.count(key))
            out.add("types", "new " + std::string(decl_only(*n) ? "opaque " : "") + key);
}

void lint_types(const AbiCorpus &now, Findings &out)
{
    static const std::regex loose(
        "\\b(long|short|int|_Bool|bool|size_t|ssize_t|ptrdiff_t|intptr_t|uintptr_t|"
        "wchar_t|float|double)\\b|^enum |[(,] ?enum ");
    std::set<std::string> growable;
    for (const auto &[key, n] : now.public_types())
        if (kind_of(*n) == "struct" && !decl_only(*n) && size_first(members_of(now, *n)))
            growable.insert(key);
    for (const auto &[key, n] : now.public_types()) {
        if ((n->tag != "class-decl" && n->tag != "union-decl") || decl_only(*n)) continue;
        for (const auto &m : members_of(now, *n)) {
            if (std::regex_search(m.type, loose))
                out.note("risk", key + ": member '" + m.name + "' has type '" + m.type +
                                     "', not a fixed-width integer type (DESIGN §2.3)");
            std::string t = m.type;
            size_t br = t.find('[');
            if (br != std::string::npos) t = t.substr(0, br);
            if (growable.count(t))
                out.note("risk", key + ": member '" + m.name + "' embeds " + t + " by value; " + t +
                                     " starts with struct_size and may grow, which would move the "
                                     "members after it");
        }
    }
}

void compare_interfaces(const AbiCorpus &base, const AbiCorpus &now, const std::string &what,
                        Findings &out)
{
    const std::string fn_prefix = kProbeFnPrefix, al_prefix = kProbeAlignPrefix;
    auto strip = [](const std::string &id) { return id.substr(0, id.find('@')); };

    for (const auto &[id, b] : base.functions()) {
        std::string was = base.render_function(*b, b->attr("name"));
        auto it = now.functions().find(id);
        if (it == now.functions().end()) {
            std::string other;
            for (const auto &[id2, n2] : now.functions())
                if (strip(id2) == strip(id)) other = id2;
            out.brk("functions", what + ": function " + id + " was removed" +
                                     (other.empty() ? "" : " (now exported as " + other + ")"));
            continue;
        }
        std::string is = now.render_function(*it->second, it->second->attr("name"));
        std::string was_c = base.render_function(*b, b->attr("name"), true);
        std::string is_c = now.render_function(*it->second, it->second->attr("name"), true);
        if (was_c != is_c)
            out.brk("functions",
                    what + ": function " + id + " changed " + change_text(was, is, was_c, is_c));
    }
    for (const auto &[id, n] : now.functions())
        if (!base.functions().count(id))
            out.add("functions", what + ": new function " +
                                     now.render_function(*n, n->attr("name")) + " (" + id + ")");

    for (const auto &[id, b] : base.variables()) {
        std::string name = b->attr("name");
        auto it = now.variables().find(id);
        std::string was = base.render(b->attr("type-id"));
        std::string is = it == now.variables().end() ? "" : now.render(it->second->attr("type-id"));
        std::string was_c = base.render(b->attr("type-id"), true);
        std::string is_c =
            it == now.variables().end() ? "" : now.render(it->second->attr("type-id"), true);
        const bool same = it != now.variables().end() && was_c == is_c;
        if (name.rfind(al_prefix, 0) == 0) {
            // Alignment probe of one public struct; its removal is reported by the types rule.
            if (it != now.variables().end() && !same)
                out.brk("types", "struct " + name.substr(al_prefix.size()) +
                                     ": alignment changed from " + std::to_string(array_len(was)) +
                                     " to " + std::to_string(array_len(is)) + " bytes");
            continue;
        }
        if (name.rfind(fn_prefix, 0) == 0) {
            std::string fn = name.substr(fn_prefix.size());
            auto sig = [&fn](std::string t) {
                replace_all(t, "(*)", fn); // "int32_t (*)(...)" -> "int32_t fn(...)"
                return t;
            };
            if (it == now.variables().end())
                out.brk("functions", "function " + fn +
                                         " is no longer declared in the public headers (was '" +
                                         sig(was) + "')");
            else if (!same)
                out.brk("functions", "function " + fn + " changed " +
                                         change_text(sig(was), sig(is), sig(was_c), sig(is_c)));
            continue;
        }
        if (it == now.variables().end())
            out.brk("functions", what + ": variable " + id + " was removed");
        else if (!same)
            out.brk("functions", what + ": variable " + id + " changed type " +
                                     change_text(was, is, was_c, is_c));
    }
    for (const auto &[id, n] : now.variables()) {
        if (base.variables().count(id)) continue;
        std::string name = n->attr("name");
        if (name.rfind(al_prefix, 0) == 0) continue;
        std::string t = now.render(n->attr("type-id"));
        if (name.rfind(fn_prefix, 0) == 0) {
            std::string fn = name.substr(fn_prefix.size());
            replace_all(t, "(*)", fn);
            out.add("functions", "new function " + t);
        } else {
            out.add("functions", what + ": new variable " + id + " (" + t + ")");
        }
    }

    for (const auto &sym : base.elf_symbols()) {
        if (now.elf_symbols().count(sym) || base.functions().count(sym) ||
            base.variables().count(sym))
            continue; // still there, or already reported as a function/variable
        out.brk("symbols", what + ": ELF symbol " + sym + " is no longer exported");
    }
}

Constants parse_constants(const std::string &text)
{
    Constants c;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("#define ", 0) != 0) continue;
        size_t p = 8;
        size_t e = p;
        while (e < line.size() &&
               (std::isalnum(static_cast<unsigned char>(line[e])) || line[e] == '_'))
            e++;
        std::string name = line.substr(p, e - p);
        if (name.rfind("SATORI_", 0) != 0) continue;
        std::string value = line.substr(e);
        bool function_like = !value.empty() && value[0] == '(';
        value = squeeze_spaces(value);
        // Include guards (SATORI_HOST_H, defined empty) are not part of the ABI.
        if (!function_like && value.empty() && name.size() > 2 &&
            name.compare(name.size() - 2, 2, "_H") == 0)
            continue;
        c[name] = value;
    }
    return c;
}

std::string format_constants(const Constants &c, const std::string &abi_version)
{
    std::string s =
        "# SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT\n"
        "# Every SATORI_* macro of the public headers at ABI " +
        abi_version +
        " (gcc -dM -E, whitespace squeezed).\n"
        "# satori abi-check fails when one of them changes value or disappears. Generated by\n"
        "# scripts/abi-baseline; do not edit.\n";
    for (const auto &[name, value] : c) {
        bool function_like = !value.empty() && value[0] == '(';
        s += "#define " + name + (function_like || value.empty() ? "" : " ") + value + "\n";
    }
    return s;
}

void compare_constants(const Constants &base, const Constants &now, Findings &out)
{
    for (const auto &[name, value] : base) {
        auto it = now.find(name);
        if (it == now.end()) {
            out.brk("constants", name + " (" + value + ") was removed");
        } else if (name == "SATORI_ABI_VERSION_MINOR" && it->second != value &&
                   std::all_of(value.begin(), value.end(), ::isdigit) &&
                   std::all_of(it->second.begin(), it->second.end(), ::isdigit) &&
                   !it->second.empty() &&
                   std::atol(it->second.c_str()) > std::atol(value.c_str())) {
            // The one constant that moves forward: a minor bump (docs/release.md).
            out.note("constants", "ABI minor version bumped from " + value + " to " + it->second);
        } else if (it->second != value)
            out.brk("constants", name + " changed from '" + value + "' to '" + it->second + "'");
    }
    for (const auto &[name, value] : now)
        if (!base.count(name)) out.add("constants", "new " + name + " " + value);
}

bool parse_version_script(const std::string &text, VersionScript &out, std::string &err)
{
    // Strip /* */ comments and # line comments.
    std::string s;
    for (size_t i = 0; i < text.size(); i++) {
        if (text.compare(i, 2, "/*") == 0) {
            size_t e = text.find("*/", i + 2);
            if (e == std::string::npos) {
                err = "unterminated comment";
                return false;
            }
            i = e + 1;
            s += ' ';
            continue;
        }
        if (text[i] == '#') {
            while (i < text.size() && text[i] != '\n')
                i++;
            s += '\n';
            continue;
        }
        s += text[i];
    }
    std::vector<std::string> tok;
    std::string cur;
    for (char c : s) {
        if (c == '{' || c == '}' || c == ';' || c == ':' ||
            std::isspace(static_cast<unsigned char>(c))) {
            if (!cur.empty()) tok.push_back(cur);
            cur.clear();
            if (!std::isspace(static_cast<unsigned char>(c))) tok.push_back(std::string(1, c));
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) tok.push_back(cur);

    out.nodes.clear();
    size_t i = 0;
    auto expect = [&](const char *t) {
        if (i < tok.size() && tok[i] == t) {
            i++;
            return true;
        }
        err = std::string("expected '") + t + "' near token " + std::to_string(i) +
              (i < tok.size() ? " ('" + tok[i] + "')" : " (end)");
        return false;
    };
    while (i < tok.size()) {
        VersionScript::Node node;
        if (tok[i] != "{") node.name = tok[i++];
        if (!expect("{")) return false;
        std::string section = "global";
        while (i < tok.size() && tok[i] != "}") {
            if (i + 1 < tok.size() && tok[i + 1] == ":" &&
                (tok[i] == "global" || tok[i] == "local")) {
                section = tok[i];
                i += 2;
                continue;
            }
            if (tok[i] == "extern") {
                err = "extern blocks are not supported in the Satori map";
                return false;
            }
            std::string sym = tok[i++];
            if (!expect(";")) return false;
            if (section == "global") node.globals.push_back(sym);
        }
        if (!expect("}")) return false;
        if (i < tok.size() && tok[i] != ";") node.parent = tok[i++];
        if (!expect(";")) return false;
        out.nodes.push_back(node);
    }
    return true;
}

} // namespace satori::tool::gate
