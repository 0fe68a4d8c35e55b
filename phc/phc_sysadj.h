/**
 * @file phc_sysadj.h
 * @brief The log of our own frequency changes of CLOCK_REALTIME, so that a
 * PHC B fit (phc_track.h) sees through them (docs/design-notes.md, "NIC B's
 * stamps").
 */
#ifndef PB_PHC_SYSADJ_H
#define PB_PHC_SYSADJ_H

#include <stdint.h>

/** What this process dialed into CLOCK_REALTIME: C(t) = c0 + f (t - t0). */
struct phc_sysadj {
	int64_t t0_ns;		/**< CLOCK_REALTIME of the last frequency change */
	double f_ppb;		/**< frequency offset set then */
	double c0_ns;		/**< integral of earlier offsets up to t0, ns */
	unsigned int gen;	/**< bumped when the clock is stepped */
};

/** The writer of CLOCK_REALTIME: call right after setting a frequency (ppb,
    as read back from the kernel) or stepping the clock. */
void phc_sysadj_freq(double f_ppb);
void phc_sysadj_step(void);
/** Lock-free snapshot; all zero when nobody steers the clock. */
void phc_sysadj_read(struct phc_sysadj *a);
/** The arithmetic of phc_sysadj_freq on a log of one's own (tests). */
void phc_sysadj_note(struct phc_sysadj *a, int64_t now_ns, double f_ppb);
/** C(t): how far our own adjustments moved the clock by sys time t, ns. */
double phc_sysadj_at(const struct phc_sysadj *a, int64_t sys_ns);

#endif
