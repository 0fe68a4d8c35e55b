/**
 * @file module.h
 * @brief The shape every module of bridged has, and the core's walk over
 * them: start, reload, stop, control commands, status and metrics.
 *
 * A module (ptp/, phc/, ntp/) defines one `const struct pb_module` in its
 * entry file (ptp/ptp.c, phc/phc.c, ntp/ntp.c); the programs list them in
 * start order (bridge/prog/modules.c).  The core never names a module.
 */
#ifndef PB_MODULE_H
#define PB_MODULE_H

#include <stdbool.h>
#include <stdio.h>

#include "bridge/core/conf.h"
#include "bridge/core/ctl.h"

struct json_object;

struct pb_module {
	const char *name;
	/** @return 0, or -1 (the module logged why; the others still run) */
	int (*start)(const struct bridge_conf *c);
	/**
	 * Apply the keys of a new config that change in place.  The config
	 * table decides which keys restart the module instead
	 * (module_restart_needed()); a module may still return 1 when it
	 * cannot apply a change now.  NULL: nothing of it changes in place.
	 * @return 0 applied, 1 needs restart, -1 failed (old config kept)
	 */
	int (*reload)(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf);
	void (*stop)(void);
	/** Its control commands; ends with cmd NULL (may be NULL). */
	const struct ctl_command *commands;
	/** Fill its section of `status` (called only while it runs). */
	ctl_status_fn status;
	/** Append its Prometheus lines (called only while it runs). */
	ctl_metrics_fn metrics;
};

enum module_state { MODULE_STOPPED, MODULE_RUNNING, MODULE_FAILED };

/**
 * Take the module table (NULL-terminated) and register every module's
 * commands with the control socket (after ctl_reset()).
 */
void module_init(const struct pb_module *const *mods);
/**
 * Start every module in order.  A module that cannot start does not take
 * the others down.
 * @return 0 when at least one runs (or there are none), -1 otherwise
 */
int module_start_all(const struct bridge_conf *c);
/** Stop every running module, in reverse order. */
void module_stop_all(void);
/** Does a change from old_conf to new_conf restart m (its table rows)? */
bool module_restart_needed(const struct pb_module *m, const struct bridge_conf *old_conf,
			   const struct bridge_conf *new_conf);
/**
 * Hand a new config to every module: a restart where the config table
 * says so, else in place.  All or nothing: when a running module cannot
 * take the new config, every module goes back to the old one (a module
 * that was not running before may still fail: it stays failed).
 * @param why  the failing module and its reason ("ntp: bind ...")
 * @return 0 applied, or -1: the old config runs
 */
int module_reload_all(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf,
		      char *why, size_t whylen);
/** {"name": {"state": ..., its own keys}} for every module; a failed
    one says why in "error". */
void module_status(struct json_object *modules);
/** Metrics of the running modules. */
void module_metrics(FILE *out);
/** "stopped", "running", "failed" */
const char *module_state_name(enum module_state s);

#endif
