/*
 * The module table.  Order matters: a module may read what the ones before
 * it publish (ptp/ and phc/ write the reference state that ntp/ reads).
 * Add a module with one line here; its ops live in its entry file.
 */
#include "bridge/prog/modules.h"
#include "ntp/ntp.h"
#include "phc/phc.h"
#include "ptp/ptp.h"

const struct pb_module *const bridge_modules[] = {
	&ptp_module,
	&phc_module,
	&ntp_module,
	NULL,
};
