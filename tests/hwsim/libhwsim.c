/*
 * libhwsim.c - LD_PRELOAD emulator of PHCs, hardware timestamps and the
 * system clock for dynamically linked glibc programs (ptp4l, phc2sys,
 * chronyd, bridged).  See docs/hwsim.md.
 *
 * Environment:
 *   HWSIM_DIR      directory of the shared state (hwsimctl init); without
 *                  it nothing is emulated, but clock writes are still refused;
 *                  a state that cannot be mapped ends the process (127)
 *   HWSIM_SYSCLK   name of the emulated CLOCK_REALTIME of this process
 *   HWSIM_NO_SYS_OFFSET, HWSIM_NO_SYS_OFFSET_EXTENDED,
 *   HWSIM_NO_SYS_OFFSET_PRECISE, HWSIM_NO_V2_IOCTLS   =1: make that PHC
 *                  ioctl fail with EOPNOTSUPP, to test fallbacks
 *   HWSIM_DEBUG    =1: log interceptions to stderr
 */
#include "hwsim_state.h"

/* We keep NULL checks on arguments glibc declares nonnull: programs do pass
   NULL, and the kernel answers EFAULT rather than crashing. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpointer-bool-conversion"
#pragma clang diagnostic ignored "-Wtautological-pointer-compare"
#else
#pragma GCC diagnostic ignored "-Wnonnull-compare"
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/pps.h>
#include <linux/ptp_clock.h>
#include <linux/sockios.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define MAX_FDS 16384
#define WIRE_KEY_LEN 44   /* shortest PTP event message */
#define WIRE_SEARCH 1024
#ifndef SCM_TIMESTAMPING_PKTINFO
#define SCM_TIMESTAMPING_PKTINFO 58
#endif
#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SO_TIMESTAMPNS_NEW
#define SO_TIMESTAMPNS_NEW 64
#endif
#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW 63
#endif
#define HW_TS_FLAGS (SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_RX_HARDWARE | \
		     SOF_TIMESTAMPING_RAW_HARDWARE)

#define EXPORT __attribute__((visibility("default")))

/* glibc internals we also replace (fortified open, old adjtimex alias) */
int __adjtimex(struct timex *tx);
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);

enum fd_kind { FD_NONE = 0, FD_PHC = 1, FD_SOCK = 2, FD_GENL = 3, FD_RT_TIMER = 4, FD_PPS = 5 };

struct fd_info {
	uint8_t kind;
	int8_t phc_index;        /* FD_PHC; N of /dev/ppsN for FD_PPS */
	uint32_t ts_req;         /* SO_TIMESTAMPING flags the program asked for */
	uint32_t ts_txreq;       /* TX flags asked per message (cmsg), sticky */
	int32_t bound_ifindex;   /* SO_BINDTODEVICE */
};

static struct fd_info fds[MAX_FDS];

/* What we remember of each timestamped send, per socket, to give the
   error-queue stamp its interface (the kernel adds none with OPT_TSONLY,
   or without OPT_CMSG) and, on the ideal wire, its send time.  Keys count
   timestamped datagrams like the kernel's OPT_ID counter. */
#define TX_RING 256
#define TX_TS_FLAGS (SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_TX_SOFTWARE | \
		     SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_TX_ACK)
struct tx_rec {
	uint32_t key;
	int32_t ifindex;
	int64_t T;
};
struct tx_ring {
	uint32_t next_key;
	uint32_t fifo_key;
	struct tx_rec r[TX_RING];
};
static struct tx_ring *tx_rings[MAX_FDS];
static int is_genl(int fd);
static size_t fix_genl(char *buf, size_t len, size_t cap);
static struct hwsim_shm *shm;
static struct hwsim_clock *sysclk;
static uint64_t my_netns;
static unsigned int env_disable;
static int debug;
static int inited;

/* --- the next definitions in the link chain ---------------------------- */
#define REAL(name) real_##name
#define DECL_REAL(ret, name, ...) static ret (*real_##name)(__VA_ARGS__)
DECL_REAL(int, clock_gettime, clockid_t, struct timespec *);
DECL_REAL(int, clock_settime, clockid_t, const struct timespec *);
DECL_REAL(int, clock_adjtime, clockid_t, struct timex *);
DECL_REAL(int, clock_getres, clockid_t, struct timespec *);
DECL_REAL(int, clock_nanosleep, clockid_t, int, const struct timespec *, struct timespec *);
DECL_REAL(int, gettimeofday, struct timeval *, void *);
DECL_REAL(int, adjtimex, struct timex *);
DECL_REAL(int, ioctl, int, unsigned long, void *);
DECL_REAL(int, open, const char *, int, mode_t);
DECL_REAL(int, openat, int, const char *, int, mode_t);
DECL_REAL(int, close, int);
DECL_REAL(int, setsockopt, int, int, int, const void *, socklen_t);
DECL_REAL(int, getsockopt, int, int, int, void *, socklen_t *);
DECL_REAL(ssize_t, recvmsg, int, struct msghdr *, int);
DECL_REAL(int, recvmmsg, int, struct mmsghdr *, unsigned int, int, struct timespec *);
DECL_REAL(ssize_t, sendmsg, int, const struct msghdr *, int);
DECL_REAL(int, sendmmsg, int, struct mmsghdr *, unsigned int, int);
DECL_REAL(ssize_t, sendto, int, const void *, size_t, int, const struct sockaddr *, socklen_t);
DECL_REAL(ssize_t, send, int, const void *, size_t, int);
DECL_REAL(int, timerfd_settime, int, int, const struct itimerspec *, struct itimerspec *);
DECL_REAL(int, socket, int, int, int);
DECL_REAL(int, timerfd_create, int, int);
DECL_REAL(ssize_t, recv, int, void *, size_t, int);
DECL_REAL(ssize_t, recvfrom, int, void *, size_t, int, struct sockaddr *, socklen_t *);

#define RESOLVE(name) do { \
	if (!real_##name) { \
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name); \
	} \
} while (0)

static void resolve_all(void)
{
	RESOLVE(clock_gettime);
	RESOLVE(clock_settime);
	RESOLVE(clock_adjtime);
	RESOLVE(clock_getres);
	RESOLVE(clock_nanosleep);
	RESOLVE(gettimeofday);
	RESOLVE(adjtimex);
	RESOLVE(ioctl);
	RESOLVE(open);
	RESOLVE(openat);
	RESOLVE(close);
	RESOLVE(setsockopt);
	RESOLVE(getsockopt);
	RESOLVE(recvmsg);
	RESOLVE(recvmmsg);
	RESOLVE(sendmsg);
	RESOLVE(sendmmsg);
	RESOLVE(sendto);
	RESOLVE(send);
	RESOLVE(timerfd_settime);
	RESOLVE(socket);
	RESOLVE(timerfd_create);
	RESOLVE(recv);
	RESOLVE(recvfrom);
}

static int raw_gettime(clockid_t id, struct timespec *ts)
{
	if (real_clock_gettime) {
		return real_clock_gettime(id, ts);
	}
	return (int)syscall(SYS_clock_gettime, id, ts);
}

