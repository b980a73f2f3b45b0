/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file test_service.h
 * @brief `satori.test/1`: a trivial service that proves lookup by name and versioned tables.
 */
#ifndef SATORI_TEST_SERVICE_H
#define SATORI_TEST_SERVICE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Service id for satori_host::get_service. */
#define SATORI_SERVICE_TEST "satori.test/1"

/** The test service table. */
struct satori_test_service {
    uint32_t struct_size; /**< sizeof(*this) as the shim was built. */
    uint32_t reserved;    /**< 0. */
    /**
     * Returns @p value + 1 and counts the call (the count is visible to embedders).
     * @context [any]
     */
    uint64_t (*ping)(const struct satori_test_service *svc, uint64_t value);
    /** Number of ping calls so far, all plugins together. @context [any] */
    uint64_t (*ping_count)(const struct satori_test_service *svc);
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_TEST_SERVICE_H */
