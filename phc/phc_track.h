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
 * The system clock is the one we steer (phc/phc_sys.c changes its
 * frequency four times a second), so sys - PHC B is not a line: a fit over
 * seconds would lag every change.  The writer of CLOCK_REALTIME therefore
 * notes each frequency it sets (phc_sysadj_*); the fit is made on system
 * time minus the integral of those changes, which is as straight as the two
 * oscillators, and a conversion adds the integral back at the stamp's time.
 *
 * One writer (the core loop), any number of readers on any thread: the
 * model and the adjustment log are published with sequence locks, readers
 * never block.
 */
#ifndef PB_PHC_TRACK_H
#define PB_PHC_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "phc/phc_dev.h"
#include "phc/phc_sysadj.h"

#define PHC_TRACK_MAX_SAMPLES 64

/** Offset between two samples' prediction and reality that means a clock
    was stepped: the window restarts (ns). */
#define PHC_TRACK_STEP_NS 1000000


struct phc_model {
	int64_t phc_ref;	/**< PHC ns of the reference point */
	int64_t off_ref;	/**< sys - C - phc at phc_ref, ns (C as of corr_ref) */
	double off_frac;	/**< fraction of a ns to add to off_ref */
	double corr_ref;	/**< C at the reference point, ns */
	double slope;		/**< d(sys - phc)/d(phc) */
	double err_ns;		/**< error of a conversion at phc_ref, ns */
	double slope_err;	/**< standard error of the slope */
	int n;			/**< samples in the fit */
	bool valid;
};

struct phc_track {
	struct phc_sys_sample win[PHC_TRACK_MAX_SAMPLES];
	double corr[PHC_TRACK_MAX_SAMPLES];	/**< C at each sample, ns */
	unsigned int adj_gen;
	int size;		/**< window length in use */
	int count;
	int head;
	uint64_t resets;
	unsigned int seq;	/**< seqlock of model */
	struct phc_model model;
};

/** @param window  samples in the fit, 2..PHC_TRACK_MAX_SAMPLES */
void phc_track_init(struct phc_track *t, int window);

/** Add a sample and refit; publishes a new model.
    @param adj  the adjustment log now (NULL: the clock is not steered) */
void phc_track_add(struct phc_track *t, const struct phc_sys_sample *s,
		   const struct phc_sysadj *adj);

/** Read the current model (lock-free). */
void phc_track_model(const struct phc_track *t, struct phc_model *m);

/**
 * Convert a raw PHC stamp to system time, with the adjustment log as of now.
 * @param err_ns  receives the error estimate (may be NULL)
 * @return 0, or -1 while there is no model yet
 */
int phc_track_to_sys(const struct phc_track *t, int64_t phc_ns, int64_t *sys_ns,
		     double *err_ns);

/** Same on copies of the model and the log (hot paths that convert many
    stamps; adj NULL: not steered). */
int64_t phc_track_model_to_sys(const struct phc_model *m, const struct phc_sysadj *adj,
			 int64_t phc_ns, double *err_ns);

#endif