__attribute__((format(printf, 1, 2)))
static void dbg(const char *fmt, ...)
{
	va_list ap;

	if (!debug) {
		return;
	}
	va_start(ap, fmt);
	fprintf(stderr, "hwsim[%d]: ", getpid());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int env_on(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

__attribute__((constructor)) static void hwsim_init(void)
{
	const char *dir, *name;
	struct stat st;

	if (inited) {
		return;
	}
	inited = 1;
	resolve_all();
	hwsim_truth_gettime = raw_gettime;
	debug = env_on("HWSIM_DEBUG");
	if (env_on("HWSIM_NO_SYS_OFFSET")) {
		env_disable |= HWSIM_NO_SYS_OFFSET;
	}
	if (env_on("HWSIM_NO_SYS_OFFSET_EXTENDED")) {
		env_disable |= HWSIM_NO_SYS_OFFSET_EXT;
	}
	if (env_on("HWSIM_NO_SYS_OFFSET_PRECISE")) {
		env_disable |= HWSIM_NO_SYS_OFFSET_PREC;
	}
	if (env_on("HWSIM_NO_V2_IOCTLS")) {
		env_disable |= HWSIM_NO_V2_IOCTLS;
	}
	if (stat("/proc/self/ns/net", &st) == 0) {
		my_netns = st.st_ino;
	}
	dir = getenv("HWSIM_DIR");
	if (!dir || !*dir) {
		return;
	}
	shm = hwsim_map(dir, 0);
	if (!shm) {
		/* Running unemulated would give a test confusing results. */
		fprintf(stderr, "hwsim: cannot map %s/state: %m (hwsimctl init; same build?)\n", dir);
		_exit(127);
	}
	name = getenv("HWSIM_SYSCLK");
	if (name && *name) {
		hwsim_lock(shm);
		sysclk = hwsim_find_sys(shm, name);
		if (!sysclk) {
			sysclk = hwsim_add(shm, HWSIM_SYS, name);
		}
		hwsim_unlock(shm);
		if (!sysclk) {
			fprintf(stderr, "hwsim: no room for system clock %s\n", name);
			_exit(127);
		}
	}
	dbg("init dir=%s sysclk=%s netns=%llu", dir, sysclk ? sysclk->name : "-",
	    (unsigned long long)my_netns);
}

#define ENSURE_INIT() do { if (!inited) { hwsim_init(); } } while (0)

static int refuse(const char *what)
{
	static int warned;

	if (shm) {
		__atomic_add_fetch(&shm->eperm_count, 1, __ATOMIC_RELAXED);
	}
	if (warned++ < 5) {
		fprintf(stderr, "hwsim[%d]: refused %s (real clock)\n", getpid(), what);
	}
	errno = EPERM;
	return -1;
}

static struct fd_info *fdi(int fd)
{
	return fd >= 0 && fd < MAX_FDS ? &fds[fd] : NULL;
}

/* --- clocks -------------------------------------------------------------- */
static void ns_to_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / NS;
	ts->tv_nsec = ns % NS;
	if (ts->tv_nsec < 0) {
		ts->tv_nsec += NS;
		ts->tv_sec--;
	}
}

static int64_t ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static struct hwsim_clock *phc_of_clockid(clockid_t id)
{
	int fd;
	struct fd_info *f;

	if (id >= 0 || (id & 7) != 3) {
		return NULL;
	}
	fd = (int)((unsigned int)~id >> 3);
	f = fdi(fd);
	if (!f || f->kind != FD_PHC || !shm) {
		return NULL;
	}
	return hwsim_find_phc_index(shm, f->phc_index);
}

static int is_dynamic_clockid(clockid_t id)
{
	return id < 0;
}

/* System time as this process sees it, at truth T. */
static int64_t sys_at(int64_t T)
{
	return sysclk ? hwsim_clock_at(shm, sysclk, T) : T;
}

static int64_t sys_now(void)
{
	return sys_at(hwsim_truth());
}

EXPORT int clock_gettime(clockid_t id, struct timespec *ts)
{
	struct hwsim_clock *c;

	ENSURE_INIT();
	if (sysclk && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
		ns_to_ts(sys_now(), ts);
		return 0;
	}
	if (sysclk && id == CLOCK_TAI) {
		ns_to_ts(sys_now() + sysclk->tai * NS, ts);
		return 0;
	}
	c = phc_of_clockid(id);
	if (c) {
		ns_to_ts(hwsim_clock_now(shm, c), ts);
		return 0;
	}
	return real_clock_gettime(id, ts);
}

EXPORT int clock_getres(clockid_t id, struct timespec *ts)
{
	ENSURE_INIT();
	if (phc_of_clockid(id)) {
		if (ts) {
			ts->tv_sec = 0;
			ts->tv_nsec = 1;
		}
		return 0;
	}
	return real_clock_getres(id, ts);
}

EXPORT int clock_settime(clockid_t id, const struct timespec *ts)
{
	struct hwsim_clock *c;

	ENSURE_INIT();
	if (id == CLOCK_REALTIME) {
		if (!sysclk) {
			return refuse("clock_settime(CLOCK_REALTIME)");
		}
		if (!ts || ts->tv_nsec < 0 || ts->tv_nsec >= NS) {
			errno = EINVAL;
			return -1;
		}
		hwsim_clock_set(shm, sysclk, ts_to_ns(ts));
		return 0;
	}
	c = phc_of_clockid(id);
	if (c) {
		if (!ts || ts->tv_nsec < 0 || ts->tv_nsec >= NS) {
			errno = EINVAL;
			return -1;
		}
		hwsim_clock_set(shm, c, ts_to_ns(ts));
		return 0;
	}
	if (is_dynamic_clockid(id)) {
		return refuse("clock_settime(dynamic clock)");
	}
	return real_clock_settime(id, ts);
}

static int sys_adjtimex(struct timex *tx, const char *what)
{
	int r;

	if (!sysclk) {
		if (tx->modes != 0 && tx->modes != ADJ_OFFSET_SS_READ) {
			return refuse(what);
		}
		return real_adjtimex(tx);
	}
	r = hwsim_sys_adjtime(shm, sysclk, tx);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

EXPORT int clock_adjtime(clockid_t id, struct timex *tx)
{
	struct hwsim_clock *c;
	int r;

	ENSURE_INIT();
	if (id == CLOCK_REALTIME) {
		return sys_adjtimex(tx, "clock_adjtime(CLOCK_REALTIME)");
	}
	c = phc_of_clockid(id);
	if (c) {
		r = hwsim_phc_adjtime(shm, c, tx, HWSIM_PHC_MAX_ADJ_PPB);
		if (r < 0) {
			errno = -r;
			return -1;
		}
		return r;
	}
	if (is_dynamic_clockid(id) && tx->modes) {
		return refuse("clock_adjtime(dynamic clock)");
	}
	return real_clock_adjtime(id, tx);
}

EXPORT int adjtimex(struct timex *tx)
{
	ENSURE_INIT();
	return sys_adjtimex(tx, "adjtimex");
}

EXPORT int ntp_adjtime(struct timex *tx)
{
	ENSURE_INIT();
	return sys_adjtimex(tx, "ntp_adjtime");
}

EXPORT int __adjtimex(struct timex *tx)
{
	ENSURE_INIT();
	return sys_adjtimex(tx, "__adjtimex");
}

EXPORT int adjtime(const struct timeval *delta, struct timeval *old)
{
	struct timex tx;
	int r;

	ENSURE_INIT();
	memset(&tx, 0, sizeof(tx));
	if (delta) {
		tx.modes = ADJ_OFFSET_SINGLESHOT;
		tx.offset = delta->tv_sec * 1000000L + delta->tv_usec;
	} else {
		tx.modes = ADJ_OFFSET_SS_READ;
	}
	r = sys_adjtimex(&tx, "adjtime");
	if (r < 0) {
		return r;
	}
	if (old) {
		old->tv_sec = tx.offset / 1000000L;
		old->tv_usec = tx.offset % 1000000L;
	}
	return 0;
}

/* <sys/timex.h> redirects ntp_gettime to ntp_gettimex. */
EXPORT int ntp_gettimex(struct ntptimeval *ntv)
{
	struct timex tx;
	int r;

	ENSURE_INIT();
	memset(&tx, 0, sizeof(tx));
	r = sys_adjtimex(&tx, "ntp_gettimex");
	if (r < 0) {
		return r;
	}
	ntv->time = tx.time;
	ntv->maxerror = tx.maxerror;
	ntv->esterror = tx.esterror;
	ntv->tai = tx.tai;
	return r;
}

EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	ENSURE_INIT();
	if (sysclk && tv) {
		int64_t ns = sys_now();

		tv->tv_sec = ns / NS;
		tv->tv_usec = (ns % NS) / 1000;
		if (tz) {
			memset(tz, 0, sizeof(struct timezone));
		}
		return 0;
	}
	return real_gettimeofday(tv, tz);
}

EXPORT int settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	ENSURE_INIT();
	if (tv && sysclk) {
		if (tv->tv_usec < 0 || tv->tv_usec >= 1000000) {
			errno = EINVAL;
			return -1;
		}
		hwsim_clock_set(shm, sysclk, tv->tv_sec * NS + tv->tv_usec * 1000);
		return 0;
	}
	(void)tz;
	return refuse("settimeofday");
}

EXPORT time_t time(time_t *t)
{
	struct timespec ts;
	time_t r;

	ENSURE_INIT();
	clock_gettime(CLOCK_REALTIME, &ts);
	r = ts.tv_sec;
	if (t) {
		*t = r;
	}
	return r;
}

EXPORT int timespec_get(struct timespec *ts, int base)
{
	ENSURE_INIT();
	if (base != TIME_UTC) {
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, ts);
	return base;
}

