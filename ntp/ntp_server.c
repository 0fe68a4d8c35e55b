/*
 * The NTP server's life: sockets (bind addresses, SO_BINDTODEVICE,
 * SO_TIMESTAMPING), hardware timestamping on NIC B and its PHC, workers,
 * start/reload/stop, and the counters and client table shown by
 * `serverstats` and `clients`.  The hot path is ntp_io.c, the protocol
 * ntp_core.c.
 *
 * Workers.  With workers = 1 the sockets are served from the core loop.
 * With N > 1 each worker thread has its own SO_REUSEPORT socket per bind
 * address and its own client log; a classic BPF program attached to the
 * reuseport group picks the socket from a hash of the source address
 * alone (not the port, which chronyd changes on every request), so a
 * client always reaches the worker that holds its record.
 */
#include "ntp/ntp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
#include <linux/sock_diag.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "ntp/ntp_core.h"
#include "ntp/ntp_io.h"
#include "ntp/ntp_packet.h"
#include "phc/phc_dev.h"
#include "phc/phc_nl.h"
#include "phc/phc_sysadj.h"
#include "phc/phc_track.h"

static struct {
	bool running;
	int nworkers;
	struct ntp_worker *w[NTP_MAX_WORKERS];
	struct ntp_io_server io;	/* what the hot path reads */
	int port;
	bool phc_open;
	struct phc_dev phc;
	struct loop_timer *phc_timer;
	char ts_mode[128];
	char ifname[IFNAMSIZ];
	bool rcvbuf_said;		/* the short receive buffer was logged */
	/* the receive queues follow what each worker answers in the bound */
	double bound_s;			/* max_answer_delay */
	int rcvbuf_max;			/* sized from the bound (bytes) */
	struct loop_timer *rcv_timer;
	struct {
		int rcvbuf;		/* now (bytes, as asked: the kernel doubles) */
		uint64_t late_seen, drops_seen;
		int calm;		/* periods with kernel drops and nothing late */
	} rcv[NTP_MAX_WORKERS];
} srv;

/* ---- small helpers ------------------------------------------------------ */

static int measure_precision(void)
{
	struct timespec a, b;
	int64_t best = INT64_MAX, d;
	int i, p;

	/* log2 of the smallest step seen between two clock reads, as chrony
	   estimates its precision */
	for (i = 0; i < 100; i++) {
		clock_gettime(CLOCK_REALTIME, &a);
		do {
			clock_gettime(CLOCK_REALTIME, &b);
			d = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
		} while (d == 0);
		if (d > 0 && d < best)
			best = d;
	}
	for (p = -30; p < 0 && (1e9 * ldexp(1.0, p)) < (double)best; p++)
		;
	return p;
}

/* A 48-byte request over IPv4 at mbps: how far hardware RX stamps move to
   the end of the frame (ntp_io.c), as status shows it. */
static double basic_frame_ns(int mbps)
{
	return (14 + 20 + 8 + NTP_HEADER_LEN + 4) * 8 * 1000.0 / mbps;
}

/* ---- client table ------------------------------------------------------- */

static int fill_top(struct ntp_worker *w, struct ntp_client_row *rows, int max)
{
	uint32_t now = ntp_io_ticks(), idx;
	int n = 0, k;

	for (idx = ntp_clientlog_next_mru(w->clg, NTP_CLIENTLOG_NONE); idx != NTP_CLIENTLOG_NONE;
	     idx = ntp_clientlog_next_mru(w->clg, idx)) {
		const struct ntp_clientlog_record *r = ntp_clientlog_record_const(w->clg, idx);
		struct ntp_client_row row;
		struct in6_addr a6;

		if (n == max && r->hits <= rows[n - 1].hits)
			continue;
		memset(&row, 0, sizeof(row));
		memcpy(&a6, r->addr, 16);
		if (IN6_IS_ADDR_V4MAPPED(&a6))
			inet_ntop(AF_INET, r->addr + 12, row.addr, sizeof(row.addr));
		else
			inet_ntop(AF_INET6, r->addr, row.addr, sizeof(row.addr));
		row.hits = r->hits;
		row.xleave_hits = r->xleave_hits;
		row.drops = r->drops;
		row.last_ago = (double)(uint32_t)(now - r->last) / NTP_CLIENTLOG_TICKS_PER_SEC;
		row.worker = w->id;
		k = n < max ? n++ : max - 1;
		while (k > 0 && rows[k - 1].hits < row.hits) {
			rows[k] = rows[k - 1];
			k--;
		}
		rows[k] = row;
	}
	return n;
}

