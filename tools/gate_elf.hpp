// SPDX-License-Identifier: MIT
// tools/gate_elf.hpp — just enough of an ELF64 reader for the release checks: dynamic
// symbols with their GNU symbol versions, DT_NEEDED / DT_SONAME, and whether the object
// still carries DWARF debug info.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace satori::tool::gate {

struct ElfSymbol {
    std::string name;
    std::string version;         ///< GNU version name ("SATORI_1.0", "GLIBC_2.14"), "" if none.
    std::string version_file;    ///< For undefined symbols: the library the version is needed from.
    bool defined = false;        ///< st_shndx != SHN_UNDEF.
    bool hidden_version = false; ///< Non-default version (sym@VER rather than sym@@VER).
    bool version_definition = false; ///< The absolute symbol that names a version node.
    uint8_t binding = 0;             ///< STB_LOCAL / STB_GLOBAL / STB_WEAK / STB_GNU_UNIQUE.
    uint8_t type = 0;                ///< STT_*.
    uint8_t visibility = 0;          ///< STV_*.

    bool weak() const;
    /// Visible to the dynamic linker from outside: defined, not local, default/protected.
    bool exported() const;
    /// "name@@VER", "name@VER" or "name".
    std::string display() const;
    /// "function", "object", ...
    std::string type_text() const;
    std::string binding_text() const;
};

struct ElfInfo {
    std::string soname;
    std::vector<std::string> needed;       ///< DT_NEEDED in order.
    std::vector<ElfSymbol> dynsyms;        ///< .dynsym without the null entry.
    std::vector<std::string> version_defs; ///< Version nodes the object defines (not the base).
    bool has_debug_info = false;           ///< A .debug_info (or .zdebug_info) section.
    bool has_symtab = false;               ///< A static .symtab (strip removes it).
    bool shared_object = false;            ///< e_type == ET_DYN.
};

/// Reads @p path. @return false and a reason in @p err when it is not a readable ELF64
/// object of this machine's byte order.
bool read_elf(const std::string &path, ElfInfo &out, std::string &err);

} // namespace satori::tool::gate
