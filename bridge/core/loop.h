/**
 * @file loop.h
 * @brief The core loop of bridged: one thread, poll(), timerfd timers on
 * CLOCK_MONOTONIC, signals through signalfd.
 *
 * Every module registers its descriptors here; nothing else blocks.
 * Callbacks run to completion and must not block.
 */
#ifndef PB_LOOP_H
#define PB_LOOP_H

#include <stdint.h>

typedef void (*loop_fd_cb)(int fd, short revents, void *arg);
typedef void (*loop_timer_cb)(void *arg);
typedef void (*loop_signal_cb)(int signo, void *arg);

/** Opaque handle of a timer. */
struct loop_timer;

int loop_init(void);
void loop_finish(void);

/**
 * Watch a descriptor.
 * @param fd      descriptor, at most one registration per fd
 * @param events  POLLIN / POLLOUT / POLLPRI ...
 * @return 0, or -1 (no room or already registered)
 */
int loop_add_fd(int fd, short events, loop_fd_cb cb, void *arg);
/** Change the events watched on fd. */
int loop_mod_fd(int fd, short events);
/** Stop watching fd; safe to call from within its own callback. */
void loop_del_fd(int fd);

/**
 * Create a timer (timerfd, CLOCK_MONOTONIC).
 * @param first_ns   first expiry, relative, in ns (0 = disarmed)
 * @param period_ns  period after that, 0 for a one-shot
 */
struct loop_timer *loop_add_timer(uint64_t first_ns, uint64_t period_ns,
				  loop_timer_cb cb, void *arg);
/** Re-arm (or disarm with first_ns = 0) a timer. */
int loop_timer_set(struct loop_timer *t, uint64_t first_ns, uint64_t period_ns);
void loop_del_timer(struct loop_timer *t);

/** Deliver signo through the loop (blocked for the thread, read by signalfd). */
int loop_add_signal(int signo, loop_signal_cb cb, void *arg);

/** Run until loop_stop(). @return 0 on a clean stop, -1 on a poll error. */
int loop_run(void);
void loop_stop(void);

/** CLOCK_MONOTONIC now, in ns. */
uint64_t loop_now_ns(void);

#endif
