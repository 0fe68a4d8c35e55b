/*
 * hwsim_state.c - the clock model shared by libhwsim.so and hwsimctl.
 * See hwsim_state.h and docs/hwsim.md.
 */
#include "hwsim_state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS 1000000000LL
/* Kernel constants (kernel/time/ntp.c, include/linux/timex.h). */
#define MAXFREQ_SCALED (500LL << 16)     /* 500 ppm */
#define NTP_PHASE_LIMIT_US 16000000LL
#undef MAXTC
#define MAXTC 10
#define SHIFT_PLL 2
#define ADJTIME_RATE_PPM 500.0            /* adjtime() slew rate */
#define WANDER_INTERVAL_NS NS
#ifndef ADJ_ADJTIME
#define ADJ_ADJTIME 0x8000
#endif
#ifndef ADJ_OFFSET_READONLY
#define ADJ_OFFSET_READONLY 0x2000
#endif

int (*hwsim_truth_gettime)(clockid_t, struct timespec *) = clock_gettime;

int64_t hwsim_truth(void)
{
	struct timespec ts;

	hwsim_truth_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

struct hwsim_shm *hwsim_map(const char *dir, int create)
{
	char path[PATH_MAX];
	struct hwsim_shm *s;
	struct stat st;
	int fd;

	if (!dir || snprintf(path, sizeof(path), "%s/state", dir) >= (int)sizeof(path)) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	if (fd < 0) {
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	if (st.st_size < (off_t)sizeof(*s)) {
		if (!create || ftruncate(fd, sizeof(*s)) < 0) {
			close(fd);
			errno = EINVAL;
			return NULL;
		}
	}
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED) {
		return NULL;
	}
	if (s->magic != HWSIM_MAGIC) {
		pthread_mutexattr_t a;

		if (!create) {
			munmap(s, sizeof(*s));
			errno = EINVAL;
			return NULL;
		}
		memset(s, 0, sizeof(*s));
		pthread_mutexattr_init(&a);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
		pthread_mutex_init(&s->lock, &a);
		pthread_mutexattr_destroy(&a);
		s->version = HWSIM_VERSION;
		s->wire_delay_ns = 1000;
		__atomic_store_n(&s->magic, HWSIM_MAGIC, __ATOMIC_RELEASE);
	} else if (s->version != HWSIM_VERSION) {
		munmap(s, sizeof(*s));
		errno = EPROTO;
		return NULL;
	}
	return s;
}

void hwsim_lock(struct hwsim_shm *s)
{
	/* A process killed while holding the lock leaves a consistent model
	   (each change is a few stores under the seqlock), so just recover. */
	if (pthread_mutex_lock(&s->lock) == EOWNERDEAD) {
		pthread_mutex_consistent(&s->lock);
	}
}

void hwsim_unlock(struct hwsim_shm *s)
{
	pthread_mutex_unlock(&s->lock);
}

struct hwsim_clock *hwsim_find_sys(struct hwsim_shm *s, const char *name)
{
	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		struct hwsim_clock *c = &s->clocks[i];

		if (c->used && c->kind == HWSIM_SYS && !strcmp(c->name, name)) {
			return c;
		}
	}
	return NULL;
}

struct hwsim_clock *hwsim_find_phc_index(struct hwsim_shm *s, int idx)
{
	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		struct hwsim_clock *c = &s->clocks[i];

		if (c->used && c->kind == HWSIM_PHC && c->phc_index == idx) {
			return c;
		}
	}
	return NULL;
}

struct hwsim_clock *hwsim_find_phc_if(struct hwsim_shm *s, uint64_t netns,
				      const char *ifname, int ifindex)
{
	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		struct hwsim_clock *c = &s->clocks[i];

		if (!c->used || c->kind != HWSIM_PHC || c->netns != netns) {
			continue;
		}
		if (ifname && !strncmp(c->name, ifname, HWSIM_NAME_LEN)) {
			return c;
		}
		if (!ifname && ifindex > 0 && c->ifindex == ifindex) {
			return c;
		}
	}
	return NULL;
}

