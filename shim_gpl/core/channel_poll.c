/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * channel_poll.c — the receive path of a channel, run in its channel context: drain the
 * host->guest ring with interrupts masked, validate and copy out each packet, match
 * completions to requests in flight, hand packets to the plugin, then tell the host
 * about freed space and report freed outbound space to the plugin.
 *
 * A host that breaks the protocol (bad indices, lengths, types, unknown completion ids,
 * packets above the plugin's limit) gets one log line and a dead channel: the plugin's
 * on_closed runs with -SATORI_EPROTO and nothing else is delivered.
 */
#include "channel.h"

#include <satori/errno.h>
#include <satori/log.h>
#include "channel_internal.h"

static void notify_closed(struct vmbus_channel *ch)
{
	int32_t reason;

	if (ch->closed_notified)
		return;
	ch->closed_notified = true;
	ch->os->lock(ch->lock);
	reason = ch->fail_reason ? ch->fail_reason : -SATORI_ENODEV;
	ch->os->unlock(ch->lock);
	if (ch->cb->on_closed)
		ch->cb->on_closed(ch->cookie, (struct satori_channel *)ch, reason);
}

static void protocol_error(struct vmbus_channel *ch, const char *why, unsigned long long detail)
{
	os_log(ch->os, SATORI_LOG_ERROR, "vmbus: relid %u: host protocol error: %s (%llu); channel closed",
	       ch->offer->relid, why, detail);
	vmbus_channel_fail(ch, -SATORI_EPROTO);
	notify_closed(ch);
}

static bool is_open(struct vmbus_channel *ch)
{
	bool open;

	ch->os->lock(ch->lock);
	open = ch->state == VMBUS_CHANNEL_OPEN;
	ch->os->unlock(ch->lock);
	return open;
}

/* Returns false when the channel died. */
static bool deliver(struct vmbus_channel *ch, uint32_t len)
{
	struct satori_packet pkt;
	const char *why;
	int32_t r;

	r = vmbus_packet_parse(ch->rxbuf, len, &pkt, &why);
	if (r < 0) {
		protocol_error(ch, why, len);
		return false;
	}
	if (pkt.type == SATORI_PKT_COMP) {
		uint64_t wire = pkt.trans_id;

		ch->os->lock(ch->lock);
		r = requestor_put(&ch->req, wire, &pkt.trans_id);
		ch->os->unlock(ch->lock);
		if (r < 0) {
			protocol_error(ch, "completion for a transaction id not in flight", wire);
			return false;
		}
	}
	ch->cb->on_packet(ch->cookie, (struct satori_channel *)ch, &pkt);
	ch->os->lock(ch->lock);
	ch->received++;
	ch->os->unlock(ch->lock);
	return true;
}

static void check_send_space(struct vmbus_channel *ch)
{
	bool ready = false;

	ch->os->lock(ch->lock);
	if (ch->want_space && ch->state == VMBUS_CHANNEL_OPEN &&
	    ring_can_write(&ch->out, ch->want_bytes)) {
		ch->want_space = false;
		ring_set_pending_send(&ch->out, 0);
		ready = true;
	}
	ch->os->unlock(ch->lock);
	if (ready && ch->cb->on_send_space)
		ch->cb->on_send_space(ch->cookie, (struct satori_channel *)ch);
}

void vmbus_channel_poll(struct vmbus_channel *ch)
{
	uint32_t len;
	int32_t r;

	ch->os->lock(ch->lock);
	ch->interrupts++;
	ch->os->unlock(ch->lock);
	if (!is_open(ch)) {
		notify_closed(ch);
		return;
	}
	for (;;) {
		ring_read_mask(&ch->in);
		while ((r = ring_read(&ch->in, ch->rxbuf, ch->rxcap, &len)) == 0) {
			if (!deliver(ch, len))
				return;
			if (!is_open(ch)) {
				notify_closed(ch);
				return;
			}
		}
		if (r == -SATORI_ENOBUFS) {
			protocol_error(ch, "packet larger than the channel's max_packet_bytes", len);
			return;
		}
		if (r == -SATORI_EPROTO) {
			protocol_error(ch, "corrupt inbound ring index or packet length", 0);
			return;
		}
		if (ring_read_commit(&ch->in)) {
			ch->os->lock(ch->lock);
			ch->signals++;
			ch->os->unlock(ch->lock);
			conn_signal_host(ch->conn, ch->offer);
		}
		if (!ring_read_unmask(&ch->in))
			break;
	}
	check_send_space(ch);
}
