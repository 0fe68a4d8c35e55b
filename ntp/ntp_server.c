/*
 * The NTP server hot path.
 *
 * One receive batch (recvmmsg) is turned into one send batch (sendmmsg):
 * every request is validated, checked against the ACL, looked up in the
 * client log (rate limit, interleaved state) and answered from the
 * reference snapshot read once per batch.  Nothing on this path allocates
 * or locks; buffers live in the worker struct allocated at start.
 *
 * Timestamps.  RX stamps come from the kernel (SO_TIMESTAMPING): the NIC's
 * raw PHC stamp converted to system time by phc/phc_track when hardware
 * stamping is on, else the kernel's software stamp.  Basic responses get
 * their transmit timestamp from one clock read just before sendmmsg.  A
 * response to a request that looks interleaved asks for a TX stamp (per
 * packet, SO_TIMESTAMPING cmsg); the stamp arrives on the error queue with
 * an ID (SOF_TIMESTAMPING_OPT_ID counts timestamped datagrams per socket)
 * that indexes a ring of pending responses, and is stored in the client's
 * record for the next, interleaved, response.
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
#include <math.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/net_tstamp.h>
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
#include "bridge/core/ref_state.h"
#include "ntp/ntp_acl.h"
#include "ntp/ntp_packet.h"
#include "phc/phc_dev.h"
#include "phc/phc_nl.h"
#include "phc/phc_track.h"

#ifndef SO_EE_ORIGIN_TIMESTAMPING
#define SO_EE_ORIGIN_TIMESTAMPING 4
#endif

/* Requests per recvmmsg/sendmmsg call. */
#define BATCH 32
/* Longest request we read; longer ones are truncated and dropped (an
   extension field we cannot see cannot be validated). */
#define RXBUF_LEN 1024
#define CTRL_LEN 256
/* Responses waiting for their TX stamp, per socket (power of two). */
#define PENDING_LEN 4096
/* Batches per wakeup before other descriptors get a turn. */
#define MAX_ROUNDS 16
/* Sockets per worker: each bindaddress, or the two wildcards. */
#define MAX_SOCKS (CONF_MAX_BINDADDR + 1)
#define MAX_BCAST 32
#define CLIENT_ROWS_MAX 256

#define STAT_ADD(w, f, n) \
	__atomic_store_n(&(w)->st.f, (w)->st.f + (n), __ATOMIC_RELAXED)
#define STAT_INC(w, f) STAT_ADD(w, f, 1)

struct pending_tx {
	uint32_t key;
	uint32_t rec;
	ntp_ts rx;
};

struct ntp_worker;

struct nsock {
	int fd;
	int family;
	struct ntp_worker *w;
	uint32_t next_key;
	uint32_t ts_unread;	/* TX stamps asked for since the error queue was last empty */
	struct pending_tx pend[PENDING_LEN];
};

struct tx_meta {
	uint32_t rec;
	ntp_ts rx;
	uint8_t want_ts;
	uint8_t late_tx;
	uint8_t interleaved;
	uint8_t kod;
};

typedef union {
	struct cmsghdr align;
	uint8_t b[CTRL_LEN];
} ctrl_buf;

struct ntp_worker {
	int id;
	struct nsock socks[MAX_SOCKS];
	int nsocks;
	struct clientlog *clg;
	struct ntp_stats st;
	uint64_t rng;

	bool threaded;
	pthread_t thread;
	int evfd;
	int stop;
	int snap_req;		/* atomic: core asks for a client table */
	int snap_done;		/* atomic */
	int snap_n;
	struct ntp_client_row snap[CLIENT_ROWS_MAX];

	struct mmsghdr rmsg[BATCH];
	struct iovec riov[BATCH];
	struct sockaddr_storage raddr[BATCH];
	uint8_t rbuf[BATCH][RXBUF_LEN];
	ctrl_buf rctl[BATCH];

	struct mmsghdr tmsg[BATCH];
	struct iovec tiov[BATCH];
	uint8_t tbuf[BATCH][NTP_HEADER_LEN];
	ctrl_buf tctl[BATCH];
	struct tx_meta meta[BATCH];

