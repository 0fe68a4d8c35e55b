/*
 * bridgectl's text views of phc/: `bridgectl tracking` (chronyc tracking's
 * layout) and the system clock and UTC lines of `bridgectl status`.  Reads
 * only the JSON the daemon sends.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bridge/core/view.h"
#include "phc/phc_view.h"

static void phc_view_tracking(struct json_object *d, FILE *out, const struct view_opts *o)
{
	double off = view_num(d, "system_offset_ns", 0) * 1e-9;
	double freq = view_num(d, "frequency_ppb", 0) * 1e-3;

	fprintf(out, "Reference ID    : %s (%s)\n", view_str(d, "reference_id", "?"),
		view_str(d, "phc_device", "-"));
	fprintf(out, "Stratum         : %.0f\n", view_num(d, "stratum", 16));
	fprintf(out, "Ref time (UTC)  : %.9f\n", view_num(d, "ref_time", 0));
	fprintf(out, "System time     : %.9f seconds %s of PHC A%s - TAI-UTC\n", fabs(off),
		off > 0 ? "fast" : "slow", view_num(d, "phc_filtered", 0) ? " - offset" : "");
	if (view_num(d, "phc_filtered", 0))
		fprintf(out, "PHC A offset    : %.9f seconds %s of the GM (filtered)\n",
			fabs(view_num(d, "phc_filter_ns", 0)) * 1e-9,
			view_num(d, "phc_filter_ns", 0) > 0 ? "fast" : "slow");
	fprintf(out, "RMS offset      : %.9f seconds\n", view_num(d, "rms_offset_ns", 0) * 1e-9);
	fprintf(out, "Frequency       : %.3f ppm %s\n", fabs(freq), freq >= 0 ? "fast" : "slow");
	fprintf(out, "Update interval : %.2f seconds (%s cross-timestamps)\n",
		view_num(d, "update_interval_s", 0), view_str(d, "sysoff_method", "none"));
	fprintf(out, "Root delay      : %.9f seconds\n", view_num(d, "root_delay_s", 0));
	fprintf(out, "Root dispersion : %.9f seconds\n", view_num(d, "root_dispersion_s", 0));
	fprintf(out, "Leap status     : %s\n", view_leap_text(view_int(d, "leap", 3)));
	fprintf(out, "State           : %s%s\n", view_str(d, "reference_state", "?"),
		view_num(d, "holdover_age_s", 0) > 0 ? " (holdover)" : "");
	fprintf(out, "TAI-UTC         : %.0f s (from %s)\n", view_num(d, "utc_offset", 0),
		view_str(d, "utc_offset_source", "?"));
	fprintf(out, "Servo           : %s, %.0f updates, %.0f steps\n", view_str(d, "servo", "?"),
		view_num(d, "updates", 0), view_num(d, "steps", 0));
}

static void phc_view_status(struct json_object *d, FILE *out, const struct view_opts *o)
{
	char b1[32], b2[32];
	double age = view_num(d, "modules.phc.holdover_age_s", 0);

	if (!strcmp(view_flag(d, "modules.phc.disciplining"), "0")) {
		fprintf(out, "System clock: steered by the PTP engine itself (no PHC A)\n");
	} else if (view_has(d, "modules.phc.system_offset_ns")) {
		/* "filtered": the target is PHC A minus ptp/'s filtered offset */
		fprintf(out, "System clock: %s vs PHC A %s%s (%s), freq %+.3f ppm\n",
			view_seconds(view_num(d, "modules.phc.system_offset_ns", 0) * 1e-9, b1,
				     sizeof(b1)),
			view_str(d, "modules.phc.phc_device", "-"),
			view_num(d, "modules.phc.phc_filtered", 0) ? " filtered" : "",
			view_str(d, "modules.phc.sysoff_method", "none"),
			view_num(d, "modules.phc.frequency_ppb", 0) * 1e-3);
	}
	if (view_has(d, "modules.phc.utc_offset")) {
		fprintf(out, "UTC offset  : %.0f s from %s, leap %s, holdover %s\n",
			view_num(d, "modules.phc.utc_offset", 0),
			view_str(d, "modules.phc.utc_offset_source", "?"),
			view_num(d, "modules.phc.leap_pending", 0) > 0 ? "+1 pending" :
			view_num(d, "modules.phc.leap_pending", 0) < 0 ? "-1 pending" : "none",
			age > 0 ? view_seconds(age, b2, sizeof(b2)) + 1 : "no");
	}
}

const struct view_entry phc_views[] = {
	{ "tracking", phc_view_tracking },
	{ "status", phc_view_status },
	{ NULL, NULL },
};
