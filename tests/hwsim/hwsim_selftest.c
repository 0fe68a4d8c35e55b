/*
 * hwsim_selftest - checks the kernel semantics libhwsim emulates.  Runs
 * under the emulator (tests/hwsim/t-selftest.sh):
 *
 *   hwsim_selftest sysclk IFACE   system clock "self" (+100 s) and the PHC
 *                                 of IFACE (+7 s); adjtimex, leap seconds,
 *                                 PHC ioctls
 *   hwsim_selftest refuse         no emulated system clock: every write to
 *                                 the real clock must fail with EPERM
 *   hwsim_selftest twonic IFA ADDR_A PEER_A IFB ADDR_B PEER_B
 *                                 two emulated NICs in one namespace: each
 *                                 packet's RX/TX hardware stamp must come
 *                                 from its own interface's PHC
 *   hwsim_selftest echo PORT      UDP echo server for twonic
 *
 * Truth is read with a raw clock_gettime system call, which no LD_PRELOAD
 * library can see.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/ptp_clock.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#define NS 1000000000LL
#define FD_TO_CLOCKID(fd) ((~(clockid_t)(fd) << 3) | 3)

static int fails, checks;

#define CHECK(cond, ...) do { \
	checks++; \
	if (!(cond)) { \
		fails++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		putchar('\n'); \
	} \
} while (0)

static int64_t now(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t truth(void)
{
	struct timespec ts;
#if defined(__x86_64__)
	long ret;

	__asm__ volatile ("syscall" : "=a"(ret)
			  : "a"(228L /* clock_gettime */), "D"((long)CLOCK_REALTIME), "S"(&ts)
			  : "rcx", "r11", "memory");
	(void)ret;
