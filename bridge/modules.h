/**
 * @file modules.h
 * @brief The modules bridged wires together, in start order.
 *
 * Each module starts from the validated config, may take a new config on
 * reload, and stops.  Start registers the module's fds and timers with the
 * core loop, its control commands and its status section.
 */
#ifndef PB_MODULES_H
#define PB_MODULES_H

#include "bridge/conf.h"

struct bridge_module {
	const char *name;
	/** @return 0, or -1 (bridged exits: the module logged why) */
	int (*start)(const struct bridge_conf *c);
	/**
	 * Apply a new config.  NULL, or a return of 1, means the module
	 * cannot change in place: bridged stops and starts it.
	 * @return 0 applied, 1 needs restart, -1 failed (old config kept)
	 */
	int (*reload)(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf);
	void (*stop)(void);
};

/** NULL-terminated by name. */
extern const struct bridge_module bridge_modules[];

#endif