int ntp_server_clients(struct ntp_client_row *rows, int max)
{
	static struct ntp_client_row all[NTP_MAX_WORKERS * NTP_IO_CLIENT_ROWS];
	int i, n = 0, k, t;

	if (!srv.running || max <= 0)
		return 0;
	if (max > NTP_IO_CLIENT_ROWS)
		max = NTP_IO_CLIENT_ROWS;
	for (i = 0; i < srv.nworkers; i++) {
		struct ntp_worker *w = srv.w[i];

		if (!w->threaded) {
			n += fill_top(w, all + n, max);
			continue;
		}
		/* The worker owns its log: ask it for a copy and wait a little. */
		__atomic_store_n(&w->snap_done, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&w->snap_req, max, __ATOMIC_RELEASE);
		{
			uint64_t one = 1;

			if (write(w->evfd, &one, sizeof(one)) < 0)
				continue;
		}
		for (t = 0; t < 500 && !__atomic_load_n(&w->snap_done, __ATOMIC_ACQUIRE); t++)
			usleep(1000);
		if (!__atomic_load_n(&w->snap_done, __ATOMIC_ACQUIRE))
			continue;
		memcpy(all + n, w->snap, sizeof(all[0]) * w->snap_n);
		n += w->snap_n;
	}
	/* merge: selection of the top max by hits */
	for (i = 0; i < n && i < max; i++) {
		int best = i;

		for (k = i + 1; k < n; k++) {
			if (all[k].hits > all[best].hits)
				best = k;
		}
		rows[i] = all[best];
		all[best] = all[i];
	}
	return i;
}

/* ---- workers ------------------------------------------------------------ */

static void *worker_main(void *arg)
{
	struct ntp_worker *w = arg;
	struct pollfd pfd[NTP_IO_MAX_SOCKS + 1];
	int i, n;

	for (i = 0; i < w->nsocks; i++) {
		pfd[i].fd = w->socks[i].fd;
		pfd[i].events = POLLIN;
	}
	pfd[w->nsocks].fd = w->evfd;
	pfd[w->nsocks].events = POLLIN;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		n = poll(pfd, w->nsocks + 1, 1000);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; n > 0 && i < w->nsocks; i++) {
			if (pfd[i].revents)
				ntp_io_serve(w, &w->socks[i], pfd[i].revents);
		}
		if (n > 0 && pfd[w->nsocks].revents) {
			uint64_t v;

			if (read(w->evfd, &v, sizeof(v)) < 0)
				v = 0;
		}
		i = __atomic_load_n(&w->snap_req, __ATOMIC_ACQUIRE);
		if (i > 0) {
			w->snap_n = fill_top(w, w->snap, i);
			__atomic_store_n(&w->snap_req, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&w->snap_done, 1, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

/* Steer by source address: hash the address words, modulo the number of
   sockets in the reuseport group (their index is their bind order). */
static int attach_steering(int fd, int family, int n)
{
	struct sock_filter v4[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 12 },
		{ BPF_ALU | BPF_MUL | BPF_K, 0, 0, 0x9e3779b1u },
		{ BPF_ALU | BPF_RSH | BPF_K, 0, 0, 16 },
		{ BPF_ALU | BPF_MOD | BPF_K, 0, 0, (uint32_t)n },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};
	struct sock_filter v6[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 8 },
		{ BPF_MISC | BPF_TAX, 0, 0, 0 },
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 12 },
		{ BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0 },
		{ BPF_MISC | BPF_TAX, 0, 0, 0 },
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 16 },
		{ BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0 },
		{ BPF_MISC | BPF_TAX, 0, 0, 0 },
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)SKF_NET_OFF + 20 },
		{ BPF_ALU | BPF_XOR | BPF_X, 0, 0, 0 },
		{ BPF_ALU | BPF_MUL | BPF_K, 0, 0, 0x9e3779b1u },
		{ BPF_ALU | BPF_RSH | BPF_K, 0, 0, 16 },
		{ BPF_ALU | BPF_MOD | BPF_K, 0, 0, (uint32_t)n },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};
	struct sock_fprog prog;

	if (family == AF_INET) {
		prog.len = sizeof(v4) / sizeof(v4[0]);
		prog.filter = v4;
	} else {
		prog.len = sizeof(v6) / sizeof(v6[0]);
		prog.filter = v6;
	}
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
}