#else
#error "hwsim_selftest reads truth with an x86_64 system call"
#endif
	return ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t offset(clockid_t id)
{
	return now(id) - truth();
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* A (truth, clock) pair: the truth read is a system call of a few µs, so
   bracket the clock read and keep the tightest of a few tries. */
static void sample(clockid_t id, int64_t *t, int64_t *c)
{
	int64_t best = INT64_MAX;

	for (int i = 0; i < 8; i++) {
		int64_t a = truth(), v = now(id), b = truth();

		if (b - a < best) {
			best = b - a;
			*t = a + (b - a) / 2;
			*c = v;
		}
	}
}

/* Rate of a clock vs truth in ppm, over ms milliseconds. */
static double rate_ppm(clockid_t id, int ms)
{
	int64_t t0, c0, t1, c1;

	sample(id, &t0, &c0);
	sleep_ms(ms);
	sample(id, &t1, &c1);
	return ((double)(c1 - c0) / (double)(t1 - t0) - 1.0) * 1e6;
}

static void ns_to_timespec(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / NS;
	ts->tv_nsec = ns % NS;
}

static int adj(struct timex *tx)
{
	return adjtimex(tx);
}

static void test_sysclk(void)
{
	struct timex tx;
	int64_t off, day = 86400 * NS, mid;
	struct timespec ts;
	struct timeval tv;
	double r;
	int st;

	off = offset(CLOCK_REALTIME);
	CHECK(off > 99 * NS && off < 101 * NS, "system clock offset %lld, want +100 s", (long long)off);

	memset(&tx, 0, sizeof(tx));
	st = adj(&tx);
	CHECK(st == TIME_ERROR, "fresh clock state %d, want TIME_ERROR (STA_UNSYNC)", st);
	CHECK(tx.tick == 10000 && tx.freq == 0, "tick %ld freq %ld", tx.tick, tx.freq);

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 100 << 16;
	CHECK(adj(&tx) >= 0, "ADJ_FREQUENCY: %m");
	r = rate_ppm(CLOCK_REALTIME, 300);
	CHECK(r > 95 && r < 105, "rate %.2f ppm after ADJ_FREQUENCY +100 ppm", r);

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 900L << 16;
	adj(&tx);
	CHECK(tx.freq == 500L << 16, "ADJ_FREQUENCY not clamped to 500 ppm: %ld", tx.freq);

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_TICK | ADJ_FREQUENCY;
	tx.tick = 10001;
	tx.freq = 0;
	CHECK(adj(&tx) >= 0 && tx.tick == 10001, "ADJ_TICK: %m");
	r = rate_ppm(CLOCK_REALTIME, 300);
	CHECK(r > 95 && r < 105, "rate %.2f ppm after tick 10001, want +100", r);
	tx.modes = ADJ_TICK;
	tx.tick = 11001;
	CHECK(adj(&tx) < 0 && errno == EINVAL, "tick 11001 accepted");
	tx.modes = ADJ_TICK;
	tx.tick = 10000;
	adj(&tx);

	off = offset(CLOCK_REALTIME);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = -1;
	tx.time.tv_usec = 500000000;   /* -0.5 s */
	CHECK(adj(&tx) >= 0, "ADJ_SETOFFSET: %m");
	off = offset(CLOCK_REALTIME) - off;
	CHECK(off > -NS / 2 - 2000000 && off < -NS / 2 + 2000000, "step %lld, want -0.5 s", (long long)off);
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = 0;
	tx.time.tv_usec = 1000000000;
	CHECK(adj(&tx) < 0 && errno == EINVAL, "ADJ_SETOFFSET with 1e9 ns accepted");

	/* Leap second insertion: 23:59:59.5, wait 1.1 s: 23:59:60.6 shows as
	   23:59:59.6 (the kernel steps back by 1 s at midnight). */
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_STATUS;
	tx.status = STA_PLL;
	st = adj(&tx);
	CHECK(st == TIME_OK, "state %d after clearing STA_UNSYNC", st);
	mid = (now(CLOCK_REALTIME) / day + 3) * day;
	ts.tv_sec = mid / NS - 1;
	ts.tv_nsec = 500000000;
	CHECK(clock_settime(CLOCK_REALTIME, &ts) == 0, "clock_settime: %m");
	tx.modes = ADJ_STATUS;
	tx.status = STA_PLL | STA_INS;
	st = adj(&tx);
	CHECK(st == TIME_INS, "state %d with STA_INS, want TIME_INS", st);
	sleep_ms(1100);
	off = now(CLOCK_REALTIME) - mid;
	CHECK(off > -NS / 2 && off < -NS / 4, "after inserted leap: %lld ns from midnight, want ~-0.4 s",
	      (long long)off);
	tx.modes = 0;
	st = adj(&tx);
	CHECK(st == TIME_OOP, "state %d during leap second, want TIME_OOP", st);
	sleep_ms(1000);
	tx.modes = 0;
	st = adj(&tx);
	CHECK(st == TIME_WAIT, "state %d after leap second, want TIME_WAIT", st);
	tx.modes = ADJ_STATUS;
	tx.status = STA_PLL;
	st = adj(&tx);
	CHECK(st == TIME_OK, "state %d after clearing STA_INS, want TIME_OK", st);

	/* Deletion: 23:59:58.5 + 1.0 s = 00:00:00.5 */
	ts.tv_sec = mid / NS - 2;
	ts.tv_nsec = 500000000;
	clock_settime(CLOCK_REALTIME, &ts);
	tx.modes = ADJ_STATUS;
	tx.status = STA_PLL | STA_DEL;
	st = adj(&tx);
	CHECK(st == TIME_DEL, "state %d with STA_DEL, want TIME_DEL", st);
	sleep_ms(1000);
	off = now(CLOCK_REALTIME) - mid;
	CHECK(off > NS / 4 && off < 3 * NS / 4, "after deleted leap: %lld ns from midnight, want ~+0.5 s",
	      (long long)off);
	tx.modes = ADJ_STATUS;
	tx.status = STA_PLL;
	adj(&tx);

	/* adjtime(): 500 ppm slew, 400 us take 0.8 s */
	{
		struct timeval d = { 0, 400 }, old;

		off = offset(CLOCK_REALTIME);
		CHECK(adjtime(&d, NULL) == 0, "adjtime: %m");
		sleep_ms(1000);
		CHECK(adjtime(NULL, &old) == 0 && old.tv_sec == 0 && old.tv_usec == 0,
		      "adjtime: %ld us left after 1 s", (long)old.tv_usec);
		off = offset(CLOCK_REALTIME) - off;
		CHECK(off > 390000 && off < 410000, "adjtime slewed %lld ns, want 400 us", (long long)off);
	}

	CHECK(gettimeofday(&tv, NULL) == 0 && llabs(tv.tv_sec * NS + tv.tv_usec * 1000LL - now(CLOCK_REALTIME)) < 10000000,
	      "gettimeofday disagrees with clock_gettime");
	CHECK(llabs((int64_t)time(NULL) * NS - now(CLOCK_REALTIME)) < 2 * NS, "time() disagrees");
	tv.tv_sec = 2000000000;
	tv.tv_usec = 0;
	CHECK(settimeofday(&tv, NULL) == 0 && llabs(now(CLOCK_REALTIME) - 2000000000LL * NS) < NS / 10,
	      "settimeofday on the emulated clock");

	/* Absolute waits on the emulated clock, 200 ms ahead. */
	{
		struct itimerspec its;
		struct timespec dl;
		struct pollfd pfd;
		int64_t t0, dt;
		int tfd = timerfd_create(CLOCK_REALTIME, 0);

		memset(&its, 0, sizeof(its));
		ns_to_timespec(now(CLOCK_REALTIME) + NS / 5, &its.it_value);
		t0 = now(CLOCK_MONOTONIC);
		CHECK(timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0, "timerfd_settime: %m");
		pfd.fd = tfd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		poll(&pfd, 1, 3000);
		dt = now(CLOCK_MONOTONIC) - t0;
		CHECK(dt > NS / 10 && dt < NS, "absolute realtime timerfd fired after %lld ms, want 200",
		      (long long)(dt / 1000000));
		close(tfd);

		ns_to_timespec(now(CLOCK_REALTIME) + NS / 5, &dl);
		t0 = now(CLOCK_MONOTONIC);
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &dl, NULL);
		dt = now(CLOCK_MONOTONIC) - t0;
		CHECK(dt > NS / 10 && dt < NS, "absolute clock_nanosleep took %lld ms, want 200",
		      (long long)(dt / 1000000));
	}
}