/* Absolute CLOCK_REALTIME waits: turned into relative waits on the
   emulated clock's current rate (good enough for short waits). */
EXPORT int clock_nanosleep(clockid_t id, int flags, const struct timespec *req,
			   struct timespec *rem)
{
	ENSURE_INIT();
	if (sysclk && (id == CLOCK_REALTIME || id == CLOCK_TAI) && (flags & TIMER_ABSTIME)) {
		int64_t now = sys_now() + (id == CLOCK_TAI ? sysclk->tai * NS : 0);
		int64_t d = ts_to_ns(req) - now;
		struct timespec rel;

		if (d <= 0) {
			return 0;
		}
		d = (int64_t)(d / (1.0 + hwsim_clock_rate_ppm(sysclk) * 1e-6));
		ns_to_ts(d, &rel);
		return real_clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL);
	}
	if (phc_of_clockid(id)) {
		return EOPNOTSUPP;
	}
	return real_clock_nanosleep(id, flags, req, rem);
}

EXPORT int timerfd_create(int clockid, int flags)
{
	int fd;

	ENSURE_INIT();
	fd = real_timerfd_create(clockid, flags);
	if (fd >= 0 && fdi(fd)) {
		memset(fdi(fd), 0, sizeof(struct fd_info));
		if (clockid == CLOCK_REALTIME || clockid == CLOCK_REALTIME_ALARM) {
			fdi(fd)->kind = FD_RT_TIMER;
		}
	}
	return fd;
}

/* An absolute deadline on a CLOCK_REALTIME timerfd is a time of the
   emulated clock: turn it into the real deadline it corresponds to now
   (later steps of the emulated clock do not move it). */
EXPORT int timerfd_settime(int fd, int flags, const struct itimerspec *nv,
			   struct itimerspec *old)
{
	ENSURE_INIT();
	if (sysclk && (flags & TFD_TIMER_ABSTIME) && nv && fdi(fd) && fdi(fd)->kind == FD_RT_TIMER &&
	    (nv->it_value.tv_sec || nv->it_value.tv_nsec)) {
		struct itimerspec rel = *nv;
		int64_t T = hwsim_truth();
		int64_t d = ts_to_ns(&nv->it_value) - sys_at(T);

		d = (int64_t)(d / (1.0 + hwsim_clock_rate_ppm(sysclk) * 1e-6));
		ns_to_ts(T + (d > 0 ? d : 1), &rel.it_value);
		return real_timerfd_settime(fd, flags, &rel, old);
	}
	return real_timerfd_settime(fd, flags, nv, old);
}

/* --- open/close of /dev/ptpN --------------------------------------------- */
/* N of PREFIX<N> (N <= max), or -1 */
static int dev_path_index(const char *path, const char *prefix, long max)
{
	size_t k = strlen(prefix);
	char *end;
	long n;

	if (!path || strncmp(path, prefix, k) || !path[k]) {
		return -1;
	}
	n = strtol(path + k, &end, 10);
	return *end || n < 0 || n > max ? -1 : (int)n;
}

static int phc_path_index(const char *path)
{
	return dev_path_index(path, "/dev/ptp", 127);
}

static int do_pps_ioctl(struct fd_info *f, unsigned long req, void *arg);

static int pps_path_index(const char *path)
{
	return dev_path_index(path, "/dev/pps", HWSIM_MAX_PPS - 1);
}

static int open_phc(const char *path, int flags)
{
	int idx = phc_path_index(path), fd, kind = FD_PHC;
	struct fd_info *f;

	if (idx < 0 && shm && (idx = pps_path_index(path)) >= 0 &&
	    (uint32_t)idx < shm->pps_count) {
		kind = FD_PPS;
	} else if (idx < 0 || !shm || !hwsim_find_phc_index(shm, idx)) {
		return -2;
	}
	/* A real file descriptor that nothing can misuse stands for the PHC. */
	fd = real_open("/dev/null", (flags & O_CLOEXEC) | O_RDWR, 0);
	f = fdi(fd);
	if (fd >= 0 && !f) {
		real_close(fd);
		errno = EMFILE;
		return -1;
	}
	if (fd >= 0) {
		memset(f, 0, sizeof(*f));
		f->kind = (uint8_t)kind;
		f->phc_index = (int8_t)idx;
		dbg("open %s -> fd %d", path, fd);
	}
	return fd;
}

#define OPEN_MODE(flags, mode) do { \
	if (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) { \
		va_list ap; \
		va_start(ap, flags); \
		mode = va_arg(ap, int); \
		va_end(ap); \
	} \
} while (0)

static void fd_opened(int fd)
{
	struct fd_info *f = fdi(fd);

	if (f) {
		memset(f, 0, sizeof(*f));
		free(tx_rings[fd]);
		tx_rings[fd] = NULL;
	}
}

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	int fd;

	ENSURE_INIT();
	OPEN_MODE(flags, mode);
	fd = open_phc(path, flags);
	if (fd != -2) {
		return fd;
	}
	fd = real_open(path, flags, mode);
	fd_opened(fd);
	return fd;
}

EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	return open(path, flags, mode);
}

EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return open(path, flags);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	int fd;

	ENSURE_INIT();
	OPEN_MODE(flags, mode);
	fd = open_phc(path, flags);
	if (fd != -2) {
		return fd;
	}
	fd = real_openat(dirfd, path, flags, mode);
	fd_opened(fd);
	return fd;
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	return openat(dirfd, path, flags, mode);
}

EXPORT int close(int fd)
{
	ENSURE_INIT();
	fd_opened(fd);
	return real_close(fd);
}

/* --- interfaces ---------------------------------------------------------- */
static struct hwsim_clock *phc_by_name(const char *ifname)
{
	return shm ? hwsim_find_phc_if(shm, my_netns, ifname, 0) : NULL;
}

static struct hwsim_clock *phc_by_ifindex(int ifindex)
{
	return shm && ifindex > 0 ? hwsim_find_phc_if(shm, my_netns, NULL, ifindex) : NULL;
}

static struct hwsim_clock *sole_phc(void)
{
	struct hwsim_clock *found = NULL;

	if (!shm) {
		return NULL;
	}
	for (int i = 0; i < HWSIM_MAX_CLOCKS; i++) {
		struct hwsim_clock *c = &shm->clocks[i];

		if (c->used && c->kind == HWSIM_PHC && c->netns == my_netns) {
			if (found) {
				return NULL;
			}
			found = c;
		}
	}
	return found;
}

static void fill_ts_info(struct hwsim_clock *c, struct ethtool_ts_info *ti)
{
	uint32_t cmd = ti->cmd;

	memset(ti, 0, sizeof(*ti));
	ti->cmd = cmd;
	ti->so_timestamping = SOF_TIMESTAMPING_TX_HARDWARE | SOF_TIMESTAMPING_TX_SOFTWARE |
			      SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RX_SOFTWARE |
			      SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
	ti->phc_index = c->phc_index;
	ti->tx_types = (1 << HWTSTAMP_TX_OFF) | (1 << HWTSTAMP_TX_ON);
	ti->rx_filters = (1 << HWTSTAMP_FILTER_NONE) | (1 << HWTSTAMP_FILTER_ALL);
}

static int do_ethtool(struct ifreq *ifr)
{
	struct hwsim_clock *c = phc_by_name(ifr->ifr_name);
	struct ethtool_ts_info *ti = (struct ethtool_ts_info *)ifr->ifr_data;

	if (!c || !ti || ti->cmd != ETHTOOL_GET_TS_INFO) {
		return -2;
	}
	fill_ts_info(c, ti);
	dbg("ETHTOOL_GET_TS_INFO %s -> phc %d", ifr->ifr_name, c->phc_index);
	return 0;
}

