/*
 * The NTP server's hot path: Linux I/O around the protocol of ntp_core.c.
 *
 * One receive batch (recvmmsg) is turned into one send batch (sendmmsg,
 * one call per basic reply and the interleaved ones behind it):
 * every request is validated, checked against the ACL, looked up in the
 * client log (rate limit, interleaved state) and answered from the
 * reference snapshot read once per batch.  Nothing on this path allocates
 * or locks; buffers live in the worker struct allocated at start.
 *
 * Timestamps.  RX stamps come from the kernel (SO_TIMESTAMPING): the NIC's
 * raw PHC stamp converted to system time by phc/phc_track when hardware
 * stamping is on, else the kernel's software stamp.  A basic response gets
 * its transmit timestamp from a clock read just before its own sendmmsg
 * call, plus the time to the wire learnt from the kernel's TX stamps.  A
 * response to a request that looks interleaved asks for a TX stamp (per
 * packet, SO_TIMESTAMPING cmsg); the stamp arrives on the error queue with
 * an ID (SOF_TIMESTAMPING_OPT_ID counts timestamped datagrams per socket)
 * that indexes a ring of pending responses, and is stored in the client's
 * record for the next, interleaved, response.
 */
#include "ntp/ntp_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "bridge/core/ref_state.h"
#include "ntp/ntp_core.h"
#include "ntp/ntp_packet.h"
#include "phc/phc_sysadj.h"
#include "phc/phc_track.h"

#ifndef SO_EE_ORIGIN_TIMESTAMPING
#define SO_EE_ORIGIN_TIMESTAMPING 4
#endif

/* Batches per wakeup before other descriptors get a turn. */
#define NTP_IO_MAX_ROUNDS 16

#define STAT_ADD(w, f, n) \
	__atomic_store_n(&(w)->st.f, (w)->st.f + (n), __ATOMIC_RELAXED)
#define STAT_INC(w, f) STAT_ADD(w, f, 1)

uint32_t ntp_io_ticks(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * NTP_CLIENTLOG_TICKS_PER_SEC +
			  ((uint64_t)ts.tv_nsec * NTP_CLIENTLOG_TICKS_PER_SEC) / 1000000000u);
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

static bool v4_is_bcast(const struct ntp_io_server *srv, uint32_t a_be)
{
	uint32_t a = ntohl(a_be);
	int i;

	if (a == 0xffffffffu || (a & 0xf0000000u) == 0xe0000000u)
		return true;
	for (i = 0; i < srv->nbcast; i++) {
		if (srv->bcast[i].s_addr == a_be)
			return true;
	}
	return false;
}

/* What a batch needs from the reference, computed once per batch. */
struct batch_ref {
	struct ntp_core_ref ref;
	bool have_model;
	struct phc_model model;
	struct phc_sysadj adj;
	uint32_t rx_bit_ps;	/**< NIC B's time per bit on the wire, ps (0: unknown) */
	int64_t recv_ns;	/**< system time when the batch was received */
};

