/* SPDX-License-Identifier: (GPL-2.0-only WITH Linux-syscall-note) OR MIT */
/**
 * @file timer.h
 * @brief The timer service, `satori.timer/1`: one-shot and periodic timers.
 */
#ifndef SATORI_TIMER_H
#define SATORI_TIMER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct satori_device;
struct satori_timer;

/** Service id for satori_host::get_service. */
#define SATORI_SERVICE_TIMER "satori.timer/1"

/**
 * Called when a timer expires.
 * @context [timer] Serialized per timer; must not block.
 */
typedef void (*satori_timer_fn)(void *cookie, struct satori_timer *timer);

/** The timer service table. */
struct satori_timer_service {
    uint32_t struct_size; /**< sizeof(*this) as the shim was built. */
    uint32_t reserved;    /**< 0. */

    /**
     * Creates a disarmed timer.
     * @param dev  the device it belongs to (destroyed with it if the plugin forgets), or NULL.
     * @return 0 and *out; -SATORI_ENOMEM; -SATORI_EINVAL.
     * @context [any]
     */
    int32_t (*create)(const struct satori_timer_service *svc, struct satori_device *dev,
                      satori_timer_fn fn, void *cookie, struct satori_timer **out);

    /**
     * (Re)arms: first expiry after @p delay_ns, then every @p period_ns (0 = one-shot).
     * @context [any]
     */
    int32_t (*arm)(struct satori_timer *timer, uint64_t delay_ns, uint64_t period_ns);

    /**
     * Disarms. When called outside the timer's own callback, the callback is not running
     * when this returns and will not run again until re-armed. From the timer's own
     * callback it disarms too: a periodic timer does not fire again unless re-armed.
     * @context [any]
     */
    void (*cancel)(struct satori_timer *timer);

    /** Cancels and frees. Not from the timer's own callback. @context [any] */
    void (*destroy)(struct satori_timer *timer);
};

#ifdef __cplusplus
}
#endif

#endif /* SATORI_TIMER_H */