static int do_hwtstamp(unsigned long req, struct ifreq *ifr)
{
	struct hwsim_clock *c = phc_by_name(ifr->ifr_name);
	struct hwtstamp_config *cfg = (struct hwtstamp_config *)ifr->ifr_data;

	if (!c) {
		return -2;
	}
	if (!cfg) {
		errno = EFAULT;
		return -1;
	}
	if (req == SIOCGHWTSTAMP) {
		cfg->flags = c->hw_flags;
		cfg->tx_type = c->hw_tx_type;
		cfg->rx_filter = c->hw_rx_filter;
		return 0;
	}
	if (cfg->tx_type != HWTSTAMP_TX_OFF && cfg->tx_type != HWTSTAMP_TX_ON) {
		errno = ERANGE;
		return -1;
	}
	if (cfg->rx_filter < 0 || cfg->rx_filter > HWTSTAMP_FILTER_NTP_ALL) {
		errno = ERANGE;
		return -1;
	}
	/* Like most NICs, a PTP filter is upgraded to "all". */
	if (cfg->rx_filter != HWTSTAMP_FILTER_NONE) {
		cfg->rx_filter = HWTSTAMP_FILTER_ALL;
	}
	c->hw_flags = cfg->flags;
	c->hw_tx_type = cfg->tx_type;
	c->hw_rx_filter = cfg->rx_filter;
	__atomic_store_n(&c->hw_set, 1, __ATOMIC_RELEASE);
	dbg("SIOCSHWTSTAMP %s tx %d rx %d", ifr->ifr_name, cfg->tx_type, cfg->rx_filter);
	return 0;
}

static unsigned int disabled(const struct hwsim_clock *c)
{
	return env_disable | c->disable | (shm ? shm->disable : 0);
}

static void put_pct(struct ptp_clock_time *p, int64_t ns)
{
	struct timespec ts;

	ns_to_ts(ns, &ts);
	p->sec = ts.tv_sec;
	p->nsec = (uint32_t)ts.tv_nsec;
	p->reserved = 0;
}

/* A PHC read over PCIe takes a while and the device latches its time
   somewhere inside that window, not in the middle: model it at 2/3. */
static int64_t phc_latch(const struct hwsim_clock *c, int64_t T)
{
	return T + c->read_delay_ns * 2 / 3;
}

static int do_phc_ioctl(struct fd_info *f, unsigned long req, void *arg)
{
	struct hwsim_clock *c = shm ? hwsim_find_phc_index(shm, f->phc_index) : NULL;
	unsigned int off;
	int v2 = 0;

	if (!c) {
		errno = ENODEV;
		return -1;
	}
	off = disabled(c);
	switch (req) {
	case PTP_CLOCK_GETCAPS2:
	case PTP_SYS_OFFSET2:
	case PTP_SYS_OFFSET_PRECISE2:
	case PTP_SYS_OFFSET_EXTENDED2:
		v2 = 1;
		if (off & HWSIM_NO_V2_IOCTLS) {
			errno = ENOTTY;
			return -1;
		}
		break;
	default:
		break;
	}
	if (req == PTP_CLOCK_GETCAPS || req == PTP_CLOCK_GETCAPS2) {
		struct ptp_clock_caps *caps = arg;

		memset(caps, 0, sizeof(*caps));
		caps->max_adj = HWSIM_PHC_MAX_ADJ_PPB;
		caps->cross_timestamping = !(off & HWSIM_NO_SYS_OFFSET_PREC);
		return 0;
	}
	if (req == PTP_SYS_OFFSET || req == PTP_SYS_OFFSET2) {
		struct ptp_sys_offset *so = arg;

		if (off & HWSIM_NO_SYS_OFFSET) {
			errno = EOPNOTSUPP;
			return -1;
		}
		if (so->n_samples > PTP_MAX_SAMPLES) {
			errno = EINVAL;
			return -1;
		}
		__atomic_add_fetch(&c->n_sysoff[0], 1, __ATOMIC_RELAXED);
		/* sys, phc, sys, phc, ..., sys: each PHC read takes read_delay
		   between the system readings around it. */
		{
			int64_t T = hwsim_truth(), t;

			for (unsigned int i = 0; i < so->n_samples; i++) {
				put_pct(&so->ts[2 * i], sys_at(T));
				put_pct(&so->ts[2 * i + 1], hwsim_clock_at(shm, c, phc_latch(c, T)));
				T += c->read_delay_ns;
				t = hwsim_truth();
				if (t > T) {
					T = t;
				}
			}
			put_pct(&so->ts[2 * so->n_samples], sys_at(T));
		}
		return 0;
	}
	if (req == PTP_SYS_OFFSET_EXTENDED || req == PTP_SYS_OFFSET_EXTENDED2) {
		struct ptp_sys_offset_extended *so = arg;

		if (off & HWSIM_NO_SYS_OFFSET_EXT) {
			errno = EOPNOTSUPP;
			return -1;
		}
		if (so->n_samples > PTP_MAX_SAMPLES) {
			errno = EINVAL;
			return -1;
		}
		__atomic_add_fetch(&c->n_sysoff[1], 1, __ATOMIC_RELAXED);
		for (unsigned int i = 0; i < so->n_samples; i++) {
			int64_t T = hwsim_truth();

			put_pct(&so->ts[i][0], sys_at(T));
			put_pct(&so->ts[i][1], hwsim_clock_at(shm, c, phc_latch(c, T)));
			put_pct(&so->ts[i][2], sys_at(hwsim_truth() + c->read_delay_ns));
		}
		return 0;
	}
	if (req == PTP_SYS_OFFSET_PRECISE || req == PTP_SYS_OFFSET_PRECISE2) {
		struct ptp_sys_offset_precise *sp = arg;
		struct timespec raw;
		int64_t T;

		if (off & HWSIM_NO_SYS_OFFSET_PREC) {
			errno = EOPNOTSUPP;
			return -1;
		}
		__atomic_add_fetch(&c->n_sysoff[2], 1, __ATOMIC_RELAXED);
		T = hwsim_truth();
		raw_gettime(CLOCK_MONOTONIC_RAW, &raw);
		memset(sp, 0, sizeof(*sp));
		put_pct(&sp->device, hwsim_clock_at(shm, c, T));
		put_pct(&sp->sys_realtime, sys_at(T));
		put_pct(&sp->sys_monoraw, ts_to_ns(&raw));
		return 0;
	}
	(void)v2;
	/* No pins, alarms, external timestamps or periodic outputs. */
	errno = EINVAL;
	return -1;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct fd_info *f;
	va_list ap;
	void *arg;
	int r;

	ENSURE_INIT();
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	f = fdi(fd);
	if (f && f->kind == FD_PHC) {
		return do_phc_ioctl(f, req, arg);
	}
	if (f && f->kind == FD_PPS) {
		return do_pps_ioctl(f, req, arg);
	}
	if (shm && arg) {
		if (req == SIOCETHTOOL) {
			r = do_ethtool(arg);
			if (r != -2) {
				return r;
			}
		} else if (req == SIOCSHWTSTAMP || req == SIOCGHWTSTAMP) {
			r = do_hwtstamp(req, arg);
			if (r != -2) {
				return r;
			}
		}
	}
	return real_ioctl(fd, req, arg);
}

/* --- PPS ----------------------------------------------------------------- */
/* The LinuxPPS ioctls that timepps.h uses.  An edge at every second of
   truth + the source's offset, stamped with this process's system clock
   as the kernel would (at the edge, not when fetched).  PPS_FETCH never
   waits: the newest edge is always there. */