static void batch_ref_read(const struct ntp_io_server *srv, struct batch_ref *br)
{
	struct ref_snapshot snap;
	struct timespec now;
	double extra = 0.0;
	int mbps;

	ref_state_read(&snap);
	clock_gettime(CLOCK_REALTIME, &now);
	br->have_model = false;
	br->rx_bit_ps = 0;
	if (srv->hw_rx || srv->hw_tx) {
		phc_track_model(&srv->track, &br->model);
		phc_sysadj_read(&br->adj);
		br->have_model = br->model.valid;
		/* Our stamps are PHC B converted to system time: that
		   conversion's error is part of what the client gets. */
		if (br->have_model)
			extra = br->model.err_ns * 1e-9;
		mbps = __atomic_load_n(&srv->link_mbps, __ATOMIC_RELAXED);
		br->rx_bit_ps = mbps > 0 ? (uint32_t)(1000000 / mbps) : 0;
	}
	ntp_core_ref_set(&br->ref, &snap, &now, srv->core.local_stratum, extra, ntp_io_ticks());
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
	mh.msg_controllen = NTP_IO_CTRL_LEN;
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
		int flags = w->srv->hw_tx ? SOF_TIMESTAMPING_TX_HARDWARE :
					    SOF_TIMESTAMPING_TX_SOFTWARE;

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
	const struct ntp_io_server *srv = w->srv;
	struct msghdr *m = &w->rmsg[i].msg_hdr;
	size_t len = w->rmsg[i].msg_len;
	const struct scm_timestamping *tss = NULL;
	const struct in_pktinfo *pi4 = NULL;
	const struct in6_pktinfo *pi6 = NULL;
	struct ntp_core_reply *rep;
	struct ntp_request req;
	enum ntp_core_verdict v;
	struct conf_addr ca;
	struct cmsghdr *cm;
	struct timespec rxts;
	uint8_t a16[16];
	bool hw = false;
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
		if ((pi4 && v4_is_bcast(srv, pi4->ipi_addr.s_addr)) ||
		    v4_is_bcast(srv, ca.v4.s_addr) || ca.v4.s_addr == 0 || port == 0) {
			STAT_INC(w, dropped_broadcast);
			return;
		}
	} else if ((pi6 && pi6->ipi6_addr.s6_addr[0] == 0xff) || ca.v6.s6_addr[0] == 0xff ||
		   port == 0) {
		STAT_INC(w, dropped_broadcast);
		return;
	}

	v = ntp_core_check(&srv->core, &br->ref, w->rbuf[i], len, &ca, port, &req);
	switch (v) {
	case NTP_CORE_REPLY:
		break;
	case NTP_CORE_DROP_MODE:
		STAT_INC(w, dropped_mode);
		return;
	case NTP_CORE_DROP_INVALID:
		STAT_INC(w, dropped_invalid);
		return;
	case NTP_CORE_DROP_ACL:
		STAT_INC(w, requests);
		STAT_INC(w, dropped_acl);
		return;
	default:
		STAT_INC(w, requests);
		STAT_INC(w, dropped_unsynced);
		return;
	}
	STAT_INC(w, requests);

	if (tss && stamp_from_cmsg(tss, br, srv->hw_rx, rx_frame_ns(br, ca.family, len),
				   &rxts, &hw)) {
		if (hw)
			STAT_INC(w, rx_ts_hw);
		else
			STAT_INC(w, rx_ts_sw);
	} else {
		clock_gettime(CLOCK_REALTIME, &rxts);
		STAT_INC(w, rx_ts_daemon);
	}
	/* Past the rate we can answer, answer fewer requests on time rather
	   than all of them late (the receive buffer is sized to match,
	   ntp_server.c). */
	int64_t age = br->recv_ns - ((int64_t)rxts.tv_sec * 1000000000LL + rxts.tv_nsec);

	if (age > srv->core.max_age_ns && srv->core.max_age_ns > 0) {
		STAT_INC(w, dropped_late);
		if (age > __atomic_load_n(&w->late_age_ns, __ATOMIC_RELAXED))
			__atomic_store_n(&w->late_age_ns, age, __ATOMIC_RELAXED);
		return;
	}

	j = *ntx;
	rep = &w->meta[j];
	v = ntp_core_answer(&srv->core, w->clg, &br->ref, &req, a16,
			    ntp_packet_ts_from_timespec(&rxts), &w->rng, w->tbuf[j],
			    sizeof(w->tbuf[j]), rep);
	if (v != NTP_CORE_REPLY) {
		if (v == NTP_CORE_DROP_RATELIMIT)
			STAT_INC(w, dropped_ratelimit);
		else
			STAT_INC(w, dropped_invalid);
		return;
	}
	if (!ntp_core_ceiling_take(&w->ceiling, &srv->core, br->ref.ticks)) {
		STAT_INC(w, dropped_ceiling);
		return;
	}
	w->tiov[j].iov_base = w->tbuf[j];
	w->tiov[j].iov_len = rep->len;
	memset(&w->tmsg[j], 0, sizeof(w->tmsg[j]));
	w->tmsg[j].msg_hdr.msg_name = &w->raddr[i];
	w->tmsg[j].msg_hdr.msg_namelen = m->msg_namelen;
	w->tmsg[j].msg_hdr.msg_iov = &w->tiov[j];
	w->tmsg[j].msg_hdr.msg_iovlen = 1;
	w->tmsg[j].msg_hdr.msg_control = w->tctl[j].b;
	w->tmsg[j].msg_hdr.msg_controllen = put_tx_control(w, j, s->family, pi4, pi6,
							    rep->want_ts);
	if (w->tmsg[j].msg_hdr.msg_controllen == 0)
		w->tmsg[j].msg_hdr.msg_control = NULL;
	(*ntx)++;
}

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static ntp_ts ntp_from_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL };

	return ntp_packet_ts_from_timespec(&ts);
}

