// SPDX-License-Identifier: MIT
// fuzz/common/fuzz_os.hpp — a single-threaded struct os_ops for fuzzing shim_gpl/core: no-op
// locks, malloc'd "guest" pages, a clock that advances only when told, and completions whose
// wait runs a hook — the fuzz "host" answers at exactly the moment the guest waits, so a
// whole connect/GPADL/open sequence runs deterministically in one thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>

#include <satori/errno.h>

#include "os.h"

namespace satori::fuzz {

struct FuzzOs {
    os_ops ops{};
    uint64_t now = 0;
    long live = 0; ///< allocations not freed (checked at the end of each input)
    long live_mem = 0, live_comp = 0, live_gmem = 0; ///< ... by kind
    /// Guest memory the core deliberately keeps (a ring the host never gave back): the log
    /// says "memory is kept"; such blocks are not leaks.
    long kept_gmem = 0;
    std::set<void *> gmem_blocks;
    /// Called by completion_wait on a completion not completed yet.
    std::function<void()> on_wait;

    struct Completion {
        bool done = false;
    };
    struct Gmem {
        void *va;
    };

    FuzzOs()
    {
        ops.ctx = this;
        ops.zalloc = [](void *ctx, size_t n) -> void * {
            void *p = std::calloc(1, n ? n : 1);
            if (p) ++self(ctx).live, ++self(ctx).live_mem;
            return p;
        };
        ops.free = [](void *ctx, void *p) {
            if (p) --self(ctx).live, --self(ctx).live_mem;
            std::free(p);
        };
        static int lock_token;
        ops.lock_create = [](void *) { return reinterpret_cast<os_lock *>(&lock_token); };
        ops.lock_destroy = [](void *, os_lock *) {};
        ops.lock = [](os_lock *) {};
        ops.unlock = [](os_lock *) {};
        ops.completion_create = [](void *ctx) {
            ++self(ctx).live, ++self(ctx).live_comp;
            return reinterpret_cast<os_completion *>(new Completion);
        };
        ops.completion_destroy = [](void *ctx, os_completion *c) {
            --self(ctx).live, --self(ctx).live_comp;
            delete reinterpret_cast<Completion *>(c);
        };
        ops.completion_reset = [](os_completion *c) { reinterpret_cast<Completion *>(c)->done = false; };
        ops.complete = [](os_completion *c) { reinterpret_cast<Completion *>(c)->done = true; };
        ops.completion_wait = [](os_completion *c, uint64_t) -> int32_t {
            auto *comp = reinterpret_cast<Completion *>(c);
            if (!comp->done && current() && current()->on_wait) current()->on_wait();
            return comp->done ? 0 : -SATORI_ETIMEDOUT;
        };
        ops.now_ns = [](void *ctx) { return self(ctx).now; };
        ops.vlog = [](void *ctx, uint32_t, const char *fmt, va_list ap) {
            char line[512];
            std::vsnprintf(line, sizeof(line), fmt, ap);
            if (std::strstr(line, "memory is kept")) ++self(ctx).kept_gmem;
        };
        ops.gmem_alloc = [](void *ctx, uint32_t pages, uint32_t, void **va, uint64_t *pfns,
                            void **handle) -> int32_t {
            void *p = std::aligned_alloc(4096, size_t{pages} * 4096);
            if (!p) return -SATORI_ENOMEM;
            std::memset(p, 0, size_t{pages} * 4096);
            static uint64_t next_pfn = 0x100;
            for (uint32_t i = 0; i < pages; ++i)
                pfns[i] = next_pfn++;
            *va = p;
            *handle = p;
            self(ctx).gmem_blocks.insert(p);
            ++self(ctx).live, ++self(ctx).live_gmem;
            return 0;
        };
        ops.gmem_free = [](void *ctx, void *h) {
            --self(ctx).live, --self(ctx).live_gmem;
            self(ctx).gmem_blocks.erase(h);
            std::free(h);
        };
        current() = this;
    }
    ~FuzzOs()
    {
        for (void *p : gmem_blocks) // kept by the core; the whole "guest" ends here
            std::free(p);
        current() = nullptr;
    }
    FuzzOs(const FuzzOs &) = delete;
    FuzzOs &operator=(const FuzzOs &) = delete;

    static FuzzOs &self(void *ctx) { return *static_cast<FuzzOs *>(ctx); }
    static FuzzOs *&current()
    {
        static FuzzOs *cur = nullptr;
        return cur;
    }
};

} // namespace satori::fuzz
