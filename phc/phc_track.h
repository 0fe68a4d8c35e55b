/**
 * @file phc_track.h
 * @brief Conversion of raw PHC timestamps to system time (CLOCK_REALTIME).
 *
 * Fed with PHC-to-system samples (phc_dev_sys_offset()), it fits the
 * offset sys - phc as a line over the last samples (least squares), so a
 * raw hardware stamp of NIC B becomes system time with an error estimate
 * that includes the fit residuals, the samples' own uncertainty and the
 * extrapolation since the last sample.
 *
 * One writer (the core loop), any number of readers on any thread: the
 * model is published with a sequence lock, readers never block.
 */
#ifndef PB_PHC_TRACK_H
#define PB_PHC_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "phc/phc_dev.h"

#define PHC_TRACK_MAX_SAMPLES 64

/** Offset between two samples' prediction and reality that means a clock
    was stepped: the window restarts (ns). */
#define PHC_TRACK_STEP_NS 1000000

struct phc_model {
	int64_t phc_ref;	/**< PHC ns of the reference point */
	int64_t off_ref;	/**< sys - phc at phc_ref, ns */
	double slope;		/**< d(sys - phc)/d(phc) */
	double err_ns;		/**< error of a conversion at phc_ref, ns */
	double slope_err;	/**< standard error of the slope */
	int n;			/**< samples in the fit */
	bool valid;
};

struct phc_track {
	struct phc_sys_sample win[PHC_TRACK_MAX_SAMPLES];
	int size;		/**< window length in use */
	int count;
	int head;
	uint64_t resets;
	unsigned int seq;	/**< seqlock of model */
	struct phc_model model;
};

/** @param window  samples in the fit, 2..PHC_TRACK_MAX_SAMPLES */
void phc_track_init(struct phc_track *t, int window);

/** Add a sample and refit; publishes a new model. */
void phc_track_add(struct phc_track *t, const struct phc_sys_sample *s);

/** Read the current model (lock-free). */
void phc_track_model(const struct phc_track *t, struct phc_model *m);

/**
 * Convert a raw PHC stamp to system time.
 * @param err_ns  receives the error estimate (may be NULL)
 * @return 0, or -1 while there is no model yet
 */
int phc_track_to_sys(const struct phc_track *t, int64_t phc_ns, int64_t *sys_ns,
		     double *err_ns);

/** Same on a model copy (hot paths that convert many stamps). */
int64_t phc_model_to_sys(const struct phc_model *m, int64_t phc_ns, double *err_ns);

#endif
