/**
 * @file ntp_core.h
 * @brief The NTP protocol of the server, without sockets: a request and its
 * receive timestamp in, a response (or the reason there is none) out.
 *
 * Validation, allow/deny, the unsynchronised rule, rate limiting with KoD
 * and the interleaved-mode state live here as plain functions over a
 * client log (ntp_clientlog.h); ntp_io.c feeds them datagrams and
 * timestamps.  Unit tests call them directly (tests/unit/test_ntp_core.c).
 */
#ifndef PB_NTP_CORE_H
#define PB_NTP_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bridge/core/conf.h"
#include "bridge/core/ref_state.h"
#include "ntp/ntp_acl.h"
#include "ntp/ntp_clientlog.h"
#include "ntp/ntp_packet.h"

/** What the protocol takes from the config (changed in place on reload). */
struct ntp_core_conf {
	struct ntp_acl acl;
	struct ntp_clientlog_ratelimit rl;
	bool serve_unsynced;
	int local_stratum;		/**< 0: off */
	int precision;			/**< log2 s of the clock, measured */
	int64_t max_age_ns;		/**< a request older than this is not answered */
	uint32_t ceiling;		/**< responses/s of one worker, 0 = none */
};

/** A worker's share of max_response_rate: a token bucket of one second. */
struct ntp_core_ceiling {
	uint64_t units;			/**< responses x NTP_CLIENTLOG_TICKS_PER_SEC */
	uint32_t ticks;			/**< when last filled */
	uint32_t rate;			/**< the rate it was filled at */
};

/** The reference as a batch of responses carries it (read once per batch). */
struct ntp_core_ref {
	int leap;
	int stratum;
	uint32_t refid;
	uint32_t root_delay;		/**< NTP short format */
	uint32_t root_disp;
	ntp_ts ref_ts;			/**< 0: never synchronised */
	bool unsynced;
	uint32_t ticks;			/**< now, client-log ticks */
};

/** Why a datagram gets no response (or NTP_CORE_REPLY: it gets one). */
enum ntp_core_verdict {
	NTP_CORE_REPLY,
	NTP_CORE_DROP_INVALID,		/**< malformed, or no room to answer */
	NTP_CORE_DROP_MODE,		/**< not a client request */
	NTP_CORE_DROP_ACL,
	NTP_CORE_DROP_UNSYNCED,		/**< never synchronised, serve_unsynced = no */
	NTP_CORE_DROP_RATELIMIT,	/**< over the rate limit, not answered */
};

/** What the sender must know of a response built by ntp_core_answer(). */
struct ntp_core_reply {
	uint32_t rec;			/**< the client's record, or NTP_CLIENTLOG_NONE */
	ntp_ts rx;			/**< our receive stamp, as sent */
	size_t len;			/**< bytes built */
	bool want_ts;			/**< keep the TX stamp for the next response */
	bool late_tx;			/**< transmit = our clock just before sending */
	bool interleaved;
	bool kod;
};

/** Take the protocol's settings from a config (precision is left alone). */
void ntp_core_conf_set(struct ntp_core_conf *cc, const struct bridge_conf *c);

/**
 * The reference chrony's `local stratum N` stands for: our own clock,
 * synchronised, at that stratum.
 */
void ntp_core_local_snapshot(struct ref_snapshot *s, int stratum, const struct timespec *now);

/**
 * A batch's view of the reference snapshot at now: `local` stands in when
 * it is unsynchronised; extra_disp (s) is added to the root dispersion (the
 * error of our own timestamps).
 */
void ntp_core_ref_set(struct ntp_core_ref *r, const struct ref_snapshot *snap,
		      const struct timespec *now, int local_stratum, double extra_disp,
		      uint32_t ticks);

/**
 * First look at a datagram from ca/port: parse, allow/deny, the
 * unsynchronised rule.  On NTP_CORE_REPLY req is filled and the caller
 * takes its receive timestamp.
 */
enum ntp_core_verdict ntp_core_check(const struct ntp_core_conf *cc, const struct ntp_core_ref *r,
				     const uint8_t *buf, size_t len, const struct conf_addr *ca,
				     int port, struct ntp_request *req);

/**
 * Answer a request that passed ntp_core_check(), received at rx: the client
 * log (addr16 is the IPv6 or IPv4-mapped source), the rate limit, the
 * interleaved state.  The response is built into out (never longer than the
 * request); its transmit field is left to the sender when rep->late_tx.
 * @param rng  the caller's xorshift state (leaked responses)
 */
enum ntp_core_verdict ntp_core_answer(const struct ntp_core_conf *cc, struct ntp_clientlog *clg,
				      const struct ntp_core_ref *r, const struct ntp_request *req,
				      const uint8_t addr16[16], ntp_ts rx, uint64_t *rng,
				      uint8_t *out, size_t outcap, struct ntp_core_reply *rep);

/**
 * May one more response go out now (ticks) under the ceiling?  A bucket
 * that was never used, or whose rate changed, starts full.
 */
bool ntp_core_ceiling_take(struct ntp_core_ceiling *c, const struct ntp_core_conf *cc,
			   uint32_t ticks);

/**
 * The response rep went out with transmit tx (read just before sending):
 * until the kernel's TX stamp comes, that is the client's previous TX.
 */
void ntp_core_sent(struct ntp_clientlog *clg, const struct ntp_core_reply *rep, ntp_ts tx);

/**
 * The kernel's TX stamp of the response to the request received at rx by
 * record rec: kept for the next, interleaved, response if the record
 * still belongs to that exchange.
 */
void ntp_core_tx_stamp(struct ntp_clientlog *clg, uint32_t rec, ntp_ts rx, ntp_ts tx);

#endif