static void test_phc(const char *ifname)
{
	struct ethtool_ts_info ti;
	struct hwtstamp_config cfg;
	struct ptp_clock_caps caps;
	struct ptp_sys_offset_precise sp;
	struct ptp_sys_offset_extended se;
	struct ifreq ifr;
	struct timex tx;
	struct timespec ts;
	char path[32];
	int sk, fd;
	clockid_t clk;
	int64_t off, sys;
	double r;

	sk = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	memset(&ti, 0, sizeof(ti));
	ti.cmd = ETHTOOL_GET_TS_INFO;
	ifr.ifr_data = (char *)&ti;
	CHECK(ioctl(sk, SIOCETHTOOL, &ifr) == 0 && ti.phc_index >= 0, "ETHTOOL_GET_TS_INFO: no PHC");
	CHECK((ti.so_timestamping & SOF_TIMESTAMPING_RAW_HARDWARE) &&
	      (ti.rx_filters & (1 << HWTSTAMP_FILTER_ALL)), "TS_INFO capabilities %#x", ti.so_timestamping);
	memset(&cfg, 0, sizeof(cfg));
	cfg.tx_type = HWTSTAMP_TX_ON;
	cfg.rx_filter = HWTSTAMP_FILTER_PTP_V2_EVENT;
	ifr.ifr_data = (char *)&cfg;
	CHECK(ioctl(sk, SIOCSHWTSTAMP, &ifr) == 0 && cfg.rx_filter == HWTSTAMP_FILTER_ALL,
	      "SIOCSHWTSTAMP: %m");
	memset(&cfg, 0, sizeof(cfg));
	CHECK(ioctl(sk, SIOCGHWTSTAMP, &ifr) == 0 && cfg.tx_type == HWTSTAMP_TX_ON, "SIOCGHWTSTAMP");
	close(sk);

	snprintf(path, sizeof(path), "/dev/ptp%d", ti.phc_index);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0, "open %s: %m", path);
	if (fd < 0) {
		return;
	}
	clk = FD_TO_CLOCKID(fd);
	CHECK(ioctl(fd, PTP_CLOCK_GETCAPS, &caps) == 0 && caps.max_adj > 0 && caps.cross_timestamping,
	      "PTP_CLOCK_GETCAPS");
	CHECK(ioctl(fd, PTP_CLOCK_GETCAPS2, &caps) == 0, "PTP_CLOCK_GETCAPS2");
	off = offset(clk);
	CHECK(off > 7 * NS - NS / 10 && off < 7 * NS + NS / 10, "PHC offset %lld, want +7 s", (long long)off);
	r = rate_ppm(clk, 300);
	CHECK(r > -12 && r < -8, "PHC rate %.2f ppm, want -10", r);

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 10L << 16;
	CHECK(clock_adjtime(clk, &tx) == 0, "PHC ADJ_FREQUENCY: %m");
	r = rate_ppm(clk, 300);
	CHECK(r > -2 && r < 2, "PHC rate %.2f ppm after +10 ppm, want 0", r);
	memset(&tx, 0, sizeof(tx));
	CHECK(clock_adjtime(clk, &tx) == 0 && tx.freq == 10L << 16, "PHC freq readback %ld", tx.freq);
	tx.modes = ADJ_FREQUENCY;
	tx.freq = (long)((caps.max_adj + 1000.0) * 65.536);
	CHECK(clock_adjtime(clk, &tx) < 0 && errno == ERANGE, "PHC freq beyond max_adj accepted");
	tx.modes = ADJ_OFFSET;
	tx.offset = 100;
	CHECK(clock_adjtime(clk, &tx) < 0 && errno == EOPNOTSUPP, "PHC ADJ_OFFSET (adjphase) accepted");

	off = offset(clk);
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = 2;
	tx.time.tv_usec = 0;
	CHECK(clock_adjtime(clk, &tx) == 0, "PHC ADJ_SETOFFSET: %m");
	off = offset(clk) - off;
	CHECK(llabs(off - 2 * NS) < 1000000, "PHC step %lld, want 2 s", (long long)off);
	ts.tv_sec = 1000;
	ts.tv_nsec = 0;
	CHECK(clock_settime(clk, &ts) == 0 && llabs(now(clk) - 1000 * NS) < NS / 100, "PHC settime");

	memset(&sp, 0, sizeof(sp));
	CHECK(ioctl(fd, PTP_SYS_OFFSET_PRECISE, &sp) == 0, "PRECISE: %m");
	off = (sp.device.sec * NS + sp.device.nsec) - (sp.sys_realtime.sec * NS + sp.sys_realtime.nsec);
	sys = now(clk) - now(CLOCK_REALTIME);
	CHECK(llabs(off - sys) < 100000, "PRECISE offset %lld vs clock_gettime %lld", (long long)off,
	      (long long)sys);
	memset(&se, 0, sizeof(se));
	se.n_samples = 5;
	CHECK(ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &se) == 0 &&
	      se.ts[4][0].sec * NS + se.ts[4][0].nsec <= se.ts[4][2].sec * NS + se.ts[4][2].nsec,
	      "EXTENDED");
	se.n_samples = PTP_MAX_SAMPLES + 1;
	CHECK(ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &se) < 0 && errno == EINVAL, "EXTENDED n_samples 26");
	close(fd);
	CHECK(clock_gettime(clk, &ts) < 0, "PHC clock still readable after close");
}

