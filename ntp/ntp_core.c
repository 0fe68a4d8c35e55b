/*
 * The NTP protocol of the server: what to answer, and whether to.
 *
 * A datagram is first checked (parse, allow/deny, never-synchronised rule)
 * so that the I/O only takes a receive timestamp for a request it will
 * probably answer; then the client's record decides the rest: the rate
 * limit (drop, or KoD RATE; a leak keeps a spoofed flood from locking the
 * real client out) and interleaved mode, whose state is two timestamps
 * per record.  Nothing here allocates, locks or touches a socket.
 */
#include <string.h>

#include "ntp/ntp_core.h"

static uint32_t rand32(uint64_t *rng)
{
	/* xorshift64*: only used to pick leaked responses */
	uint64_t x = *rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

void ntp_core_conf_set(struct ntp_core_conf *cc, const struct bridge_conf *c)
{
	ntp_acl_from_conf(&cc->acl, c);
	cc->rl.enabled = c->ntp.ratelimit.enabled;
	cc->rl.interval = c->ntp.ratelimit.interval;
	cc->rl.burst = c->ntp.ratelimit.burst;
	cc->rl.leak = c->ntp.ratelimit.leak;
	cc->rl.kod = c->ntp.ratelimit.kod;
	cc->serve_unsynced = c->ntp.serve_unsynced;
	cc->local_stratum = c->ntp.local_stratum;
	cc->max_age_ns = (int64_t)(c->ntp.max_answer_delay * 1e9);
	/* Each worker serves its own clients: it gets its share, rounded up. */
	int nw = c->ntp.workers > 1 ? c->ntp.workers : 1;

	cc->ceiling = c->ntp.max_response_rate <= 0 ? 0 :
		      (uint32_t)((c->ntp.max_response_rate + nw - 1) / nw);
}

bool ntp_core_ceiling_take(struct ntp_core_ceiling *c, const struct ntp_core_conf *cc,
			   uint32_t ticks)
{
	uint64_t cap = (uint64_t)cc->ceiling * NTP_CLIENTLOG_TICKS_PER_SEC, u;

	if (!cc->ceiling)
		return true;
	if (c->rate != cc->ceiling) {
		c->rate = cc->ceiling;
		c->units = cap;
	} else {
		/* one tick adds rate/TICKS responses: rate units */
		u = c->units + (uint64_t)(uint32_t)(ticks - c->ticks) * c->rate;
		c->units = u < cap ? u : cap;
	}
	c->ticks = ticks;
	if (c->units < NTP_CLIENTLOG_TICKS_PER_SEC)
		return false;
	c->units -= NTP_CLIENTLOG_TICKS_PER_SEC;
	return true;
}

void ntp_core_local_snapshot(struct ref_snapshot *s, int stratum, const struct timespec *now)
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

void ntp_core_ref_set(struct ntp_core_ref *r, const struct ref_snapshot *snap_in,
		      const struct timespec *now, int local_stratum, double extra_disp,
		      uint32_t ticks)
{
	struct ref_snapshot snap = *snap_in;

	/* chrony's `local`: with no reference, serve our own clock as
	   synchronised at the configured stratum. */
	if (snap.sync == REF_UNSYNCED && local_stratum > 0)
		ntp_core_local_snapshot(&snap, local_stratum, now);
	r->unsynced = snap.sync == REF_UNSYNCED;
	r->leap = r->unsynced ? NTP_LEAP_UNSYNC : (snap.leap & 3);
	r->stratum = snap.stratum;
	if (r->unsynced || r->stratum < 1 || r->stratum > 15)
		r->stratum = r->unsynced ? 16 : (r->stratum < 1 ? 16 : r->stratum);
	r->refid = snap.refid;
	r->root_delay = ntp_packet_short_from_double(snap.root_delay);
	r->ref_ts = (snap.ref_time.tv_sec || snap.ref_time.tv_nsec) ?
		    ntp_packet_ts_from_timespec(&snap.ref_time) : 0;
	r->ticks = ticks;
	r->root_disp = ntp_packet_short_from_double(ref_state_dispersion_at(&snap, now) +
						    extra_disp);
}

enum ntp_core_verdict ntp_core_check(const struct ntp_core_conf *cc, const struct ntp_core_ref *r,
				     const uint8_t *buf, size_t len, const struct conf_addr *ca,
				     int port, struct ntp_request *req)
{
	enum ntp_parse_status ps = ntp_packet_parse_request(buf, len, port, req);

	if (ps != NTP_REQ_OK)
		return ps == NTP_REQ_NOT_CLIENT ? NTP_CORE_DROP_MODE : NTP_CORE_DROP_INVALID;
	if (!ntp_acl_allowed(&cc->acl, ca))
		return NTP_CORE_DROP_ACL;
	/* Before the first lock nothing is served (unless serve_unsynced);
	   once a reference was held and lost for good (holdover expired), the
	   answer says leap 3 so that clients deselect us rather than wait. */
	if (r->unsynced && !r->ref_ts && !cc->serve_unsynced)
		return NTP_CORE_DROP_UNSYNCED;
	return NTP_CORE_REPLY;
}

enum ntp_core_verdict ntp_core_answer(const struct ntp_core_conf *cc, struct ntp_clientlog *clg,
				      const struct ntp_core_ref *r, const struct ntp_request *req,
				      const uint8_t addr16[16], ntp_ts rx, uint64_t *rng,
				      uint8_t *out, size_t outcap, struct ntp_core_reply *rep)
{
	struct ntp_clientlog_record *rec = NULL;
	struct ntp_response resp;
	uint32_t idx, prev_last = 0;
	bool kod = false, interleaved = false, want_ts = false;
	ntp_ts prev_tx = 0;

	if (rx == 0)
		rx = 1;		/* 0 means "none" in the log */
	idx = ntp_clientlog_access(clg, addr16, r->ticks, &prev_last);
	if (idx != NTP_CLIENTLOG_NONE)
		rec = ntp_clientlog_record(clg, idx);

	if (rec && cc->rl.enabled) {
		switch (ntp_clientlog_rate_check(rec, prev_last, r->ticks, &cc->rl, rand32(rng))) {
		case NTP_CLIENTLOG_ANSWER:
			break;
		case NTP_CLIENTLOG_KOD:
			kod = true;
			break;
		default:
			return NTP_CORE_DROP_RATELIMIT;
		}
	}

	/* Interleaved mode (RFC 9769, chrony's server): a client that echoes
	   our previous RX stamp as its origin, with receive != transmit, wants
	   the precise TX stamp of our previous response.  The first such
	   request only starts keeping it; the one after gets it. */
	if (rec && !kod) {
		if (rec->rx != 0 && req->origin == rec->rx && req->receive != req->transmit) {
			want_ts = true;
			if (rec->tx != 0) {
				interleaved = true;
				prev_tx = rec->tx;
				if (rec->xleave_hits != UINT32_MAX)
					rec->xleave_hits++;
			}
		}
		rec->rx = rx;
		rec->tx = 0;
	}

	memset(&resp, 0, sizeof(resp));
	resp.version = req->version;
	resp.poll = req->poll;
	if (cc->rl.enabled && resp.poll < cc->rl.interval)
		resp.poll = cc->rl.interval;	/* hint: poll no faster */
	resp.precision = cc->precision;
	resp.receive = rx;
	if (kod) {
		resp.leap = NTP_LEAP_UNSYNC;
		resp.stratum = 0;
		resp.refid = NTP_KOD_RATE;
		resp.origin = req->transmit;
	} else {
		resp.leap = r->leap;
		resp.stratum = r->stratum;
		resp.refid = r->refid;
		resp.root_delay = r->root_delay;
		resp.root_dispersion = r->root_disp;
		resp.reference = r->ref_ts;
		if (interleaved) {
			resp.origin = req->receive;
			resp.transmit = prev_tx;
		} else {
			resp.origin = req->transmit;
		}
	}

	/* Never send more than was received: no amplification. */
	rep->len = ntp_packet_build_response(out, req->length < outcap ? req->length : outcap,
					     &resp);
	if (rep->len == 0)
		return NTP_CORE_DROP_INVALID;
	rep->rec = idx;
	rep->rx = rx;
	rep->want_ts = want_ts;
	rep->late_tx = !interleaved;
	rep->interleaved = interleaved;
	rep->kod = kod;
	return NTP_CORE_REPLY;
}

void ntp_core_sent(struct ntp_clientlog *clg, const struct ntp_core_reply *rep, ntp_ts tx)
{
	struct ntp_clientlog_record *rec;

	if (!rep->want_ts)
		return;
	rec = ntp_clientlog_record(clg, rep->rec);
	/* Until the kernel's stamp arrives, our own late read. */
	if (rec && rec->rx == rep->rx)
		rec->tx = tx;
}

void ntp_core_tx_stamp(struct ntp_clientlog *clg, uint32_t rec_idx, ntp_ts rx, ntp_ts tx)
{
	struct ntp_clientlog_record *rec = ntp_clientlog_record(clg, rec_idx);

	/* Still the same client and the same exchange? */
	if (rec && rec->rx == rx)
		rec->tx = tx;
}
