/*
 * ntpload: an NTP load generator for `make bench-ntp`.
 *
 * Sends client requests from many source addresses (a range made local by
 * an AnyIP route, `ip route add local 10.240.0.0/15 dev lo`, each request
 * given its source with IP_PKTINFO), at a fixed rate, and counts what
 * comes back.  With -x every client behaves like chronyd with xleave:
 * origin = the server's last receive stamp, receive = our receive time of
 * the last response, so an interleaving server answers interleaved, which
 * is counted.  With -X PCT only PCT % of the clients do (a mix of both
 * kinds, as a server in the field sees).
 *
 *   ntpload -s SERVER [-p PORT] [-b BASE] -c CLIENTS -r RATE -d SECONDS [-x | -X PCT]
 *           [-W WARM_SECONDS -R WARM_RATE] [-P SERVER_PID]
 *
 * A warm-up phase (not counted) lets every client make its first
 * exchanges, so the measured phase sees clients a server already knows.
 * With -P the server's CPU time over the measured phase (user+sys of all
 * its threads, from /proc/PID/task/TID/schedstat, ns resolution) is
 * reported per response.
 *
 * The transmit-stamp error of each response is measured against our own
 * kernel receive stamp of it (SO_TIMESTAMPING, the same host clock): for a
 * basic response, our RX stamp minus its transmit field; for an
 * interleaved one, our RX stamp of the previous response minus the
 * transmit field (the server's stamp of that previous response).  The
 * wire between the two (veth, softirq) is part of it, as it is for
 * chronyd's figure in the same run.
 *
 * Prints one line: key=value pairs (sent, received, loss_pct, rate,
 * interleaved_pct, stale: answers to an earlier request of the client than
 * its last, not counted as received; late: answers 100 ms or more after
 * their request; p50_us, p99_us, p999_us, tx_err_basic_us and _sd_us,
 * tx_err_xleave_us and _sd_us, cpu_us_per_resp, rss_kb of the server).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <math.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define LOCAL_PORT 40123
#define HIST_US 100000	/* round trips to 100 ms, in us; beyond: late */

struct client {
	uint64_t sent_ns;	/* when its outstanding request left */
	uint64_t tx;		/* transmit field of that request */
	uint64_t srv_rx;	/* receive field of the last response */
	uint64_t local_rx;	/* our receive time of the last response */
	uint64_t rx_sent;	/* receive field of the outstanding request */
	int64_t krx_ns;		/* our kernel RX stamp of the last response, 0 = none */
};

/* Transmit-stamp error, ns: sum, sum of squares, count (basic, interleaved),
   and a histogram of it in ERR_BIN_NS bins over +-ERR_BINS/2 bins (the
   ends hold what is beyond), for its median and 99th percentile of |error|:
   a few preempted replies make the sd, the percentiles say what most
   clients see. */
#define ERR_BIN_NS 50
#define ERR_BINS 8001
static double err_sum[2], err_sq[2];
static uint64_t err_n[2];
static uint32_t err_hist[2][ERR_BINS], err_ahist[2][ERR_BINS];

static void err_add(int k, double ns)
{
	long b = lround(ns / ERR_BIN_NS) + ERR_BINS / 2;
	long a = lround(fabs(ns) / ERR_BIN_NS);

	err_sum[k] += ns;
	err_sq[k] += ns * ns;
	err_n[k]++;
	err_hist[k][b < 0 ? 0 : b >= ERR_BINS ? ERR_BINS - 1 : b]++;
	err_ahist[k][a >= ERR_BINS ? ERR_BINS - 1 : a]++;
}

/* The q-quantile of a histogram, us (bin centres; first is bin 0). */
static double err_q_us(const uint32_t *h, uint64_t n, double q, long first)
{
	uint64_t c = 0, want = (uint64_t)ceil(q * (double)n);
	long i;

	if (n == 0)
		return 0.0;
	for (i = 0; i < ERR_BINS; i++) {
		c += h[i];
		if (c >= want)
			break;
	}
	return (double)(i + first) * ERR_BIN_NS * 1e-3;
}

