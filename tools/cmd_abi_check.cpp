// SPDX-License-Identifier: MIT
// satori abi-check — the release gate for the frozen C ABI (DESIGN §2.4, docs/release.md).
//
//  1. Builds an ABI probe: one generated C file that includes every public header, declares
//     a pointer variable of the type of every function the headers declare
//     (`satori_abi_probe__<fn>`), and a `char[_Alignof(struct X)]` for every public struct
//     (`satori_abi_probe_align__<X>`); compiled with -g -fno-eliminate-unused-debug-types into
//     a shared object, so that every struct, typedef and table is in its debug info even when
//     it is only reached through `void *` or get_service.
//  2. `abidw --load-all-types` of the probe and of libsatori_shim.so (which must carry debug
//     info: a stripped library is refused, never passed).
//  3. Every SATORI_* macro (gcc -dM -E) — values abidiff cannot see.
//  4. The linker version script: exported symbols == the global lists of abi/satori.map,
//     every one versioned with its SATORI_x.y node.
//  5. Compares with abi/baselines/<x.y>/ (gate_abi.cpp decides, abidiff --non-reachable-types
//     explains). Exit 0: identical or pure additions; 1: a breaking change; 2: the gate
//     could not run.
//  `--generate DIR` writes probe.xml, shim.xml and constants.txt instead (scripts/abi-baseline).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <dlfcn.h>

#include <nlohmann/json.hpp>
#include <satori/embed.h>

#include "commands.hpp"
#include "common.hpp"
#include "gate_abi.hpp"
#include "gate_elf.hpp"
#include "gate_util.hpp"

