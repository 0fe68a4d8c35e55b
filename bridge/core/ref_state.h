/**
 * @file ref_state.h
 * @brief The reference state: what the NTP side tells its clients.
 *
 * One snapshot, written by the core loop (ptp/ and phc/, or the `local`
 * fallback), read by ntp/ on every response, possibly from worker threads.
 * A seqlock: the writer never waits, readers never lock and retry only
 * while a write is in progress.
 */
#ifndef PB_REF_STATE_H
#define PB_REF_STATE_H

#include <stdint.h>
#include <time.h>

enum ref_sync {
	REF_UNSYNCED,	/**< never locked, or holdover expired: leap = 3 */
	REF_SYNCED,	/**< locked to a grandmaster (or `local` stratum) */
	REF_HOLDOVER,	/**< lost the reference, still within holdover_max */
};

struct ref_snapshot {
	int sync;			/**< enum ref_sync */
	int leap;			/**< NTP leap indicator 0..3 */
	int stratum;			/**< 1..15; 16 when unsynchronised */
	uint32_t refid;			/**< as sent on the wire (host order of the 4 bytes, see REF_ID) */
	double root_delay;		/**< s */
	double root_dispersion;		/**< s, at ref_time */
	double dispersion_rate;		/**< s/s, growth of root_dispersion after ref_time */
	struct timespec ref_time;	/**< UTC (CLOCK_REALTIME) of the last update */
	int utc_offset;			/**< TAI - UTC, s */
	uint64_t generation;		/**< bumped on every publish */
};

/** Four ASCII characters as an NTP reference ID ("PTP", "LOCL"). */
#define REF_ID(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/** Publish a new snapshot (single writer: the core loop). */
void ref_state_publish(const struct ref_snapshot *s);

/** Read a consistent snapshot; lock-free, any thread. */
void ref_state_read(struct ref_snapshot *s);

/** root_dispersion grown to time now (s). */
double ref_state_dispersion_at(const struct ref_snapshot *s, const struct timespec *now);

const char *ref_state_sync_name(int sync);

#endif
