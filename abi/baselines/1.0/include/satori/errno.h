/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file errno.h
 * @brief Error numbers used across the ABI.
 *
 * Every fallible ABI function returns `int32_t`: 0 on success or a negative
 * `SATORI_E*` value. The numbers are Linux's errno values, fixed here so that
 * they never depend on the platform's `<errno.h>`. `satori_host::strerror`
 * turns them into text.
 */
#ifndef SATORI_ERRNO_H
#define SATORI_ERRNO_H

#define SATORI_OK              0   /**< Success. */
#define SATORI_EPERM           1   /**< Operation not permitted (e.g. write to a read-only disk). */
#define SATORI_ENOENT          2   /**< No such object (service, file, offer). */
#define SATORI_EINTR           4   /**< Interrupted; retry. */
#define SATORI_EIO             5   /**< I/O error reported by the device or host. */
#define SATORI_E2BIG           7   /**< Argument list too long (e.g. too many GPA ranges). */
#define SATORI_EBADF           9   /**< Bad handle. */
#define SATORI_EAGAIN          11  /**< Resource temporarily unavailable (ring full: wait for on_send_space). */
#define SATORI_ENOMEM          12  /**< Out of memory (host or guest memory). */
#define SATORI_EFAULT          14  /**< Bad address (buffer outside DMA memory). */
#define SATORI_EBUSY           16  /**< Device or resource busy. */
#define SATORI_EEXIST          17  /**< Already exists. */
#define SATORI_ENODEV          19  /**< No such device: rescinded or removed. */
#define SATORI_EINVAL          22  /**< Invalid argument. */
#define SATORI_ENOSPC          28  /**< No space left (e.g. out of relids, GPADL handles). */
#define SATORI_ERANGE          34  /**< Value out of range. */
#define SATORI_ENOSYS          38  /**< Function not implemented. */
#define SATORI_ENODATA         61  /**< No data available. */
#define SATORI_ETIME           62  /**< Timer expired. */
#define SATORI_EPROTO          71  /**< Protocol error: the other side broke the protocol. */
#define SATORI_EBADMSG         74  /**< Malformed message. */
#define SATORI_EOVERFLOW       75  /**< Value too large for the destination. */
#define SATORI_EMSGSIZE        90  /**< Message too long for the ring or the transport. */
#define SATORI_EPROTONOSUPPORT 93  /**< Protocol or ABI version not supported. */
#define SATORI_EOPNOTSUPP      95  /**< Operation not supported (older shim, optional feature). */
#define SATORI_ECONNRESET      104 /**< Connection reset (host restarted or went away). */
#define SATORI_ENOBUFS         105 /**< Buffer too small. */
#define SATORI_ESHUTDOWN       108 /**< Shutting down; no new work accepted. */
#define SATORI_ETIMEDOUT       110 /**< Timed out. */
#define SATORI_EMEDIUMTYPE     124 /**< Wrong medium type. */
#define SATORI_ECANCELED       125 /**< Operation canceled. */

#endif /* SATORI_ERRNO_H */
