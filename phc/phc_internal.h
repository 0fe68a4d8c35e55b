/**
 * @file phc_internal.h
 * @brief Shared between the files of phc/ (and their unit tests) only.
 */
#ifndef PB_PHC_INTERNAL_H
#define PB_PHC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/ref_state.h"

#define PHC_LEAPFILE_MAX 64

/** A parsed leap-seconds.list. */
struct phc_leapfile {
	int n;
	long long start[PHC_LEAPFILE_MAX];	/**< Unix UTC seconds */
	int offset[PHC_LEAPFILE_MAX];		/**< TAI - UTC from start[i] */
	long long expiry;			/**< Unix UTC seconds */
};

/** @return 0, or -1 (unreadable or malformed) */
int phc_leapfile_load(const char *path, struct phc_leapfile *lf);

/**
 * TAI - UTC at utc (Unix seconds); leap_pending is +1/-1 when a leap
 * second follows within a day.
 * @return 0 valid, 1 valid but the file has expired, -1 unknown
 */
int phc_leapfile_offset(const struct phc_leapfile *lf, long long utc, int *offset,
			int *leap_pending);

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

/** Link state of one interface (phc_nl.c). */
struct phc_link {
	char name[16];
	int ifindex;
	bool known;		/**< rtnetlink told us at least once */
	bool up;		/**< IFF_UP and IFF_RUNNING */
	unsigned int downs;	/**< times it went down */
};

/** PHC index from ethtool netlink; -1 when it names none or fails. */
int phc_nl_tsinfo_phc(const char *ifname);
/** PHC index by ethtool netlink, then the SIOCETHTOOL ioctl; how says which. */
int phc_find_index(const char *ifname, const char **how);
/** Watch the links of NIC A and NIC B (rtnetlink, in the core loop). */
int phc_link_start(const char *if_a, const char *if_b);
void phc_link_stop(void);
int phc_link_dump(void);
/** 0: NIC A, 1: NIC B; NULL when not watched. */
const struct phc_link *phc_link_get(int which);

/* PPS input (phc_pps.c) */
/** Open [clock] pps_device ("" = off). @return 0, or -1 (logged) */
int phc_pps_start(const char *path);
/** @return 1 and the edge's offset from the second (ns) when a new pulse came, 0 if none, -1 on error */
int phc_pps_poll(int64_t *offset_ns);
void phc_pps_stop(void);
/** Fold a fraction of a second into -0.5 s .. +0.5 s, in ns. */
int64_t phc_pps_fold(long nsec);

#endif
