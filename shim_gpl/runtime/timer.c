/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * timer.c — the satori.timer/1 service: one thread fires every timer of a shim, so
 * callbacks of one timer never overlap (nor do any two timers: the [timer] context).
 */
#include "shim.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct satori_timer {
	struct shim_timers *timers;
	struct shim_device *dev;
	satori_timer_fn fn;
	void *cookie;
	uint64_t due_ns;
	uint64_t period_ns;
	bool armed;
	struct satori_timer *next;
};

struct shim_timers {
	struct satori_shim *shim;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* list changed or stop */
	pthread_cond_t idle_cv; /* a callback returned */
	struct satori_timer *list;
	struct satori_timer *running;
	pthread_t thread;
	bool stop;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct satori_timer *earliest(struct shim_timers *tm)
{
	struct satori_timer *t, *best = NULL;

	for (t = tm->list; t; t = t->next)
		if (t->armed && (!best || t->due_ns < best->due_ns))
			best = t;
	return best;
}

static void *timer_main(void *arg)
{
	struct shim_timers *tm = arg;

	pthread_setname_np(pthread_self(), "satori-timer");
	pthread_mutex_lock(&tm->mu);
	while (!tm->stop) {
		struct satori_timer *t = earliest(tm);
		uint64_t now = now_ns();

		if (!t) {
			pthread_cond_wait(&tm->cv, &tm->mu);
			continue;
		}
		if (t->due_ns > now) {
			struct timespec ts = { .tv_sec = (time_t)(t->due_ns / 1000000000ull),
					       .tv_nsec = (long)(t->due_ns % 1000000000ull) };

			pthread_cond_timedwait(&tm->cv, &tm->mu, &ts);
			continue;
		}
		if (t->period_ns) {
			t->due_ns += t->period_ns;
			if (t->due_ns < now) /* fell behind: skip missed periods, no burst */
				t->due_ns = now + t->period_ns;
		} else {
			t->armed = false;
		}
		tm->running = t;
		pthread_mutex_unlock(&tm->mu);
		t->fn(t->cookie, t);
		pthread_mutex_lock(&tm->mu);
		tm->running = NULL;
		pthread_cond_broadcast(&tm->idle_cv);
	}
	pthread_mutex_unlock(&tm->mu);
	return NULL;
}

int32_t timers_create(struct satori_shim *shim)
{
	struct shim_timers *tm = calloc(1, sizeof(*tm));
	pthread_condattr_t attr;

	if (!tm)
		return -SATORI_ENOMEM;
	tm->shim = shim;
	pthread_mutex_init(&tm->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&tm->cv, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&tm->idle_cv, NULL);
	if (pthread_create(&tm->thread, NULL, timer_main, tm) != 0) {
		free(tm);
		return -SATORI_ENOMEM;
	}
	shim->timers = tm;
	return 0;
}

void timers_destroy(struct satori_shim *shim)
{
	struct shim_timers *tm = shim->timers;

	if (!tm)
		return;
	pthread_mutex_lock(&tm->mu);
	tm->stop = true;
	pthread_cond_broadcast(&tm->cv);
	pthread_mutex_unlock(&tm->mu);
	pthread_join(tm->thread, NULL);
	while (tm->list) {
		struct satori_timer *t = tm->list;

		tm->list = t->next;
		free(t);
	}
	pthread_cond_destroy(&tm->cv);
	pthread_cond_destroy(&tm->idle_cv);
	pthread_mutex_destroy(&tm->mu);
	free(tm);
	shim->timers = NULL;
}

static int32_t t_create(const struct satori_timer_service *svc, struct satori_device *dev,
			satori_timer_fn fn, void *cookie, struct satori_timer **out)
{
	struct satori_shim *shim = ((const struct shim_timer_service *)(const void *)svc)->shim;
	struct shim_timers *tm = shim->timers;
	struct satori_timer *t;

	if (!fn || !out || !tm)
		return -SATORI_EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -SATORI_ENOMEM;
	t->timers = tm;
	t->dev = (struct shim_device *)dev;
	t->fn = fn;
	t->cookie = cookie;
	pthread_mutex_lock(&tm->mu);
	t->next = tm->list;
	tm->list = t;
	pthread_mutex_unlock(&tm->mu);
	*out = t;
	return 0;
}

static int32_t t_arm(struct satori_timer *t, uint64_t delay_ns, uint64_t period_ns)
{
	struct shim_timers *tm;

	if (!t)
		return -SATORI_EINVAL;
	tm = t->timers;
	pthread_mutex_lock(&tm->mu);
	t->due_ns = now_ns() + delay_ns;
	t->period_ns = period_ns;
	t->armed = true;
	pthread_cond_broadcast(&tm->cv);
	pthread_mutex_unlock(&tm->mu);
	return 0;
}

/* with tm->mu held */
static void cancel_locked(struct shim_timers *tm, struct satori_timer *t)
{
	t->armed = false;
	if (pthread_equal(pthread_self(), tm->thread))
		return; /* from a timer callback: the caller is the running one or none is */
	while (tm->running == t)
		pthread_cond_wait(&tm->idle_cv, &tm->mu);
}

static void t_cancel(struct satori_timer *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->timers->mu);
	cancel_locked(t->timers, t);
	pthread_mutex_unlock(&t->timers->mu);
}

static void unlink_locked(struct shim_timers *tm, struct satori_timer *t)
{
	struct satori_timer **pp;

	for (pp = &tm->list; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			return;
		}
	}
}

static void t_destroy(struct satori_timer *t)
{
	struct shim_timers *tm;

	if (!t)
		return;
	tm = t->timers;
	pthread_mutex_lock(&tm->mu);
	cancel_locked(tm, t);
	unlink_locked(tm, t);
	pthread_mutex_unlock(&tm->mu);
	free(t);
}

void timers_release_device(struct satori_shim *shim, struct shim_device *dev)
{
	struct shim_timers *tm = shim->timers;
	struct satori_timer *t;
	uint32_t left = 0;

	if (!tm)
		return;
	for (;;) {
		pthread_mutex_lock(&tm->mu);
		for (t = tm->list; t && t->dev != dev; t = t->next)
			;
		if (t) {
			cancel_locked(tm, t);
			unlink_locked(tm, t);
		}
		pthread_mutex_unlock(&tm->mu);
		if (!t)
			break;
		free(t);
		left++;
	}
	if (left)
		shim_log(shim, SATORI_LOG_WARN, "%s left %u timers; destroyed them",
			 dev->plugin ? dev->plugin->name : "a plugin", left);
}

void timers_init_service(struct shim_timer_service *svc, struct satori_shim *shim)
{
	svc->tbl.struct_size = sizeof(struct satori_timer_service);
	svc->tbl.create = t_create;
	svc->tbl.arm = t_arm;
	svc->tbl.cancel = t_cancel;
	svc->tbl.destroy = t_destroy;
	svc->shim = shim;
}
