/**
 * @file ptp_offset.h
 * @brief A long-window estimate of PHC A's offset from the grandmaster.
 *
 * The engine's servo reacts to every Sync, so PHC A carries the noise of the
 * last few measurements (about 10 ns RMS on a quiet wire).  Each measured
 * offsetFromMaster, minus what the servo itself did to PHC A since (the
 * integral of the frequencies it set), is a sample of the free-running
 * oscillator's phase against the GM: a line, over minutes, for a stable
 * oscillator.  The estimator fits that line (a parabola when the frequency
 * drifts) over as many samples as a runs test of the residuals accepts
 * (chrony's idea for its own sources) and adds the servo's integral back: the result is PHC A - GM at any PHC A time,
 * with the noise of hundreds of Syncs averaged out.  phc/ steers the system
 * clock to PHC A minus this estimate instead of to PHC A.
 *
 * Pure arithmetic, no linuxptp types: ptp_engine.c feeds it; one thread.
 * See docs/design-notes.md ("PHC A's offset, filtered").
 */
#ifndef PB_PTP_OFFSET_H
#define PB_PTP_OFFSET_H

#include <stdbool.h>
#include <stdint.h>

#define PTP_OFFSET_BIN_NS	2000000000LL	/**< samples are combined per 2 s */
/** Longest fit: 64 s.  Longer fits average more noise away (1.8 ns
    instead of 2.1 on a stable oscillator, tests/unit/test_ptp_offset.c)
    but a NIC's oscillator wanders by a ppb in minutes, and over 256 s that
    biases the newest end by more than the servo's own noise. */
#define PTP_OFFSET_MAX_BINS	32
#define PTP_OFFSET_MIN_BINS	8		/**< shortest fit: 16 s */
/** A fit shorter than this (48 s) is not used: the runs test cut it
    because PHC A's oscillator wanders, and then the servo's own clock,
    which follows within seconds, is the better estimate. */
#define PTP_OFFSET_USE_BINS	24
#define PTP_OFFSET_BIN_MAX_SAMPLES 64
#define PTP_OFFSET_ADJ_LOG	16
/** A sample this far from the fit means PHC A was stepped or the GM
    jumped: start again (ns). */
#define PTP_OFFSET_JUMP_NS	2000.0
/** Samples older than this after the newest one: the fit is stale (ns). */
#define PTP_OFFSET_STALE_NS	8000000000LL

struct ptp_offset_adj {
	int64_t t_ns;		/**< PHC A time the frequency was seen set */
	double f_ppb;
	double a_ns;		/**< integral of earlier frequencies up to t_ns */
};

struct ptp_offset_bin {
	double t;		/**< ns, relative to pto.t0 */
	double y;		/**< offset minus servo integral, ns */
};

struct ptp_offset_fit {
	bool valid;
	int n;			/**< bins in the fit */
	double t_ref;		/**< ns rel. t0: the mean time of the fitted bins */
	/** y = a + b p1 + c p2, p1 = t - t_ref, p2 = p1^2 - alpha p1 - beta
	    (c = 0: a line) */
	double a, b, c, alpha, beta;
	double sd;		/**< residual standard deviation of a bin, ns */
	double sxx, s22;	/**< sums of p1^2 and p2^2 */
	double newest;		/**< time of the newest bin, ns rel. t0 */
};

struct ptp_offset {
	bool started;
	int64_t t0;		/**< PHC A time origin of all relative times */
	struct ptp_offset_adj adj[PTP_OFFSET_ADJ_LOG];
	int n_adj, adj_head;	/**< ring, newest at adj_head */

	/* the bin being filled */
	double bt[PTP_OFFSET_BIN_MAX_SAMPLES], by[PTP_OFFSET_BIN_MAX_SAMPLES];
	int bn;
	double bin_start;

	struct ptp_offset_bin bins[PTP_OFFSET_MAX_BINS];
	int n_bins, bins_head;	/**< ring, newest at bins_head */
	int jumps;		/**< consecutive samples far from the fit */
	uint64_t resets;
	struct ptp_offset_fit fit;
};

void ptp_offset_init(struct ptp_offset *e);
/** Forget the samples (PHC A stepped, new GM, port left SLAVE...); the
    frequency log is kept. */
void ptp_offset_reset(struct ptp_offset *e);
/** The engine's frequency of PHC A, read at PHC A time @p t_ns (call when
    it may have changed; equal values are ignored). */
void ptp_offset_freq(struct ptp_offset *e, int64_t t_ns, double f_ppb);
/** A measured offsetFromMaster of the Sync received at PHC A time @p t_ns.
    @return 1 when the sample restarted the estimate (jump), else 0 */
int ptp_offset_sample(struct ptp_offset *e, int64_t t_ns, double offset_ns);
/** PHC A - GM at PHC A time @p t_ns.
    @param err_ns  standard error of the estimate (may be NULL)
    @return false while there is no usable fit (too few bins, stale) */
bool ptp_offset_at(const struct ptp_offset *e, int64_t t_ns, double *offset_ns, double *err_ns);
/** The servo's integral at @p t_ns (ns, relative to its first frequency). */
double ptp_offset_adj_at(const struct ptp_offset *e, int64_t t_ns);

#endif