	struct mmsghdr emsg[BATCH];
	struct iovec eiov[BATCH];
	uint8_t ebuf[BATCH][128];
	ctrl_buf ectl[BATCH];
};

/* What a batch needs from the reference, computed once per batch. */
struct batch_ref {
	int leap;
	int stratum;
	uint32_t refid;
	uint32_t root_delay;
	uint32_t root_disp;
	ntp_ts ref_ts;
	bool unsynced;
	uint32_t ticks;
	bool have_model;
	struct phc_model model;
	struct phc_sysadj adj;
	uint32_t rx_bit_ps;	/**< NIC B's time per bit on the wire, ps (0: unknown) */
};

static struct {
	bool running;
	int nworkers;
	struct ntp_worker *w[NTP_MAX_WORKERS];
	struct ntp_acl acl;
	struct ntp_clientlog_ratelimit rl;
	bool kod;
	bool serve_unsynced;
	int local_stratum;
	int precision;
	int port;
	bool hw_rx, hw_tx;
	bool phc_open;
	struct phc_dev phc;
	struct phc_track track;
	struct loop_timer *phc_timer;
	int link_mbps;		/**< NIC B's link speed (atomic; -1 unknown) */
	struct in_addr bcast[MAX_BCAST];
	int nbcast;
	char ts_mode[128];
	char ifname[IFNAMSIZ];
} srv;

/* ---- small helpers ------------------------------------------------------ */

static uint32_t rand32(struct ntp_worker *w)
{
	/* xorshift64*: only used to pick leaked responses */
	uint64_t x = w->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

static uint32_t mono_ticks(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * NTP_CLIENTLOG_TICKS_PER_SEC +
			  ((uint64_t)ts.tv_nsec * NTP_CLIENTLOG_TICKS_PER_SEC) / 1000000000u);
}

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

static void addr_to16(const struct sockaddr_storage *ss, uint8_t out[16], struct conf_addr *ca,
		      int *port)
{
	memset(ca, 0, sizeof(*ca));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &sin->sin_addr, 4);
		ca->family = AF_INET;
		ca->v4 = sin->sin_addr;
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(out, &sin6->sin6_addr, 16);
		ca->family = AF_INET6;
		ca->v6 = sin6->sin6_addr;
		*port = ntohs(sin6->sin6_port);
	}
}

static bool v4_is_bcast(uint32_t a_be)
{
	uint32_t a = ntohl(a_be);
	int i;

	if (a == 0xffffffffu || (a & 0xf0000000u) == 0xe0000000u)
		return true;
	for (i = 0; i < srv.nbcast; i++) {
		if (srv.bcast[i].s_addr == a_be)
			return true;
	}
	return false;
}

/* ---- the hot path ------------------------------------------------------- */

void ntp_local_snapshot(struct ref_snapshot *s, int stratum, const struct timespec *now)
{
	s->sync = REF_SYNCED;
	s->leap = 0;
	s->stratum = stratum;
	s->refid = NTP_REFID_LOCAL;
	s->root_delay = 0.0;
	s->root_dispersion = 0.0;
	s->dispersion_rate = 0.0;
	s->ref_time = *now;
}

