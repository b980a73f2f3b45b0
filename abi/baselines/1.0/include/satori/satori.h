/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file satori.h
 * @brief Everything a plugin needs: includes every plugin-facing header.
 */
#ifndef SATORI_SATORI_H
#define SATORI_SATORI_H

#include <satori/version.h>
#include <satori/errno.h>
#include <satori/log.h>
#include <satori/guid.h>
#include <satori/host.h>
#include <satori/plugin.h>
#include <satori/dma.h>
#include <satori/gpadl.h>
#include <satori/channel.h>
#include <satori/bus.h>
#include <satori/timer.h>
#include <satori/test_service.h>
#include <satori/blk.h>
#include <satori/net.h>
#include <satori/hid.h>

#endif /* SATORI_SATORI_H */
