// SPDX-License-Identifier: MIT
// tools/gate_abi.hpp — the decision rules of `satori abi-check`. libabigail (abidw/abidiff)
// produces the ABI descriptions and the human report; whether a difference is a safe
// addition or a break is decided here, from the two abidw XML files, by the rules written
// down in docs/release.md ("How the gate decides").
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gate_xml.hpp"

namespace satori::tool::gate {

/// One line of the verdict.
struct Finding {
    enum class Kind { Break, Addition, Note };
    Kind kind;
    std::string rule; ///< "types", "functions", "symbols", "constants", "version-script", ...
    std::string text;
};

class Findings {
  public:
    void brk(const std::string &rule, const std::string &text)
    {
        v_.push_back({Finding::Kind::Break, rule, text});
    }
    void add(const std::string &rule, const std::string &text)
    {
        v_.push_back({Finding::Kind::Addition, rule, text});
    }
    void note(const std::string &rule, const std::string &text)
    {
        v_.push_back({Finding::Kind::Note, rule, text});
    }
    const std::vector<Finding> &all() const { return v_; }
    size_t count(Finding::Kind k) const;
    size_t count(Finding::Kind k, const std::string &rule) const;

  private:
    std::vector<Finding> v_;
};

/// Names the ABI probe gives its generated variables (see cmd_abi_check.cpp).
inline constexpr const char *kProbeFnPrefix = "satori_abi_probe__";          ///< + function name
inline constexpr const char *kProbeAlignPrefix = "satori_abi_probe_align__"; ///< + struct tag

/// An abidw corpus, indexed for comparison.
class AbiCorpus {
  public:
    bool load(const std::string &xml_text, std::string &err);

    /// A type (by id) as C-like text; named structs/unions/enums are shown by name, anonymous
    /// ones with their full layout. With @p canon, typedefs are replaced by what they name
    /// ("uint32_t" -> "unsigned int"): that is the form the gate compares, because abidw may
    /// merge structurally equal types and keep either spelling. Without, it is for messages.
    std::string render(const std::string &type_id, bool canon = false, int depth = 0) const;
    /// The signature of a function-decl or function-type node.
    std::string render_function(const XmlNode &fn, const std::string &declarator,
                                bool canon = false, int depth = 0) const;

    /// Public named types ("struct satori_host", "typedef satori_gpadl_t", ...): declared in a
    /// file whose recorded path is relative (the public header tree; see cmd_abi_check.cpp).
    const std::map<std::string, const XmlNode *> &public_types() const { return public_types_; }
    /// Exported functions / variables by ELF symbol id ("satori_shim_create@@SATORI_1.0").
    const std::map<std::string, const XmlNode *> &functions() const { return functions_; }
    const std::map<std::string, const XmlNode *> &variables() const { return variables_; }
    /// ELF symbols ("name@@VERSION" or "name") the corpus records.
    const std::set<std::string> &elf_symbols() const { return elf_symbols_; }
    const XmlNode *by_id(const std::string &id) const;

  private:
    std::unique_ptr<XmlNode> root_;
    std::map<std::string, const XmlNode *> ids_;
    std::map<std::string, const XmlNode *> public_types_;
    std::map<std::string, const XmlNode *> functions_;
    std::map<std::string, const XmlNode *> variables_;
    std::set<std::string> elf_symbols_;
};

/// Types: every public type of @p base must still exist with the same layout in @p now,
/// except growth of a struct_size-first struct by members placed at or after its old end.
void compare_types(const AbiCorpus &base, const AbiCorpus &now, Findings &out);
/// Notes (never breaks) on the current headers: members that are not fixed-width (DESIGN
/// §2.3), and growable (struct_size-first) structs embedded by value, whose growth would move
/// the members after them.
void lint_types(const AbiCorpus &now, Findings &out);
/// Functions and variables: none removed, none changed; additions are reported.
/// @p what names the corpus in messages ("probe", "shim").
void compare_interfaces(const AbiCorpus &base, const AbiCorpus &now, const std::string &what,
                        Findings &out);

/// SATORI_* macros: name -> value text ("(args) body" for function-like macros).
using Constants = std::map<std::string, std::string>;
/// Reads `gcc -dM -E` output (or constants.txt): `#define NAME VALUE` lines.
Constants parse_constants(const std::string &text);
/// The constants.txt text (with its SPDX and explanation header).
std::string format_constants(const Constants &c, const std::string &abi_version);
void compare_constants(const Constants &base, const Constants &now, Findings &out);

/// A linker version script: node name -> global symbols, in file order.
struct VersionScript {
    struct Node {
        std::string name;
        std::string parent; ///< The node it inherits, "" for none.
        std::vector<std::string> globals;
    };
    std::vector<Node> nodes;
};
bool parse_version_script(const std::string &text, VersionScript &out, std::string &err);

} // namespace satori::tool::gate