static int do_pps_ioctl(struct fd_info *f, unsigned long req, void *arg)
{
	static __thread struct pps_kparams params = {
		.api_version = PPS_API_VERS, .mode = PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC,
	};

	if (!arg) {
		errno = EFAULT;
		return -1;
	}
	switch (req) {
	case PPS_GETPARAMS:
		*(struct pps_kparams *)arg = params;
		return 0;
	case PPS_SETPARAMS:
		params = *(struct pps_kparams *)arg;
		params.api_version = PPS_API_VERS;
		return 0;
	case PPS_GETCAP:
		*(int *)arg = PPS_CAPTUREASSERT | PPS_OFFSETASSERT | PPS_CANWAIT | PPS_TSFMT_TSPEC;
		return 0;
	case PPS_FETCH: {
		struct pps_fdata *d = arg;
		int64_t off = shm->pps_offset_ns[f->phc_index], T = hwsim_truth() - off;
		int64_t k = T / NS, edge = k * NS + off, stamp = sys_at(edge);

		memset(&d->info, 0, sizeof(d->info));
		d->info.assert_sequence = (uint32_t)k;
		d->info.assert_tu.sec = stamp / NS;
		d->info.assert_tu.nsec = (int32_t)(stamp % NS);
		d->info.current_mode = params.mode;
		return 0;
	}
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* --- sockets ------------------------------------------------------------- */
static uint32_t sw_flags_for(uint32_t req)
{
	uint32_t k = req & ~HW_TS_FLAGS;

	if (req & SOF_TIMESTAMPING_TX_HARDWARE) {
		k |= SOF_TIMESTAMPING_TX_SOFTWARE;
	}
	if (req & SOF_TIMESTAMPING_RX_HARDWARE) {
		k |= SOF_TIMESTAMPING_RX_SOFTWARE;
	}
	if (req & SOF_TIMESTAMPING_RAW_HARDWARE) {
		k |= SOF_TIMESTAMPING_SOFTWARE;
	}
	return k;
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct fd_info *f = fdi(fd);

	ENSURE_INIT();
	if (f && level == SOL_SOCKET && (name == SO_TIMESTAMPING || name == SO_TIMESTAMPING_NEW) &&
	    val && len >= sizeof(int)) {
		char buf[64];
		uint32_t req;
		int r;

		if (len > sizeof(buf)) {
			errno = EINVAL;
			return -1;
		}
		memcpy(buf, val, len);
		memcpy(&req, buf, sizeof(req));
		req &= ~SOF_TIMESTAMPING_BIND_PHC;
		{
			uint32_t k = sw_flags_for(req);

			memcpy(buf, &k, sizeof(k));
		}
		/* struct so_timestamping's bind_phc is meaningless on veth */
		r = real_setsockopt(fd, level, name, buf,
				    len > sizeof(int) ? sizeof(int) : len);
		if (r == 0) {
			if ((req & SOF_TIMESTAMPING_OPT_ID) && !(f->ts_req & SOF_TIMESTAMPING_OPT_ID) &&
			    tx_rings[fd]) {
				tx_rings[fd]->next_key = 0;
				tx_rings[fd]->fifo_key = 0;
			}
			f->kind = FD_SOCK;
			f->ts_req = req;
			dbg("SO_TIMESTAMPING fd %d req %#x", fd, req);
		}
		return r;
	}
	if (f && level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		int r = real_setsockopt(fd, level, name, val, len);

		if (r == 0) {
			char ifn[IFNAMSIZ + 1] = "";

			if (val && len) {
				memcpy(ifn, val, len < IFNAMSIZ ? len : IFNAMSIZ);
			}
			f->bound_ifindex = ifn[0] ? (int)if_nametoindex(ifn) : 0;
		}
		return r;
	}
	return real_setsockopt(fd, level, name, val, len);
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct fd_info *f = fdi(fd);

	ENSURE_INIT();
	if (f && f->kind == FD_SOCK && level == SOL_SOCKET &&
	    (name == SO_TIMESTAMPING || name == SO_TIMESTAMPING_NEW) &&
	    val && len && *len >= sizeof(int)) {
		memcpy(val, &f->ts_req, sizeof(int));
		*len = sizeof(int);
		return 0;
	}
	return real_getsockopt(fd, level, name, val, len);
}

/* Last WIRE_KEY_LEN bytes of a message: the same bytes whether the
   message is seen as a UDP payload, an AF_PACKET frame, or the frame the
   error queue loops back. */
static int wire_hash(const struct iovec *iov, size_t iovlen, size_t len, uint64_t *h)
{
	unsigned char key[WIRE_KEY_LEN];
	size_t total = 0, start, pos = 0, k = 0;

	for (size_t i = 0; i < iovlen; i++) {
		total += iov[i].iov_len;
	}
	if (len < total) {
		total = len;
	}
	if (total < WIRE_KEY_LEN) {
		return -1;
	}
	start = total - WIRE_KEY_LEN;
	for (size_t i = 0; i < iovlen && k < WIRE_KEY_LEN; i++) {
		const unsigned char *p = iov[i].iov_base;

		for (size_t j = 0; j < iov[i].iov_len && pos < total; j++, pos++) {
			if (pos >= start) {
				key[k++] = p[j];
			}
		}
	}
	*h = hwsim_hash(key, sizeof(key));
	return 0;
}

static void wire_record(int fd, const struct iovec *iov, size_t iovlen, size_t len, int64_t T)
{
	struct fd_info *f = fdi(fd);
	uint64_t h, slot;

	if (!shm || shm->wire_mode != HWSIM_WIRE_IDEAL || !f || f->kind != FD_SOCK ||
	    !(f->ts_req | f->ts_txreq) || wire_hash(iov, iovlen, len, &h)) {
		return;
	}
	slot = __atomic_fetch_add(&shm->wire_head, 1, __ATOMIC_RELAXED) % HWSIM_WIRE_SLOTS;
	__atomic_store_n(&shm->wire[slot].hash, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&shm->wire[slot].truth_ns, T, __ATOMIC_RELAXED);
	__atomic_store_n(&shm->wire[slot].hash, h, __ATOMIC_RELEASE);
}

static int wire_lookup(uint64_t h, int64_t *T)
{
	uint64_t head = __atomic_load_n(&shm->wire_head, __ATOMIC_ACQUIRE);

	for (uint64_t i = 0; i < WIRE_SEARCH && i < head; i++) {
		struct hwsim_wire_slot *w = &shm->wire[(head - 1 - i) % HWSIM_WIRE_SLOTS];

		if (__atomic_load_n(&w->hash, __ATOMIC_ACQUIRE) == h) {
			*T = w->truth_ns;
			if (__atomic_load_n(&w->hash, __ATOMIC_ACQUIRE) == h) {
				return 0;
			}
		}
	}
	return -1;
}

/* Deterministic per packet: N(0, jitter) from the packet hash. */
static int64_t wire_delay(uint64_t h, const struct hwsim_clock *rx)
{
	uint64_t r = h * 0x9e3779b97f4a7c15ULL + 1;
	double u1, u2, g = 0.0;
	int64_t d;

	if (shm->wire_jitter_ns > 0) {
		u1 = ((r >> 11) + 1.0) / 9007199254740993.0;
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		u2 = (r >> 11) / 9007199254740992.0;
		g = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	}
	d = shm->wire_delay_ns + (rx ? rx->rx_delay_ns : 0) +
	    (int64_t)(g * shm->wire_jitter_ns);
	return d < 0 ? 0 : d;
}

/* Per-message TX timestamping (an SO_TIMESTAMPING cmsg on sendmsg, as
   chronyd does): remember what was asked and give the kernel software
   flags instead.  Works on a copy of the control buffer; returns the
   msghdr to send (*copy, or m itself when there is nothing to change). */
static const struct msghdr *tx_cmsg(int fd, const struct msghdr *m, struct msghdr *copy,
				    char *ctl, size_t ctl_size, uint32_t *txflags)
{
	struct fd_info *f = fdi(fd);
	struct cmsghdr *cm;
	int found = 0;

	*txflags = 0;
	if (!f || !m->msg_control || !m->msg_controllen || m->msg_controllen > ctl_size) {
		return m;
	}
	*copy = *m;
	memcpy(ctl, m->msg_control, m->msg_controllen);
	copy->msg_control = ctl;
	for (cm = CMSG_FIRSTHDR(copy); cm; cm = CMSG_NXTHDR(copy, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    (cm->cmsg_type == SO_TIMESTAMPING || cm->cmsg_type == SO_TIMESTAMPING_NEW) &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
			uint32_t v;

			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			f->ts_txreq |= v;
			*txflags |= v;
			if (f->kind == FD_NONE) {
				f->kind = FD_SOCK;
			}
			v = sw_flags_for(v) & ~SOF_TIMESTAMPING_SOFTWARE;
			memcpy(CMSG_DATA(cm), &v, sizeof(v));
			found = 1;
		}
	}
	return found ? copy : m;
}

/* Local address -> interface index, from getifaddrs(), refreshed at most
   once a second on a miss. */
struct addr_if {
	int family;
	unsigned char addr[16];
	int ifindex;
};
static struct addr_if addr_cache[64];
static int addr_cache_n;
static int64_t addr_cache_time;
static pthread_mutex_t addr_lock = PTHREAD_MUTEX_INITIALIZER;

static int addr_ifindex_locked(int family, const void *addr);

/* Senders may be worker threads (ntp/). */
static int addr_ifindex(int family, const void *addr)
{
	int r;

	pthread_mutex_lock(&addr_lock);
	r = addr_ifindex_locked(family, addr);
	pthread_mutex_unlock(&addr_lock);
	return r;
}

static int addr_ifindex_locked(int family, const void *addr)
{
	size_t alen = family == AF_INET ? 4 : 16;
	struct ifaddrs *ifa, *i;
	int64_t t;

	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < addr_cache_n; k++) {
			if (addr_cache[k].family == family && !memcmp(addr_cache[k].addr, addr, alen)) {
				return addr_cache[k].ifindex;
			}
		}
		t = hwsim_truth();
		if (pass || t - addr_cache_time < NS || getifaddrs(&ifa) < 0) {
			return 0;
		}
		addr_cache_time = t;
		addr_cache_n = 0;
		for (i = ifa; i && addr_cache_n < 64; i = i->ifa_next) {
			struct addr_if *a = &addr_cache[addr_cache_n];

			if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
					     i->ifa_addr->sa_family != AF_INET6)) {
				continue;
			}
			a->family = i->ifa_addr->sa_family;
			if (a->family == AF_INET) {
				memcpy(a->addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			} else {
				memcpy(a->addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			}
			a->ifindex = (int)if_nametoindex(i->ifa_name);
			addr_cache_n++;
		}
		freeifaddrs(ifa);
	}
	return 0;
}

