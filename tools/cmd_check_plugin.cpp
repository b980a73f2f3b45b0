// SPDX-License-Identifier: MIT
// satori check-plugin PLUGIN.so... — the GPL line in a built plugin (DESIGN §2.1):
//   exports      the only exported symbol is satori_plugin_entry (a function)
//   undefined    every undefined symbol carries a GLIBC_* / GLIBCXX_* / CXXABI_* / GCC_* version
//                needed from libc, libm, libdl, libpthread, libstdc++ or libgcc_s; unversioned
//                ones only if they are the weak hooks of the C/C++ runtime listed below.
//                Never satori_* or a shim internal: plugins reach the shim only through tables.
//   needed       no DT_NEEDED on libsatori_shim (or any libsatori*), nothing outside those libs
//   abi-version  the ABI version the plugin reports (satori_shim_inspect_plugin) is one this
//                shim supports: same major; a newer minor loads and is capability-checked
// The ELF rules are read from the file; only abi-version loads the plugin (skip: --no-load).
#include <cstdio>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <satori/embed.h>

#include "commands.hpp"
#include "common.hpp"
#include "gate_elf.hpp"

namespace satori::tool {

namespace {

using gate::ElfInfo;
using gate::ElfSymbol;

/// Weak, unversioned references that the compiler's start files (crtbegin/crtend) and the C++
/// runtime leave in every shared object; they resolve to nothing or to libc. Tolerated only as
/// weak undefined symbols, and only these names.
const std::set<std::string> kRuntimeWeak = {
    "__gmon_start__",              // gprof hook (crti)
    "_ITM_deregisterTMCloneTable", // transactional memory (crtbegin)
    "_ITM_registerTMCloneTable",   // transactional memory (crtbegin)
    "__cxa_finalize", // destructors of a dlclose'd object (crtbegin); versioned when libc is linked
    "_Jv_RegisterClasses",     // old GCC crtbegin (Java classes)
    "__register_frame_info",   // old GCC crtbegin (unwind tables)
    "__deregister_frame_info", // old GCC crtbegin (unwind tables)
};

/// Libraries a plugin may need: the C library (with libm, libdl, libpthread, libmvec and the
/// dynamic loader, which share its GLIBC_* versions), libstdc++ and libgcc_s.
bool allowed_library(const std::string &soname)
{
    static const std::regex re(
        "^(libc\\.so\\.6|libm\\.so\\.6|libmvec\\.so\\.1|libdl\\.so\\.2|libpthread\\.so\\.0|librt\\."
        "so\\.1|"
        "libstdc\\+\\+\\.so\\.6|libgcc_s\\.so\\.1|ld-linux[-_a-z0-9.]*\\.so\\.[0-9]+)$");
    return std::regex_match(soname, re);
}

bool allowed_version(const std::string &v)
{
    static const std::regex re("^(GLIBC|GLIBCXX|CXXABI|GCC)_[0-9A-Za-z_.]+$");
    return std::regex_match(v, re);
}

struct Rule {
    explicit Rule(std::string n) : name(std::move(n)) {}
    std::string name;
    bool ok = true;
    std::string summary;               ///< One line when ok.
    std::vector<std::string> problems; ///< One per violation.
    std::string hint;                  ///< How to fix, printed once after the problems.
    void bad(const std::string &p)
    {
        ok = false;
        problems.push_back(p);
    }
};

std::string join(const std::vector<std::string> &v, const std::string &sep = ", ")
{
    std::string s;
    for (const auto &x : v)
        s += (s.empty() ? "" : sep) + x;
    return s;
}

Rule check_exports(const ElfInfo &elf)
{
    Rule r{"exports"};
    bool entry = false;
    for (const auto &s : elf.dynsyms) {
        if (!s.exported()) continue;
        if (s.name == "satori_plugin_entry") {
            entry = true;
            if (s.type != 2 /* STT_FUNC */)
                r.bad("satori_plugin_entry is a " + s.type_text() + ", not a function");
            continue;
        }
        r.bad("exports " + s.display() + " (" + s.binding_text() + " " + s.type_text() +
              "): only satori_plugin_entry may be exported");
        r.hint =
            "build with satori_add_plugin(), which applies satori-plugin.map and hidden visibility";
    }
    if (!entry) r.bad("does not export satori_plugin_entry (SATORI_PLUGIN(...) defines it)");
    if (r.ok) r.summary = "exports only satori_plugin_entry";
    return r;
}

Rule check_undefined(const ElfInfo &elf)
{
    Rule r{"undefined"};
    size_t versioned = 0;
    std::set<std::string> libs, weak;
    for (const auto &s : elf.dynsyms) {
        if (s.defined || s.binding == 0 /* STB_LOCAL */ || s.name.empty()) continue;
        if (s.name.rfind("satori_", 0) == 0) {
            r.bad("needs " + s.display() + ": a shim symbol (the shim is never linked)");
            continue;
        }
        if (!s.version.empty()) {
            if (!allowed_version(s.version) || !allowed_library(s.version_file)) {
                r.bad("needs " + s.display() + " from " +
                      (s.version_file.empty() ? "?" : s.version_file) +
                      ": only libc/libm/libdl/libpthread/libstdc++/libgcc_s symbols are allowed");
                continue;
            }
            versioned++;
            libs.insert(s.version_file);
            continue;
        }
        if (s.weak() && kRuntimeWeak.count(s.name)) {
            weak.insert(s.name);
            continue;
        }
        r.bad("needs " + s.name + " (unversioned" + std::string(s.weak() ? ", weak" : "") +
              "): not from libc/libstdc++/libgcc_s (they version every symbol) — a shim internal "
              "or another "
              "library's symbol");
    }
    if (r.ok)
        r.summary =
            (versioned ? std::to_string(versioned) + " undefined symbols, all versioned from " +
                             join({libs.begin(), libs.end()})
                       : std::string("no versioned undefined symbols")) +
            (weak.empty() ? "" : "; tolerated runtime weak: " + join({weak.begin(), weak.end()}));
    else
        r.hint =
            "a plugin needs nothing but the C/C++ runtime; everything from the shim arrives as "
            "function tables (satori_host, get_service)";
    return r;
}

Rule check_needed(const ElfInfo &elf)
{
    Rule r{"needed"};
    for (const auto &n : elf.needed) {
        if (n.rfind("libsatori", 0) == 0)
            r.bad("DT_NEEDED " + n +
                  ": a plugin must not link the shim (the shim loads the plugin, not "
                  "the other way round)");
        else if (!allowed_library(n))
            r.bad("DT_NEEDED " + n +
                  ": only libc/libm/libdl/libpthread/libstdc++/libgcc_s may be needed");
    }
    if (r.ok) r.summary = elf.needed.empty() ? "no DT_NEEDED" : "DT_NEEDED " + join(elf.needed);
    return r;
}

Rule check_abi_version(const std::string &path, std::string &plugin_name)
{
    Rule r{"abi-version"};
    satori_shim_plugin_info info{};
    info.struct_size = sizeof(info);
    char err[768] = "";
    int32_t rc = satori_shim_inspect_plugin(path.c_str(), &info, err, sizeof(err));
    const uint32_t shim = satori_shim_abi_version();
    if (rc < 0) {
        r.bad(err[0] ? std::string(err) : std::string("cannot load: ") + satori_shim_strerror(rc));
        return r;
    }
    plugin_name = info.name;
    std::string txt = "\"" + std::string(info.name) + "\" " + info.version + " built for ABI " +
                      version_text(info.abi_version) + "; this shim provides " + version_text(shim);
    if (SATORI_ABI_MAJOR(info.abi_version) != SATORI_ABI_MAJOR(shim)) {
        r.bad(txt + ": a different major is refused");
        return r;
    }
    if (SATORI_ABI_MINOR(info.abi_version) > SATORI_ABI_MINOR(shim))
        txt += " (newer minor: loads; both sides use " + version_text(shim) +
               " and the plugin must check struct_size before using newer fields)";
    r.summary = txt;
    return r;
}

int run_check_plugin(const std::vector<std::string> &paths, bool json, bool no_load)
{
    int bad = 0;
    for (const auto &path : paths) {
        std::vector<Rule> rules;
        ElfInfo elf;
        std::string err, name;
        Rule elf_rule{"elf"};
        if (!gate::read_elf(path, elf, err))
            elf_rule.bad(err);
        else if (!elf.shared_object)
            elf_rule.bad(path + " is not a shared object (ET_DYN)");
        else
            elf_rule.summary = "ELF64 shared object";
        rules.push_back(elf_rule);
        if (elf_rule.ok) {
            rules.push_back(check_exports(elf));
            rules.push_back(check_undefined(elf));
            rules.push_back(check_needed(elf));
            if (!no_load) rules.push_back(check_abi_version(path, name));
        }
        bool ok = true;
        for (const auto &r : rules)
            ok = ok && r.ok;
        if (!ok) bad++;

        if (json) {
            nlohmann::json j;
            j["path"] = path;
            j["plugin"] = name;
            j["result"] = ok ? "pass" : "fail";
            j["rules"] = nlohmann::json::array();
            for (const auto &r : rules)
                j["rules"].push_back({{"rule", r.name},
                                      {"ok", r.ok},
                                      {"summary", r.summary},
                                      {"problems", r.problems},
                                      {"hint", r.hint}});
            std::printf("%s\n", j.dump().c_str());
            continue;
        }
        std::printf("satori check-plugin %s\n", path.c_str());
        for (const auto &r : rules) {
            if (r.ok) {
                std::printf("  ok    %-12s %s\n", r.name.c_str(), r.summary.c_str());
                continue;
            }
            for (const auto &p : r.problems)
                std::printf("  FAIL  %-12s %s\n", r.name.c_str(), p.c_str());
            if (!r.hint.empty()) std::printf("        %-12s fix: %s\n", "", r.hint.c_str());
        }
        std::printf("RESULT: %s: %s\n", ok ? "PASS" : "FAIL",
                    ok ? "on the plugin side of the GPL line"
                       : "violates the GPL line (DESIGN §2.1)");
    }
    return bad ? 1 : 0;
}

} // namespace

void add_check_plugin_command(CLI::App &app, int &rc)
{
    auto *cmd = app.add_subcommand(
        "check-plugin",
        "GPL line of a built plugin: exports, undefined symbols, DT_NEEDED, ABI version");
    auto paths = std::make_shared<std::vector<std::string>>();
    auto json = std::make_shared<bool>(false);
    auto no_load = std::make_shared<bool>(false);
    cmd->add_option("plugin", *paths, "Plugin shared objects (.so)")->required();
    cmd->add_flag("--json", *json, "One JSON object per plugin");
    cmd->add_flag("--no-load", *no_load,
                  "Only read the ELF file; do not load the plugin to ask its ABI version");
    cmd->callback([paths, json, no_load, &rc] { rc = run_check_plugin(*paths, *json, *no_load); });
}

} // namespace satori::tool