static double err_mean_us(int k)
{
	return err_n[k] ? err_sum[k] / err_n[k] * 1e-3 : 0.0;
}

static double err_sd_us(int k)
{
	double m;

	if (err_n[k] < 2)
		return 0.0;
	m = err_sum[k] / err_n[k];
	return sqrt(fmax(err_sq[k] / err_n[k] - m * m, 0.0)) * 1e-3;
}

/* An NTP timestamp as ns since the Unix epoch. */
static int64_t ntp_to_ns(uint64_t t)
{
	return ((int64_t)(t >> 32) - 2208988800LL) * 1000000000LL +
	       (int64_t)(((t & 0xffffffffu) * 1000000000u) >> 32);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static uint64_t ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)(ts.tv_sec + 2208988800u) << 32) +
	       (((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t hist[HIST_US + 1];

static double pct(uint64_t n, double q)
{
	uint64_t want = (uint64_t)(q * n), acc = 0;

	for (int i = 0; i <= HIST_US; i++) {
		acc += hist[i];
		if (acc > want)
			return i;
	}
	return HIST_US;
}

static int fd, nclients, xleave;	/* xleave: % of clients that interleave */

/* Client i interleaves (the first xleave of every 100). */
static int is_xleave(uint32_t i)
{
	return (int)(i % 100) < xleave;
}
static struct client *cl;
static struct sockaddr_in dst;
static struct in_addr base;
static uint32_t rr;
static uint64_t sent, received, inter, stale;
static struct mmsghdr tm[BATCH], rm[BATCH];
static struct iovec tiov[BATCH], riov[BATCH];
static uint8_t tb[BATCH][48], rb[BATCH][64];
static union { struct cmsghdr a; uint8_t b[64]; } tc[BATCH];
static union { struct cmsghdr a; uint8_t b[160]; } rc[BATCH];
static struct sockaddr_in rname[BATCH];

static void send_batch(uint64_t now)
{
	int i, r;

	for (i = 0; i < BATCH; i++) {
		struct client *c = &cl[rr];
		struct in_pktinfo pi;
		struct cmsghdr *cm;
		uint64_t tx = ntp_now() + (rr & 0xff);

		memset(tb[i], 0, 48);
		tb[i][0] = (4 << 3) | 3;
		tb[i][2] = 4;
		if (is_xleave(rr) && c->srv_rx) {
			put64(tb[i] + 24, c->srv_rx);
			put64(tb[i] + 32, c->local_rx);
			c->rx_sent = c->local_rx;
		} else {
			c->rx_sent = 0;
		}
		put64(tb[i] + 40, tx);
		c->tx = tx;
		c->sent_ns = now;
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst.s_addr = htonl(ntohl(base.s_addr) + 1 + rr);
		memset(&tm[i], 0, sizeof(tm[i]));
		tiov[i].iov_base = tb[i];
		tiov[i].iov_len = 48;
		tm[i].msg_hdr.msg_name = &dst;
		tm[i].msg_hdr.msg_namelen = sizeof(dst);
		tm[i].msg_hdr.msg_iov = &tiov[i];
		tm[i].msg_hdr.msg_iovlen = 1;
		tm[i].msg_hdr.msg_control = tc[i].b;
		tm[i].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm = CMSG_FIRSTHDR(&tm[i].msg_hdr);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		rr = (rr + 1) % nclients;
	}
	r = sendmmsg(fd, tm, BATCH, 0);
	if (r > 0)
		sent += r;
}

static int drain(void)
{
	int i, r, total = 0;
	uint64_t now;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			riov[i].iov_base = rb[i];
			riov[i].iov_len = sizeof(rb[i]);
			memset(&rm[i].msg_hdr, 0, sizeof(rm[i].msg_hdr));
			rm[i].msg_hdr.msg_name = &rname[i];
			rm[i].msg_hdr.msg_namelen = sizeof(rname[i]);
			rm[i].msg_hdr.msg_iov = &riov[i];
			rm[i].msg_hdr.msg_iovlen = 1;
			rm[i].msg_hdr.msg_control = rc[i].b;
			rm[i].msg_hdr.msg_controllen = sizeof(rc[i].b);
		}
		r = recvmmsg(fd, rm, BATCH, MSG_DONTWAIT, NULL);
		if (r <= 0)
			return total;
		total += r;
		now = mono_ns();
		for (i = 0; i < r; i++) {
			struct cmsghdr *cm;
			uint32_t idx = UINT32_MAX;
			struct client *c;
			uint64_t org, us;
			int64_t krx = 0, tx_ns;

			for (cm = CMSG_FIRSTHDR(&rm[i].msg_hdr); cm;
			     cm = CMSG_NXTHDR(&rm[i].msg_hdr, cm)) {
				if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;

					memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
					idx = ntohl(pi.ipi_addr.s_addr) - ntohl(base.s_addr) - 1;
				} else if (cm->cmsg_level == SOL_SOCKET &&
					   cm->cmsg_type == SO_TIMESTAMPING) {
					struct scm_timestamping st;

					memcpy(&st, CMSG_DATA(cm), sizeof(st));
					krx = (int64_t)st.ts[0].tv_sec * 1000000000LL + st.ts[0].tv_nsec;
				}
			}
			if (idx >= (uint32_t)nclients || rm[i].msg_len < 48)
				continue;
			c = &cl[idx];
			org = get64(rb[i] + 24);
			tx_ns = ntp_to_ns(get64(rb[i] + 40));
			if (org == c->tx) {
				/* basic: this response's own transmit time */
				if (krx)
					err_add(0, (double)(krx - tx_ns));
			} else if (is_xleave(idx) && c->rx_sent && org == c->rx_sent) {
				/* interleaved: the previous response's */
				inter++;
				if (c->krx_ns)
					err_add(1, (double)(c->krx_ns - tx_ns));
			} else {
				stale++;
				continue;
			}
			c->krx_ns = krx;
			received++;
			us = (now - c->sent_ns) / 1000;
			hist[us > HIST_US ? HIST_US : us]++;
			c->srv_rx = get64(rb[i] + 32);
			c->local_rx = ntp_now();
		}
	}
}