static void batch_ref_read(struct batch_ref *br)
{
	struct ref_snapshot snap;
	struct timespec now;
	double disp;
	int mbps;

	ref_state_read(&snap);
	clock_gettime(CLOCK_REALTIME, &now);
	/* chrony's `local`: with no reference, serve our own clock as
	   synchronised at the configured stratum. */
	if (snap.sync == REF_UNSYNCED && srv.local_stratum > 0)
		ntp_local_snapshot(&snap, srv.local_stratum, &now);
	br->unsynced = snap.sync == REF_UNSYNCED;
	br->leap = br->unsynced ? NTP_LEAP_UNSYNC : (snap.leap & 3);
	br->stratum = snap.stratum;
	if (br->unsynced || br->stratum < 1 || br->stratum > 15)
		br->stratum = br->unsynced ? 16 : (br->stratum < 1 ? 16 : br->stratum);
	br->refid = snap.refid;
	br->root_delay = ntp_packet_short_from_double(snap.root_delay);
	br->ref_ts = (snap.ref_time.tv_sec || snap.ref_time.tv_nsec) ?
		     ntp_packet_ts_from_timespec(&snap.ref_time) : 0;
	br->ticks = mono_ticks();
	br->have_model = false;
	br->rx_bit_ps = 0;
	disp = ref_state_dispersion_at(&snap, &now);
	if (srv.hw_rx || srv.hw_tx) {
		phc_track_model(&srv.track, &br->model);
		phc_sysadj_read(&br->adj);
		br->have_model = br->model.valid;
		/* Our stamps are PHC B converted to system time: that
		   conversion's error is part of what the client gets. */
		if (br->have_model)
			disp += br->model.err_ns * 1e-9;
		mbps = __atomic_load_n(&srv.link_mbps, __ATOMIC_RELAXED);
		br->rx_bit_ps = mbps > 0 ? (uint32_t)(1000000 / mbps) : 0;
	}
	br->root_disp = ntp_packet_short_from_double(disp);
}

/*
 * NICs stamp a frame when its start (after the preamble) passes; NTP's
 * receive timestamp, like a kernel software stamp, is taken when the whole
 * frame is in.  chronyd moves hardware RX stamps to the end of the frame
 * (and a chronyd client does so for its own), so a server that did not
 * would be early by one frame time on every request and its clients off by
 * half of it: 38 ns at 10 Gb/s, 376 ns at 1 Gb/s for a 48-byte request.
 * The L2 length is assumed from the UDP payload: Ethernet + IPv4/IPv6 +
 * UDP headers without options or VLAN tag, plus the FCS.
 */
static int64_t rx_frame_ns(const struct batch_ref *br, int family, size_t ntp_len)
{
	size_t l2 = (family == AF_INET6 ? 14 + 40 + 8 : 14 + 20 + 8) + ntp_len + 4;

	return ((int64_t)l2 * 8 * br->rx_bit_ps + 500) / 1000;
}

/* The same for a 48-byte request over IPv4, at mbps: what status shows. */
static double basic_frame_ns(int mbps)
{
	return (14 + 20 + 8 + NTP_HEADER_LEN + 4) * 8 * 1000.0 / mbps;
}

/* A kernel timestamp cmsg: ts[0] software, ts[2] raw hardware; frame_ns
   is added to a hardware stamp (rx_frame_ns for RX, 0 for TX). */
static bool stamp_from_cmsg(const struct scm_timestamping *t, const struct batch_ref *br,
			    bool use_hw, int64_t frame_ns, struct timespec *out, bool *hw)
{
	if (use_hw && (t->ts[2].tv_sec || t->ts[2].tv_nsec) && br->have_model) {
		int64_t phc = (int64_t)t->ts[2].tv_sec * 1000000000LL + t->ts[2].tv_nsec +
			      frame_ns;
		int64_t sys = phc_track_model_to_sys(&br->model, &br->adj, phc, NULL);

		out->tv_sec = sys / 1000000000LL;
		out->tv_nsec = sys % 1000000000LL;
		*hw = true;
		return true;
	}
	if (t->ts[0].tv_sec || t->ts[0].tv_nsec) {
		*out = t->ts[0];
		*hw = false;
		return true;
	}
	return false;
}

