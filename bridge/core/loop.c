/*
 * The core loop: poll() over a small table of descriptors.  Timers are
 * timerfds on CLOCK_MONOTONIC, so a step of the system clock (which bridged
 * itself may cause) never moves a deadline; signals arrive as a signalfd.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "bridge/core/log.h"
#include "bridge/core/loop.h"

/* Descriptors bridged watches: a handful per module, a few per NTP worker
   socket.  A fixed table keeps the loop allocation-free. */
#define LOOP_MAX_FDS 256
#define LOOP_MAX_SIGNALS 16

struct loop_entry {
	int fd;
	loop_fd_cb cb;
	void *arg;
};

struct loop_timer {
	int fd;
	loop_timer_cb cb;
	void *arg;
};

static struct pollfd pfds[LOOP_MAX_FDS];
static struct loop_entry entries[LOOP_MAX_FDS];
static int n_entries;
static int stopping;

static int signal_fd = -1;
static sigset_t signal_set;
static struct {
	int signo;
	loop_signal_cb cb;
	void *arg;
} signals[LOOP_MAX_SIGNALS];
static int n_signals;

static int find_fd(int fd)
{
	for (int i = 0; i < n_entries; i++) {
		if (entries[i].fd == fd)
			return i;
	}
	return -1;
}

int loop_init(void)
{
	n_entries = 0;
	n_signals = 0;
	stopping = 0;
	sigemptyset(&signal_set);
	return 0;
}

void loop_finish(void)
{
	if (signal_fd >= 0) {
		loop_del_fd(signal_fd);
		close(signal_fd);
		signal_fd = -1;
		sigprocmask(SIG_UNBLOCK, &signal_set, NULL);
	}
	n_entries = 0;
	n_signals = 0;
}

int loop_add_fd(int fd, short events, loop_fd_cb cb, void *arg)
{
	if (fd < 0 || find_fd(fd) >= 0 || n_entries == LOOP_MAX_FDS) {
		log_error("loop: cannot watch fd %d", fd);
		return -1;
	}
	entries[n_entries] = (struct loop_entry){ .fd = fd, .cb = cb, .arg = arg };
	pfds[n_entries] = (struct pollfd){ .fd = fd, .events = events };
	n_entries++;
	return 0;
}

int loop_mod_fd(int fd, short events)
{
	int i = find_fd(fd);

	if (i < 0)
		return -1;
	pfds[i].events = events;
	return 0;
}

void loop_del_fd(int fd)
{
	int i = find_fd(fd);

	if (i < 0)
		return;
	/* Mark it; the dispatch loop compacts the table, so removing an entry
	   from within a callback never skips or repeats another one. */
	entries[i].fd = -1;
	entries[i].cb = NULL;
	pfds[i].fd = -1;
}

static void compact(void)
{
	int j = 0;

	for (int i = 0; i < n_entries; i++) {
		if (entries[i].fd < 0)
			continue;
		entries[j] = entries[i];
		pfds[j] = pfds[i];
		j++;
	}
	n_entries = j;
}

static void timer_ready(int fd, short revents, void *arg)
{
	struct loop_timer *t = arg;
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	t->cb(t->arg);
}

static void ns_to_its(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ULL);
	ts->tv_nsec = (long)(ns % 1000000000ULL);
}

int loop_timer_set(struct loop_timer *t, uint64_t first_ns, uint64_t period_ns)
{
	struct itimerspec its = { 0 };

	ns_to_its(first_ns, &its.it_value);
	ns_to_its(period_ns, &its.it_interval);
	return timerfd_settime(t->fd, 0, &its, NULL);
}

struct loop_timer *loop_add_timer(uint64_t first_ns, uint64_t period_ns,
				  loop_timer_cb cb, void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	t->cb = cb;
	t->arg = arg;
	if (t->fd < 0 || loop_timer_set(t, first_ns, period_ns) < 0 ||
	    loop_add_fd(t->fd, POLLIN, timer_ready, t) < 0) {
		log_error("loop: timer: %s", strerror(errno));
		if (t->fd >= 0)
			close(t->fd);
		free(t);
		return NULL;
	}
	return t;
}

void loop_del_timer(struct loop_timer *t)
{
	if (!t)
		return;
	loop_del_fd(t->fd);
	close(t->fd);
	free(t);
}

static void signal_ready(int fd, short revents, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		for (int i = 0; i < n_signals; i++) {
			if (signals[i].signo == (int)si.ssi_signo)
				signals[i].cb((int)si.ssi_signo, signals[i].arg);
		}
	}
}

int loop_add_signal(int signo, loop_signal_cb cb, void *arg)
{
	if (n_signals == LOOP_MAX_SIGNALS)
		return -1;
	signals[n_signals].signo = signo;
	signals[n_signals].cb = cb;
	signals[n_signals].arg = arg;
	n_signals++;
	sigaddset(&signal_set, signo);
	if (sigprocmask(SIG_BLOCK, &signal_set, NULL) < 0)
		return -1;
	if (signal_fd < 0) {
		signal_fd = signalfd(-1, &signal_set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (signal_fd < 0)
			return -1;
		return loop_add_fd(signal_fd, POLLIN, signal_ready, NULL);
	}
	return signalfd(signal_fd, &signal_set, 0) < 0 ? -1 : 0;
}

int loop_run(void)
{
	stopping = 0;
	while (!stopping) {
		int n = poll(pfds, (nfds_t)n_entries, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("loop: poll: %s", strerror(errno));
			return -1;
		}
		/* Only the entries present before the callbacks run: one added
		   by a callback waits for the next round. */
		int count = n_entries;

		for (int i = 0; i < count && n > 0; i++) {
			if (!pfds[i].revents || entries[i].fd < 0)
				continue;
			n--;
			entries[i].cb(entries[i].fd, pfds[i].revents, entries[i].arg);
		}
		compact();
	}
	return 0;
}

void loop_stop(void)
{
	stopping = 1;
}

uint64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