struct hwsim_clock *hwsim_add(struct hwsim_shm *s, int kind, const char *name)
{
	int next_phc = 0;

	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		struct hwsim_clock *c = &s->clocks[i];

		if (c->used && c->kind == HWSIM_PHC && c->phc_index >= next_phc) {
			next_phc = c->phc_index + 1;
		}
	}
	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		struct hwsim_clock *c = &s->clocks[i];

		if (c->used) {
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->kind = kind;
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->phc_index = kind == HWSIM_PHC ? next_phc : -1;
		hwsim_clock_init(c, hwsim_truth(), 0, 0.0, 0.0);
		__atomic_store_n(&c->used, 1, __ATOMIC_RELEASE);
		return c;
	}
	return NULL;
}

void hwsim_clock_init(struct hwsim_clock *c, int64_t T, int64_t offset_ns,
		      double freq_ppm, double wander_ppm)
{
	c->seq++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	c->t0 = T;
	c->e0 = T + offset_ns;
	c->base_ppm = freq_ppm;
	c->adj_ppm = 0.0;
	c->slew_ns = 0;
	c->wander_ppm = wander_ppm;
	c->wander_next = wander_ppm > 0.0 ? T + WANDER_INTERVAL_NS : 0;
	c->rng = (uint64_t)T ^ 0x9e3779b97f4a7c15ULL;
	c->leap_at = 0;
	c->leap_done = 0;
	c->leap_oop_end = 0;
	c->freq = 0;
	c->tick = 10000;
	c->status = STA_UNSYNC;
	c->maxerror = NTP_PHASE_LIMIT_US;
	c->esterror = NTP_PHASE_LIMIT_US;
	c->maxerror_t = T;
	c->constant = 2;
	c->tai = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	c->seq++;
}

double hwsim_clock_rate_ppm(const struct hwsim_clock *c)
{
	return c->base_ppm + c->adj_ppm;
}

static int64_t slew_applied(const struct hwsim_clock *c, int64_t dt)
{
	double done;

	if (!c->slew_ns || dt <= 0) {
		return 0;
	}
	if (c->slew_exp) {
		done = c->slew_ns * (1.0 - exp(-(dt / 1e9) / c->slew_tau_s));
	} else {
		done = dt * (ADJTIME_RATE_PPM * 1e-6);
		if (done > llabs(c->slew_ns)) {
			done = llabs(c->slew_ns);
		}
		if (c->slew_ns < 0) {
			done = -done;
		}
	}
	return (int64_t)llround(done);
}

/* Raw model value (no leap) at T; call inside a seqlock section. */
static int64_t model_raw(const struct hwsim_clock *c, int64_t T)
{
	int64_t dt = T - c->t0;
	double rate = (c->base_ppm + c->adj_ppm) * 1e-6;

	return c->e0 + dt + (int64_t)llround((double)dt * rate) + slew_applied(c, dt);
}

static int64_t model_value(const struct hwsim_clock *c, int64_t T)
{
	int64_t e = model_raw(c, T);

	if (c->leap_at && e >= c->leap_at) {
		e -= c->leap_dir * NS;
	}
	return e;
}