/* ---- setup -------------------------------------------------------------- */

static void sock_cb(int fd, short revents, void *arg)
{
	struct nsock *s = arg;

	ntp_io_serve(s->w, s, revents);
}

/*
 * The receive queue holds what one worker answers within max_answer_delay
 * and no more: a request queued behind that many would be dropped as late
 * anyway, after costing a read, while one the kernel drops at a full
 * queue costs us nothing.  It starts from what one worker answered here
 * (basic mode, docs/performance.md) times the kernel's memory per queued
 * request (skb truesize: 832 B for a 48-byte request on veth and loopback,
 * up to about 2 KiB on NICs with half-page receive buffers), and follows
 * what the worker really answers: a request dropped as late, A old, says
 * the queue held A / bound times too much (rcv_adapt).
 */
#define RCV_RATE	250000.0	/* requests/s */
#define RCV_TRUESIZE	1024.0		/* bytes per queued request */
#define RCV_MIN		(128 << 10)
#define RCV_MAX		(64 << 20)
#define RCV_ADAPT_NS	250000000ull

static int rcvbuf_for(double bound_s)
{
	double want = bound_s * RCV_RATE * RCV_TRUESIZE;

	return (int)(want < RCV_MIN ? RCV_MIN : want > RCV_MAX ? RCV_MAX : want);
}

static void rcvbuf_set(int fd, int want)
{
	int half = want / 2, got = 0;	/* the kernel doubles what it is given */
	socklen_t gl = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &half, sizeof(half)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &half, sizeof(half));
	if (srv.rcvbuf_said || getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) < 0 ||
	    got >= want * 0.9)
		return;
	srv.rcvbuf_said = true;
	log_warn("ntp: receive buffer %d KiB, %d KiB wanted for max_answer_delay %.0f ms "
		 "(net.core.rmem_max; CAP_NET_ADMIN lifts it)", got >> 10, want >> 10,
		 srv.bound_s * 1e3);
}

static uint64_t kernel_drops(const struct ntp_worker *w)
{
	uint64_t sum = 0;

	for (int k = 0; k < w->nsocks; k++) {
		uint32_t mi[SK_MEMINFO_VARS];
		socklen_t ml = sizeof(mi);

		if (getsockopt(w->socks[k].fd, SOL_SOCKET, SO_MEMINFO, mi, &ml) == 0 &&
		    ml > SK_MEMINFO_DROPS * sizeof(uint32_t))
			sum += mi[SK_MEMINFO_DROPS];
	}
	return sum;
}

/* Every 250 ms, per worker: requests dropped as late shrink its queues to
   what it answered in the bound (size x bound / oldest age, 10% under);
   a second of kernel drops at a full queue with nothing late grows them
   back by a quarter, up to the size the bound gives. */
static void rcv_adapt(void *arg)
{
	(void)arg;
	for (int i = 0; i < srv.nworkers; i++) {
		struct ntp_worker *w = srv.w[i];
		uint64_t late = __atomic_load_n(&w->st.dropped_late, __ATOMIC_RELAXED);
		int64_t age = __atomic_exchange_n(&w->late_age_ns, 0, __ATOMIC_RELAXED);
		uint64_t drops = kernel_drops(w);
		int size = srv.rcv[i].rcvbuf;

		if (late > srv.rcv[i].late_seen && age > 0) {
			size = (int)(size * (srv.bound_s * 1e9 / (double)age) * 0.9);
			srv.rcv[i].calm = 0;
		} else if (drops > srv.rcv[i].drops_seen && size < srv.rcvbuf_max) {
			if (++srv.rcv[i].calm >= 4) {
				size += size / 4;
				srv.rcv[i].calm = 0;
			}
		}
		size = size < RCV_MIN ? RCV_MIN : size > srv.rcvbuf_max ? srv.rcvbuf_max : size;
		if (size != srv.rcv[i].rcvbuf) {
			log_debug("ntp: worker %d receive queue %d -> %d KiB (%s)", i,
				  srv.rcv[i].rcvbuf >> 10, size >> 10,
				  size < srv.rcv[i].rcvbuf ? "requests waited too long" :
				  "full with nothing late");
			srv.rcv[i].rcvbuf = size;
			for (int k = 0; k < w->nsocks; k++)
				rcvbuf_set(w->socks[k].fd, size);
		}
		srv.rcv[i].late_seen = late;
		srv.rcv[i].drops_seen = drops;
	}
}

