// SPDX-License-Identifier: MIT
// tools/gate_elf.cpp — ELF64 reader for check-plugin and abi-check. The file is untrusted
// (a third-party plugin): every offset and size is checked against the file before use.
#include "gate_elf.hpp"

#include <cstring>
#include <map>

#include <elf.h>

#include "gate_util.hpp"

namespace satori::tool::gate {

bool ElfSymbol::weak() const
{
    return binding == STB_WEAK;
}

bool ElfSymbol::exported() const
{
    return defined && !version_definition && binding != STB_LOCAL &&
           (visibility == STV_DEFAULT || visibility == STV_PROTECTED) && type != STT_SECTION &&
           type != STT_FILE;
}

std::string ElfSymbol::display() const
{
    if (version.empty()) return name;
    return name + (defined && !hidden_version ? "@@" : "@") + version;
}

std::string ElfSymbol::type_text() const
{
    switch (type) {
    case STT_NOTYPE:
        return "notype";
    case STT_OBJECT:
        return "object";
    case STT_FUNC:
        return "function";
    case STT_TLS:
        return "tls";
    case STT_GNU_IFUNC:
        return "ifunc";
    default:
        return "type " + std::to_string(type);
    }
}

std::string ElfSymbol::binding_text() const
{
    switch (binding) {
    case STB_LOCAL:
        return "local";
    case STB_GLOBAL:
        return "global";
    case STB_WEAK:
        return "weak";
    case STB_GNU_UNIQUE:
        return "unique";
    default:
        return "binding " + std::to_string(binding);
    }
}

namespace {

class Reader {
  public:
    explicit Reader(const std::string &data) : d_(data) {}

    bool fits(uint64_t off, uint64_t len) const
    {
        return off <= d_.size() && len <= d_.size() - off;
    }

    template <class T> bool get(uint64_t off, T &out) const
    {
        if (!fits(off, sizeof(T))) return false;
        std::memcpy(&out, d_.data() + off, sizeof(T));
        return true;
    }

    /// NUL-terminated string at @p off inside [base, base + size).
    std::string str(uint64_t base, uint64_t size, uint64_t off) const
    {
        if (off >= size || !fits(base, size)) return "";
        const char *p = d_.data() + base + off;
        size_t max = static_cast<size_t>(size - off);
        size_t n = strnlen(p, max);
        return std::string(p, n);
    }

