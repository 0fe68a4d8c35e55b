/*
 * The grandmaster time-jump guard (ptp_guard.h).
 *
 *   following --(armed, |offset| > bound)--> held
 *   held --(|offset| <= bound)--> following          (the GM came back)
 *   held --(confirm_s of jumped Syncs, or accept)--> following, servo reset
 *
 * A held jump whose Syncs come back within the bound was a glitch (or a
 * GM that was put right): nothing was followed, the servo resumes where
 * it was.  Only after a reset that follows a jump is the guard disarmed,
 * until the servo locks again; before the first lock nothing is guarded,
 * the servo's own first step sets PHC A.
 */
#include <math.h>
#include <string.h>

#include "ptp/ptp_guard.h"

void ptp_guard_init(struct ptp_guard *g, double bound_ns, double confirm_s)
{
	memset(g, 0, sizeof(*g));
	ptp_guard_set(g, bound_ns, confirm_s);
}

void ptp_guard_set(struct ptp_guard *g, double bound_ns, double confirm_s)
{
	g->bound_ns = bound_ns > 0 ? bound_ns : 0;
	g->confirm_s = confirm_s > 0 ? confirm_s : 0;
	if (!g->bound_ns)
		g->held = false;	/* off: whatever was held is followed as is */
}

enum ptp_guard_verdict ptp_guard_sample(struct ptp_guard *g, double offset_ns, double now_s)
{
	bool beyond = g->bound_ns > 0 && !(fabs(offset_ns) <= g->bound_ns);

	if (!g->held) {
		if (!g->armed || !beyond)
			return PTP_GUARD_PASS;
		g->held = true;
		g->accept = false;
		g->held_since_s = now_s;
		g->jump_ns = g->last_ns = offset_ns;
		g->jumps++;
		return PTP_GUARD_HOLD;
	}
	if (!beyond) {
		g->held = false;
		g->accept = false;
		return PTP_GUARD_PASS;
	}
	g->last_ns = offset_ns;
	if (g->accept || (g->confirm_s > 0 && now_s - g->held_since_s >= g->confirm_s)) {
		g->held = false;
		g->accept = false;
		g->armed = false;
		g->followed++;
		return PTP_GUARD_FOLLOW;
	}
	return PTP_GUARD_HOLD;
}

void ptp_guard_servo(struct ptp_guard *g, bool locked)
{
	if (locked)
		g->armed = true;
}

bool ptp_guard_accept(struct ptp_guard *g)
{
	if (!g->held)
		return false;
	g->accept = true;
	return true;
}