static void rcv_reset(double bound_s)
{
	srv.bound_s = bound_s;
	srv.rcvbuf_max = rcvbuf_for(bound_s);
	for (int i = 0; i < srv.nworkers; i++) {
		srv.rcv[i].rcvbuf = srv.rcvbuf_max;
		srv.rcv[i].calm = 0;
		for (int k = 0; srv.w[i] && k < srv.w[i]->nsocks; k++)
			rcvbuf_set(srv.w[i]->socks[k].fd, srv.rcvbuf_max);
	}
}

static int open_socket(const struct bridge_conf *c, const struct conf_addr *a, int family,
		       bool reuseport)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1, tsflags;
	char buf[64];

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("ntp: socket: %m");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) {
		log_error("ntp: SO_REUSEPORT: %m");
		goto fail;
	}
	if (c->ntp.interface[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->ntp.interface,
		       strlen(c->ntp.interface)) < 0) {
		log_error("ntp: bind to device %s: %m", c->ntp.interface);
		goto fail;
	}
	/* A bind address may not be there yet (DHCP, IPv6 duplicate-address
	   detection) or may leave for a while: bind anyway, and the socket
	   receives as soon as the address is on the interface (ntp.c follows
	   and reports it through phc_addr_watch). */
	if (a && setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) < 0)
		log_warn("ntp: IP_FREEBIND: %m: the address must exist at start");
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
	} else {
		/* A 48-byte response never needs fragmenting: set DF and ignore
		   path MTU, which also spares the kernel the shared IP ID
		   generator it uses for datagrams that may be fragmented
		   (about 5% of our CPU at 20k responses/s). */
		int pmtu = IP_PMTUDISC_PROBE;

		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	}

	tsflags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		  SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;
	if (srv.io.hw_rx || srv.io.hw_tx)
		tsflags |= SOF_TIMESTAMPING_RAW_HARDWARE;
	if (srv.io.hw_rx)
		tsflags |= SOF_TIMESTAMPING_RX_HARDWARE;
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &tsflags, sizeof(tsflags)) < 0)
		log_warn("ntp: SO_TIMESTAMPING: %m: RX stamps will be read by the daemon");

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(c->ntp.port);
		sin->sin_addr.s_addr = a ? a->v4.s_addr : htonl(INADDR_ANY);
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(c->ntp.port);
		sin6->sin6_addr = a ? a->v6 : in6addr_any;
		sl = sizeof(*sin6);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (a)
			conf_addr_str(a, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%s", family == AF_INET ? "0.0.0.0" : "::");
		log_error("ntp: bind %s port %d: %m", buf, c->ntp.port);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void collect_broadcasts(void)
{
	struct ifaddrs *ifa, *p;

	srv.io.nbcast = 0;
	if (getifaddrs(&ifa) < 0)
		return;
	for (p = ifa; p && srv.io.nbcast < NTP_IO_MAX_BCAST; p = p->ifa_next) {
		struct in_addr a, b;

		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET ||
		    !(p->ifa_flags & IFF_BROADCAST) || !p->ifa_broadaddr)
			continue;
		a = ((struct sockaddr_in *)p->ifa_addr)->sin_addr;
		b = ((struct sockaddr_in *)p->ifa_broadaddr)->sin_addr;
		/* without a brd set, getifaddrs reports the address itself */
		if (b.s_addr != a.s_addr && b.s_addr != 0)
			srv.io.bcast[srv.io.nbcast++] = b;
	}
	freeifaddrs(ifa);
}

static void set_ts_mode(void)
{
	char speed[32] = "speed unknown";

	if (srv.io.link_mbps > 0)
		snprintf(speed, sizeof(speed), "%d Mb/s", srv.io.link_mbps);
	snprintf(srv.ts_mode, sizeof(srv.ts_mode), "%s RX, %s TX (PHC /dev/ptp%d, %s, %s)",
		 srv.io.hw_rx ? "hardware" : "software", srv.io.hw_tx ? "hardware" : "software",
		 srv.phc.index, phc_dev_method_short(srv.phc.method), speed);
}

