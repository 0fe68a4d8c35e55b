/**
 * @file phc_sys.h
 * @brief phc/: the clocks.  Disciplines CLOCK_REALTIME to PHC A (which
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

#include "bridge/conf.h"

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

int phc_module_start(const struct bridge_conf *c);
int phc_module_reload(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf);
void phc_module_stop(void);

void phc_get_tracking(struct phc_tracking *t);

const char *phc_utc_source_name(int src);

#endif