/* The interface a message leaves by, as far as its pktinfo says. */
static int out_ifindex(const struct msghdr *m)
{
	struct cmsghdr *cm;

	if (!m->msg_control || !m->msg_controllen) {
		return 0;
	}
	for (cm = CMSG_FIRSTHDR((struct msghdr *)m); cm; cm = CMSG_NXTHDR((struct msghdr *)m, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			if (pi.ipi_ifindex > 0) {
				return pi.ipi_ifindex;
			}
			if (pi.ipi_spec_dst.s_addr != htonl(INADDR_ANY)) {
				return addr_ifindex(AF_INET, &pi.ipi_spec_dst);
			}
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			if (pi.ipi6_ifindex > 0) {
				return (int)pi.ipi6_ifindex;
			}
			if (!IN6_IS_ADDR_UNSPECIFIED(&pi.ipi6_addr)) {
				return addr_ifindex(AF_INET6, &pi.ipi6_addr);
			}
		}
	}
	return 0;
}

/* Note a send; returns 1 if it took a key (a timestamped datagram). */
static int tx_note(int fd, const struct msghdr *m, uint32_t cmsg_tx, int64_t T)
{
	struct fd_info *f = fdi(fd);
	struct tx_ring *ring;
	struct tx_rec *r;

	if (!f || f->kind != FD_SOCK || !((f->ts_req | cmsg_tx) & TX_TS_FLAGS)) {
		return 0;
	}
	ring = tx_rings[fd];
	if (!ring) {
		ring = tx_rings[fd] = calloc(1, sizeof(*ring));
		if (!ring) {
			return 0;
		}
	}
	r = &ring->r[ring->next_key % TX_RING];
	r->key = ring->next_key++;
	r->ifindex = m ? out_ifindex(m) : 0;
	r->T = T;
	return 1;
}

static void tx_unnote(int fd, int n)
{
	if (n > 0 && fd >= 0 && fd < MAX_FDS && tx_rings[fd]) {
		tx_rings[fd]->next_key -= (uint32_t)n;
	}
}

/* The send an error-queue stamp belongs to: by OPT_ID key, else the oldest
   send not yet matched that is not after the kernel's stamp (sends whose
   stamp never came are skipped after 100 ms). */
static struct tx_rec *tx_find(int fd, const struct fd_info *f,
			      const struct sock_extended_err *ee, int64_t Tk)
{
	struct tx_ring *ring = fd >= 0 && fd < MAX_FDS ? tx_rings[fd] : NULL;
	struct tx_rec *r;

	if (!ring || !ee || ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
	    ee->ee_info != SCM_TSTAMP_SND) {
		return NULL;
	}
	if (f->ts_req & SOF_TIMESTAMPING_OPT_ID) {
		r = &ring->r[ee->ee_data % TX_RING];
		return r->key == ee->ee_data && ring->next_key - ee->ee_data <= TX_RING ? r : NULL;
	}
	if (ring->next_key - ring->fifo_key > TX_RING) {
		ring->fifo_key = ring->next_key - TX_RING;
	}
	for (; ring->fifo_key != ring->next_key; ring->fifo_key++) {
		r = &ring->r[ring->fifo_key % TX_RING];
		if (r->T < Tk - NS / 10) {
			continue;
		}
		if (r->T <= Tk) {
			ring->fifo_key++;
			return r;
		}
		break;
	}
	return NULL;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct msghdr copy;
	char ctl[512];
	uint32_t txf;
	int64_t T;
	int noted = 0;
	ssize_t r;

	ENSURE_INIT();
	if (m && fdi(fd) && fdi(fd)->kind != FD_PHC) {
		const struct msghdr *orig = m;

		m = tx_cmsg(fd, m, &copy, ctl, sizeof(ctl), &txf);
		T = hwsim_truth();
		wire_record(fd, m->msg_iov, m->msg_iovlen, SIZE_MAX, T);
		noted = tx_note(fd, orig, txf, T);
	}
	r = real_sendmsg(fd, m, flags);
	if (r < 0) {
		tx_unnote(fd, noted);
	}
	return r;
}

EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags)
{
	struct mmsghdr vc[64];
	char ctl[64][256];
	uint8_t noted[64];
	int64_t T;
	int r;

	ENSURE_INIT();
	if (!v || !fdi(fd)) {
		return real_sendmmsg(fd, v, n, flags);
	}
	if (n > 64) {
		n = 64;   /* a short count is allowed; the caller sends the rest */
	}
	T = hwsim_truth();
	for (unsigned int i = 0; i < n; i++) {
		uint32_t txf;
		const struct msghdr *h = tx_cmsg(fd, &v[i].msg_hdr, &vc[i].msg_hdr, ctl[i],
						 sizeof(ctl[i]), &txf);

		if (h != &vc[i].msg_hdr) {
			vc[i].msg_hdr = *h;
		}
		vc[i].msg_len = 0;
		wire_record(fd, h->msg_iov, h->msg_iovlen, SIZE_MAX, T);
		noted[i] = (uint8_t)tx_note(fd, &v[i].msg_hdr, txf, T);
	}
	r = real_sendmmsg(fd, vc, n, flags);
	for (int i = 0; i < r; i++) {
		v[i].msg_len = vc[i].msg_len;
	}
	{
		int unsent = 0;

		for (unsigned int i = r < 0 ? 0 : (unsigned int)r; i < n; i++) {
			unsent += noted[i];
		}
		tx_unnote(fd, unsent);
	}
	return r;
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
		      __CONST_SOCKADDR_ARG addr, socklen_t alen)
{
	struct iovec iov = { (void *)buf, len };
	int64_t T;
	int noted;
	ssize_t r;

	ENSURE_INIT();
	T = hwsim_truth();
	wire_record(fd, &iov, 1, len, T);
	noted = tx_note(fd, NULL, 0, T);
	r = real_sendto(fd, buf, len, flags, addr.__sockaddr__, alen);
	if (r < 0) {
		tx_unnote(fd, noted);
	}
	return r;
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { (void *)buf, len };
	int64_t T;
	int noted;
	ssize_t r;

	ENSURE_INIT();
	T = hwsim_truth();
	wire_record(fd, &iov, 1, len, T);
	noted = tx_note(fd, NULL, 0, T);
	r = real_send(fd, buf, len, flags);
	if (r < 0) {
		tx_unnote(fd, noted);
	}
	return r;
}

static struct hwsim_clock *packet_phc(int fd, const struct msghdr *m, int cmsg_ifindex)
{
	struct fd_info *f = fdi(fd);
	struct hwsim_clock *c;

	if (cmsg_ifindex > 0) {
		return phc_by_ifindex(cmsg_ifindex);
	}
	if (m->msg_name && m->msg_namelen >= sizeof(struct sockaddr_ll) &&
	    ((struct sockaddr *)m->msg_name)->sa_family == AF_PACKET) {
		c = phc_by_ifindex(((struct sockaddr_ll *)m->msg_name)->sll_ifindex);
		if (c) {
			return c;
		}
	}
	if (f && f->bound_ifindex > 0) {
		return phc_by_ifindex(f->bound_ifindex);
	}
	{
		struct sockaddr_ll sll;
		socklen_t sl = sizeof(sll);

		if (getsockname(fd, (struct sockaddr *)&sll, &sl) == 0 &&
		    sll.sll_family == AF_PACKET && sll.sll_ifindex > 0) {
			return phc_by_ifindex(sll.sll_ifindex);
		}
	}
	return sole_phc();
}

static void translate_ts(struct timespec *ts)
{
	if (sysclk && (ts->tv_sec || ts->tv_nsec)) {
		ns_to_ts(sys_at(ts_to_ns(ts)), ts);
	}
}