/* Once a second: a PHC B sample for the conversion, and the link speed
   for the RX frame time (it changes with autonegotiation). */
static void phc_sample_cb(void *arg)
{
	struct phc_sys_sample smp;
	struct phc_sysadj adj;
	int mbps;

	if (phc_dev_sys_offset(&srv.phc, 10, &smp) == 0) {
		phc_sysadj_read(&adj);
		phc_track_add(&srv.io.track, &smp, &adj);
	}
	set_ts_mode();		/* the method may have stepped down */
	if (!srv.io.hw_rx)
		return;
	mbps = phc_nl_link_speed(srv.ifname);
	if (mbps == srv.io.link_mbps)
		return;
	if (mbps > 0)
		log_info("ntp: %s at %d Mb/s: hardware RX stamps are moved %.1f ns to the end of a 48-byte request's frame",
			 srv.ifname, mbps, basic_frame_ns(mbps));
	else if (!arg)
		log_warn("ntp: %s: link speed unknown: hardware RX stamps are taken at the frame's start",
			 srv.ifname);
	__atomic_store_n(&srv.io.link_mbps, mbps, __ATOMIC_RELAXED);
	set_ts_mode();
}

static void setup_hw(const struct bridge_conf *c)
{
	struct phc_ts_info ti;
	int fd, rx_filter = HWTSTAMP_FILTER_NONE, tx_type = HWTSTAMP_TX_OFF, got = 0;
	int cur_tx = HWTSTAMP_TX_OFF, cur_rx = HWTSTAMP_FILTER_NONE;
	bool want_rx = false, want_tx = false;

	srv.io.hw_rx = srv.io.hw_tx = false;
	snprintf(srv.ts_mode, sizeof(srv.ts_mode), "software");
	if (c->ntp.hwtimestamp == CONF_HWTS_NO || !c->ntp.interface[0])
		return;
	if (phc_dev_ts_info(c->ntp.interface, &ti) < 0 || ti.phc_index < 0 ||
	    !(ti.so_timestamping & SOF_TIMESTAMPING_RAW_HARDWARE)) {
		if (c->ntp.hwtimestamp == CONF_HWTS_YES)
			log_warn("ntp: %s has no hardware timestamping: using kernel software timestamps",
				 c->ntp.interface);
		return;
	}
	if ((ti.tx_types & (1u << HWTSTAMP_TX_ON)) &&
	    (ti.so_timestamping & SOF_TIMESTAMPING_TX_HARDWARE))
		want_tx = true;
	if (ti.so_timestamping & SOF_TIMESTAMPING_RX_HARDWARE) {
		if (ti.rx_filters & (1u << HWTSTAMP_FILTER_ALL)) {
			rx_filter = HWTSTAMP_FILTER_ALL;
			want_rx = true;
		} else if (ti.rx_filters & (1u << HWTSTAMP_FILTER_NTP_ALL)) {
			rx_filter = HWTSTAMP_FILTER_NTP_ALL;
			want_rx = true;
		}
	}
	if (!want_rx)
		log_warn("ntp: %s timestamps only PTP packets in hardware: NTP requests get kernel software RX timestamps",
			 c->ntp.interface);
	if (!want_rx && !want_tx)
		return;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	/* Keep what the PTP side may have set when we do not improve on it. */
	if (phc_dev_hwtstamp_get(fd, c->ntp.interface, &cur_tx, &cur_rx) < 0)
		cur_tx = HWTSTAMP_TX_OFF, cur_rx = HWTSTAMP_FILTER_NONE;
	if (!want_rx)
		rx_filter = cur_rx;
	tx_type = want_tx ? HWTSTAMP_TX_ON : cur_tx;
	if (phc_dev_hwtstamp_enable(fd, c->ntp.interface, tx_type, rx_filter, &got) < 0) {
		log_warn("ntp: %s: SIOCSHWTSTAMP: %m: using kernel software timestamps",
			 c->ntp.interface);
		close(fd);
		return;
	}
	close(fd);
	if (want_rx && got != HWTSTAMP_FILTER_ALL && got != HWTSTAMP_FILTER_NTP_ALL) {
		log_warn("ntp: %s kept RX filter %d: NTP requests get kernel software RX timestamps",
			 c->ntp.interface, got);
		want_rx = false;
	}
	if (phc_dev_open(&srv.phc, c->ntp.interface) < 0)
		return;
	srv.phc_open = true;
	srv.io.hw_rx = want_rx;
	srv.io.hw_tx = want_tx;
	srv.io.link_mbps = 0;
	phc_track_init(&srv.io.track, 16);
	phc_sample_cb(NULL);
	set_ts_mode();
	srv.phc_timer = loop_add_timer(1000000000ull, 1000000000ull, phc_sample_cb, &srv);
}

