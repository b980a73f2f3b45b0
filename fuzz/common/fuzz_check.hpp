// SPDX-License-Identifier: MIT
// fuzz/common/fuzz_check.hpp — FUZZ_CHECK(cond): a property every input must keep. A failure
// prints the condition and aborts, which libFuzzer records as a crash and ctest as a failure.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                   \
        }                                                                                   \
    } while (0)
