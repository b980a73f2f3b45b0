/* SPDX-License-Identifier: GPL-2.0-only */
/* compiler.h — the few compiler spellings core/ headers need in C11, C++ and the kernel. */
#ifndef SATORI_CORE_COMPILER_H
#define SATORI_CORE_COMPILER_H

#ifdef __cplusplus
#define CORE_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define CORE_BEGIN_DECLS extern "C" {
#define CORE_END_DECLS }
#else
#define CORE_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define CORE_BEGIN_DECLS
#define CORE_END_DECLS
#endif

#define CORE_PACKED __attribute__((packed))
#define CORE_UNUSED __attribute__((unused))
#define CORE_LIKELY(x) __builtin_expect(!!(x), 1)
#define CORE_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif /* SATORI_CORE_COMPILER_H */