static double gauss(uint64_t *rng)
{
	double u1, u2;

	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	u1 = ((*rng >> 11) + 1.0) / 9007199254740993.0;
	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	u2 = (*rng >> 11) / 9007199254740992.0;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void write_begin(struct hwsim_clock *c)
{
	c->seq++;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void write_end(struct hwsim_clock *c)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	c->seq++;
}

/* Move the anchor to T (inside write_begin/end): folds a passed leap and
   the applied part of a slew into e0. */
static void anchor(struct hwsim_clock *c, int64_t T)
{
	int64_t dt = T - c->t0;
	int64_t e = model_raw(c, T);

	c->slew_ns -= slew_applied(c, dt);
	if (c->leap_at && e >= c->leap_at) {
		int64_t step = -c->leap_dir * NS;
		struct hwsim_step *h = &c->steps[c->n_steps % HWSIM_STEPS];

		if (c->leap_dir > 0) {
			c->leap_oop_end = c->leap_at;
		}
		e += step;
		h->truth_ns = T;
		h->step_ns = step;
		c->n_steps++;
		c->leap_at = 0;
		c->leap_done = 1;
	}
	c->t0 = T;
	c->e0 = e;
}

static void advance_wander(struct hwsim_shm *s, struct hwsim_clock *c, int64_t T)
{
	hwsim_lock(s);
	if (c->wander_next && T >= c->wander_next) {
		int n = 0;

		write_begin(c);
		/* After a long pause, do not replay every missed second. */
		if (T - c->wander_next > 100 * WANDER_INTERVAL_NS) {
			c->wander_next = T - WANDER_INTERVAL_NS;
		}
		while (T >= c->wander_next && n++ < 200) {
			anchor(c, c->wander_next);
			c->base_ppm += c->wander_ppm * gauss(&c->rng);
			c->wander_next += WANDER_INTERVAL_NS;
		}
		write_end(c);
	}
	hwsim_unlock(s);
}

int64_t hwsim_clock_at(struct hwsim_shm *s, struct hwsim_clock *c, int64_t T)
{
	uint32_t seq;
	int64_t e, wn;

	for (;;) {
		seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		if (seq & 1) {
			continue;
		}
		wn = c->wander_next;
		e = model_value(c, T);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&c->seq, __ATOMIC_RELAXED) != seq) {
			continue;
		}
		if (wn && T >= wn) {
			advance_wander(s, c, T);
			continue;
		}
		return e;
	}
}

int64_t hwsim_clock_now(struct hwsim_shm *s, struct hwsim_clock *c)
{
	return hwsim_clock_at(s, c, hwsim_truth());
}

static void record_step(struct hwsim_clock *c, int64_t T, int64_t d)
{
	struct hwsim_step *h = &c->steps[c->n_steps % HWSIM_STEPS];

	h->truth_ns = T;
	h->step_ns = d;
	c->n_steps++;
}

/* A pending leap is scheduled at the next UTC midnight of the clock. */
static void schedule_leap(struct hwsim_clock *c, int64_t e)
{
	int64_t day = 86400LL * NS;
	int64_t midnight = (e / day + 1) * day;

	if (c->status & STA_INS) {
		c->leap_dir = 1;
		c->leap_at = midnight;
	} else if (c->status & STA_DEL) {
		c->leap_dir = -1;
		c->leap_at = midnight - NS;
	} else {
		c->leap_at = 0;
		c->leap_done = 0;
	}
	c->leap_oop_end = 0;
}

void hwsim_clock_set(struct hwsim_shm *s, struct hwsim_clock *c, int64_t e)
{
	int64_t T;

	hwsim_lock(s);
	write_begin(c);
	T = hwsim_truth();
	anchor(c, T);
	record_step(c, T, e - c->e0);
	c->e0 = e;
	c->slew_ns = 0;
	if (c->leap_at) {
		schedule_leap(c, e);
	}
	write_end(c);
	hwsim_unlock(s);
}

void hwsim_clock_step(struct hwsim_shm *s, struct hwsim_clock *c, int64_t d)
{
	int64_t T;

	hwsim_lock(s);
	write_begin(c);
	T = hwsim_truth();
	anchor(c, T);
	record_step(c, T, d);
	c->e0 += d;
	if (c->leap_at) {
		schedule_leap(c, c->e0);
	}
	write_end(c);
	hwsim_unlock(s);
}

static void ns_to_timeval(int64_t ns, struct timeval *tv, int nano)
{
	int64_t sec = ns / NS, rem = ns % NS;

	if (rem < 0) {
		rem += NS;
		sec--;
	}
	tv->tv_sec = sec;
	tv->tv_usec = nano ? rem : rem / 1000;
}