  private:
    const std::string &d_;
};

} // namespace

bool read_elf(const std::string &path, ElfInfo &out, std::string &err)
{
    std::string data;
    if (!read_file(path, data)) {
        err = path + ": cannot read";
        return false;
    }
    Reader r(data);
    Elf64_Ehdr eh;
    if (!r.get(0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        err = path + ": not an ELF file";
        return false;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
        err = path + ": not a 64-bit ELF object";
        return false;
    }
    const unsigned char native =
        (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) ? ELFDATA2LSB : ELFDATA2MSB;
    if (eh.e_ident[EI_DATA] != native) {
        err = path + ": ELF byte order differs from this machine";
        return false;
    }
    out = ElfInfo{};
    out.shared_object = eh.e_type == ET_DYN;
    if (eh.e_shoff == 0 || eh.e_shnum == 0 || eh.e_shentsize != sizeof(Elf64_Shdr)) {
        err = path + ": no section headers (cannot read symbols)";
        return false;
    }
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    for (uint16_t i = 0; i < eh.e_shnum; i++) {
        if (!r.get(eh.e_shoff + uint64_t(i) * sizeof(Elf64_Shdr), sh[i])) {
            err = path + ": truncated section header table";
            return false;
        }
    }
    auto section_name = [&](const Elf64_Shdr &s) -> std::string {
        if (eh.e_shstrndx >= sh.size()) return "";
        const auto &strs = sh[eh.e_shstrndx];
        return r.str(strs.sh_offset, strs.sh_size, s.sh_name);
    };

    const Elf64_Shdr *dynsym = nullptr, *versym = nullptr, *verdef = nullptr, *verneed = nullptr,
                     *dynamic = nullptr;
    for (const auto &s : sh) {
        std::string name = section_name(s);
        if (name == ".debug_info" || name == ".zdebug_info")
            out.has_debug_info = s.sh_size > 0 && s.sh_type != SHT_NOBITS;
        switch (s.sh_type) {
        case SHT_DYNSYM:
            dynsym = &s;
            break;
        case SHT_SYMTAB:
            out.has_symtab = true;
            break;
        case SHT_GNU_versym:
            versym = &s;
            break;
        case SHT_GNU_verdef:
            verdef = &s;
            break;
        case SHT_GNU_verneed:
            verneed = &s;
            break;
        case SHT_DYNAMIC:
            dynamic = &s;
            break;
        default:
            break;
        }
    }
    auto linked_strtab = [&](const Elf64_Shdr *s) -> const Elf64_Shdr * {
        if (!s || s->sh_link >= sh.size()) return nullptr;
        return &sh[s->sh_link];
    };

    // Version definitions: index -> name (index 1 is the base: the object's own name).
    std::map<uint16_t, std::string> def_names;
    if (verdef) {
        const Elf64_Shdr *strs = linked_strtab(verdef);
        uint64_t off = verdef->sh_offset;
        for (uint64_t n = 0; strs && n < 4096; n++) {
            Elf64_Verdef vd;
            if (!r.get(off, vd)) break;
            Elf64_Verdaux aux;
            if (r.get(off + vd.vd_aux, aux)) {
                std::string name = r.str(strs->sh_offset, strs->sh_size, aux.vda_name);
                def_names[vd.vd_ndx] = name;
                if (!(vd.vd_flags & VER_FLG_BASE)) out.version_defs.push_back(name);
            }
            if (vd.vd_next == 0) break;
            off += vd.vd_next;
        }
    }
    // Version needs: index -> (name, file).
    std::map<uint16_t, std::pair<std::string, std::string>> need_names;
    if (verneed) {
        const Elf64_Shdr *strs = linked_strtab(verneed);
        uint64_t off = verneed->sh_offset;
        for (uint64_t n = 0; strs && n < 4096; n++) {
            Elf64_Verneed vn;
            if (!r.get(off, vn)) break;
            std::string file = r.str(strs->sh_offset, strs->sh_size, vn.vn_file);
            uint64_t aoff = off + vn.vn_aux;
            for (uint16_t i = 0; i < vn.vn_cnt && i < 4096; i++) {
                Elf64_Vernaux va;
                if (!r.get(aoff, va)) break;
                need_names[static_cast<uint16_t>(va.vna_other & 0x7fff)] = {
                    r.str(strs->sh_offset, strs->sh_size, va.vna_name), file};
                if (va.vna_next == 0) break;
                aoff += va.vna_next;
            }
            if (vn.vn_next == 0) break;
            off += vn.vn_next;
        }
    }

    if (dynsym && dynsym->sh_entsize == sizeof(Elf64_Sym)) {
        const Elf64_Shdr *strs = linked_strtab(dynsym);
        uint64_t count = dynsym->sh_size / sizeof(Elf64_Sym);
        for (uint64_t i = 1; strs && i < count; i++) {
            Elf64_Sym s;
            if (!r.get(dynsym->sh_offset + i * sizeof(Elf64_Sym), s)) break;
            ElfSymbol sym;
            sym.name = r.str(strs->sh_offset, strs->sh_size, s.st_name);
            sym.defined = s.st_shndx != SHN_UNDEF;
            sym.binding = ELF64_ST_BIND(s.st_info);
            sym.type = ELF64_ST_TYPE(s.st_info);
            sym.visibility = ELF64_ST_VISIBILITY(s.st_other);
            uint16_t vs = 1;
            if (versym && r.get(versym->sh_offset + i * sizeof(uint16_t), vs)) {
                sym.hidden_version = (vs & 0x8000) != 0;
                uint16_t idx = vs & 0x7fff;
                if (idx >= 2) {
                    if (sym.defined && def_names.count(idx)) {
                        sym.version = def_names[idx];
                    } else if (need_names.count(idx)) {
                        sym.version = need_names[idx].first;
                        sym.version_file = need_names[idx].second;
                    }
                }
            }
            sym.version_definition = sym.defined && s.st_shndx == SHN_ABS && !sym.version.empty() &&
                                     sym.name == sym.version;
            out.dynsyms.push_back(sym);
        }
    }

    if (dynamic && dynamic->sh_entsize == sizeof(Elf64_Dyn)) {
        const Elf64_Shdr *strs = linked_strtab(dynamic);
        uint64_t count = dynamic->sh_size / sizeof(Elf64_Dyn);
        for (uint64_t i = 0; strs && i < count; i++) {
            Elf64_Dyn d;
            if (!r.get(dynamic->sh_offset + i * sizeof(Elf64_Dyn), d) || d.d_tag == DT_NULL) break;
            if (d.d_tag == DT_NEEDED)
                out.needed.push_back(r.str(strs->sh_offset, strs->sh_size, d.d_un.d_val));
            else if (d.d_tag == DT_SONAME)
                out.soname = r.str(strs->sh_offset, strs->sh_size, d.d_un.d_val);
        }
    }
    return true;
}

} // namespace satori::tool::gate