static size_t put_tx_control(struct ntp_worker *w, int j, int family,
			     const struct in_pktinfo *pi4, const struct in6_pktinfo *pi6,
			     bool want_ts)
{
	struct msghdr mh;
	struct cmsghdr *cm;
	size_t len = 0;

	memset(&mh, 0, sizeof(mh));
	mh.msg_control = w->tctl[j].b;
	mh.msg_controllen = CTRL_LEN;
	cm = CMSG_FIRSTHDR(&mh);

	/* Answer from the address the request was sent to. */
	if (family == AF_INET && pi4) {
		struct in_pktinfo p;

		memset(&p, 0, sizeof(p));
		p.ipi_spec_dst = pi4->ipi_addr;
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(p));
		memcpy(CMSG_DATA(cm), &p, sizeof(p));
		len += CMSG_SPACE(sizeof(p));
		cm = (struct cmsghdr *)((uint8_t *)cm + CMSG_SPACE(sizeof(p)));
	} else if (family == AF_INET6 && pi6) {
		struct in6_pktinfo p = *pi6;

		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(p));
		memcpy(CMSG_DATA(cm), &p, sizeof(p));
		len += CMSG_SPACE(sizeof(p));
		cm = (struct cmsghdr *)((uint8_t *)cm + CMSG_SPACE(sizeof(p)));
	}
	if (want_ts) {
		int flags = srv.hw_tx ? SOF_TIMESTAMPING_TX_HARDWARE : SOF_TIMESTAMPING_TX_SOFTWARE;

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SO_TIMESTAMPING;
		cm->cmsg_len = CMSG_LEN(sizeof(flags));
		memcpy(CMSG_DATA(cm), &flags, sizeof(flags));
		len += CMSG_SPACE(sizeof(flags));
	}
	return len;
}

