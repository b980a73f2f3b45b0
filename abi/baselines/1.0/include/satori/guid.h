/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file guid.h
 * @brief GUIDs as they travel on VMBus, and the device classes Satori knows.
 *
 * Bytes are in the Microsoft mixed-endian wire order: the first three groups
 * little-endian, the last eight bytes in string order. `SATORI_GUID_INIT` takes
 * the canonical string's groups and lays them out that way.
 */
#ifndef SATORI_GUID_H
#define SATORI_GUID_H

#include <stdint.h>

/** A 16-byte GUID in VMBus wire order. */
struct satori_guid {
    uint8_t b[16]; /**< Wire bytes: data1 LE u32, data2 LE u16, data3 LE u16, data4[8]. */
};

/** Builds a `struct satori_guid` initializer from the canonical groups a-b-c-d-e. */
#define SATORI_GUID_INIT(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                   \
    {                                                                                              \
        {(uint8_t)((a) & 0xff), (uint8_t)(((a) >> 8) & 0xff), (uint8_t)(((a) >> 16) & 0xff),        \
         (uint8_t)(((a) >> 24) & 0xff), (uint8_t)((b) & 0xff), (uint8_t)(((b) >> 8) & 0xff),       \
         (uint8_t)((c) & 0xff), (uint8_t)(((c) >> 8) & 0xff), (d0), (d1), (d2), (d3), (d4), (d5),   \
         (d6), (d7)}                                                                               \
    }

/** Heartbeat integration component, 57164f39-9115-4e78-ab55-382f3bd5422d. */
#define SATORI_GUID_HEARTBEAT                                                                      \
    SATORI_GUID_INIT(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, 0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
/** Synthetic SCSI controller, ba6163d9-04a1-4d29-b605-72e2ffb1dc7f. */
#define SATORI_GUID_SCSI                                                                           \
    SATORI_GUID_INIT(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)
/** IDE accelerator (storage protocol, one disk), 32412632-86cb-44a2-9b5c-50d1417354f5. */
#define SATORI_GUID_IDE                                                                            \
    SATORI_GUID_INIT(0x32412632, 0x86cb, 0x44a2, 0x9b, 0x5c, 0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5)
/** Synthetic network adapter, f8615163-df3e-46c5-913f-f2d2f965ed0e. */
#define SATORI_GUID_NIC                                                                            \
    SATORI_GUID_INIT(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e)
/** Synthetic HID mouse, cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a. */
#define SATORI_GUID_MOUSE                                                                          \
    SATORI_GUID_INIT(0xcfa8b69e, 0x5b4a, 0x4cc0, 0xb9, 0x8b, 0x8b, 0xa1, 0xa1, 0xf3, 0xf9, 0x5a)
/** Synthetic keyboard, f912ad6d-2b17-48ea-bd65-f927a61c7684. */
#define SATORI_GUID_KEYBOARD                                                                       \
    SATORI_GUID_INIT(0xf912ad6d, 0x2b17, 0x48ea, 0xbd, 0x65, 0xf9, 0x27, 0xa6, 0x1c, 0x76, 0x84)

#endif /* SATORI_GUID_H */
