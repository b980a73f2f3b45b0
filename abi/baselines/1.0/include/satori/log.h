/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file log.h
 * @brief Log levels for satori_host::log.
 */
#ifndef SATORI_LOG_H
#define SATORI_LOG_H

#define SATORI_LOG_ERROR 0 /**< Something failed; a device or request is affected. */
#define SATORI_LOG_WARN  1 /**< Unexpected but handled (host misbehaviour, retries). */
#define SATORI_LOG_INFO  2 /**< Lifecycle: device probed, link up, disk attached. */
#define SATORI_LOG_DEBUG 3 /**< Protocol detail, for developers. */

#endif /* SATORI_LOG_H */
