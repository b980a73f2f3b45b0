/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hid_keynames.c — Keyboard/Keypad page usages (HID Usage Tables §10) by the names of the
 * Linux input event codes they become (include/uapi/linux/input-event-codes.h), so event
 * stream consumers see the names evdev tools print.
 */
#include "hid_internal.h"

#include <stddef.h>

static const char *const names_04_65[] = {
	"KEY_A", "KEY_B", "KEY_C", "KEY_D", "KEY_E", "KEY_F", "KEY_G", "KEY_H", "KEY_I", "KEY_J",
	"KEY_K", "KEY_L", "KEY_M", "KEY_N", "KEY_O", "KEY_P", "KEY_Q", "KEY_R", "KEY_S", "KEY_T",
	"KEY_U", "KEY_V", "KEY_W", "KEY_X", "KEY_Y", "KEY_Z",                   /* 0x04-0x1d */
	"KEY_1", "KEY_2", "KEY_3", "KEY_4", "KEY_5", "KEY_6", "KEY_7", "KEY_8", "KEY_9",
	"KEY_0",                                                                /* 0x1e-0x27 */
	"KEY_ENTER", "KEY_ESC", "KEY_BACKSPACE", "KEY_TAB", "KEY_SPACE", "KEY_MINUS",
	"KEY_EQUAL", "KEY_LEFTBRACE", "KEY_RIGHTBRACE", "KEY_BACKSLASH",
	"KEY_BACKSLASH", /* 0x32 non-US # */
	"KEY_SEMICOLON", "KEY_APOSTROPHE", "KEY_GRAVE", "KEY_COMMA", "KEY_DOT", "KEY_SLASH",
	"KEY_CAPSLOCK",                                                         /* 0x28-0x39 */
	"KEY_F1", "KEY_F2", "KEY_F3", "KEY_F4", "KEY_F5", "KEY_F6", "KEY_F7", "KEY_F8", "KEY_F9",
	"KEY_F10", "KEY_F11", "KEY_F12",                                        /* 0x3a-0x45 */
	"KEY_SYSRQ", "KEY_SCROLLLOCK", "KEY_PAUSE", "KEY_INSERT", "KEY_HOME", "KEY_PAGEUP",
	"KEY_DELETE", "KEY_END", "KEY_PAGEDOWN", "KEY_RIGHT", "KEY_LEFT", "KEY_DOWN", "KEY_UP",
	"KEY_NUMLOCK", "KEY_KPSLASH", "KEY_KPASTERISK", "KEY_KPMINUS", "KEY_KPPLUS",
	"KEY_KPENTER",                                                          /* 0x46-0x58 */
	"KEY_KP1", "KEY_KP2", "KEY_KP3", "KEY_KP4", "KEY_KP5", "KEY_KP6", "KEY_KP7", "KEY_KP8",
	"KEY_KP9", "KEY_KP0", "KEY_KPDOT",                                      /* 0x59-0x63 */
	"KEY_102ND", "KEY_COMPOSE",                                             /* 0x64-0x65 */
};

static const char *const names_e0_e7[] = {
	"KEY_LEFTCTRL",  "KEY_LEFTSHIFT",  "KEY_LEFTALT",  "KEY_LEFTMETA",
	"KEY_RIGHTCTRL", "KEY_RIGHTSHIFT", "KEY_RIGHTALT", "KEY_RIGHTMETA",
};

const char *hid_key_name(uint32_t usage)
{
	if (usage >= 0x04 && usage <= 0x65)
		return names_04_65[usage - 0x04];
	if (usage >= 0xe0 && usage <= 0xe7)
		return names_e0_e7[usage - 0xe0];
	return NULL;
}
