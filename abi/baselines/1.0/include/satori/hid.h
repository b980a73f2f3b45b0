/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file hid.h
 * @brief The HID service, `satori.hid/1`: a plugin registers HID devices; the shim gives
 *        them to the OS input stack (uhid) or to an event stream anyone can read.
 *
 * The HID layer lives in the shim, so an input plugin only forwards the report descriptor
 * and the reports its host sends: it needs nothing GPL-only. The shim delivers input
 * reports only while a consumer has the device open and keeps the last report, so a
 * consumer that opens later sees the current state.
 */
#ifndef SATORI_HID_H
#define SATORI_HID_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_device;
struct satori_hiddev;

/** Service id for satori_host::get_service. */
#define SATORI_SERVICE_HID "satori.hid/1"

/** Bus type of a virtual device (Linux BUS_VIRTUAL). */
#define SATORI_HID_BUS_VIRTUAL 0x06u
/** Largest report descriptor (Linux HID_MAX_DESCRIPTOR_SIZE). */
#define SATORI_HID_MAX_DESCRIPTOR 4096u
/** Largest report (Linux UHID_DATA_MAX). */
#define SATORI_HID_MAX_REPORT 4096u

/** @name Report types
 * @{ */
#define SATORI_HID_REPORT_INPUT   0u /**< Device to consumer. */
#define SATORI_HID_REPORT_OUTPUT  1u /**< Consumer to device (e.g. keyboard LEDs). */
#define SATORI_HID_REPORT_FEATURE 2u /**< Configuration, both ways. */
/** @} */

/** What the plugin implements for each HID device. Every member may be NULL. */
struct satori_hid_device_ops {
    uint32_t struct_size; /**< sizeof(*this) as the plugin was built. */
    uint32_t reserved;    /**< Must be 0. */
    /**
     * A consumer opened (@p open = 1) or closed the last handle of the device (uhid
     * UHID_OPEN/UHID_CLOSE, or the first/last event-stream client).
     * @context [service]: a thread of the shim's HID back ends; callbacks of one device never
     *          run concurrently. Must not call remove_hiddev for this device.
     */
    void (*on_open)(void *cookie, struct satori_hiddev *hd, uint32_t open);
    /**
     * The consumer sets a report: @p type SATORI_HID_REPORT_OUTPUT or _FEATURE, @p report_id
     * (0 when the descriptor has no report ids), @p data without the id byte.
     * @return 0 or a negative SATORI_E* (the uhid back end answers UHID_SET_REPORT with EIO).
     * @context [service] Must not block; must not call remove_hiddev for this device.
     */
    int32_t (*set_report)(void *cookie, struct satori_hiddev *hd, uint32_t type,
                          uint32_t report_id, const uint8_t *data, uint32_t len);
};

/** Parameters for satori_hid_service::add_hiddev. Zero-fill, then set struct_size. */
struct satori_hiddev_params {
    uint32_t struct_size;        /**< sizeof(*this) as the plugin was built. */
    uint32_t bus;                /**< SATORI_HID_BUS_VIRTUAL. */
    uint32_t vendor;             /**< USB-style vendor id (16 bits used). */
    uint32_t product;            /**< Product id (16 bits used). */
    uint32_t version;            /**< Device version. */
    uint32_t country;            /**< HID country code, 0 = none. */
    const char *name;            /**< Device name shown to users, e.g. "Microsoft Vmbus HID-compliant Mouse". */
    const char *short_name;      /**< Stream name wish ("mouse", "kbd"): [a-z0-9_], at most 16 kept; the shim appends the first free index ("mouse0"). May be NULL ("hid"). */
    const uint8_t *report_descriptor; /**< As the host sent it; copied by add_hiddev. */
    uint32_t report_descriptor_len;   /**< 1..SATORI_HID_MAX_DESCRIPTOR. */
    uint32_t reserved;           /**< 0. */
    void *cookie;                /**< Handed back to the ops. */
    const struct satori_hid_device_ops *ops; /**< May be NULL; valid until remove_hiddev returns. */
};

/** The HID service table. */
struct satori_hid_service {
    uint32_t struct_size; /**< sizeof(*this) as the shim was built. */
    uint32_t reserved;    /**< 0. */

    /**
     * Registers a HID device. The shim parses the report descriptor and refuses one it
     * cannot parse (-SATORI_EINVAL, logged with the reason).
     * @context [probe] or [channel]
     */
    int32_t (*add_hiddev)(const struct satori_hid_service *svc, struct satori_device *dev,
                          const struct satori_hiddev_params *params, struct satori_hiddev **out);

    /**
     * An input report from the device (with its report-id byte first when the descriptor
     * uses report ids). Delivered if a consumer is listening; kept as the last state.
     * @return 0, or -SATORI_EINVAL (empty, too long, a report id the descriptor does not
     *         declare), -SATORI_ENODEV (being removed).
     * @context [any]
     */
    int32_t (*input_report)(struct satori_hiddev *hd, const uint8_t *data, uint32_t len);

    /**
     * Removes the device from the consumers (uhid UHID_DESTROY, a "removed" stream line); waits
     * for its callbacks in progress; the handle is invalid afterwards. Devices a plugin leaves
     * registered are removed with the satori_device.
     * @context [probe] or [channel], never from the device's own callbacks.
     */
    void (*remove_hiddev)(struct satori_hiddev *hd);
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_HID_H */
