/* SPDX-License-Identifier: GPL-2.0-only */
/* strerror.c — text for SATORI_E* values; shared by satori_host::strerror and the C API. */
#include "shim.h"

const char *shim_strerror(int32_t err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case SATORI_OK: return "success";
	case SATORI_EPERM: return "operation not permitted";
	case SATORI_ENOENT: return "no such object";
	case SATORI_EINTR: return "interrupted";
	case SATORI_EIO: return "I/O error";
	case SATORI_E2BIG: return "argument too big";
	case SATORI_EBADF: return "bad handle";
	case SATORI_EAGAIN: return "resource temporarily unavailable";
	case SATORI_ENOMEM: return "out of memory";
	case SATORI_EFAULT: return "bad address";
	case SATORI_EBUSY: return "busy";
	case SATORI_EEXIST: return "already exists";
	case SATORI_ENODEV: return "no such device (rescinded or removed)";
	case SATORI_EINVAL: return "invalid argument";
	case SATORI_ENOSPC: return "no space left";
	case SATORI_ERANGE: return "value out of range";
	case SATORI_ENOSYS: return "not implemented";
	case SATORI_ENODATA: return "no data";
	case SATORI_ETIME: return "timer expired";
	case SATORI_EPROTO: return "protocol error";
	case SATORI_EBADMSG: return "malformed message";
	case SATORI_EOVERFLOW: return "value too large";
	case SATORI_EMSGSIZE: return "message too long";
	case SATORI_EPROTONOSUPPORT: return "version not supported";
	case SATORI_EOPNOTSUPP: return "operation not supported";
	case SATORI_ECONNRESET: return "connection reset (host went away)";
	case SATORI_ENOBUFS: return "buffer too small";
	case SATORI_ESHUTDOWN: return "shutting down";
	case SATORI_ETIMEDOUT: return "timed out";
	case SATORI_ECANCELED: return "canceled";
	case SATORI_EMEDIUMTYPE: return "wrong medium type";
	default: return "unknown error";
	}
}
