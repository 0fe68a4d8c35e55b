/*
 * hwsim_state.h - shared state of the ptpbridge hardware emulator.
 *
 * Every emulated clock (PHC or system clock) lives in one small file,
 * $HWSIM_DIR/state, mapped MAP_SHARED by every process under the emulator
 * and by hwsimctl, so all of them see the same clock.
 *
 * A clock is a line against truth (the host CLOCK_REALTIME, read only):
 *
 *   E(T) = e0 + (T - t0) * (1 + (base_ppm + adj_ppm) * 1e-6) + slew(T - t0)
 *
 * re-anchored (t0, e0) on every change.  base_ppm is the oscillator error
 * (optionally a random walk), adj_ppm what software dialed in
 * (ADJ_FREQUENCY, and ADJ_TICK for system clocks).  Readers use a seqlock;
 * writers take a process-shared robust mutex.
 */
#ifndef HWSIM_STATE_H
#define HWSIM_STATE_H

#include <pthread.h>
#include <stdint.h>
#include <sys/timex.h>
#include <time.h>

#define HWSIM_MAGIC 0x4857534dU
#define HWSIM_VERSION 5
#define HWSIM_MAX_PPS 4
#define HWSIM_MAX_CLOCKS 32
#define HWSIM_STEPS 16
#define HWSIM_WIRE_SLOTS 4096
#define HWSIM_NAME_LEN 32

enum hwsim_kind { HWSIM_PHC = 1, HWSIM_SYS = 2 };

/* Per-PHC (or global) switches to make a kernel feature disappear, so
   fallbacks in the software under test can be exercised. */
#define HWSIM_NO_SYS_OFFSET      0x01U
#define HWSIM_NO_SYS_OFFSET_EXT  0x02U
#define HWSIM_NO_SYS_OFFSET_PREC 0x04U
#define HWSIM_NO_V2_IOCTLS       0x08U /* GETCAPS2, SYS_OFFSET*2 */

enum hwsim_wire_mode { HWSIM_WIRE_KERNEL = 0, HWSIM_WIRE_IDEAL = 1 };

struct hwsim_step {
	int64_t truth_ns;
	int64_t step_ns;
};

struct hwsim_clock {
	uint32_t used;
	uint32_t kind;
	char name[HWSIM_NAME_LEN];     /* sysclk name, or interface name */
	uint64_t netns;                /* PHC: inode of its network namespace */
	int32_t ifindex;
	int32_t phc_index;             /* PHC: N of /dev/ptpN */
	uint32_t disable;              /* HWSIM_NO_* */
	int32_t hw_set;                /* SIOCSHWTSTAMP done */
	int32_t hw_tx_type, hw_rx_filter, hw_flags;
	int64_t rx_delay_ns;           /* ideal wire: extra delay received here */
	int64_t read_delay_ns;         /* PTP_SYS_OFFSET(_EXTENDED): PHC read
					  takes this long, latched at 2/3 */

	volatile uint32_t seq;         /* seqlock over the model below */
	int64_t t0, e0;
	double base_ppm, adj_ppm;
	int64_t slew_ns;               /* pending slew at t0 */
	int32_t slew_exp;              /* 1: kernel-PLL-like exponential */
	int32_t slew_tau_s;
	double wander_ppm;             /* random walk, ppm per sqrt(second) */
	int64_t wander_next;           /* truth ns of the next wander step */
	uint64_t rng;
	int64_t leap_at;               /* emulated ns of a pending leap, or 0 */
	int32_t leap_dir;              /* +1 insert, -1 delete */
	int32_t leap_done;             /* leap applied, STA_INS/DEL still set */
	int64_t leap_oop_end;          /* inserted: TIME_OOP until this time */

	/* adjtimex() view */
	int64_t freq;                  /* scaled ppm as dialed */
	int64_t tick, status, maxerror, esterror, constant, tai;
	int64_t maxerror_t;            /* truth when maxerror was set */

	uint64_t n_steps, n_adj, n_reads;
	uint64_t n_sysoff[3];          /* PHC: basic, extended, precise used */
	struct hwsim_step steps[HWSIM_STEPS];
};

struct hwsim_wire_slot {
	volatile uint64_t hash;
	volatile int64_t truth_ns;
};

struct hwsim_shm {
	uint32_t magic, version;
	pthread_mutex_t lock;
	uint32_t wire_mode;
	uint32_t disable;              /* global HWSIM_NO_* */
	int64_t wire_delay_ns;
	int64_t wire_jitter_ns;
	uint64_t eperm_count;
	uint64_t wire_hits, wire_misses;
	/* /dev/ppsN, N < pps_count: an assert edge at every second of truth
	   (UTC) + pps_offset_ns[N], as a GNSS receiver's PPS output */
	uint32_t pps_count;
	int64_t pps_offset_ns[HWSIM_MAX_PPS];
	struct hwsim_clock clocks[HWSIM_MAX_CLOCKS];
	volatile uint64_t wire_head;
	struct hwsim_wire_slot wire[HWSIM_WIRE_SLOTS];
};

/* Truth source: the real CLOCK_REALTIME.  libhwsim points this at the
   next clock_gettime in the link chain (never at its own). */
extern int (*hwsim_truth_gettime)(clockid_t, struct timespec *);

int64_t hwsim_truth(void);
struct hwsim_shm *hwsim_map(const char *dir, int create);
void hwsim_lock(struct hwsim_shm *s);
void hwsim_unlock(struct hwsim_shm *s);

struct hwsim_clock *hwsim_find_sys(struct hwsim_shm *s, const char *name);
struct hwsim_clock *hwsim_find_phc_index(struct hwsim_shm *s, int idx);
struct hwsim_clock *hwsim_find_phc_if(struct hwsim_shm *s, uint64_t netns,
				      const char *ifname, int ifindex);
/* Under the lock. */
struct hwsim_clock *hwsim_add(struct hwsim_shm *s, int kind, const char *name);

/* Emulated time of a clock at truth T (lock-free, may take the lock to
   advance the wander). */
int64_t hwsim_clock_at(struct hwsim_shm *s, struct hwsim_clock *c, int64_t T);
/* Current emulated time. */
int64_t hwsim_clock_now(struct hwsim_shm *s, struct hwsim_clock *c);
double hwsim_clock_rate_ppm(const struct hwsim_clock *c);

/* Changes; each takes the lock. */
void hwsim_clock_set(struct hwsim_shm *s, struct hwsim_clock *c, int64_t e);
void hwsim_clock_step(struct hwsim_shm *s, struct hwsim_clock *c, int64_t d);
/* Kernel semantics of clock_adjtime() on a PHC / on CLOCK_REALTIME.
   Return >= 0 (timex state) or -errno. */
int hwsim_phc_adjtime(struct hwsim_shm *s, struct hwsim_clock *c,
		      struct timex *tx, int max_adj_ppb);
int hwsim_sys_adjtime(struct hwsim_shm *s, struct hwsim_clock *c,
		      struct timex *tx);
void hwsim_clock_init(struct hwsim_clock *c, int64_t T, int64_t offset_ns,
		      double freq_ppm, double wander_ppm);

uint64_t hwsim_hash(const void *data, size_t len);

#define HWSIM_PHC_MAX_ADJ_PPB 62499999

#endif