/* Every NTP_IO_CALIB_NS the next NTP_IO_CALIB_BURST basic replies (each
   the first of its call) ask the kernel for their TX stamps, so the model keeps
   learning when no client is interleaved; only the last of a burst is
   learnt from.  A lone stamped reply leaves about 2 us later than its
   unstamped neighbours (the stamping path is cold: learning from lone
   samples put basic replies' stamps 1.5-3.5 us after their arrival,
   against -0.6..+0.6 us with the burst; docs/ntp.md).  2000 stamps a
   second, about 1.7 us each: 3% of the CPU per reply at 20k/s. */
#define NTP_IO_CALIB_NS 2000000
#define NTP_IO_CALIB_BURST 4

/* Reply j also asks for its TX stamp: the stamping cmsg after what
   put_tx_control wrote (room is left for it). */
static void add_ts_cmsg(struct ntp_worker *w, int j)
{
	struct msghdr *mh = &w->tmsg[j].msg_hdr;
	int flags = w->srv->hw_tx ? SOF_TIMESTAMPING_TX_HARDWARE : SOF_TIMESTAMPING_TX_SOFTWARE;
	struct cmsghdr *cm = (struct cmsghdr *)(w->tctl[j].b + mh->msg_controllen);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SO_TIMESTAMPING;
	cm->cmsg_len = CMSG_LEN(sizeof(flags));
	memcpy(CMSG_DATA(cm), &flags, sizeof(flags));
	mh->msg_control = w->tctl[j].b;
	mh->msg_controllen += CMSG_SPACE(sizeof(flags));
}

/* When reply j of a call whose sendmmsg starts at t0 leaves (ns). */
static int64_t tx_predict(const struct ntp_io_txmodel *m, int64_t t0, int j)
{
	return t0 + (int64_t)(m->lead_ns + (double)j * m->per_ns);
}

/*
 * Basic mode: a reply's transmit timestamp is when it leaves.  Every reply
 * whose transmit field is ours to fill (late_tx: all but the interleaved
 * ones) is the first of its own sendmmsg call, right after a clock read
 * t0, and is predicted to leave at t0 + lead; the interleaved replies that
 * follow it in the batch ride in the same call.  lead is what the kernel's
 * own TX stamps (the error queue, hardware or software) say a reply takes
 * from t0 to the wire: those of the replies to interleaved clients, and of
 * a few basic replies every NTP_IO_CALIB_NS.  Reply j of a call is
 * predicted at t0 + lead + j x per, per being what one reply of a call
 * costs the kernel (the call's time over its replies, averaged over
 * calls); that only places the interleaved replies, whose prediction
 * stands in until their own stamp comes (ntp_core_sent).  Interleaved
 * replies carry the kernel's stamp of the previous reply instead.
 */