/* One datagram of the receive batch; may add one response. */
static void process_one(struct ntp_worker *w, struct nsock *s, int i,
			const struct batch_ref *br, int *ntx)
{
	struct msghdr *m = &w->rmsg[i].msg_hdr;
	size_t len = w->rmsg[i].msg_len;
	const struct scm_timestamping *tss = NULL;
	const struct in_pktinfo *pi4 = NULL;
	const struct in6_pktinfo *pi6 = NULL;
	struct ntp_request req;
	struct ntp_response resp;
	enum ntp_parse_status ps;
	struct conf_addr ca;
	struct cmsghdr *cm;
	struct timespec rxts;
	uint8_t a16[16];
	uint32_t idx = NTP_CLIENTLOG_NONE, prev_last = 0;
	struct ntp_clientlog_record *rec = NULL;
	bool hw = false, kod = false, interleaved = false, want_ts = false;
	ntp_ts rx_ntp, prev_tx = 0;
	int port, j;

	STAT_INC(w, rx_packets);
	STAT_ADD(w, rx_bytes, len);
	if (m->msg_flags & (MSG_TRUNC | MSG_CTRUNC) || m->msg_namelen == 0) {
		STAT_INC(w, dropped_invalid);
		return;
	}
	addr_to16(&w->raddr[i], a16, &ca, &port);

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(*tss)))
			tss = (const struct scm_timestamping *)CMSG_DATA(cm);
		else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
			 cm->cmsg_len >= CMSG_LEN(sizeof(*pi4)))
			pi4 = (const struct in_pktinfo *)CMSG_DATA(cm);
		else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			 cm->cmsg_len >= CMSG_LEN(sizeof(*pi6)))
			pi6 = (const struct in6_pktinfo *)CMSG_DATA(cm);
	}

	/* No reply to broadcast or multicast, nor to such a source. */
	if (ca.family == AF_INET) {
		if ((pi4 && v4_is_bcast(pi4->ipi_addr.s_addr)) || v4_is_bcast(ca.v4.s_addr) ||
		    ca.v4.s_addr == 0 || port == 0) {
			STAT_INC(w, dropped_broadcast);
			return;
		}
	} else if ((pi6 && pi6->ipi6_addr.s6_addr[0] == 0xff) || ca.v6.s6_addr[0] == 0xff ||
		   port == 0) {
		STAT_INC(w, dropped_broadcast);
		return;
	}

	ps = ntp_packet_parse_request(w->rbuf[i], len, port, &req);
	if (ps != NTP_REQ_OK) {
		if (ps == NTP_REQ_NOT_CLIENT)
			STAT_INC(w, dropped_mode);
		else
			STAT_INC(w, dropped_invalid);
		return;
	}
	STAT_INC(w, requests);

	if (!ntp_acl_allowed(&srv.acl, &ca)) {
		STAT_INC(w, dropped_acl);
		return;
	}
	/* Before the first lock nothing is served (unless serve_unsynced);
	   once a reference was held and lost for good (holdover expired), the
	   answer says leap 3 so that clients deselect us rather than wait. */
	if (br->unsynced && !br->ref_ts && !srv.serve_unsynced) {
		STAT_INC(w, dropped_unsynced);
		return;
	}

	if (tss && stamp_from_cmsg(tss, br, srv.hw_rx, rx_frame_ns(br, ca.family, len),
				   &rxts, &hw)) {
		if (hw)
			STAT_INC(w, rx_ts_hw);
		else
			STAT_INC(w, rx_ts_sw);
	} else {
		clock_gettime(CLOCK_REALTIME, &rxts);
		STAT_INC(w, rx_ts_daemon);
	}
	rx_ntp = ntp_packet_ts_from_timespec(&rxts);
	if (rx_ntp == 0)
		rx_ntp = 1;	/* 0 means "none" in the log */

	idx = ntp_clientlog_access(w->clg, a16, br->ticks, &prev_last);
	if (idx != NTP_CLIENTLOG_NONE)
		rec = ntp_clientlog_record(w->clg, idx);

	if (rec && srv.rl.enabled &&
	    !ntp_clientlog_rate_check(rec, prev_last, br->ticks, &srv.rl, rand32(w))) {
		if (!srv.kod) {
			STAT_INC(w, dropped_ratelimit);
			return;
		}
		kod = true;
	}

	/* Interleaved mode (RFC 9769, chrony's server): a client that echoes
	   our previous RX stamp as its origin, with receive != transmit, wants
	   the precise TX stamp of our previous response.  The first such
	   request only starts keeping it; the one after gets it. */
	if (rec && !kod) {
		if (rec->rx != 0 && req.origin == rec->rx && req.receive != req.transmit) {
			want_ts = true;
			if (rec->tx != 0) {
				interleaved = true;
				prev_tx = rec->tx;
				if (rec->xleave_hits != UINT32_MAX)
					rec->xleave_hits++;
			}
		}
		rec->rx = rx_ntp;
		rec->tx = 0;
	}

	memset(&resp, 0, sizeof(resp));
	resp.version = req.version;
	resp.poll = req.poll;
	if (srv.rl.enabled && resp.poll < srv.rl.interval)
		resp.poll = srv.rl.interval;	/* hint: poll no faster */
	resp.precision = srv.precision;
	resp.receive = rx_ntp;
	if (kod) {
		resp.leap = NTP_LEAP_UNSYNC;
		resp.stratum = 0;
		resp.refid = NTP_KOD_RATE;
		resp.origin = req.transmit;
	} else {
		resp.leap = br->leap;
		resp.stratum = br->stratum;
		resp.refid = br->refid;
		resp.root_delay = br->root_delay;
		resp.root_dispersion = br->root_disp;
		resp.reference = br->ref_ts;
		if (interleaved) {
			resp.origin = req.receive;
			resp.transmit = prev_tx;
		} else {
			resp.origin = req.transmit;
		}
	}

	j = *ntx;
	/* Never send more than was received: no amplification. */
	if (ntp_packet_build_response(w->tbuf[j], req.length < sizeof(w->tbuf[j]) ?
			       req.length : sizeof(w->tbuf[j]), &resp) == 0) {
		STAT_INC(w, dropped_invalid);
		return;
	}
	w->tiov[j].iov_base = w->tbuf[j];
	w->tiov[j].iov_len = NTP_HEADER_LEN;
	memset(&w->tmsg[j], 0, sizeof(w->tmsg[j]));
	w->tmsg[j].msg_hdr.msg_name = &w->raddr[i];
	w->tmsg[j].msg_hdr.msg_namelen = m->msg_namelen;
	w->tmsg[j].msg_hdr.msg_iov = &w->tiov[j];
	w->tmsg[j].msg_hdr.msg_iovlen = 1;
	w->tmsg[j].msg_hdr.msg_control = w->tctl[j].b;
	w->tmsg[j].msg_hdr.msg_controllen = put_tx_control(w, j, s->family, pi4, pi6, want_ts);
	if (w->tmsg[j].msg_hdr.msg_controllen == 0)
		w->tmsg[j].msg_hdr.msg_control = NULL;
	w->meta[j].rec = idx;
	w->meta[j].rx = rx_ntp;
	w->meta[j].want_ts = want_ts;
	w->meta[j].late_tx = !interleaved;
	w->meta[j].interleaved = interleaved;
	w->meta[j].kod = kod;
	(*ntx)++;
}

