/* SPDX-License-Identifier: GPL-2.0-only */
/* sock_events.c — eventfds bound to connection ids / event flags (BIND_EVENTFD records). */
#include "sock_internal.h"

#include <stdlib.h>
#include <unistd.h>

void xport_efd_init(struct xport_efd_table *t)
{
	pthread_mutex_init(&t->mu, NULL);
	t->items = NULL;
	t->count = t->cap = 0;
}

void xport_efd_close_all(struct xport_efd_table *t)
{
	for (uint32_t i = 0; i < t->count; i++)
		close(t->items[i].fd);
	free(t->items);
	t->items = NULL;
	t->count = t->cap = 0;
	pthread_mutex_destroy(&t->mu);
}

int xport_efd_find(struct xport_efd_table *t, uint32_t id, uint16_t *flag_number)
{
	int fd = -1;

	pthread_mutex_lock(&t->mu);
	for (uint32_t i = 0; i < t->count; i++) {
		if (t->items[i].id == id) {
			fd = t->items[i].fd;
			if (flag_number)
				*flag_number = t->items[i].flag_number;
			break;
		}
	}
	pthread_mutex_unlock(&t->mu);
	return fd;
}

int32_t xport_efd_add(struct xport_efd_table *t, uint32_t id, uint16_t flag_number, int fd)
{
	int32_t r = 0;

	pthread_mutex_lock(&t->mu);
	for (uint32_t i = 0; i < t->count; i++) {
		if (t->items[i].id == id) {
			close(t->items[i].fd);
			t->items[i].fd = fd;
			t->items[i].flag_number = flag_number;
			goto out;
		}
	}
	if (t->count >= XPORT_MAX_EVENTFDS) {
		r = -SATORI_ENOSPC;
		goto out;
	}
	if (t->count == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 16;
		struct xport_efd *n = realloc(t->items, cap * sizeof(*n));

		if (!n) {
			r = -SATORI_ENOMEM;
			goto out;
		}
		t->items = n;
		t->cap = cap;
	}
	t->items[t->count++] = (struct xport_efd){ .id = id, .flag_number = flag_number, .fd = fd };
out:
	pthread_mutex_unlock(&t->mu);
	return r;
}
