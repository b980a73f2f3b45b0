// SPDX-License-Identifier: MIT
// SATORI_SDK_HAS: the ABI's SATORI_HAS check in C++ spelling (no C casts, no literal 0), so
// plugins built with -Wold-style-cast or -Wzero-as-null-pointer-constant stay warning-free.
#ifndef SATORI_SDK_DETAIL_TABLE_HPP
#define SATORI_SDK_DETAIL_TABLE_HPP

#include <cstddef>
#include <cstdint>

namespace satori::detail {

/// True when @p table is non-null and its writer's struct_size reaches @p end bytes.
template <class Table> constexpr bool table_reaches(const Table *table, std::size_t end) noexcept
{
    return table != nullptr && table->struct_size >= end;
}

} // namespace satori::detail

/// Whether the growable table @p tbl (of type @p type) holds @p field.
#define SATORI_SDK_HAS(type, tbl, field)                                                           \
    ::satori::detail::table_reaches((tbl), offsetof(type, field) + sizeof(type::field))

#endif // SATORI_SDK_DETAIL_TABLE_HPP
