/* SPDX-License-Identifier: MIT */
/*
 * test_plugin_common.h — plain C test plugins for the loader tests, written against abi/
 * only (no SDK), each in a few lines. Classes are private test GUIDs the simulator offers
 * through a do-nothing device model.
 */
#ifndef SATORI_TEST_PLUGIN_COMMON_H
#define SATORI_TEST_PLUGIN_COMMON_H

#include <satori/satori.h>

/* 5a7f0000-0000-4000-8000-00000000000N */
#define TEST_CLASS(n) SATORI_GUID_INIT(0x5a7f0000, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, (n))

#define TEST_PLUGIN_EXPORT __attribute__((visibility("default")))

#endif