static void send_batch(struct ntp_worker *w, struct nsock *s, int ntx)
{
	struct timespec now;
	ntp_ts tx;
	int sent = 0, j, r;

	/* Basic mode: the transmit timestamp as late as we can read it. */
	clock_gettime(CLOCK_REALTIME, &now);
	tx = ntp_packet_ts_from_timespec(&now);
	for (j = 0; j < ntx; j++) {
		if (w->meta[j].late_tx)
			ntp_packet_set_transmit(w->tbuf[j], tx);
	}

	while (sent < ntx) {
		r = sendmmsg(s->fd, w->tmsg + sent, ntx - sent, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* This one failed: skip it, keep the rest. */
			STAT_INC(w, send_errors);
			w->meta[sent].want_ts = 0;
			w->meta[sent].rec = NTP_CLIENTLOG_NONE;
			w->meta[sent].interleaved = w->meta[sent].kod = 0;
			w->tmsg[sent].msg_len = 0;
			sent++;
			continue;
		}
		sent += r;
	}

	for (j = 0; j < ntx; j++) {
		struct tx_meta *mt = &w->meta[j];
		struct ntp_clientlog_record *rec;

		if (w->tmsg[j].msg_len == 0)
			continue;
		STAT_INC(w, responses);
		STAT_ADD(w, tx_bytes, w->tmsg[j].msg_len);
		if (mt->interleaved)
			STAT_INC(w, interleaved);
		if (mt->kod)
			STAT_INC(w, kod_sent);
		if (!mt->want_ts)
			continue;
		rec = ntp_clientlog_record(w->clg, mt->rec);
		if (rec && rec->rx == mt->rx) {
			/* Until the kernel's stamp arrives, our own late read. */
			rec->tx = tx;
		}
		s->pend[s->next_key & (PENDING_LEN - 1)] = (struct pending_tx){
			.key = s->next_key, .rec = mt->rec, .rx = mt->rx,
		};
		s->next_key++;
		s->ts_unread++;
		STAT_INC(w, tx_ts_requested);
	}
}

static void read_errqueue(struct ntp_worker *w, struct nsock *s, const struct batch_ref *br)
{
	int n, i, rounds;

	for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
		for (i = 0; i < BATCH; i++) {
			struct msghdr *mh = &w->emsg[i].msg_hdr;

			w->eiov[i].iov_base = w->ebuf[i];
			w->eiov[i].iov_len = sizeof(w->ebuf[i]);
			memset(mh, 0, sizeof(*mh));
			mh->msg_iov = &w->eiov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = w->ectl[i].b;
			mh->msg_controllen = CTRL_LEN;
		}
		n = recvmmsg(s->fd, w->emsg, BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		if (n <= 0) {
			s->ts_unread = 0;
			return;
		}
		for (i = 0; i < n; i++) {
			struct msghdr *mh = &w->emsg[i].msg_hdr;
			const struct scm_timestamping *tss = NULL;
			const struct sock_extended_err *ee = NULL;
			struct cmsghdr *cm;
			struct timespec ts;
			struct pending_tx *p;
			struct ntp_clientlog_record *rec;
			bool hw = false;

			for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
				if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_TIMESTAMPING &&
				    cm->cmsg_len >= CMSG_LEN(sizeof(*tss)))
					tss = (const struct scm_timestamping *)CMSG_DATA(cm);
				else if (((cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) ||
					  (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR)) &&
					 cm->cmsg_len >= CMSG_LEN(sizeof(*ee)))
					ee = (const struct sock_extended_err *)CMSG_DATA(cm);
			}
			if (!tss || !ee || ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
			    ee->ee_info != SCM_TSTAMP_SND)
				continue;
			if (!stamp_from_cmsg(tss, br, srv.hw_tx, 0, &ts, &hw))
				continue;
			p = &s->pend[ee->ee_data & (PENDING_LEN - 1)];
			if (p->key != ee->ee_data || p->rec == NTP_CLIENTLOG_NONE) {
				STAT_INC(w, tx_ts_unmatched);
				continue;
			}
			if (hw)
				STAT_INC(w, tx_ts_hw);
			else
				STAT_INC(w, tx_ts_sw);
			rec = ntp_clientlog_record(w->clg, p->rec);
			/* Still the same client and the same exchange? */
			if (rec && rec->rx == p->rx)
				rec->tx = ntp_packet_ts_from_timespec(&ts);
			p->rec = NTP_CLIENTLOG_NONE;
		}
		if (n < BATCH) {
			s->ts_unread = 0;
			return;
		}
	}
}

