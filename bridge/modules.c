/*
 * The module table.  Order matters: a module may read what the ones before
 * it publish (ptp/ and phc/ write the reference state that ntp/ reads).
 * Add a module with one line here and its entry points in its own header.
 */
#include "bridge/modules.h"
#include "phc/phc_sys.h"
#include "ptp/ptp.h"
#include "ntp/ntp.h"

const struct bridge_module bridge_modules[] = {
	{ "ptp", ptp_module_start, ptp_module_reload, ptp_module_stop },
	{ "phc", phc_module_start, phc_module_reload, phc_module_stop },
	{ "ntp", ntp_start, ntp_reload, ntp_stop },
	{ .name = NULL },
};
