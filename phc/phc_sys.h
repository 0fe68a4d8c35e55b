/**
 * @file phc_sys.h
 * @brief The system clock servo: disciplines CLOCK_REALTIME to PHC A (which
 * linuxptp steers to the grandmaster) and publishes the reference state.
 *
 * The only writer of CLOCK_REALTIME in bridged (with software timestamping
 * the engine steers CLOCK_REALTIME itself and phc/ only watches).
 * See docs/clock.md.
 */
#ifndef PB_PHC_SYS_H
#define PB_PHC_SYS_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/core/conf.h"

/** Where TAI - UTC comes from. */
enum phc_utc_source {
	PHC_UTC_PTP,		/**< Announce, currentUtcOffsetValid */
	PHC_UTC_LEAPFILE,	/**< [clock] leapfile */
	PHC_UTC_CONFIG,		/**< [clock] utc_offset */
};

/** What `bridgectl tracking` and `status` show. */
struct phc_tracking {
	bool running;
	bool disciplining;		/**< we steer CLOCK_REALTIME (hardware ts) */
	char phc_device[32];		/**< PHC A, "/dev/ptpN" */
	const char *sysoff_method;	/**< "precise", "extended", "basic", "none" */
	int ref_sync;			/**< enum ref_sync last published */
	bool ever_synced;
	/** last CLOCK_REALTIME - (PHC A - filtered PHC A offset - TAI-UTC):
	    what the servo steers out */
	double sys_offset_ns;
	bool phc_filtered;		/**< ptp/'s filtered PHC A offset was used */
	double phc_filter_ns;		/**< that offset, ns */
	double rms_offset_ns;		/**< RMS of the recent offsets */
	double freq_ppb;		/**< frequency correction on CLOCK_REALTIME */
	double measure_delay_ns;	/**< PHC readout delay of the last sample */
	int servo_state;		/**< linuxptp's enum servo_state */
	uint64_t updates;
	int steps;
	int utc_offset;
	int utc_source;			/**< enum phc_utc_source */
	int leap;			/**< +1 insert, -1 delete, 0 none (pending) */
	double holdover_age;		/**< s since the reference was lost, 0 if none */
	double update_interval;		/**< s */
	bool other_writer;		/**< someone else changed CLOCK_REALTIME's frequency */
	bool phc_stuck;			/**< PHC A does not advance (present but broken) */
	bool leapfile_expired;
	bool shared_phc;		/**< NIC A and NIC B have the same PHC */
	double pps_offset_ns;		/**< last PPS edge vs the system clock's second */
	uint64_t pps_pulses;
	bool pps_disagrees;		/**< |pps_offset| > 10 us */
};

/** Open PHC A, create the servo, start the updates. @return 0, or -1 (logged) */
int phc_sys_start(const struct bridge_conf *c);
/** Take the thresholds, holdover and strata of a new config. */
void phc_sys_set_conf(const struct bridge_conf *c);
void phc_sys_stop(void);
/** A copy of what the servo knows now. */
void phc_sys_tracking(struct phc_tracking *t);
/** "ptp", "leapfile", "config" */
const char *phc_sys_utc_source_name(int src);

#endif