static void serve_socket(struct ntp_worker *w, struct nsock *s, short revents)
{
	struct batch_ref br;
	int rounds, n, i, ntx;

	batch_ref_read(&br);
	if (revents & POLLERR)
		read_errqueue(w, s, &br);
	if (!(revents & POLLIN))
		return;

	for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
		for (i = 0; i < BATCH; i++) {
			struct msghdr *mh = &w->rmsg[i].msg_hdr;

			w->riov[i].iov_base = w->rbuf[i];
			w->riov[i].iov_len = RXBUF_LEN;
			mh->msg_name = &w->raddr[i];
			mh->msg_namelen = sizeof(w->raddr[i]);
			mh->msg_iov = &w->riov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = w->rctl[i].b;
			mh->msg_controllen = CTRL_LEN;
			mh->msg_flags = 0;
		}
		n = recvmmsg(s->fd, w->rmsg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		if (rounds > 0)
			batch_ref_read(&br);
		ntx = 0;
		for (i = 0; i < n; i++)
			process_one(w, s, i, &br, &ntx);
		if (ntx > 0)
			send_batch(w, s, ntx);
		if (n < BATCH)
			break;
	}
	/* Software TX stamps are usually queued by the time sendmmsg returns:
	   collect them now instead of waking up again.  Basic-only traffic
	   asks for none, and skips the syscall; a stamp that comes later
	   (hardware) wakes us with POLLERR. */
	if (s->ts_unread)
		read_errqueue(w, s, &br);
}

static void sock_cb(int fd, short revents, void *arg)
{
	struct nsock *s = arg;

	serve_socket(s->w, s, revents);
}

/* ---- client table ------------------------------------------------------- */

static int fill_top(struct ntp_worker *w, struct ntp_client_row *rows, int max)
{
	uint32_t now = mono_ticks(), idx;
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
	static struct ntp_client_row all[NTP_MAX_WORKERS * CLIENT_ROWS_MAX];
	int i, n = 0, k, t;

	if (!srv.running || max <= 0)
		return 0;
	if (max > CLIENT_ROWS_MAX)
		max = CLIENT_ROWS_MAX;
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
	struct pollfd pfd[MAX_SOCKS + 1];
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
				serve_socket(w, &w->socks[i], pfd[i].revents);
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

static int open_socket(const struct bridge_conf *c, const struct conf_addr *a, int family,
		       bool reuseport)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1, tsflags, rcvbuf = 4 << 20;
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
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (c->ntp.interface[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->ntp.interface,
		       strlen(c->ntp.interface)) < 0) {
		log_error("ntp: bind to device %s: %m", c->ntp.interface);
		goto fail;
	}
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
	if (srv.hw_rx || srv.hw_tx)
		tsflags |= SOF_TIMESTAMPING_RAW_HARDWARE;
	if (srv.hw_rx)
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

	srv.nbcast = 0;
	if (getifaddrs(&ifa) < 0)
		return;
	for (p = ifa; p && srv.nbcast < MAX_BCAST; p = p->ifa_next) {
		struct in_addr a, b;

		if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET ||
		    !(p->ifa_flags & IFF_BROADCAST) || !p->ifa_broadaddr)
			continue;
		a = ((struct sockaddr_in *)p->ifa_addr)->sin_addr;
		b = ((struct sockaddr_in *)p->ifa_broadaddr)->sin_addr;
		/* without a brd set, getifaddrs reports the address itself */
		if (b.s_addr != a.s_addr && b.s_addr != 0)
			srv.bcast[srv.nbcast++] = b;
	}
	freeifaddrs(ifa);
}