namespace satori::tool {

namespace {

using namespace gate;

constexpr const char *kSpdx = "(GPL-2.0-only WITH Linux-syscall-note) OR MIT";

struct Options {
    std::string root, headers, baseline, shim, shim_headers, map, shim_xml, generate, work, cc;
    bool keep = false;
    bool json = false;
};

/// An error that stops the gate (exit 2): a tool is missing, a compile failed, a stripped library.
struct GateError {
    std::string message;
};

struct Probe {
    std::string xml; ///< post-processed abidw output
    Constants constants;
    size_t headers = 0, functions = 0, structs = 0;
};

bool looks_like_root(const std::string &dir)
{
    return is_file(dir + "/abi/satori.map") && is_dir(dir + "/abi/include/satori");
}

std::string find_root()
{
    for (std::string start : {real_path("."), exe_dir()}) {
        std::string d = start;
        for (int i = 0; i < 12 && !d.empty(); i++) {
            if (looks_like_root(d)) return d;
            size_t slash = d.find_last_of('/');
            if (slash == std::string::npos || d == "/") break;
            d = slash == 0 ? "/" : d.substr(0, slash);
        }
    }
    return "";
}

/// The shim library this very tool is running with (the build tree's, through RPATH).
std::string loaded_shim_path()
{
    Dl_info info{};
    if (dladdr(reinterpret_cast<void *>(&satori_shim_abi_version), &info) && info.dli_fname)
        return real_path(info.dli_fname);
    return "";
}

/// "1.0" -> {1, 0}; false when not "<int>.<int>".
bool parse_version(const std::string &s, int &major, int &minor)
{
    static const std::regex re("^([0-9]+)\\.([0-9]+)$");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return false;
    major = std::stoi(m[1]);
    minor = std::stoi(m[2]);
    return true;
}

std::string newest_baseline(const std::string &root)
{
    std::string best;
    int bmaj = -1, bmin = -1;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(root + "/abi/baselines", ec)) {
        int ma, mi;
        if (!e.is_directory() || !parse_version(e.path().filename().string(), ma, mi)) continue;
        if (ma > bmaj || (ma == bmaj && mi > bmin)) {
            bmaj = ma;
            bmin = mi;
            best = e.path().string();
        }
    }
    return best;
}

std::string basename_of(std::string p)
{
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    size_t s = p.find_last_of('/');
    return s == std::string::npos ? p : p.substr(s + 1);
}

/// Runs a command; a failure to run or a non-zero exit stops the gate with its output.
std::string must_run(const std::vector<std::string> &argv, const std::string &what,
                     const std::string &stdout_file = "")
{
    RunResult r = run(argv, stdout_file);
    if (r.exit_code != 0) {
        std::string cmd;
        for (const auto &a : argv)
            cmd += (cmd.empty() ? "" : " ") + a;
        throw GateError{what + " failed (exit " + std::to_string(r.exit_code) + "): " + cmd + "\n" +
                        r.output};
    }
    return r.output;
}

/// abidw output -> baseline form: absolute paths of the header tree, the work directory and
/// the source tree become relative (so baselines do not depend on where they were made and
/// public types are recognisable: their file path is relative), SPDX as an XML comment on the
/// second line (abidiff wants <abi-corpus> first).
std::string tidy_xml(std::string xml, const std::vector<std::string> &prefixes)
{
    for (const auto &p : prefixes) {
        if (p.empty()) continue;
        replace_all(xml, "'" + p + "/", "'");
    }
    size_t nl = xml.find('\n');
    if (nl != std::string::npos)
        xml.insert(nl + 1, std::string("  <!-- SPDX-License-Identifier: ") + kSpdx +
                               " -->\n  <!-- Generated by satori abi-check (abidw, all types "
                               "loaded); do not edit. -->\n");
    return xml;
}

std::string abidw(const std::string &lib, const std::vector<std::string> &extra,
                  const std::string &out_file)
{
    std::vector<std::string> argv = {"abidw", "--load-all-types", "--no-corpus-path",
                                     "--no-comp-dir-path"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--out-file");
    argv.push_back(out_file);
    argv.push_back(lib);
    must_run(argv, "abidw " + basename_of(lib));
    std::string xml;
    if (!read_file(out_file, xml)) throw GateError{"abidw wrote no " + out_file};
    return xml;
}

/// Function names declared in headers under @p hdr_dir, from gcc -aux-info output.
std::vector<std::string> declared_functions(const std::string &aux, const std::string &hdr_dir)
{
    std::set<std::string> names;
    std::istringstream in(aux);
    std::string line;
    const std::string open = "/* " + hdr_dir + "/";
    while (std::getline(in, line)) {
        if (line.rfind(open, 0) != 0) continue;
        size_t end_comment = line.find("*/");
        if (end_comment == std::string::npos) continue;
        std::string decl = line.substr(end_comment + 2);
        // The name is the identifier right before " (" that opens the parameter list (not a
        // "(*" of a returned function pointer).
        for (size_t p = decl.find(" ("); p != std::string::npos; p = decl.find(" (", p + 1)) {
            if (p + 2 < decl.size() && decl[p + 2] == '*') continue;
            size_t b = p;
            while (b > 0 &&
                   (std::isalnum(static_cast<unsigned char>(decl[b - 1])) || decl[b - 1] == '_'))
                b--;
            if (b < p) {
                names.insert(decl.substr(b, p - b));
                break;
            }
        }
    }
    return {names.begin(), names.end()};
}

Probe build_probe(const Options &o, const std::string &work)
{
    Probe pr;
    const std::string hdr = real_path(o.headers);
    auto headers = list_files(hdr, ".h");
    if (headers.empty()) throw GateError{"no headers (*.h) under " + hdr};
    pr.headers = headers.size();
    std::string includes;
    for (const auto &h : headers)
        includes += "#include <" + h + ">\n";

    const std::vector<std::string> cflags = {o.cc, "-std=gnu11", "-I", hdr};
    // Declared functions.
    write_file(work + "/probe_decls.c", "/* Generated by satori abi-check. */\n" + includes);
    auto argv = cflags;
    argv.insert(argv.end(),
                {"-fsyntax-only", "-aux-info", work + "/probe.aux", work + "/probe_decls.c"});
    must_run(argv, "compiling the public headers");
    std::string aux;
    read_file(work + "/probe.aux", aux);
    auto fns = declared_functions(aux, hdr);
    pr.functions = fns.size();

    // Constants.
    argv = cflags;
    argv.insert(argv.end(), {"-dM", "-E", work + "/probe_decls.c"});
    pr.constants = parse_constants(must_run(argv, "preprocessing the public headers"));

    auto compile_probe = [&](const std::vector<std::string> &aligns, const std::string &tag) {
        std::string src = "/* Generated by satori abi-check: the ABI probe. */\n" + includes + "\n";
        for (const auto &f : fns)
            src += "__attribute__((visibility(\"default\"))) __typeof__(&" + f + ") " +
                   kProbeFnPrefix + f + " = 0;\n";
        for (const auto &a : aligns) {
            // a = "struct X" / "union X"
            std::string tag_name = a.substr(a.find(' ') + 1);
            src += "__attribute__((visibility(\"default\"))) char " +
                   std::string(kProbeAlignPrefix) + tag_name + "[_Alignof(" + a + ")] = {0};\n";
        }
        write_file(work + "/probe.c", src);
        auto a2 = cflags;
        a2.insert(a2.end(), {"-shared", "-fPIC", "-g", "-O0", "-fno-eliminate-unused-debug-types",
                             "-o", work + "/" + tag + ".so", work + "/probe.c"});
        must_run(a2, "building the ABI probe");
        return tidy_xml(abidw(work + "/" + tag + ".so", {}, work + "/" + tag + ".raw.xml"),
                        {hdr, work});
    };

    // Pass 1 finds the public structs; pass 2 adds their alignment.
    std::string xml1 = compile_probe({}, "probe1");
    AbiCorpus c1;
    std::string err;
    if (!c1.load(xml1, err)) throw GateError{"cannot read the probe's abidw output: " + err};
    std::vector<std::string> aligns;
    for (const auto &[key, n] : c1.public_types())
        if ((key.rfind("struct ", 0) == 0 || key.rfind("union ", 0) == 0) &&
            n->attr("is-declaration-only") != "yes")
            aligns.push_back(key);
    pr.structs = aligns.size();
    pr.xml = compile_probe(aligns, "probe");
    return pr;
}

/// How many of a probe corpus's variables are alignment probes (not functions).
size_t probe_aligns(const AbiCorpus &c)
{
    size_t n = 0;
    for (const auto &[id, v] : c.variables())
        n += v->attr("name").rfind(kProbeAlignPrefix, 0) == 0;
    return n;
}

/// The linker version script rule: exported set == map globals, each versioned by its node.
void check_version_script(const ElfInfo &elf, const std::string &map_path, int major, Findings &out,
                          std::string &summary)
{
    const std::string rule = "version-script";
    std::string text, err;
    if (!read_file(map_path, text)) throw GateError{"cannot read " + map_path};
    VersionScript vs;
    if (!parse_version_script(text, vs, err)) throw GateError{map_path + ": " + err};

    std::map<std::string, std::string> node_of; // symbol -> node
    std::set<std::string> nodes;
    static const std::regex node_re("^SATORI_([0-9]+)\\.([0-9]+)$");
    for (size_t i = 0; i < vs.nodes.size(); i++) {
        const auto &n = vs.nodes[i];
        std::smatch m;
        if (!std::regex_match(n.name, m, node_re)) {
            out.brk(rule, map_path + ": node '" + n.name + "' is not named SATORI_<major>.<minor>");
        } else if (std::stoi(m[1]) != major) {
            out.brk(rule, map_path + ": node " + n.name + " is not of ABI major " +
                              std::to_string(major));
        }
        if (i > 0 && n.parent != vs.nodes[i - 1].name)
            out.brk(rule, map_path + ": node " + n.name + " must inherit the previous node (" +
                              vs.nodes[i - 1].name + "), e.g. '} " + vs.nodes[i - 1].name + ";'");
        nodes.insert(n.name);
        for (const auto &s : n.globals) {
            if (s.find_first_of("*?[") != std::string::npos)
                out.brk(rule, map_path + ": wildcard '" + s + "' in the global list of " + n.name +
                                  " (list every exported symbol by name)");
            else if (node_of.count(s))
                out.brk(rule, map_path + ": " + s + " is listed in both " + node_of[s] + " and " +
                                  n.name);
            else
                node_of[s] = n.name;
        }
    }

    std::set<std::string> exported;
    size_t versioned = 0;
    for (const auto &s : elf.dynsyms) {
        if (!s.exported()) continue;
        exported.insert(s.name);
        if (s.version.empty()) {
            out.brk(rule, "libsatori_shim exports " + s.name +
                              " without a symbol version (not in a SATORI_x.y node)");
            continue;
        }
        if (!nodes.count(s.version)) {
            out.brk(rule, "libsatori_shim exports " + s.display() +
                              ", a version satori.map does not declare");
            continue;
        }
        auto it = node_of.find(s.name);
        if (it != node_of.end() && it->second != s.version && !s.hidden_version)
            out.brk(rule, s.display() + ": satori.map puts it in " + it->second);
        versioned++;
    }
    for (const auto &name : exported)
        if (!node_of.count(name))
            out.brk(rule, "libsatori_shim exports " + name +
                              " by accident: it is not in satori.map's global lists");
    for (const auto &[name, node] : node_of)
        if (!exported.count(name))
            out.brk(rule, "satori.map lists " + name + " (" + node +
                              ") but libsatori_shim does not export it");
    const std::string want_soname = "libsatori_shim.so." + std::to_string(major);
    if (elf.soname != want_soname)
        out.brk(rule,
                "SONAME is '" + elf.soname + "', expected " + want_soname + " (the ABI major)");
    std::string node_list;
    for (const auto &n : vs.nodes)
        node_list += (node_list.empty() ? "" : ", ") + n.name;
    summary = std::to_string(exported.size()) + " exported symbols, " + std::to_string(versioned) +
              " versioned (" + node_list + "), SONAME " + elf.soname;
}

struct Diff {
    int exit_code = 0;
    std::string report;
};

/// @p all_types: also compare types not reachable from the exported interface (the probe,
/// whose tables are reached through void * and get_service). The shim's XML is compared by
/// its exported interface only: its debug info also holds the shim's private types, and
/// which public types it happens to use changes with its implementation; the public types
/// themselves are all compared through the probe.
Diff run_abidiff(const std::string &base, const std::string &now, bool all_types)
{
    std::vector<std::string> argv = {"abidiff", "--no-show-locs"};
    if (all_types) argv.push_back("--non-reachable-types");
    argv.push_back(base);
    argv.push_back(now);
    RunResult r = run(argv);
    // libxml2 parse errors are printed but do not always set abidiff's error bit.
    if (r.exit_code < 0 || (r.exit_code & 3) || r.output.find("parser error") != std::string::npos)
        throw GateError{"abidiff " + base + " " + now + " failed (exit " +
                        std::to_string(r.exit_code) + "):\n" + r.output};
    return {r.exit_code, r.output};
}

std::string indent(const std::string &text, const std::string &pad)
{
    std::string out, line;
    std::istringstream in(text);
    while (std::getline(in, line))
        out += line.empty() ? "\n" : pad + line + "\n";
    return out;
}

int run_abi_check(Options o)
{
    try {
        if (o.root.empty()) o.root = find_root();
        auto need_root = [&](const char *what) {
            if (o.root.empty())
                throw GateError{std::string("cannot find the Satori source tree for the default ") +
                                what + "; run from inside it or pass --root"};
        };
        if (o.headers.empty()) {
            need_root("--headers");
            o.headers = o.root + "/abi/include";
        }
        if (o.shim_headers.empty()) {
            need_root("--shim-headers");
            o.shim_headers = o.root + "/abi/include";
        }
        if (o.map.empty()) {
            need_root("--map");
            o.map = o.root + "/abi/satori.map";
        }
        if (o.generate.empty() && o.baseline.empty()) {
            need_root("--baseline");
            o.baseline = newest_baseline(o.root);
            if (o.baseline.empty())
                throw GateError{"no baseline under " + o.root +
                                "/abi/baselines; create one with scripts/abi-baseline 1.0"};
        }
        if (o.shim.empty()) o.shim = loaded_shim_path();
        // GCC, whatever $CC says: the probe needs -aux-info to list the declared functions,
        // and one compiler for baselines and checks keeps the DWARF spelling stable.
        if (o.cc.empty()) o.cc = have_program("gcc") ? "gcc" : "cc";
        if (!have_program(o.cc))
            throw GateError{"C compiler '" + o.cc +
                            "' not found (Debian: build-essential; or pass --cc)"};
        for (const char *prog : {"abidw", "abidiff"})
            if (!have_program(prog))
                throw GateError{std::string(prog) + " not found in PATH (Debian: abigail-tools)"};

        std::string version_name = basename_of(o.generate.empty() ? o.baseline : o.generate);
        int major = 0, minor = 0;
        if (!parse_version(version_name, major, minor))
            throw GateError{"the baseline directory must be named <major>.<minor> (e.g. "
                            "abi/baselines/1.0), not '" +
                            version_name + "'"};

        bool temp_work = o.work.empty();
        std::string work = temp_work ? make_temp_dir("abi-check") : o.work;
        std::string err;
        if (work.empty() || !make_dirs(work, err))
            throw GateError{"cannot create a work directory: " + err};
        struct Cleanup {
            std::string dir;
            bool active;
            ~Cleanup()
            {
                if (active) remove_tree(dir);
            }
        } cleanup{work, temp_work && !o.keep};

        // The shim: debug info, symbols, version script.
        if (o.shim.empty() || !is_file(o.shim))
            throw GateError{"shim library not found: '" + o.shim +
                            "' (pass --shim build/lib/libsatori_shim.so)"};
        ElfInfo elf;
        if (!read_elf(o.shim, elf, err)) throw GateError{err};
        if (!elf.has_debug_info)
            throw GateError{
                o.shim +
                " has no DWARF debug info (stripped?). The gate refuses it: abidw would "
                "see only symbol names and every type change would pass unnoticed. Check the "
                "unstripped build-tree library (built with -g), not a packaged copy."};

        Findings f;
        std::string vs_summary;
        check_version_script(elf, o.map, major, f, vs_summary);

        Probe probe = build_probe(o, work);
        std::string shim_xml;
        if (!o.shim_xml.empty()) {
            if (!read_file(o.shim_xml, shim_xml))
                throw GateError{"cannot read --shim-xml " + o.shim_xml};
        } else {
            shim_xml = tidy_xml(
                abidw(o.shim, {"--headers-dir", real_path(o.shim_headers), "--drop-private-types"},
                      work + "/shim.raw.xml"),
                {real_path(o.shim_headers), o.root.empty() ? "" : real_path(o.root)});
        }
        write_file(work + "/probe.xml", probe.xml);
        write_file(work + "/shim.xml", shim_xml);
        std::string consts_text = format_constants(probe.constants, version_name);
        write_file(work + "/constants.txt", consts_text);

        if (!o.generate.empty()) {
            if (!make_dirs(o.generate, err)) throw GateError{err};
            if (f.count(Finding::Kind::Break)) {
                std::string why;
                for (const auto &x : f.all())
                    why += "\n  [" + x.rule + "] " + x.text;
                throw GateError{"refusing to write a baseline from an inconsistent shim:" + why};
            }
            if (!write_file(o.generate + "/probe.xml", probe.xml) ||
                !write_file(o.generate + "/shim.xml", shim_xml) ||
                !write_file(o.generate + "/constants.txt", consts_text))
                throw GateError{"cannot write into " + o.generate};
            std::printf("satori abi-check: wrote %s/{probe.xml,shim.xml,constants.txt}: %zu "
                        "headers, %zu functions, "
                        "%zu structs, %zu constants; shim %s\n",
                        o.generate.c_str(), probe.headers, probe.functions, probe.structs,
                        probe.constants.size(), vs_summary.c_str());
            return 0;
        }

        // Compare with the baseline.
        AbiCorpus bprobe, nprobe, bshim, nshim;
        std::string bp, bs, bc;
        if (!read_file(o.baseline + "/probe.xml", bp) || !read_file(o.baseline + "/shim.xml", bs) ||
            !read_file(o.baseline + "/constants.txt", bc))
            throw GateError{
                o.baseline +
                " must hold probe.xml, shim.xml and constants.txt (scripts/abi-baseline)"};
        if (!bprobe.load(bp, err) || !nprobe.load(probe.xml, err))
            throw GateError{"probe XML: " + err};
        if (!bshim.load(bs, err) || !nshim.load(shim_xml, err)) throw GateError{"shim XML: " + err};

        compare_types(bprobe, nprobe, f);
        lint_types(nprobe, f);
        compare_interfaces(bprobe, nprobe, "probe", f);
        compare_interfaces(bshim, nshim, "shim", f);
        compare_constants(parse_constants(bc), probe.constants, f);

        Diff dprobe = run_abidiff(o.baseline + "/probe.xml", work + "/probe.xml", true);
        Diff dshim = run_abidiff(o.baseline + "/shim.xml", work + "/shim.xml", false);
        // abidiff bit 8: an incompatible change (removed/changed interface). Our rules must
        // have seen it too; if not, trust abidiff and fail.
        for (auto [d, what] : {std::pair{&dprobe, "probe"}, std::pair{&dshim, "shim"}})
            if ((d->exit_code & 8) && !f.count(Finding::Kind::Break))
                f.brk("abidiff", std::string("abidiff reports an incompatible change in the ") +
                                     what + " that the rules above did not name; see its report");

        // Additions without a minor bump are legal but need one before the release.
        size_t additions = f.count(Finding::Kind::Addition);
        auto cur_minor = probe.constants.find("SATORI_ABI_VERSION_MINOR");
        if (additions && cur_minor != probe.constants.end() &&
            cur_minor->second == std::to_string(minor))
            f.note("release", "there are additions but SATORI_ABI_VERSION_MINOR is still " +
                                  std::to_string(minor) +
                                  ": bump the minor (docs/release.md) before releasing them");

        const size_t breaks = f.count(Finding::Kind::Break);
        const std::string verdict = breaks ? "FAIL" : "PASS";
        const std::vector<std::string> rules = {"types",   "functions",      "constants",
                                                "symbols", "version-script", "abidiff"};

        if (o.json) {
            nlohmann::json j;
            j["result"] = breaks ? "fail" : "pass";
            j["baseline"] = o.baseline;
            j["headers"] = o.headers;
            j["shim"] = o.shim;
            for (const char *k : {"breaks", "additions", "notes"})
                j[k] = nlohmann::json::array();
            for (const auto &x : f.all()) {
                const char *k = x.kind == Finding::Kind::Break      ? "breaks"
                                : x.kind == Finding::Kind::Addition ? "additions"
                                                                    : "notes";
                j[k].push_back({{"rule", x.rule}, {"text", x.text}});
            }
            j["abidiff"] = {{"probe", {{"exit", dprobe.exit_code}, {"report", dprobe.report}}},
                            {"shim", {{"exit", dshim.exit_code}, {"report", dshim.report}}}};
            std::printf("%s\n", j.dump(2).c_str());
            return breaks ? 1 : 0;
        }

        std::printf("satori abi-check: ABI baseline %s (%s)\n", version_name.c_str(),
                    o.baseline.c_str());
        std::printf("  headers  %s: %zu headers, %zu functions, %zu structs/unions, %zu SATORI_* "
                    "constants\n",
                    o.headers.c_str(), probe.headers, probe.functions, probe.structs,
                    probe.constants.size());
        std::printf("  shim     %s: %s\n", o.shim.c_str(), vs_summary.c_str());
        for (auto [d, what] :
             {std::pair{&dprobe,
                        "abidiff --non-reachable-types: probe (every type of every public header)"},
              std::pair{&dshim, "abidiff: shim (its exported interface)"}}) {
            std::printf("\n--- %s, baseline -> now (exit %d) ---\n", what, d->exit_code);
            std::printf("%s", d->report.empty() ? "    no differences\n"
                                                : indent(d->report, "    ").c_str());
        }
        std::printf("\nRules (docs/release.md, \"How the gate decides\"):\n");
        const std::map<std::string, std::string> compared = {
            {"types", std::to_string(bprobe.public_types().size()) +
                          " public types of the baseline compared"},
            {"functions", std::to_string(bprobe.variables().size() - probe_aligns(bprobe)) +
                              " header functions, " + std::to_string(bshim.functions().size()) +
                              " shim functions compared"},
            {"constants", std::to_string(parse_constants(bc).size()) + " constants compared"},
            {"symbols", std::to_string(bshim.elf_symbols().size()) + " shim ELF symbols compared"},
            {"version-script", vs_summary},
            {"abidiff", "exit " + std::to_string(dprobe.exit_code) + " (probe), " +
                            std::to_string(dshim.exit_code) +
                            " (shim); 4 = some change, 8 = incompatible change"}};
        for (const auto &r : rules) {
            size_t b = f.count(Finding::Kind::Break, r), a = f.count(Finding::Kind::Addition, r);
            std::string detail = compared.at(r);
            if (b)
                detail = std::to_string(b) + " breaking" +
                         (r == "version-script" ? "; " + vs_summary : "");
            if (a)
                detail += std::string(detail.empty() ? "" : ", ") + std::to_string(a) +
                          " addition" + (a == 1 ? "" : "s");
            std::printf("  %-15s %-5s %s\n", r.c_str(), b ? "FAIL" : "ok", detail.c_str());
        }
        auto section = [&](Finding::Kind k, const char *title, const char *mark) {
            if (!f.count(k)) return;
            std::printf("\n%s:\n", title);
            for (const auto &x : f.all())
                if (x.kind == k)
                    std::printf("  %s [%s] %s\n", mark, x.rule.c_str(), x.text.c_str());
        };
        section(Finding::Kind::Break, "Breaking changes", "BREAK");
        section(Finding::Kind::Addition, "Additions (allowed)", "ADD  ");
        section(Finding::Kind::Note, "Notes", "NOTE ");
        if (breaks)
            std::printf("\nRESULT: FAIL: %zu breaking change%s against ABI %s. Undo them, or make "
                        "them additions "
                        "(docs/release.md); a deliberate major bump needs a new baseline.\n",
                        breaks, breaks == 1 ? "" : "s", version_name.c_str());
        else if (additions)
            std::printf("\nRESULT: PASS: compatible with ABI %s (%zu addition%s).\n",
                        version_name.c_str(), additions, additions == 1 ? "" : "s");
        else if (dprobe.exit_code || dshim.exit_code || f.count(Finding::Kind::Note))
            std::printf(
                "\nRESULT: PASS: compatible with ABI %s (no breaking change, no addition).\n",
                version_name.c_str());
        else
            std::printf("\nRESULT: PASS: identical to ABI %s.\n", version_name.c_str());
        if (!cleanup.active && temp_work) std::printf("work files kept in %s\n", work.c_str());
        return breaks ? 1 : 0;
    } catch (const GateError &e) {
        std::fprintf(stderr, "satori abi-check: error: %s\n", e.message.c_str());
        return 2;
    }
}

} // namespace

void add_abi_check_command(CLI::App &app, int &rc)
{
    auto *cmd = app.add_subcommand(
        "abi-check",
        "Release gate: compare the ABI (headers, shim, constants, symbols) with the baseline");
    auto o = std::make_shared<Options>();
    cmd->add_option("--root", o->root,
                    "Satori source tree (default: found from the current directory)");
    cmd->add_option("--headers", o->headers,
                    "Public header directory to probe (default: ROOT/abi/include)");
    cmd->add_option("--baseline", o->baseline,
                    "Baseline directory (default: newest ROOT/abi/baselines/<x.y>)");
    cmd->add_option("--shim", o->shim,
                    "libsatori_shim.so with debug info (default: the one this tool runs with)");
    cmd->add_option("--shim-headers", o->shim_headers,
                    "Headers the shim was built from (default: ROOT/abi/include)");
    cmd->add_option("--map", o->map, "Linker version script (default: ROOT/abi/satori.map)");
    cmd->add_option("--shim-xml", o->shim_xml,
                    "Use this abidw output of the shim instead of running abidw");
    cmd->add_option("--generate", o->generate,
                    "Write probe.xml, shim.xml, constants.txt into DIR (named <x.y>) and exit");
    cmd->add_option("--work", o->work, "Keep the generated probe and XML files in DIR");
    cmd->add_flag("--keep", o->keep, "Keep the temporary work directory");
    cmd->add_option("--cc", o->cc, "GCC to build the probe with (needs -aux-info; default: gcc)");
    cmd->add_flag("--json", o->json, "Print one JSON object");
    cmd->callback([o, &rc] { rc = run_abi_check(*o); });
}

} // namespace satori::tool
