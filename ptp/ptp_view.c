/*
 * bridgectl's text views of ptp/: `bridgectl ptp` (the data sets, in pmc's
 * words) and the PTP lines of `bridgectl status`.  Reads only the JSON the
 * daemon sends.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bridge/core/view.h"
#include "ptp/ptp_view.h"

static void ptp_view_ptp(struct json_object *d, FILE *out, const struct view_opts *o)
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
	fprintf(out, "  gm.ClockAccuracy         0x%02x\n", view_int(d, "parent.clockAccuracy", 0));
	fprintf(out, "  gm.OffsetScaledLogVar    0x%04x\n",
		view_int(d, "parent.offsetScaledLogVariance", 0));
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
	fprintf(out, "  currentUtcOffsetValid    %s\n", view_flag(d, "time_properties.currentUtcOffsetValid"));
	fprintf(out, "  leap61                   %s\n", view_flag(d, "time_properties.leap61"));
	fprintf(out, "  leap59                   %s\n", view_flag(d, "time_properties.leap59"));
	fprintf(out, "  ptpTimescale             %s\n", view_flag(d, "time_properties.ptpTimescale"));
	fprintf(out, "  timeTraceable            %s\n", view_flag(d, "time_properties.timeTraceable"));
	fprintf(out, "  frequencyTraceable       %s\n", view_flag(d, "time_properties.frequencyTraceable"));
	fprintf(out, "  timeSource               0x%02x\n", view_int(d, "time_properties.timeSource", 0));
}

static void ptp_view_status(struct json_object *d, FILE *out, const struct view_opts *o)
{
	char b1[32], b2[32];
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
}

const struct view_entry ptp_views[] = {
	{ "ptp", ptp_view_ptp },
	{ "status", ptp_view_status },
	{ NULL, NULL },
};