/* drivers/ptp/ptp_clock.c: ptp_clock_adjtime() */
int hwsim_phc_adjtime(struct hwsim_shm *s, struct hwsim_clock *c,
		      struct timex *tx, int max_adj_ppb)
{
	if (tx->modes & ADJ_SETOFFSET) {
		int64_t sec = tx->time.tv_sec, nsec = tx->time.tv_usec;

		if (!(tx->modes & ADJ_NANO)) {
			nsec *= 1000;
		}
		if ((uint64_t)nsec >= (uint64_t)NS) {
			return -EINVAL;
		}
		hwsim_clock_step(s, c, sec * NS + nsec);
		__atomic_add_fetch(&c->n_adj, 1, __ATOMIC_RELAXED);
	} else if (tx->modes & ADJ_FREQUENCY) {
		double ppb = tx->freq * 1000.0 / 65536.0;

		if (ppb > max_adj_ppb || ppb < -max_adj_ppb) {
			return -ERANGE;
		}
		hwsim_lock(s);
		write_begin(c);
		anchor(c, hwsim_truth());
		c->freq = tx->freq;
		c->adj_ppm = tx->freq / 65536.0;
		c->n_adj++;
		write_end(c);
		hwsim_unlock(s);
	} else if (tx->modes & ADJ_OFFSET) {
		return -EOPNOTSUPP;   /* no adjphase */
	} else if (tx->modes == 0) {
		tx->freq = c->freq;
	} else {
		return -EOPNOTSUPP;
	}
	return 0;
}

static int state_of(const struct hwsim_clock *c, int64_t e_raw)
{
	if (c->status & (STA_UNSYNC | STA_CLOCKERR)) {
		return TIME_ERROR;
	}
	if (c->leap_at) {
		if (e_raw >= c->leap_at) {
			return e_raw < c->leap_at + NS ? TIME_OOP : TIME_WAIT;
		}
		return c->leap_dir > 0 ? TIME_INS : TIME_DEL;
	}
	if (c->leap_done) {
		return e_raw < c->leap_oop_end ? TIME_OOP : TIME_WAIT;
	}
	return TIME_OK;
}

/* kernel/time/ntp.c: __do_adjtimex(), simplified: the PLL/FLL is not
   modelled; ADJ_OFFSET with STA_PLL slews exponentially with the kernel's
   time constant, adjtime() slews linearly at 500 ppm. */
int hwsim_sys_adjtime(struct hwsim_shm *s, struct hwsim_clock *c,
		      struct timex *tx)
{
	unsigned int modes = tx->modes;
	int64_t T, e, old_slew;
	int ret;

	if (modes & ADJ_ADJTIME) {
		if (!(modes & ADJ_OFFSET_SINGLESHOT)) {
			return -EINVAL;
		}
		if (!(modes & ADJ_OFFSET_READONLY) &&
		    (tx->offset > 500000 * 1000L || tx->offset < -500000 * 1000L)) {
			return -EINVAL;
		}
	} else {
		if ((modes & ADJ_TICK) && (tx->tick < 9000 || tx->tick > 11000)) {
			return -EINVAL;
		}
		if (modes & ADJ_SETOFFSET) {
			int64_t lim = (modes & ADJ_NANO) ? NS : 1000000;

			if (tx->time.tv_usec < 0 || tx->time.tv_usec >= lim) {
				return -EINVAL;
			}
		}
	}

	if (modes & ADJ_SETOFFSET) {
		int64_t d = tx->time.tv_sec * NS +
			    tx->time.tv_usec * ((modes & ADJ_NANO) ? 1 : 1000);

		hwsim_clock_step(s, c, d);
	}

