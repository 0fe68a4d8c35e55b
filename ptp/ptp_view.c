/*
 * bridgectl's text views of the PTP and clock side: `bridgectl ptp` (the
 * data sets, in pmc's words), `bridgectl tracking` (chronyc tracking's
 * layout) and the PTP/clock lines of `bridgectl status`.  Reads only the
 * JSON the daemon sends.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bridge/view.h"
#include "ptp/ptp_view.h"

static const char *yes(struct json_object *d, const char *path)
{
	struct json_object *o = d;
	char key[64];
	const char *p = path;

	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (n >= sizeof(key))
			return "?";
		memcpy(key, p, n);
		key[n] = 0;
		if (!json_object_object_get_ex(o, key, &o))
			return "?";
		p = dot ? dot + 1 : p + n;
	}
	return o && json_object_get_boolean(o) ? "1" : "0";
}

void ptp_view_ptp(struct json_object *d, FILE *out, const struct view_opts *o)
{
	fprintf(out, "DEFAULT_DATA_SET\n");
	fprintf(out, "  clockIdentity            %s\n", view_str(d, "default.clockIdentity", "?"));
	fprintf(out, "  domainNumber             %.0f\n", view_num(d, "default.domainNumber", 0));
	fprintf(out, "  slaveOnly                1\n");
	fprintf(out, "  interface                %s (%s timestamping, PHC %.0f)\n",
		view_str(d, "default.interface", "?"), view_str(d, "default.time_stamping", "?"),
		view_num(d, "default.phc_index", -1));
	fprintf(out, "PORT_DATA_SET\n");
	fprintf(out, "  portIdentity             %s\n", view_str(d, "port.portIdentity", "?"));
	fprintf(out, "  portState                %s\n", view_str(d, "port.portState", "?"));
	fprintf(out, "PARENT_DATA_SET\n");
	fprintf(out, "  parentPortIdentity       %s\n", view_str(d, "parent.parentPortIdentity", "?"));
	fprintf(out, "  grandmasterIdentity      %s\n", view_str(d, "parent.grandmasterIdentity", "?"));
	fprintf(out, "  grandmasterPriority1     %.0f\n", view_num(d, "parent.grandmasterPriority1", 0));
	fprintf(out, "  gm.ClockClass            %.0f\n", view_num(d, "parent.clockClass", 0));
	fprintf(out, "  gm.ClockAccuracy         0x%02x\n", (int)view_num(d, "parent.clockAccuracy", 0));
	fprintf(out, "  gm.OffsetScaledLogVar    0x%04x\n",
		(int)view_num(d, "parent.offsetScaledLogVariance", 0));
	fprintf(out, "  grandmasterPriority2     %.0f\n", view_num(d, "parent.grandmasterPriority2", 0));
	fprintf(out, "CURRENT_DATA_SET\n");
	fprintf(out, "  stepsRemoved             %.0f\n", view_num(d, "current.stepsRemoved", 0));
	fprintf(out, "  offsetFromMaster         %.1f ns\n", view_num(d, "current.offsetFromMaster_ns", 0));
	fprintf(out, "  meanPathDelay            %.1f ns\n", view_num(d, "current.meanPathDelay_ns", 0));
	if (view_num(d, "current.filtered", 0))
		fprintf(out, "  offset, filtered         %.1f ns +- %.1f (over %.0f s)\n",
			view_num(d, "current.filteredOffset_ns", 0),
			view_num(d, "current.filteredOffsetError_ns", 0),
			view_num(d, "current.filterWindow_s", 0));
	else
		fprintf(out, "  offset, filtered         none yet (%.0f s of Syncs)\n",
			view_num(d, "current.filterWindow_s", 0));
	fprintf(out, "  servo                    %s\n", view_str(d, "current.servo", "?"));
	fprintf(out, "TIME_PROPERTIES_DATA_SET\n");
	fprintf(out, "  currentUtcOffset         %.0f\n", view_num(d, "time_properties.currentUtcOffset", 0));
	fprintf(out, "  currentUtcOffsetValid    %s\n", yes(d, "time_properties.currentUtcOffsetValid"));
	fprintf(out, "  leap61                   %s\n", yes(d, "time_properties.leap61"));
	fprintf(out, "  leap59                   %s\n", yes(d, "time_properties.leap59"));
	fprintf(out, "  ptpTimescale             %s\n", yes(d, "time_properties.ptpTimescale"));
	fprintf(out, "  timeTraceable            %s\n", yes(d, "time_properties.timeTraceable"));
	fprintf(out, "  frequencyTraceable       %s\n", yes(d, "time_properties.frequencyTraceable"));
	fprintf(out, "  timeSource               0x%02x\n", (int)view_num(d, "time_properties.timeSource", 0));
}

static const char *leap_status(int leap)
{
	switch (leap) {
	case 0:
		return "Normal";
	case 1:
		return "Insert second";
	case 2:
		return "Delete second";
	default:
		return "Not synchronised";
	}
}

void ptp_view_tracking(struct json_object *d, FILE *out, const struct view_opts *o)
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
	fprintf(out, "Leap status     : %s\n", leap_status((int)view_num(d, "leap", 3)));
	fprintf(out, "State           : %s%s\n", view_str(d, "reference_state", "?"),
		view_num(d, "holdover_age_s", 0) > 0 ? " (holdover)" : "");
	fprintf(out, "TAI-UTC         : %.0f s (from %s)\n", view_num(d, "utc_offset", 0),
		view_str(d, "utc_offset_source", "?"));
	fprintf(out, "Servo           : %s, %.0f updates, %.0f steps\n", view_str(d, "servo", "?"),
		view_num(d, "updates", 0), view_num(d, "steps", 0));
}

void ptp_view_status_lines(struct json_object *d, FILE *out)
{
	char b1[32], b2[32];
	double age = view_num(d, "modules.phc.holdover_age_s", 0);
	const char *gm = view_str(d, "modules.ptp.gm_identity", "");

	if (view_has(d, "modules.ptp.port_state")) {
		/* the interface is on the Interfaces line: stay within 80 columns */
		fprintf(out, "PTP port    : %.12s, GM %.24s class %.0f (%s ts)\n",
			view_str(d, "modules.ptp.port_state", "?"),
			*gm ? gm : "none", view_num(d, "modules.ptp.gm_class", 0),
			!strcmp(view_str(d, "modules.ptp.time_stamping", "?"), "software") ?
			"sw" : "hw");
		fprintf(out, "PTP offset  : %s, path delay %s, servo %s\n",
			view_seconds(view_num(d, "modules.ptp.offset_ns", 0) * 1e-9, b1, sizeof(b1)),
			view_seconds(view_num(d, "modules.ptp.mean_path_delay_ns", 0) * 1e-9, b2,
				     sizeof(b2)) + 1,
			view_str(d, "modules.ptp.servo", "?"));
	}
	if (view_has(d, "modules.phc.disciplining") &&
	    !json_object_get_boolean(json_object_object_get(
		    json_object_object_get(json_object_object_get(d, "modules"), "phc"),
		    "disciplining"))) {
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
