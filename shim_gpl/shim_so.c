/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libsatori_shim.so is satori_shim_static linked whole; its exports are the
 * SATORI_SHIM_API functions of satori/embed.h, limited by abi/satori.map.
 */