static void send_call(struct ntp_worker *w, struct nsock *s, int c0, int n)
{
	/* the model as it is now predicts the whole call, before and after
	   the call learns from it */
	const struct ntp_io_txmodel m = w->txm;
	int64_t t0, t1, pred;
	int sent = c0, end = c0 + n, j, r;
	bool calib = false;

	t0 = realtime_ns();
	if (w->meta[c0].late_tx) {
		ntp_packet_set_transmit(w->tbuf[c0], ntp_from_ns(tx_predict(&m, t0, 0)));
		if (w->txm.calib_left == 0 && t0 - w->txm.calib_ns >= NTP_IO_CALIB_NS) {
			w->txm.calib_left = NTP_IO_CALIB_BURST;
			w->txm.calib_ns = t0;
		}
		if (w->txm.calib_left > 0 && !w->meta[c0].want_ts) {
			calib = true;
			add_ts_cmsg(w, c0);
			w->txm.calib_left--;
		}
	}

	while (sent < end) {
		r = sendmmsg(s->fd, w->tmsg + sent, (unsigned int)(end - sent), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			/* This one failed: skip it, keep the rest. */
			STAT_INC(w, send_errors);
			w->meta[sent].want_ts = false;
			w->meta[sent].rec = NTP_CLIENTLOG_NONE;
			w->meta[sent].interleaved = w->meta[sent].kod = false;
			w->tmsg[sent].msg_len = 0;
			sent++;
			continue;
		}
		sent += r;
	}
	t1 = realtime_ns();
	if (t1 > t0 && t1 - t0 < 1000000)	/* not preempted for a millisecond */
		w->txm.per_ns += ((double)(t1 - t0) / n - w->txm.per_ns) / 8;

	for (j = c0; j < end; j++) {
		struct ntp_core_reply *mt = &w->meta[j];

		if (w->tmsg[j].msg_len == 0)
			continue;
		STAT_INC(w, responses);
		STAT_ADD(w, tx_bytes, w->tmsg[j].msg_len);
		if (mt->interleaved)
			STAT_INC(w, interleaved);
		if (mt->kod)
			STAT_INC(w, kod_sent);
		if (!mt->want_ts && !(calib && j == c0))
			continue;
		pred = tx_predict(&m, t0, j - c0);
		if (mt->want_ts)
			ntp_core_sent(w->clg, mt, ntp_from_ns(pred));
		s->pend[s->next_key & (NTP_IO_PENDING_LEN - 1)] = (struct pending_tx){
			.key = s->next_key,
			.rec = mt->want_ts ? mt->rec :
			       w->txm.calib_left ? NTP_IO_WARM_REC : NTP_IO_CALIB_REC,
			.rx = mt->rx, .pred_ns = j == c0 ? pred : 0,
		};
		s->next_key++;
		s->ts_unread++;
		STAT_INC(w, tx_ts_requested);
	}
}

/* A batch in calls that each start with a basic reply (see send_call). */
static void send_batch(struct ntp_worker *w, struct nsock *s, int ntx)
{
	int c0, end;

	for (c0 = 0; c0 < ntx; c0 = end) {
		for (end = c0 + 1; end < ntx && !w->meta[end].late_tx; end++)
			;
		send_call(w, s, c0, end - c0);
	}
}

/*
 * A kernel TX stamp against its prediction: the model's lead follows the
 * residual with a time constant of about a second.  Dense stamps get
 * 1/1024 each: the stamps of a batch come back one or more batches after
 * the next ones were predicted, and a fast gain (1/16 a stamp, most of
 * the residual per batch of 32) oscillated by 150 us through that lag.
 * Sparse ones (a few clients, a few requests a second) get the time since
 * the last one over a second, at most 1/4: at 1/1024 a stamp the model
 * of a quiet server never learnt (38 us off on the emulator, whose calls
 * are slow).  Only the first reply of a call is learnt from: the others'
 * residuals would also hold the error of per (the call's time over its
 * replies includes what the call costs before the first and after the
 * last), and in a mix of basic and interleaved clients that would bias
 * the basic replies, which are always first.  The counters show the
 * residual.
 */
static void tx_calibrate(struct ntp_worker *w, int64_t stamp_ns, int64_t resid)
{
	double gain = (double)(stamp_ns - w->txm.cal_ns) * 1e-9;

	/* a stamp 10 ms off is a stall, not a measure of the model */
	if (resid > 10000000 || resid < -10000000)
		return;
	w->txm.cal_ns = stamp_ns;
	gain = gain < 1.0 / 1024 ? 1.0 / 1024 : gain > 0.25 ? 0.25 : gain;
	w->txm.lead_ns += (double)resid * gain;
	STAT_INC(w, tx_pred_samples);
	STAT_ADD(w, tx_pred_resid_ns, (uint64_t)resid);
	STAT_ADD(w, tx_pred_abs_resid_ns, (uint64_t)(resid < 0 ? -resid : resid));
}