static void test_refuse(void)
{
	struct timex tx;
	struct timespec ts;
	struct timeval tv = { 0, 1 };

	memset(&tx, 0, sizeof(tx));
	CHECK(adjtimex(&tx) >= 0, "adjtimex read refused: %m");
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 1;
	CHECK(adjtimex(&tx) < 0 && errno == EPERM, "adjtimex write not refused");
	CHECK(clock_adjtime(CLOCK_REALTIME, &tx) < 0 && errno == EPERM, "clock_adjtime not refused");
	clock_gettime(CLOCK_REALTIME, &ts);
	CHECK(clock_settime(CLOCK_REALTIME, &ts) < 0 && errno == EPERM, "clock_settime not refused");
	CHECK(settimeofday(&tv, NULL) < 0 && errno == EPERM, "settimeofday not refused");
	CHECK(adjtime(&tv, NULL) < 0 && errno == EPERM, "adjtime not refused");
	CHECK(clock_adjtime(-1000, &tx) < 0, "clock_adjtime on an unknown dynamic clock");
}

#define ECHO_PORT 31999

static int echo_server(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[2048];

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("echo");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n > 0) {
			sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl);
		}
	}
}

struct nic {
	const char *name;
	struct in_addr addr, peer;
	int ifindex;
	clockid_t clk;
};

