/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvlink_backend.c — the in-process back end: core's hypercall adapter over a
 * satori_hvlink_host (the simulator or any embedder's host), and the guest side of the
 * link. Host messages are copied and queued to the message thread in arrival order;
 * event flags go straight to core, which only wakes channel threads.
 */
#include "runtime/shim.h"

#include <stdlib.h>
#include <string.h>

struct queued_msg {
	struct satori_shim *shim;
	uint32_t size;
	uint8_t data[SATORI_HV_MESSAGE_PAYLOAD_MAX];
};

static uint32_t hv_post_message(void *ctx, uint32_t connection_id, uint32_t message_type,
				const void *payload, uint32_t payload_size)
{
	struct satori_shim *shim = ctx;

	return shim->hvlink->post_message(shim->hvlink->host, connection_id, message_type, payload,
					  payload_size);
}

static uint32_t hv_signal_event(void *ctx, uint32_t connection_id, uint16_t flag_number)
{
	struct satori_shim *shim = ctx;

	return shim->hvlink->signal_event(shim->hvlink->host, connection_id, flag_number);
}

static void run_message(void *arg)
{
	struct queued_msg *m = arg;

	vmbus_conn_on_message(m->shim->conn, m->data, m->size);
	free(m);
}

static void guest_deliver_message(void *guest, uint32_t vp, uint32_t sint, uint32_t message_type,
				  const void *payload, uint32_t payload_size)
{
	struct satori_shim *shim = guest;
	struct queued_msg *m;

	(void)vp;
	if (sint != SATORI_HV_VMBUS_SINT || message_type != 1u) {
		shim_log(shim, SATORI_LOG_WARN, "hvlink: dropped message type %u on SINT %u",
			 message_type, sint);
		return;
	}
	if (payload_size > SATORI_HV_MESSAGE_PAYLOAD_MAX || !payload) {
		shim_log(shim, SATORI_LOG_WARN, "hvlink: dropped message of %u bytes (max %u)",
			 payload_size, SATORI_HV_MESSAGE_PAYLOAD_MAX);
		return;
	}
	m = malloc(sizeof(*m));
	if (!m) {
		shim_log(shim, SATORI_LOG_ERROR, "hvlink: out of memory; host message lost");
		return;
	}
	m->shim = shim;
	m->size = payload_size;
	memcpy(m->data, payload, payload_size);
	if (workq_push(shim->msgq, run_message, m) < 0)
		free(m);
}

static void guest_signal_event(void *guest, uint32_t vp, uint32_t sint, uint32_t flag)
{
	struct satori_shim *shim = guest;

	(void)vp;
	if (sint != SATORI_HV_VMBUS_SINT)
		return;
	vmbus_conn_on_event(shim->conn, flag);
}

int32_t hvlink_backend_attach(struct satori_shim *shim, const struct satori_hvlink_host *host)
{
	if (!host || host->struct_size < sizeof(struct satori_hvlink_host) || !host->connect ||
	    !host->post_message || !host->signal_event || !host->disconnect)
		return -SATORI_EINVAL;
	if (host->version != SATORI_HVLINK_VERSION)
		return -SATORI_EPROTONOSUPPORT;
	shim->hvlink = host;
	shim->hv.ctx = shim;
	shim->hv.post_message = hv_post_message;
	shim->hv.signal_event = hv_signal_event;
	shim->hvlink_guest.struct_size = sizeof(shim->hvlink_guest);
	shim->hvlink_guest.version = SATORI_HVLINK_VERSION;
	shim->hvlink_guest.guest = shim;
	shim->hvlink_guest.deliver_message = guest_deliver_message;
	shim->hvlink_guest.signal_event = guest_signal_event;
	return 0;
}

int32_t hvlink_backend_connect(struct satori_shim *shim)
{
	int32_t r;

	r = shim->hvlink->connect(shim->hvlink->host, &shim->hvlink_guest, gmem_fd(shim->gmem),
				  gmem_size(shim->gmem));
	if (r == 0)
		shim->hvlink_connected = true;
	return r;
}

void hvlink_backend_disconnect(struct satori_shim *shim)
{
	if (!shim->hvlink_connected)
		return;
	shim->hvlink->disconnect(shim->hvlink->host);
	shim->hvlink_connected = false;
}