static void read_errqueue(struct ntp_worker *w, struct nsock *s, const struct batch_ref *br)
{
	int n, i, rounds;

	for (rounds = 0; rounds < NTP_IO_MAX_ROUNDS; rounds++) {
		for (i = 0; i < NTP_IO_BATCH; i++) {
			struct msghdr *mh = &w->emsg[i].msg_hdr;

			w->eiov[i].iov_base = w->ebuf[i];
			w->eiov[i].iov_len = sizeof(w->ebuf[i]);
			memset(mh, 0, sizeof(*mh));
			mh->msg_iov = &w->eiov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = w->ectl[i].b;
			mh->msg_controllen = NTP_IO_CTRL_LEN;
		}
		n = recvmmsg(s->fd, w->emsg, NTP_IO_BATCH, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
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
			if (!stamp_from_cmsg(tss, br, w->srv->hw_tx, 0, &ts, &hw))
				continue;
			p = &s->pend[ee->ee_data & (NTP_IO_PENDING_LEN - 1)];
			if (p->key != ee->ee_data || p->rec == NTP_CLIENTLOG_NONE) {
				STAT_INC(w, tx_ts_unmatched);
				continue;
			}
			if (hw)
				STAT_INC(w, tx_ts_hw);
			else
				STAT_INC(w, tx_ts_sw);
			if (p->rec != NTP_IO_WARM_REC && p->pred_ns != 0) {
				int64_t sn = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;

				tx_calibrate(w, sn, sn - p->pred_ns);
			}
			if (p->rec < NTP_IO_WARM_REC)
				ntp_core_tx_stamp(w->clg, p->rec, p->rx,
						  ntp_packet_ts_from_timespec(&ts));
			p->rec = NTP_CLIENTLOG_NONE;
		}
		if (n < NTP_IO_BATCH) {
			s->ts_unread = 0;
			return;
		}
	}
}

void ntp_io_serve(struct ntp_worker *w, struct nsock *s, short revents)
{
	struct batch_ref br;
	int rounds, n, i, ntx;

	batch_ref_read(w->srv, &br);
	if (revents & POLLERR)
		read_errqueue(w, s, &br);
	if (!(revents & POLLIN))
		return;

	for (rounds = 0; rounds < NTP_IO_MAX_ROUNDS; rounds++) {
		for (i = 0; i < NTP_IO_BATCH; i++) {
			struct msghdr *mh = &w->rmsg[i].msg_hdr;

			w->riov[i].iov_base = w->rbuf[i];
			w->riov[i].iov_len = NTP_IO_RXBUF_LEN;
			mh->msg_name = &w->raddr[i];
			mh->msg_namelen = sizeof(w->raddr[i]);
			mh->msg_iov = &w->riov[i];
			mh->msg_iovlen = 1;
			mh->msg_control = w->rctl[i].b;
			mh->msg_controllen = NTP_IO_CTRL_LEN;
			mh->msg_flags = 0;
		}
		n = recvmmsg(s->fd, w->rmsg, NTP_IO_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		if (rounds > 0)
			batch_ref_read(w->srv, &br);
		br.recv_ns = realtime_ns();
		ntx = 0;
		for (i = 0; i < n; i++)
			process_one(w, s, i, &br, &ntx);
		if (ntx > 0)
			send_batch(w, s, ntx);
		if (n < NTP_IO_BATCH)
			break;
	}
	/* Software TX stamps are usually queued by the time sendmmsg returns:
	   collect them now instead of waking up again.  Basic-only traffic
	   asks for none, and skips the syscall; a stamp that comes later
	   (hardware) wakes us with POLLERR. */
	if (s->ts_unread)
		read_errqueue(w, s, &br);
}