static int open_nic(struct nic *n)
{
	struct ethtool_ts_info ti;
	struct hwtstamp_config cfg;
	struct ifreq ifr;
	char path[32];
	int sk = socket(AF_INET, SOCK_DGRAM, 0), fd;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->name);
	memset(&ti, 0, sizeof(ti));
	ti.cmd = ETHTOOL_GET_TS_INFO;
	ifr.ifr_data = (char *)&ti;
	if (ioctl(sk, SIOCETHTOOL, &ifr) < 0 || ti.phc_index < 0) {
		close(sk);
		return -1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.tx_type = HWTSTAMP_TX_ON;
	cfg.rx_filter = HWTSTAMP_FILTER_ALL;
	ifr.ifr_data = (char *)&cfg;
	ioctl(sk, SIOCSHWTSTAMP, &ifr);
	close(sk);
	snprintf(path, sizeof(path), "/dev/ptp%d", ti.phc_index);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		return -1;
	}
	n->clk = FD_TO_CLOCKID(fd);
	n->ifindex = (int)if_nametoindex(n->name);
	return 0;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NS + ts->tv_nsec;
}

/* One request through nic n, ntp/'s way: pktinfo with the local address,
   per-message TX_HARDWARE cmsg, OPT_ID + OPT_TSONLY error queue. */
static void twonic_round(int fd, struct nic *n, uint32_t key)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(ECHO_PORT), .sin_addr = n->peer };
	char payload[64], rbuf[256], ctl[256], rctl[512];
	struct iovec iov = { payload, sizeof(payload) };
	struct mmsghdr mm;
	struct msghdr *m = &mm.msg_hdr;
	struct cmsghdr *cm;
	struct in_pktinfo pi;
	struct pollfd pfd = { fd, POLLIN, 0 };
	uint32_t txf = SOF_TIMESTAMPING_TX_HARDWARE;
	struct scm_timestamping *tss = NULL;
	struct scm_ts_pktinfo *tpi = NULL;
	struct sock_extended_err *ee = NULL;
	int64_t want;

	memset(payload, (int)key + 1, sizeof(payload));
	memset(&mm, 0, sizeof(mm));
	memset(ctl, 0, sizeof(ctl));
	m->msg_name = &to;
	m->msg_namelen = sizeof(to);
	m->msg_iov = &iov;
	m->msg_iovlen = 1;
	m->msg_control = ctl;
	m->msg_controllen = CMSG_SPACE(sizeof(pi)) + CMSG_SPACE(sizeof(txf));
	cm = CMSG_FIRSTHDR(m);
	memset(&pi, 0, sizeof(pi));
	pi.ipi_spec_dst = n->addr;
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	cm = CMSG_NXTHDR(m, cm);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SO_TIMESTAMPING;
	cm->cmsg_len = CMSG_LEN(sizeof(txf));
	memcpy(CMSG_DATA(cm), &txf, sizeof(txf));
	CHECK(sendmmsg(fd, &mm, 1, 0) == 1, "sendmmsg via %s: %m", n->name);

	/* TX stamp */
	pfd.events = POLLPRI;
	for (int tries = 0; tries < 100 && !tss; tries++) {
		memset(&mm, 0, sizeof(mm));
		iov.iov_base = rbuf;
		iov.iov_len = sizeof(rbuf);
		m->msg_iov = &iov;
		m->msg_iovlen = 1;
		m->msg_control = rctl;
		m->msg_controllen = sizeof(rctl);
		if (recvmmsg(fd, &mm, 1, MSG_ERRQUEUE | MSG_DONTWAIT, NULL) != 1) {
			poll(&pfd, 1, 10);
			continue;
		}
		for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING) {
				tss = (struct scm_timestamping *)CMSG_DATA(cm);
			} else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) {
				ee = (struct sock_extended_err *)CMSG_DATA(cm);
			}
		}
	}
	CHECK(tss && ee, "no TX timestamp via %s", n->name);
	if (tss && ee) {
		want = now(n->clk);
		CHECK(ee->ee_data == key, "TX stamp key %u, want %u", ee->ee_data, key);
		CHECK(llabs(ts_ns(&tss->ts[2]) - want) < NS / 20,
		      "TX HW stamp via %s is %lld ns off its PHC", n->name,
		      (long long)(ts_ns(&tss->ts[2]) - want));
	}

	/* RX stamp of the echo */
	tss = NULL;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 2000) == 1) {
		memset(&mm, 0, sizeof(mm));
		m->msg_iov = &iov;
		m->msg_iovlen = 1;
		m->msg_control = rctl;
		m->msg_controllen = sizeof(rctl);
		if (recvmmsg(fd, &mm, 1, MSG_DONTWAIT, NULL) == 1) {
			for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING) {
					tss = (struct scm_timestamping *)CMSG_DATA(cm);
				} else if (cm->cmsg_level == SOL_SOCKET &&
					   cm->cmsg_type == SCM_TIMESTAMPING_PKTINFO) {
					tpi = (struct scm_ts_pktinfo *)CMSG_DATA(cm);
				}
			}
		}
	}
	CHECK(tss, "no RX timestamp via %s", n->name);
	if (tss) {
		want = now(n->clk);
		CHECK(llabs(ts_ns(&tss->ts[2]) - want) < NS / 20,
		      "RX HW stamp via %s is %lld ns off its PHC", n->name,
		      (long long)(ts_ns(&tss->ts[2]) - want));
		CHECK(tss->ts[0].tv_sec != 0, "no software RX stamp");
	}
	CHECK(tpi && (int)tpi->if_index == n->ifindex, "SCM_TIMESTAMPING_PKTINFO if_index %d, want %d",
	      tpi ? (int)tpi->if_index : -1, n->ifindex);
}