static int add_worker_sockets(const struct bridge_conf *c)
{
	int nw = srv.nworkers, i, k, fam;
	int naddr = c->ntp.n_bindaddress;
	bool any_ok = false;

	/* Per bind address, the workers' sockets are bound in worker order,
	   so a socket's index in its reuseport group is its worker's id. */
	for (k = 0; k < (naddr ? naddr : 2); k++) {
		const struct conf_addr *a = naddr ? &c->ntp.bindaddress[k] : NULL;
		int first_fd = -1;

		fam = a ? a->family : (k == 0 ? AF_INET : AF_INET6);
		for (i = 0; i < nw; i++) {
			struct ntp_worker *w = srv.w[i];
			struct nsock *s = &w->socks[w->nsocks];
			int fd = open_socket(c, a, fam, nw > 1);

			if (fd < 0) {
				/* No IPv6 on the host is not fatal for the wildcard. */
				if (!a && fam == AF_INET6 && i == 0)
					break;
				return -1;
			}
			memset(s, 0, sizeof(*s));
			s->fd = fd;
			s->family = fam;
			s->w = w;
			for (int p = 0; p < NTP_IO_PENDING_LEN; p++)
				s->pend[p].rec = NTP_CLIENTLOG_NONE;
			w->nsocks++;
			if (first_fd < 0)
				first_fd = fd;
			any_ok = true;
		}
		if (nw > 1 && first_fd >= 0 && attach_steering(first_fd, fam, nw) < 0) {
			log_error("ntp: cannot attach the reuseport steering program (%m): "
				  "clients would not keep their worker; use workers = 1");
			return -1;
		}
	}
	return any_ok ? 0 : -1;
}

int ntp_server_start(const struct bridge_conf *c)
{
	uint64_t seed = 0;
	int i;

	if (srv.running)
		return 0;
	memset(&srv, 0, sizeof(srv));
	srv.nworkers = c->ntp.workers < 1 ? 1 : c->ntp.workers;
	if (srv.nworkers > NTP_MAX_WORKERS)
		srv.nworkers = NTP_MAX_WORKERS;
	srv.port = c->ntp.port;
	snprintf(srv.ifname, sizeof(srv.ifname), "%s", c->ntp.interface);
	ntp_core_conf_set(&srv.io.core, c);
	srv.io.core.precision = measure_precision();
	collect_broadcasts();
	setup_hw(c);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;

	for (i = 0; i < srv.nworkers; i++) {
		struct ntp_worker *w = calloc(1, sizeof(*w));

		if (!w) {
			log_error("ntp: cannot allocate worker %d: %m", i);
			goto fail;
		}
		srv.w[i] = w;
		w->id = i;
		w->srv = &srv.io;
		w->evfd = -1;
		w->rng = (seed ^ (0x9e3779b97f4a7c15ull * (i + 1))) | 1;
		w->clg = ntp_clientlog_create(c->ntp.clientloglimit / srv.nworkers, seed + i);
		if (!w->clg) {
			log_error("ntp: cannot allocate the client log (clientloglimit %llu bytes): %m",
				  (unsigned long long)c->ntp.clientloglimit);
			goto fail;
		}
	}
	srv.bound_s = c->ntp.max_answer_delay;
	if (add_worker_sockets(c) < 0)
		goto fail;
	rcv_reset(c->ntp.max_answer_delay);
	srv.rcv_timer = loop_add_timer(RCV_ADAPT_NS, RCV_ADAPT_NS, rcv_adapt, NULL);

	srv.running = true;
	for (i = 0; i < srv.nworkers; i++) {
		struct ntp_worker *w = srv.w[i];

		if (srv.nworkers == 1) {
			for (int k = 0; k < w->nsocks; k++) {
				if (loop_add_fd(w->socks[k].fd, POLLIN, sock_cb, &w->socks[k]) < 0) {
					log_error("ntp: core loop has no room for the NTP sockets");
					goto fail;
				}
			}
			continue;
		}
		w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->evfd < 0) {
			log_error("ntp: eventfd for worker %d: %m", i);
			goto fail;
		}
		w->threaded = true;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			w->threaded = false;
			log_error("ntp: cannot start worker %d", i);
			goto fail;
		}
	}
	{
		struct ntp_clientlog_stats cs;

		ntp_server_clientlog_stats(&cs);
		log_info("ntp: serving on %s port %d, %d worker%s, %s timestamps, client log %llu records "
			 "(%zu bytes each)",
			 c->ntp.interface[0] ? c->ntp.interface : "all interfaces", c->ntp.port,
			 srv.nworkers, srv.nworkers > 1 ? "s" : "", srv.ts_mode,
			 (unsigned long long)cs.capacity, ntp_clientlog_bytes_per_record());
	}
	return 0;