	hwsim_lock(s);
	write_begin(c);
	T = hwsim_truth();
	anchor(c, T);
	old_slew = c->slew_ns;
	if (modes & ADJ_ADJTIME) {
		if (!(modes & ADJ_OFFSET_READONLY)) {
			c->slew_ns = (int64_t)tx->offset * 1000;
			c->slew_exp = 0;
		}
		tx->offset = old_slew / 1000;
	} else if (modes) {
		c->n_adj++;
		if (modes & ADJ_STATUS) {
			int was_unsync = c->status & STA_UNSYNC;

			c->status = (c->status & STA_RONLY) | (tx->status & ~STA_RONLY);
			if ((c->status & (STA_INS | STA_DEL)) && !c->leap_at && !c->leap_done) {
				schedule_leap(c, c->e0);
			} else if (!(c->status & (STA_INS | STA_DEL))) {
				c->leap_at = 0;
				c->leap_done = 0;
				c->leap_oop_end = 0;
			}
			(void)was_unsync;
		}
		if (modes & ADJ_NANO) {
			c->status |= STA_NANO;
		}
		if (modes & ADJ_MICRO) {
			c->status &= ~STA_NANO;
		}
		if (modes & ADJ_FREQUENCY) {
			int64_t f = tx->freq;

			if (f > MAXFREQ_SCALED) {
				f = MAXFREQ_SCALED;
			}
			if (f < -MAXFREQ_SCALED) {
				f = -MAXFREQ_SCALED;
			}
			c->freq = f;
		}
		if (modes & ADJ_MAXERROR) {
			c->maxerror = tx->maxerror;
			c->maxerror_t = T;
		}
		if (modes & ADJ_ESTERROR) {
			c->esterror = tx->esterror;
		}
		if (modes & ADJ_TIMECONST) {
			c->constant = tx->constant < 0 ? 0 :
				      tx->constant > MAXTC ? MAXTC : tx->constant;
		}
		if ((modes & ADJ_TAI) && tx->constant >= 0) {
			c->tai = tx->constant;
		}
		if (modes & ADJ_TICK) {
			c->tick = tx->tick;
		}
		if ((modes & ADJ_OFFSET) && (c->status & STA_PLL)) {
			int64_t off = tx->offset;

			if (!(c->status & STA_NANO)) {
				off *= 1000;
			}
			/* the kernel clamps to MAXPHASE (0.5 s) */
			if (off > 500000000) {
				off = 500000000;
			}
			if (off < -500000000) {
				off = -500000000;
			}
			c->slew_ns = off;
			c->slew_exp = 1;
			c->slew_tau_s = 1 << (SHIFT_PLL + c->constant);
		}
		c->adj_ppm = c->freq / 65536.0 + (c->tick - 10000) * 100.0;
	}
	write_end(c);
	e = model_raw(c, T);
	ret = state_of(c, e);
	if (c->leap_at && e >= c->leap_at) {
		e -= c->leap_dir * NS;
	}
	hwsim_unlock(s);

	if (!(modes & ADJ_ADJTIME)) {
		tx->offset = (c->status & STA_NANO) ? c->slew_ns : c->slew_ns / 1000;
	}
	tx->freq = c->freq;
	tx->maxerror = c->maxerror + 500 * ((T - c->maxerror_t) / 1000000000LL);
	if (tx->maxerror > NTP_PHASE_LIMIT_US) {
		tx->maxerror = NTP_PHASE_LIMIT_US;
	}
	tx->esterror = c->esterror;
	tx->status = c->status;
	tx->constant = c->constant;
	tx->precision = 1;
	tx->tolerance = MAXFREQ_SCALED;
	tx->tick = c->tick;
	tx->tai = c->tai;
	tx->ppsfreq = tx->jitter = tx->stabil = 0;
	tx->shift = tx->calcnt = tx->errcnt = tx->jitcnt = tx->stbcnt = 0;
	ns_to_timeval(e, &tx->time, c->status & STA_NANO);
	return ret;
}

uint64_t hwsim_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ? h : 1;
}
