/**
 * @file ptp.h
 * @brief The PTP side of the bridge: linuxptp's engine, embedded.
 *
 * ptp/ runs linuxptp's ordinary clock (libptp.a) in bridged's process, as a
 * slave-only clock on [ptp] interface.  Its servo steers PHC A (or, with
 * software timestamping, CLOCK_REALTIME).  The engine's descriptors are
 * watched by the core loop; after every dispatch the data sets are copied
 * into a struct ptp_state that the rest of bridged reads without touching
 * linuxptp's types.  See docs/ptp.md.
 */
#ifndef PB_PTP_H
#define PB_PTP_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/core/module.h"

/** Port states, numbered as IEEE 1588 (and linuxptp) numbers them. */
enum ptp_port_state {
	PTP_PS_NONE = 0,
	PTP_PS_INITIALIZING,
	PTP_PS_FAULTY,
	PTP_PS_DISABLED,
	PTP_PS_LISTENING,
	PTP_PS_PRE_MASTER,
	PTP_PS_MASTER,
	PTP_PS_PASSIVE,
	PTP_PS_UNCALIBRATED,
	PTP_PS_SLAVE,
	PTP_PS_GRAND_MASTER,
};

/** linuxptp's servo states. */
enum ptp_servo_state {
	PTP_SERVO_UNLOCKED,
	PTP_SERVO_JUMP,
	PTP_SERVO_LOCKED,
	PTP_SERVO_LOCKED_STABLE,
};

/** What the engine knows, copied out after every dispatch. */
struct ptp_state {
	bool running;			/**< the engine exists */
	bool software_ts;		/**< time_stamping = software */
	int phc_index;			/**< PHC A as linuxptp found it, -1 if none */
	char interface[16];
	int domain;

	int port_state;			/**< enum ptp_port_state */
	char clock_identity[24];	/**< ours, "xxxxxx.xxxx.xxxxxx" */
	char port_identity[32];		/**< ours, "<clock>-<port>" */

	bool have_parent;		/**< a foreign master is selected */
	char gm_identity[24];
	char parent_port[32];
	int gm_class;
	int gm_accuracy;
	int gm_variance;
	int gm_priority1;
	int gm_priority2;
	int steps_removed;

	double offset_ns;		/**< offsetFromMaster */
	double mean_path_delay_ns;	/**< meanPathDelay */
	int servo_state;		/**< enum ptp_servo_state */

	int utc_offset;			/**< currentUtcOffset */
	bool utc_offset_valid;
	bool leap61;
	bool leap59;
	bool time_traceable;
	bool freq_traceable;
	bool ptp_timescale;
	int time_source;

	/* PHC A - GM over a minute of Syncs (ptp_offset.h) */
	bool filtered;			/**< the estimate is in use */
	double filtered_offset_ns;	/**< at the last Sync */
	double filtered_err_ns;		/**< its standard error */
	double filter_window_s;		/**< the fit's length */

	/* the grandmaster time-jump guard (ptp_guard.h) */
	bool gm_jump_held;		/**< a jump is not being followed */
	double gm_jump_ns;		/**< the GM's held jump (GM - us), as first seen */
	double gm_jump_last_ns;		/**< the same at the latest Sync */
	double gm_jump_age_s;		/**< how long it has been held */
	double gm_jump_confirm_s;	/**< held this long, it is followed (0: never) */
	uint64_t gm_jumps;		/**< jumps seen */
	uint64_t gm_jumps_followed;	/**< of them, followed */

	uint64_t sync_count;		/**< servo updates seen (ingress time changes) */
	uint64_t last_sync_mono_ns;	/**< CLOCK_MONOTONIC of the last one, 0 = never */
	uint64_t dispatches;		/**< clock_poll() calls */
};

/** The module (ptp.c), for bridged's table (bridge/prog/modules.c). */
extern const struct pb_module ptp_module;

/** Copy of the current state (zeroed when the engine is not running). */
void ptp_get_state(struct ptp_state *s);

/**
 * PHC A - GM at PHC A time @p phc_ns, filtered over up to a minute of
 * Syncs: what phc/ subtracts from PHC A to steer the system clock.
 * @return false when there is no usable estimate (then use PHC A as is)
 */
bool ptp_phc_offset(int64_t phc_ns, double *offset_ns, double *err_ns);

/** Has the slave a usable reference: port SLAVE, servo locked, no GM jump held. */
bool ptp_state_locked(const struct ptp_state *s);

/** "SLAVE", "LISTENING" ... */
const char *ptp_port_state_name(int state);
/** "unlocked", "jump", "locked", "locked_stable" */
const char *ptp_servo_state_name(int state);

#endif