static void fix_msg(int fd, struct msghdr *m, size_t len, int flags, size_t ctl_cap)
{
	struct fd_info *f = fdi(fd);
	struct scm_timestamping *tss = NULL;
	const struct sock_extended_err *ee = NULL;
	struct tx_rec *rec = NULL;
	struct hwsim_clock *c;
	struct cmsghdr *cm;
	int errq = flags & MSG_ERRQUEUE, ifindex = 0, family = 0;
	int want_hw, want_sw;
	uint32_t req;
	int64_t T;

	if (!m->msg_control || !m->msg_controllen) {
		return;
	}
	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    (cm->cmsg_type == SO_TIMESTAMPING || cm->cmsg_type == SO_TIMESTAMPING_NEW) &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*tss))) {
			tss = (struct scm_timestamping *)CMSG_DATA(cm);
		} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			ifindex = ((struct in_pktinfo *)CMSG_DATA(cm))->ipi_ifindex;
			family = AF_INET;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			ifindex = ((struct in6_pktinfo *)CMSG_DATA(cm))->ipi6_ifindex;
			family = AF_INET6;
		} else if (((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)) &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(*ee))) {
			ee = (const struct sock_extended_err *)CMSG_DATA(cm);
		} else if (cm->cmsg_level == SOL_SOCKET &&
			   (cm->cmsg_type == SO_TIMESTAMPNS || cm->cmsg_type == SO_TIMESTAMPNS_NEW)) {
			translate_ts((struct timespec *)CMSG_DATA(cm));
		} else if (cm->cmsg_level == SOL_SOCKET &&
			   (cm->cmsg_type == SO_TIMESTAMP || cm->cmsg_type == SO_TIMESTAMP_NEW) &&
			   sysclk) {
			struct timeval *tv = (struct timeval *)CMSG_DATA(cm);
			int64_t ns = sys_at(tv->tv_sec * NS + tv->tv_usec * 1000);

			tv->tv_sec = ns / NS;
			tv->tv_usec = (ns % NS) / 1000;
		}
	}
	if (!tss || !f || f->kind != FD_SOCK) {
		return;
	}
	req = f->ts_req | (errq ? f->ts_txreq : 0);
	T = ts_to_ns(&tss->ts[0]);
	if (!T) {
		return;
	}
	if (errq) {
		rec = tx_find(fd, f, ee, T);
		if (rec && ifindex <= 0) {
			ifindex = rec->ifindex;
		}
	}
	c = packet_phc(fd, m, ifindex);
	if (shm && shm->wire_mode == HWSIM_WIRE_IDEAL) {
		uint64_t h;
		int64_t Ts;

		/* The payload match is exact; the socket's send record (needed
		   when the error queue has no payload) is the fallback. */
		if (!wire_hash(m->msg_iov, m->msg_iovlen, len, &h) && !wire_lookup(h, &Ts)) {
			T = errq ? Ts : Ts + wire_delay(h, c);
			__atomic_add_fetch(&shm->wire_hits, 1, __ATOMIC_RELAXED);
		} else if (rec) {
			T = rec->T;
			__atomic_add_fetch(&shm->wire_hits, 1, __ATOMIC_RELAXED);
		} else {
			__atomic_add_fetch(&shm->wire_misses, 1, __ATOMIC_RELAXED);
			dbg("wire miss fd %d len %zu errq %d", fd, len, !!errq);
		}
	}
	want_hw = c && c->hw_set && (req & SOF_TIMESTAMPING_RAW_HARDWARE) &&
		  (errq ? (req & SOF_TIMESTAMPING_TX_HARDWARE) && c->hw_tx_type == HWTSTAMP_TX_ON
			: (req & SOF_TIMESTAMPING_RX_HARDWARE) && c->hw_rx_filter != HWTSTAMP_FILTER_NONE);
	want_sw = (req & SOF_TIMESTAMPING_SOFTWARE) &&
		  (req & (errq ? SOF_TIMESTAMPING_TX_SOFTWARE : SOF_TIMESTAMPING_RX_SOFTWARE));
	if (errq && want_hw && want_sw && !(req & SOF_TIMESTAMPING_OPT_TX_SWHW)) {
		want_sw = 0;   /* a NIC gives only the hardware stamp then */
	}
	dbg("ts fd %d errq %d len %zu req %#x hw %d sw %d phc %s ifindex %d",
	    fd, !!errq, len, req, want_hw, want_sw, c ? c->name : "-", ifindex);
	memset(&tss->ts[1], 0, sizeof(tss->ts[1]));
	if (want_hw) {
		ns_to_ts(hwsim_clock_at(shm, c, T), &tss->ts[2]);
	} else {
		memset(&tss->ts[2], 0, sizeof(tss->ts[2]));
	}
	if (want_sw) {
		ns_to_ts(sys_at(T), &tss->ts[0]);
	} else {
		memset(&tss->ts[0], 0, sizeof(tss->ts[0]));
	}
	if (want_hw && !errq && (req & SOF_TIMESTAMPING_OPT_PKTINFO) &&
	    m->msg_controllen + CMSG_SPACE(sizeof(struct scm_ts_pktinfo)) <= ctl_cap) {
		struct scm_ts_pktinfo pi;
		size_t l2 = len + 14;

		if (family == AF_INET) {
			l2 += 20 + 8;
		} else if (family == AF_INET6) {
			l2 += 40 + 8;
		}
		memset(&pi, 0, sizeof(pi));
		pi.if_index = c->ifindex;
		pi.pkt_length = (uint32_t)l2;
		cm = (struct cmsghdr *)((char *)m->msg_control + m->msg_controllen);
		memset(cm, 0, CMSG_SPACE(sizeof(pi)));
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_TIMESTAMPING_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		m->msg_controllen += CMSG_SPACE(sizeof(pi));
	}
}

/* Programs often read the error queue into a buffer just as long as the
   message they sent (ptp4l does), which cuts the looped-back frame before
   the payload the ideal wire matches on.  Read the whole frame, then give
   the program what it asked for. */
static ssize_t recv_errqueue_full(int fd, struct msghdr *m, int flags, size_t cap)
{
	unsigned char buf[4096];
	struct iovec *uiov = m->msg_iov, iov = { buf, sizeof(buf) };
	size_t uiovlen = m->msg_iovlen, done = 0;
	ssize_t r;

	m->msg_iov = &iov;
	m->msg_iovlen = 1;
	r = real_recvmsg(fd, m, flags & ~MSG_TRUNC);
	if (r >= 0) {
		fix_msg(fd, m, (size_t)r, flags, cap);
	}
	m->msg_iov = uiov;
	m->msg_iovlen = uiovlen;
	if (r < 0) {
		return r;
	}
	for (size_t i = 0; i < uiovlen && done < (size_t)r; i++) {
		size_t n = (size_t)r - done < uiov[i].iov_len ? (size_t)r - done : uiov[i].iov_len;

		memcpy(uiov[i].iov_base, buf + done, n);
		done += n;
	}
	if (done < (size_t)r) {
		m->msg_flags |= MSG_TRUNC;
		return (flags & MSG_TRUNC) ? r : (ssize_t)done;
	}
	return r;
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	size_t cap;
	ssize_t r;

	ENSURE_INIT();
	cap = m ? m->msg_controllen : 0;
	if (m && (flags & MSG_ERRQUEUE) && shm && shm->wire_mode == HWSIM_WIRE_IDEAL &&
	    fdi(fd) && fdi(fd)->kind == FD_SOCK) {
		return recv_errqueue_full(fd, m, flags, cap);
	}
	r = real_recvmsg(fd, m, flags);
	if (r > 0 && m && is_genl(fd) && m->msg_iovlen == 1 && !(flags & MSG_TRUNC) &&
	    !(m->msg_flags & MSG_TRUNC)) {
		return (ssize_t)fix_genl(m->msg_iov[0].iov_base, (size_t)r, m->msg_iov[0].iov_len);
	}
	if (r >= 0 && m) {
		fix_msg(fd, m, (size_t)r, flags, cap);
	}
	return r;
}

EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
		    struct timespec *tmo)
{
	size_t caps[64];
	unsigned int k = n < 64 ? n : 64;
	int r;

	ENSURE_INIT();
	for (unsigned int i = 0; v && i < k; i++) {
		caps[i] = v[i].msg_hdr.msg_controllen;
	}
	r = real_recvmmsg(fd, v, k, flags, tmo);
	for (int i = 0; i < r; i++) {
		fix_msg(fd, &v[i].msg_hdr, v[i].msg_len, flags, caps[i]);
	}
	return r;
}