fail:
	ntp_server_stop();
	return -1;
}

int ntp_server_reload(const struct bridge_conf *c)
{
	if (!srv.running)
		return 1;
	/* Workers read these without a lock: only change them in place when
	   everything runs in the core loop. */
	if (srv.nworkers != 1)
		return 1;
	ntp_core_conf_set(&srv.io.core, c);
	if (c->ntp.max_answer_delay != srv.bound_s)
		rcv_reset(c->ntp.max_answer_delay);
	return 0;
}

void ntp_server_stop(void)
{
	int i, k;

	for (i = 0; i < srv.nworkers; i++) {
		struct ntp_worker *w = srv.w[i];

		if (!w)
			continue;
		if (w->threaded) {
			uint64_t one = 1;

			__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
			if (write(w->evfd, &one, sizeof(one)) < 0)
				log_warn("ntp: waking worker %d: %m", i);
			pthread_join(w->thread, NULL);
		}
		for (k = 0; k < w->nsocks; k++) {
			if (!w->threaded)
				loop_del_fd(w->socks[k].fd);
			close(w->socks[k].fd);
		}
		if (w->evfd >= 0)
			close(w->evfd);
		ntp_clientlog_destroy(w->clg);
		free(w);
		srv.w[i] = NULL;
	}
	if (srv.phc_timer)
		loop_del_timer(srv.phc_timer);
	srv.phc_timer = NULL;
	if (srv.rcv_timer)
		loop_del_timer(srv.rcv_timer);
	srv.rcv_timer = NULL;
	if (srv.phc_open)
		phc_dev_close(&srv.phc);
	srv.phc_open = false;
	srv.running = false;
	srv.nworkers = 0;
}

bool ntp_server_running(void)
{
	return srv.running;
}

void ntp_server_stats(struct ntp_stats *sum)
{
	int i;
	size_t k, n = sizeof(*sum) / sizeof(uint64_t);

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < srv.nworkers; i++) {
		const uint64_t *src = (const uint64_t *)&srv.w[i]->st;
		uint64_t *dst = (uint64_t *)sum;

		for (k = 0; k < n; k++)
			dst[k] += __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	}
}

void ntp_server_clientlog_stats(struct ntp_clientlog_stats *sum)
{
	struct ntp_clientlog_stats one;
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < srv.nworkers; i++) {
		/* counters of another thread: read as they are (display only) */
		ntp_clientlog_get_stats(srv.w[i]->clg, &one);
		sum->capacity += one.capacity;
		sum->records += one.records;
		sum->evictions += one.evictions;
		sum->bytes += one.bytes;
	}
}

void ntp_server_hwclock(struct ntp_hwclock *h)
{
	struct phc_model m;
	int mbps = __atomic_load_n(&srv.io.link_mbps, __ATOMIC_RELAXED);

	memset(h, 0, sizeof(*h));
	h->link_mbps = mbps > 0 ? mbps : -1;
	if (!srv.phc_open)
		return;
	phc_track_model(&srv.io.track, &m);
	h->on = m.valid;
	h->err_ns = m.err_ns;
	h->freq_ppm = m.slope * 1e6;
	h->samples = m.n;
	h->restarts = srv.io.track.resets;
	if (srv.io.hw_rx && mbps > 0)
		h->rx_frame_ns = basic_frame_ns(mbps);
}

const char *ntp_server_ts_mode(void)
{
	return srv.ts_mode;
}

int ntp_server_workers(void)
{
	return srv.nworkers;
}
