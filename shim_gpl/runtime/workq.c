/* SPDX-License-Identifier: GPL-2.0-only */
/* workq.c — a FIFO of work items run one at a time by a dedicated thread. */
#include "shim.h"

#include <stdlib.h>
#include <string.h>

struct work_item {
	work_fn fn;
	void *arg;
	struct work_item *next;
};

struct workq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct work_item *head, *tail;
	bool stop;
	uint64_t pushed, done;
	pthread_t thread;
	char name[16];
};

static void *workq_main(void *arg)
{
	struct workq *q = arg;

	pthread_setname_np(pthread_self(), q->name);
	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct work_item *w = q->head;

		if (!w) {
			if (q->stop)
				break;
			pthread_cond_wait(&q->cv, &q->mu);
			continue;
		}
		q->head = w->next;
		if (!q->head)
			q->tail = NULL;
		pthread_mutex_unlock(&q->mu);
		w->fn(w->arg);
		free(w);
		pthread_mutex_lock(&q->mu);
		q->done++;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int32_t workq_create(const char *name, struct workq **out)
{
	struct workq *q = calloc(1, sizeof(*q));

	if (!q)
		return -SATORI_ENOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	strncpy(q->name, name, sizeof(q->name) - 1);
	if (pthread_create(&q->thread, NULL, workq_main, q) != 0) {
		free(q);
		return -SATORI_ENOMEM;
	}
	*out = q;
	return 0;
}

void workq_destroy(struct workq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int32_t workq_push(struct workq *q, work_fn fn, void *arg)
{
	struct work_item *w = malloc(sizeof(*w));

	if (!w)
		return -SATORI_ENOMEM;
	w->fn = fn;
	w->arg = arg;
	w->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = w;
	else
		q->head = w;
	q->tail = w;
	q->pushed++;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

void workq_flush(struct workq *q)
{
	uint64_t target;

	pthread_mutex_lock(&q->mu);
	target = q->pushed;
	while (q->done < target)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

bool workq_is_current(const struct workq *q)
{
	return pthread_equal(pthread_self(), q->thread);
}
