/*
 * The reference state machine: what the NTP side may claim.
 *
 *   unsynced --(ptp and clock locked)--> synced
 *   synced --(reference lost)--> holdover --(holdover_max)--> unsynced
 *   holdover --(locked again)--> synced
 *
 * In holdover the stratum and reference time of the last good update are
 * kept and the root dispersion grows by holdover_drift (ppm) per second of
 * age, so clients see the error bound widen; after holdover_max we answer
 * leap=3 so they deselect us.  Before the first lock ref_time stays zero:
 * that is how ntp/ tells "never synced" (serve nothing unless serve_unsynced)
 * from "holdover expired".
 */
#include <string.h>

#include "phc/phc_ref.h"

void phc_ref_init(struct phc_ref *r)
{
	memset(r, 0, sizeof(*r));
	r->snap.sync = REF_UNSYNCED;
	r->snap.leap = 3;
	r->snap.stratum = 16;
	r->snap.refid = REF_ID('P', 'T', 'P', 0);
}

static int leap_indicator(int leap)
{
	return leap > 0 ? 1 : leap < 0 ? 2 : 0;
}

void phc_ref_update(struct phc_ref *r, const struct phc_ref_input *in)
{
	struct ref_snapshot *s = &r->snap;

	if (in->ptp_ok && in->clock_ok) {
		s->sync = REF_SYNCED;
		s->stratum = in->gm_class <= in->traceable_class ? 1 : in->untraceable_stratum;
		s->leap = leap_indicator(in->leap);
		s->root_delay = in->root_delay;
		s->root_dispersion = in->dispersion;
		s->dispersion_rate = in->holdover_drift * 1e-6;
		s->ref_time = in->now_utc;
		s->utc_offset = in->utc_offset;
		r->ever_synced = true;
		r->synced_mono = in->now_mono;
		r->lost_mono = 0;
		return;
	}
	if (!r->ever_synced) {
		phc_ref_init(r);
		return;
	}
	if (s->sync == REF_SYNCED) {
		/* Holdover counts from the last good update, not from when we
		   noticed the loss. */
		s->sync = REF_HOLDOVER;
		r->lost_mono = r->synced_mono;
	}
	if (s->sync == REF_HOLDOVER) {
		/* A leap announced before the loss still happens. */
		s->leap = leap_indicator(in->leap);
		s->utc_offset = in->utc_offset;
		s->dispersion_rate = in->holdover_drift * 1e-6;
		if (in->now_mono - r->lost_mono > in->holdover_max) {
			s->sync = REF_UNSYNCED;
			s->leap = 3;
			s->stratum = 16;
		}
	}
}

double phc_ref_holdover_age(const struct phc_ref *r, double now_mono)
{
	if (!r->ever_synced || r->snap.sync == REF_SYNCED)
		return 0;
	return now_mono - r->lost_mono;
}
