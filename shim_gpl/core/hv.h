/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv.h — the Satori hypercall adapter: how core/ reaches the hypervisor.
 *
 * Guest->host: post_message (HvCallPostMessage) and signal_event (HvCallSignalEvent).
 * Host->guest arrives as calls into core/: vmbus_conn_on_message() for SynIC messages
 * and vmbus_conn_on_event() for event flags. Back ends (in-process simulator, socket,
 * uio, kernel) each fill one struct hv_adapter.
 */
#ifndef SATORI_CORE_HV_H
#define SATORI_CORE_HV_H

#include <stdint.h>
#include "compiler.h"

CORE_BEGIN_DECLS

struct hv_adapter {
	void *ctx;
	/* returns a SATORI_HV_STATUS_* code (satori/hvlink.h) */
	uint32_t (*post_message)(void *ctx, uint32_t connection_id, uint32_t message_type,
				 const void *payload, uint32_t payload_size);
	uint32_t (*signal_event)(void *ctx, uint32_t connection_id, uint16_t flag_number);
};

CORE_END_DECLS

#endif /* SATORI_CORE_HV_H */
