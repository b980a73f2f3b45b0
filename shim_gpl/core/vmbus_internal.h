/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmbus_internal.h — connection internals shared by vmbus_conn.c, vmbus_gpadl.c and
 * channel*.c. Not for use outside core/.
 */
#ifndef SATORI_CORE_VMBUS_INTERNAL_H
#define SATORI_CORE_VMBUS_INTERNAL_H

#include "vmbus.h"
#include "vmbus_proto.h"

#define VMBUS_MATCH_ANY 0xffffffffu

/* A thread waiting for one host answer, matched by type, relid and key. */
struct vmbus_waiter {
	struct vmbus_waiter *next;
	uint32_t msgtype;
	uint32_t relid;  /* VMBUS_MATCH_ANY = not matched */
	uint32_t key;    /* openid or gpadl handle; VMBUS_MATCH_ANY = not matched */
	int32_t result;  /* 0 answered; -SATORI_ENODEV rescinded; -SATORI_ECONNRESET host gone */
	bool done;
	uint32_t len;
	uint8_t msg[VMBUS_MSG_MAX];
	struct os_completion *comp;
};

struct vmbus_conn {
	const struct os_ops *os;
	const struct hv_adapter *hv;
	struct vmbus_conn_events ev;
	uint32_t max_version;
	uint64_t timeout_ns;

	struct os_lock *lock; /* offers, waiters, channel pointers, state below */
	uint32_t version;     /* negotiated; 0 = not connected */
	uint32_t msg_conn_id; /* connection id for control messages */
	bool host_gone;
	struct vmbus_offer *offers[VMBUS_MAX_RELID];
	struct vmbus_waiter *waiters;
	uint32_t next_gpadl;

	/* guest pages given to the host at INITIATE_CONTACT */
	void *pages_handle;
	uint8_t *int_page;   /* interrupt page: host->guest half, then guest->host half */
	uint8_t *monitor[2]; /* parent->child, child->parent */
	uint64_t page_pfns[3];
	struct os_completion *backoff; /* never completed: a sleep for retry backoff */
};

#define VMBUS_INT_PAGE_HALF 2048u

int32_t conn_post(struct vmbus_conn *c, const void *msg, uint32_t size);
int32_t conn_waiter_init(struct vmbus_conn *c, struct vmbus_waiter *w, uint32_t msgtype,
			 uint32_t relid, uint32_t key);
void conn_waiter_add(struct vmbus_conn *c, struct vmbus_waiter *w);
/* Waits, removes the waiter and frees its completion. 0 or negative. */
int32_t conn_waiter_wait(struct vmbus_conn *c, struct vmbus_waiter *w, const char *what);
/* For a waiter that was added but whose request could not be posted. */
void conn_waiter_cancel(struct vmbus_conn *c, struct vmbus_waiter *w);
void conn_fail_waiters(struct vmbus_conn *c, uint32_t relid, int32_t reason);
/* Signals the host for channel @o (interrupt page bit when needed, then the hypercall). */
void conn_signal_host(struct vmbus_conn *c, const struct vmbus_offer *o);
const char *vmbus_msgtype_name(uint32_t type);

#endif /* SATORI_CORE_VMBUS_INTERNAL_H */