static void run_phase(double rate, double dur)
{
	uint64_t t0 = mono_ns(), next = t0, end = t0 + (uint64_t)(dur * 1e9), now;

	for (;;) {
		now = mono_ns();
		if (now >= end)
			break;
		if (now >= next) {
			send_batch(now);
			next += (uint64_t)(BATCH * 1e9 / rate);
			/* never burst to catch up more than 50 ms */
			if (now > next + 50000000u)
				next = now;
		}
		drain();
		if (next > now + 20000)
			usleep(10);
	}
	/* late responses */
	end = mono_ns() + 300000000u;
	while (mono_ns() < end) {
		if (!drain())
			usleep(500);
	}
}

/* CPU time of every thread of pid (user+sys, ns resolution): the first
   field of /proc/PID/task/TID/schedstat is the time spent on a CPU. */
static double proc_cpu_s(int pid)
{
	char path[64], buf[320];
	unsigned long long ns, sum = 0;
	struct dirent *de;
	DIR *d;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(buf, sizeof(buf), "/proc/%d/task/%s/schedstat", pid, de->d_name);
		f = fopen(buf, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(d);
	return (double)sum / 1e9;
}

/* Resident set of pid in KiB (VmRSS), 0 if unknown. */
static long proc_rss_kb(int pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *base_s = "10.240.0.0";
	int port = 123, opt, one = 1, pid = 0;
	double rate = 1000, dur = 2, wdur = 0, wrate = 0, cpu0, cpu1;
	struct sockaddr_in local;
	uint64_t t0;
	int bufsz = 8 << 20;

	nclients = 1000;
	while ((opt = getopt(argc, argv, "s:p:b:c:r:d:xX:W:R:P:")) != -1) {
		switch (opt) {
		case 's': server = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'b': base_s = optarg; break;
		case 'c': nclients = atoi(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'd': dur = atof(optarg); break;
		case 'x': xleave = 100; break;
		case 'X': xleave = atoi(optarg); break;
		case 'W': wdur = atof(optarg); break;
		case 'R': wrate = atof(optarg); break;
		case 'P': pid = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!server || nclients < 1 || nclients > 130000 || rate <= 0) {
		fprintf(stderr, "usage: ntpload -s SERVER [-p PORT] [-b BASE] -c N -r RATE -d S [-x] "
			"[-W S -R RATE] [-P PID]\n");
		return 2;
	}
	cl = calloc(nclients, sizeof(*cl));
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	inet_pton(AF_INET, server, &dst.sin_addr);
	inet_pton(AF_INET, base_s, &base);

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	{
		int ts = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;

		if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &ts, sizeof(ts)) < 0)
			perror("SO_TIMESTAMPING (no transmit-stamp errors)");
	}
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_port = htons(LOCAL_PORT);
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		perror("bind");
		return 1;
	}

	if (wdur > 0)
		run_phase(wrate > 0 ? wrate : rate, wdur);
	sent = received = inter = stale = 0;
	memset(hist, 0, sizeof(hist));
	memset(err_sum, 0, sizeof(err_sum));
	memset(err_sq, 0, sizeof(err_sq));
	memset(err_n, 0, sizeof(err_n));
	memset(err_hist, 0, sizeof(err_hist));
	memset(err_ahist, 0, sizeof(err_ahist));

	cpu0 = proc_cpu_s(pid);
	t0 = mono_ns();
	run_phase(rate, dur);
	cpu1 = proc_cpu_s(pid);
	{
		double el = (double)(mono_ns() - t0 - 300000000u) / 1e9;

		printf("sent=%llu received=%llu loss_pct=%.3f rate=%.0f interleaved_pct=%.1f "
		       "stale=%llu late=%u p50_us=%.0f p99_us=%.0f p999_us=%.0f "
		       "tx_err_basic_us=%.2f tx_err_basic_sd_us=%.2f tx_err_xleave_us=%.2f "
		       "tx_err_xleave_sd_us=%.2f tx_err_basic_p50_us=%.2f tx_err_basic_p99abs_us=%.2f "
		       "tx_err_xleave_p50_us=%.2f tx_err_xleave_p99abs_us=%.2f "
		       "tx_err_basic_p1_us=%.2f tx_err_basic_p99_us=%.2f "
		       "cpu_us_per_resp=%.2f rss_kb=%ld\n",
		       (unsigned long long)sent, (unsigned long long)received,
		       sent ? 100.0 * (double)(sent > received ? sent - received : 0) / sent : 0.0,
		       sent / el, received ? 100.0 * inter / received : 0.0,
		       (unsigned long long)stale, hist[HIST_US], pct(received, 0.5), pct(received, 0.99),
		       pct(received, 0.999), err_mean_us(0), err_sd_us(0), err_mean_us(1),
		       err_sd_us(1),
		       err_q_us(err_hist[0], err_n[0], 0.5, -(ERR_BINS / 2)),
		       err_q_us(err_ahist[0], err_n[0], 0.99, 0),
		       err_q_us(err_hist[1], err_n[1], 0.5, -(ERR_BINS / 2)),
		       err_q_us(err_ahist[1], err_n[1], 0.99, 0),
		       err_q_us(err_hist[0], err_n[0], 0.01, -(ERR_BINS / 2)),
		       err_q_us(err_hist[0], err_n[0], 0.99, -(ERR_BINS / 2)),
		       pid > 0 && received ? (cpu1 - cpu0) * 1e6 / received : 0.0, proc_rss_kb(pid));
	}
	return 0;
}
