/* SPDX-License-Identifier: GPL-2.0-only */
/* os_user.c — core/'s os_ops in user space: libc heap, pthreads, CLOCK_MONOTONIC, gmem. */
#include "shim.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct os_lock {
	pthread_mutex_t mu;
};

struct os_completion {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
};

static void *u_zalloc(void *ctx, size_t bytes)
{
	(void)ctx;
	return calloc(1, bytes ? bytes : 1);
}

static void u_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static struct os_lock *u_lock_create(void *ctx)
{
	struct os_lock *l = malloc(sizeof(*l));

	(void)ctx;
	if (l)
		pthread_mutex_init(&l->mu, NULL);
	return l;
}

static void u_lock_destroy(void *ctx, struct os_lock *l)
{
	(void)ctx;
	if (!l)
		return;
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static void u_lock(struct os_lock *l)
{
	pthread_mutex_lock(&l->mu);
}

static void u_unlock(struct os_lock *l)
{
	pthread_mutex_unlock(&l->mu);
}

static struct os_completion *u_completion_create(void *ctx)
{
	struct os_completion *c = calloc(1, sizeof(*c));
	pthread_condattr_t attr;

	(void)ctx;
	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &attr);
	pthread_condattr_destroy(&attr);
	return c;
}

static void u_completion_destroy(void *ctx, struct os_completion *c)
{
	(void)ctx;
	if (!c)
		return;
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void u_completion_reset(struct os_completion *c)
{
	pthread_mutex_lock(&c->mu);
	c->done = false;
	pthread_mutex_unlock(&c->mu);
}

static void u_complete(struct os_completion *c)
{
	pthread_mutex_lock(&c->mu);
	c->done = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

static int32_t u_completion_wait(struct os_completion *c, uint64_t timeout_ns)
{
	struct timespec deadline;
	int32_t r = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)(timeout_ns / 1000000000ull);
	deadline.tv_nsec += (long)(timeout_ns % 1000000000ull);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->mu);
	while (!c->done) {
		if (timeout_ns == 0) {
			pthread_cond_wait(&c->cv, &c->mu);
		} else if (pthread_cond_timedwait(&c->cv, &c->mu, &deadline) == ETIMEDOUT) {
			r = c->done ? 0 : -SATORI_ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&c->mu);
	return r;
}

static uint64_t u_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void u_vlog(void *ctx, uint32_t level, const char *fmt, va_list ap)
{
	shim_vlog(ctx, level, fmt, ap);
}

static int32_t u_gmem_alloc(void *ctx, uint32_t pages, uint32_t flags, void **va, uint64_t *pfns,
			    void **handle)
{
	struct satori_shim *shim = ctx;

	(void)flags; /* gmem runs are always contiguous */
	if (!shim->gmem)
		return -SATORI_ENODEV;
	return gmem_alloc(shim->gmem, pages, va, pfns, handle);
}

static void u_gmem_free(void *ctx, void *handle)
{
	struct satori_shim *shim = ctx;

	if (shim->gmem)
		gmem_free(shim->gmem, handle);
}

void shim_os_init(struct satori_shim *shim, struct os_ops *os)
{
	os->ctx = shim;
	os->zalloc = u_zalloc;
	os->free = u_free;
	os->lock_create = u_lock_create;
	os->lock_destroy = u_lock_destroy;
	os->lock = u_lock;
	os->unlock = u_unlock;
	os->completion_create = u_completion_create;
	os->completion_destroy = u_completion_destroy;
	os->completion_reset = u_completion_reset;
	os->complete = u_complete;
	os->completion_wait = u_completion_wait;
	os->now_ns = u_now_ns;
	os->vlog = u_vlog;
	os->gmem_alloc = u_gmem_alloc;
	os->gmem_free = u_gmem_free;
}