/* --- ethtool netlink TSINFO ----------------------------------------------
 * The request goes to the kernel (so poll() and sequence numbers stay
 * real); its reply about an emulated interface is rewritten in the
 * program's buffer: our capabilities as compact bitsets and the PHC index.
 * The family id of "ethtool" is learnt from the CTRL_CMD_GETFAMILY reply
 * the program itself asked for. */
static int ethtool_family = -1;

EXPORT int socket(int domain, int type, int protocol)
{
	int fd;

	ENSURE_INIT();
	fd = real_socket(domain, type, protocol);
	if (fd >= 0 && fdi(fd)) {
		memset(fdi(fd), 0, sizeof(struct fd_info));
		if (domain == AF_NETLINK && protocol == NETLINK_GENERIC) {
			fdi(fd)->kind = FD_GENL;
		}
	}
	return fd;
}

static struct nlattr *nla_find(void *start, size_t len, int type)
{
	size_t off = 0;

	while (off + NLA_HDRLEN <= len) {
		struct nlattr *a = (struct nlattr *)((char *)start + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len) {
			return NULL;
		}
		if ((a->nla_type & NLA_TYPE_MASK) == type) {
			return a;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static char *nla_put(char *p, int type, const void *data, size_t len)
{
	struct nlattr a = { (uint16_t)(NLA_HDRLEN + len), (uint16_t)type };

	memcpy(p, &a, sizeof(a));
	if (len) {
		memcpy(p + NLA_HDRLEN, data, len);
	}
	memset(p + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return p + NLA_HDRLEN + NLA_ALIGN(len);
}

static char *put_bitset(char *p, int type, uint32_t nbits, uint32_t value)
{
	char *start = p;
	struct nlattr *nest = (struct nlattr *)p;

	p += NLA_HDRLEN;
	p = nla_put(p, ETHTOOL_A_BITSET_NOMASK, NULL, 0);
	p = nla_put(p, ETHTOOL_A_BITSET_SIZE, &nbits, sizeof(nbits));
	p = nla_put(p, ETHTOOL_A_BITSET_VALUE, &value, sizeof(value));
	nest->nla_type = (uint16_t)(type | NLA_F_NESTED);
	nest->nla_len = (uint16_t)(p - start);
	return p;
}

/* Rewrite the messages in buf[0..len) (capacity cap); returns new length. */
static size_t fix_genl(char *buf, size_t len, size_t cap)
{
	size_t off = 0;

	while (off + NLMSG_HDRLEN <= len) {
		struct nlmsghdr *nh = (struct nlmsghdr *)(buf + off);
		struct genlmsghdr *gh = (struct genlmsghdr *)NLMSG_DATA(nh);
		size_t mlen = nh->nlmsg_len, alen;
		char *attrs;

		if (mlen < NLMSG_HDRLEN || off + mlen > len) {
			break;
		}
		if (mlen < NLMSG_HDRLEN + GENL_HDRLEN) {
			off += NLMSG_ALIGN(mlen);
			continue;
		}
		attrs = (char *)gh + GENL_HDRLEN;
		alen = mlen - NLMSG_HDRLEN - GENL_HDRLEN;
		if (nh->nlmsg_type == GENL_ID_CTRL && gh->cmd == CTRL_CMD_NEWFAMILY) {
			struct nlattr *name = nla_find(attrs, alen, CTRL_ATTR_FAMILY_NAME);
			struct nlattr *id = nla_find(attrs, alen, CTRL_ATTR_FAMILY_ID);

			if (name && id && name->nla_len >= NLA_HDRLEN + 8 &&
			    !strcmp((char *)name + NLA_HDRLEN, ETHTOOL_GENL_NAME)) {
				uint16_t v;

				memcpy(&v, (char *)id + NLA_HDRLEN, sizeof(v));
				ethtool_family = v;
			}
		} else if (ethtool_family >= 0 && nh->nlmsg_type == ethtool_family &&
			   gh->cmd == ETHTOOL_MSG_TSINFO_GET_REPLY) {
			struct nlattr *hdr = nla_find(attrs, alen, ETHTOOL_A_TSINFO_HEADER);
			struct nlattr *idx = hdr ? nla_find((char *)hdr + NLA_HDRLEN,
							    hdr->nla_len - NLA_HDRLEN,
							    ETHTOOL_A_HEADER_DEV_INDEX) : NULL;
			struct hwsim_clock *c = NULL;
			char tmp[512], *p;
			size_t nlen;
			uint32_t ifindex, phc;

			if (idx) {
				memcpy(&ifindex, (char *)idx + NLA_HDRLEN, sizeof(ifindex));
				c = phc_by_ifindex((int)ifindex);
			}
			if (c && NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(hdr->nla_len) + 160 <= sizeof(tmp)) {
				struct ethtool_ts_info ti = { .cmd = ETHTOOL_GET_TS_INFO };

				fill_ts_info(c, &ti);
				memcpy(tmp, nh, NLMSG_HDRLEN + GENL_HDRLEN);
				p = tmp + NLMSG_HDRLEN + GENL_HDRLEN;
				memcpy(p, hdr, NLA_ALIGN(hdr->nla_len));
				p += NLA_ALIGN(hdr->nla_len);
				p = put_bitset(p, ETHTOOL_A_TSINFO_TIMESTAMPING, 17, ti.so_timestamping);
				p = put_bitset(p, ETHTOOL_A_TSINFO_TX_TYPES, 4, ti.tx_types);
				p = put_bitset(p, ETHTOOL_A_TSINFO_RX_FILTERS, 16, ti.rx_filters);
				phc = (uint32_t)c->phc_index;
				p = nla_put(p, ETHTOOL_A_TSINFO_PHC_INDEX, &phc, sizeof(phc));
				nlen = (size_t)(p - tmp);
				((struct nlmsghdr *)tmp)->nlmsg_len = (uint32_t)nlen;
				if (len - NLMSG_ALIGN(mlen) + nlen <= cap) {
					size_t rest = off + NLMSG_ALIGN(mlen) < len ?
						      len - off - NLMSG_ALIGN(mlen) : 0;

					memmove(buf + off + nlen, buf + off + NLMSG_ALIGN(mlen), rest);
					memcpy(buf + off, tmp, nlen);
					len = off + nlen + rest;
					mlen = nlen;
					dbg("netlink TSINFO ifindex %u -> phc %u", ifindex, phc);
				}
			}
		}
		off += NLMSG_ALIGN(mlen);
	}
	return len;
}

static int is_genl(int fd)
{
	struct fd_info *f = fdi(fd);

	return f && f->kind == FD_GENL;
}

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t r;

	ENSURE_INIT();
	r = real_recv(fd, buf, len, flags);
	if (r > 0 && is_genl(fd) && !(flags & MSG_TRUNC)) {
		r = (ssize_t)fix_genl(buf, (size_t)r, len);
	}
	return r;
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
			__SOCKADDR_ARG addr, socklen_t *alen)
{
	ssize_t r;

	ENSURE_INIT();
	r = real_recvfrom(fd, buf, len, flags, addr.__sockaddr__, alen);
	if (r > 0 && is_genl(fd) && !(flags & MSG_TRUNC)) {
		r = (ssize_t)fix_genl(buf, (size_t)r, len);
	}
	return r;
}

/* --- raw syscall() ------------------------------------------------------- */
EXPORT long syscall(long nr, ...)
{
	long a[6];
	va_list ap;

	ENSURE_INIT();
	va_start(ap, nr);
	for (int i = 0; i < 6; i++) {
		a[i] = va_arg(ap, long);
	}
	va_end(ap);
	switch (nr) {
	case SYS_clock_gettime:
		return clock_gettime((clockid_t)a[0], (struct timespec *)a[1]);
	case SYS_clock_settime:
		return clock_settime((clockid_t)a[0], (const struct timespec *)a[1]);
	case SYS_clock_adjtime:
		return clock_adjtime((clockid_t)a[0], (struct timex *)a[1]);
	case SYS_adjtimex:
		return adjtimex((struct timex *)a[0]);
	case SYS_settimeofday:
		return settimeofday((const struct timeval *)a[0], (const struct timezone *)a[1]);
	case SYS_gettimeofday:
		return gettimeofday((struct timeval *)a[0], (void *)a[1]);
	default:
		break;
	}
	{
		long (*real)(long, ...) = NULL;

		*(void **)&real = dlsym(RTLD_NEXT, "syscall");
		return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
}
