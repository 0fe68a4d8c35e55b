/**
 * @file ptp_guard.h
 * @brief The grandmaster time-jump guard (chrony's `maxchange`, for PTP).
 *
 * PTP is not authenticated, and a grandmaster can jump: a GNSS receiver
 * that loses its fix and comes back a second off, a GM stepped by hand, a
 * rogue GM that wins the BMCA.  linuxptp's servo would slew PHC A (and
 * with it the system clock and every NTP client) toward the new time at
 * its maximum rate.  Once the servo was locked, a Sync whose offset is
 * beyond `[clock] max_gm_jump` is not given to the servo: PHC A keeps its
 * frequency (holdover), the jump is reported, and the GM is followed
 * again when its offset is back within the bound, when the jump has
 * persisted for `[clock] gm_jump_confirm`, or when the operator says so
 * (`bridgectl accept-gm-jump`).  Following a jump resets the servo so
 * that it steps PHC A, and lets phc/ step the system clock once.
 *
 * Pure logic, no linuxptp types: ptp_engine.c feeds it from its wrapper
 * of linuxptp's servo_sample(); one thread.
 */
#ifndef PB_PTP_GUARD_H
#define PB_PTP_GUARD_H

#include <stdbool.h>
#include <stdint.h>

/** What to do with one Sync's offset. */
enum ptp_guard_verdict {
	PTP_GUARD_PASS,		/**< give it to the servo */
	PTP_GUARD_HOLD,		/**< do not: keep PHC A's frequency */
	PTP_GUARD_FOLLOW,	/**< the jump is accepted: reset the servo, then give it */
};

struct ptp_guard {
	double bound_ns;	/**< max_gm_jump; 0: off */
	double confirm_s;	/**< gm_jump_confirm; 0: only the operator */
	bool armed;		/**< the servo has been locked since the last reset */
	bool held;		/**< a jump is not being followed */
	bool accept;		/**< the operator asked to follow it */
	double held_since_s;	/**< when the jump was first seen */
	double jump_ns;		/**< its first offset */
	double last_ns;		/**< the latest offset while held */
	uint64_t jumps;		/**< jumps seen */
	uint64_t followed;	/**< jumps followed (confirmed or by the operator) */
};

void ptp_guard_init(struct ptp_guard *g, double bound_ns, double confirm_s);
/** New bounds (reload); a jump being held stays held. */
void ptp_guard_set(struct ptp_guard *g, double bound_ns, double confirm_s);

/**
 * One Sync's offset from the GM (ns) at now_s (monotonic).
 */
enum ptp_guard_verdict ptp_guard_sample(struct ptp_guard *g, double offset_ns, double now_s);

/** What the servo said of a sample it was given: locked arms the guard. */
void ptp_guard_servo(struct ptp_guard *g, bool locked);

/** The operator's word: follow the held jump at the next Sync. @return false if none is held */
bool ptp_guard_accept(struct ptp_guard *g);

#endif