static void set_ts_mode(void)
{
	char speed[32] = "speed unknown";

	if (srv.link_mbps > 0)
		snprintf(speed, sizeof(speed), "%d Mb/s", srv.link_mbps);
	snprintf(srv.ts_mode, sizeof(srv.ts_mode), "%s RX, %s TX (PHC /dev/ptp%d, %s, %s)",
		 srv.hw_rx ? "hardware" : "software", srv.hw_tx ? "hardware" : "software",
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
		phc_track_add(&srv.track, &smp, &adj);
	}
	set_ts_mode();		/* the method may have stepped down */
	if (!srv.hw_rx)
		return;
	mbps = phc_nl_link_speed(srv.ifname);
	if (mbps == srv.link_mbps)
		return;
	if (mbps > 0)
		log_info("ntp: %s at %d Mb/s: hardware RX stamps are moved %.1f ns to the end of a 48-byte request's frame",
			 srv.ifname, mbps, basic_frame_ns(mbps));
	else if (!arg)
		log_warn("ntp: %s: link speed unknown: hardware RX stamps are taken at the frame's start",
			 srv.ifname);
	__atomic_store_n(&srv.link_mbps, mbps, __ATOMIC_RELAXED);
	set_ts_mode();
}

static void setup_hw(const struct bridge_conf *c)
{
	struct phc_ts_info ti;
	int fd, rx_filter = HWTSTAMP_FILTER_NONE, tx_type = HWTSTAMP_TX_OFF, got = 0;
	int cur_tx = HWTSTAMP_TX_OFF, cur_rx = HWTSTAMP_FILTER_NONE;
	bool want_rx = false, want_tx = false;

	srv.hw_rx = srv.hw_tx = false;
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
	srv.hw_rx = want_rx;
	srv.hw_tx = want_tx;
	srv.link_mbps = 0;
	phc_track_init(&srv.track, 16);
	phc_sample_cb(NULL);
	set_ts_mode();
	srv.phc_timer = loop_add_timer(1000000000ull, 1000000000ull, phc_sample_cb, &srv);
}

static void apply_conf(const struct bridge_conf *c)
{
	ntp_acl_from_conf(&srv.acl, c);
	srv.rl.enabled = c->ntp.ratelimit.enabled;
	srv.rl.interval = c->ntp.ratelimit.interval;
	srv.rl.burst = c->ntp.ratelimit.burst;
	srv.rl.leak = c->ntp.ratelimit.leak;
	srv.kod = c->ntp.ratelimit.enabled && c->ntp.ratelimit.kod;
	srv.serve_unsynced = c->ntp.serve_unsynced;
	srv.local_stratum = c->ntp.local_stratum;
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
			for (int p = 0; p < PENDING_LEN; p++)
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
	apply_conf(c);
	srv.precision = measure_precision();
	collect_broadcasts();
	setup_hw(c);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;

	for (i = 0; i < srv.nworkers; i++) {
		struct ntp_worker *w = calloc(1, sizeof(*w));

		if (!w)
			goto fail;
		srv.w[i] = w;
		w->id = i;
		w->evfd = -1;
		w->rng = (seed ^ (0x9e3779b97f4a7c15ull * (i + 1))) | 1;
		w->clg = ntp_clientlog_create(c->ntp.clientloglimit / srv.nworkers, seed + i);
		if (!w->clg)
			goto fail;
	}
	if (add_worker_sockets(c) < 0)
		goto fail;

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
		if (w->evfd < 0)
			goto fail;
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
	apply_conf(c);
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
	int mbps = __atomic_load_n(&srv.link_mbps, __ATOMIC_RELAXED);

	memset(h, 0, sizeof(*h));
	h->link_mbps = mbps > 0 ? mbps : -1;
	if (!srv.phc_open)
		return;
	phc_track_model(&srv.track, &m);
	h->on = m.valid;
	h->err_ns = m.err_ns;
	h->freq_ppm = m.slope * 1e6;
	h->samples = m.n;
	h->restarts = srv.track.resets;
	if (srv.hw_rx && mbps > 0)
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
