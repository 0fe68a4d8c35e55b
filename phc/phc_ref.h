/**
 * @file phc_ref.h
 * @brief The reference state machine: synced, holdover, unsynchronised (phc_ref.c).
 */
#ifndef PB_PHC_REF_H
#define PB_PHC_REF_H

#include <stdbool.h>
#include <time.h>

#include "bridge/core/ref_state.h"

/** Inputs of one reference-state decision (phc_ref.c). */
struct phc_ref_input {
	bool ptp_ok;		/**< engine locked and Syncs fresh */
	bool clock_ok;		/**< CLOCK_REALTIME follows PHC A closely */
	int gm_class;
	int traceable_class;
	int untraceable_stratum;
	int leap;		/**< +1 insert, -1 delete, 0 none */
	int utc_offset;
	double root_delay;	/**< s */
	double dispersion;	/**< s, error estimate of this update */
	double holdover_drift;	/**< ppm */
	double holdover_max;	/**< s */
	double now_mono;	/**< s, CLOCK_MONOTONIC */
	struct timespec now_utc;
};

/** The state machine synced / holdover / unsynced. */
struct phc_ref {
	struct ref_snapshot snap;
	bool ever_synced;
	double lost_mono;	/**< when holdover began, s */
	double synced_mono;	/**< last synced update, s */
};

void phc_ref_init(struct phc_ref *r);
/** Advance the state machine; snap is what to publish. */
void phc_ref_update(struct phc_ref *r, const struct phc_ref_input *in);
/** Holdover age in s (0 when not in holdover). */
double phc_ref_holdover_age(const struct phc_ref *r, double now_mono);

#endif