static void test_twonic(struct nic *a, struct nic *b)
{
	uint32_t flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			 SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE |
			 SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY |
			 SOF_TIMESTAMPING_OPT_PKTINFO;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), on = 1;
	struct sockaddr_in any = { .sin_family = AF_INET };
	uint32_t key = 0;

	CHECK(open_nic(a) == 0 && open_nic(b) == 0, "cannot open the PHCs of %s and %s", a->name, b->name);
	bind(fd, (struct sockaddr *)&any, sizeof(any));
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	CHECK(setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0,
	      "SO_TIMESTAMPING: %m");
	CHECK(llabs((now(a->clk) - now(b->clk)) - 200 * NS) < NS, "PHC A - PHC B should be 200 s");
	for (int i = 0; i < 3; i++) {
		twonic_round(fd, a, key++);
		twonic_round(fd, b, key++);
	}
	close(fd);
}

static void test_caps(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long eff = ~0ULL, bnd = ~0ULL;

	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "CapEff: %llx", &eff);
		sscanf(line, "CapBnd: %llx", &bnd);
	}
	if (f) {
		fclose(f);
	}
	CHECK(!(eff & (1ULL << 25)) && !(bnd & (1ULL << 25)), "CAP_SYS_TIME not dropped (eff %llx bnd %llx)",
	      eff, bnd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "sysclk")) {
		test_caps();
		test_sysclk();
		test_phc(argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "echo")) {
		return echo_server(atoi(argv[2]));
	} else if (argc == 8 && !strcmp(argv[1], "twonic")) {
		struct nic a = { .name = argv[2] }, b = { .name = argv[5] };

		if (!inet_aton(argv[3], &a.addr) || !inet_aton(argv[4], &a.peer) ||
		    !inet_aton(argv[6], &b.addr) || !inet_aton(argv[7], &b.peer)) {
			fprintf(stderr, "bad address\n");
			return 2;
		}
		test_twonic(&a, &b);
	} else if (argc == 2 && !strcmp(argv[1], "refuse")) {
		test_caps();
		test_refuse();
	} else {
		fprintf(stderr, "usage: hwsim_selftest sysclk IFACE | refuse | echo PORT |\n"
			"       twonic IFA ADDR_A PEER_A IFB ADDR_B PEER_B\n");
		return 2;
	}
	printf("hwsim_selftest %s: %d checks, %d failed\n", argv[1], checks, fails);
	return fails ? 1 : 0;
}
