/*
 * phc/'s entry: the module's ops for bridged (start, reload, stop) and its
 * face on the control socket: `bridgectl tracking`, the "phc" section of
 * `bridgectl status` and the clock metrics.  The servo that steers
 * CLOCK_REALTIME to PHC A is phc_sys.c; this file only reads its state.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bridge/core/ctl.h"
#include "bridge/core/metric.h"
#include "bridge/core/ref_state.h"
#include "phc/phc.h"
#include "phc/phc_nl.h"
#include "phc/phc_sys.h"
#include "ptp/ptp.h"

static struct bridge_conf conf;

static void phc_tracking_json(const struct phc_tracking *t, struct json_object *o)
{
	struct ref_snapshot s;
	char refid[5];

	ref_state_read(&s);
	refid[0] = (char)(s.refid >> 24);
	refid[1] = (char)(s.refid >> 16);
	refid[2] = (char)(s.refid >> 8);
	refid[3] = (char)s.refid;
	refid[4] = 0;
	json_object_object_add(o, "reference_state", json_object_new_string(ref_state_sync_name(s.sync)));
	json_object_object_add(o, "reference_id", json_object_new_string(refid));
	json_object_object_add(o, "stratum", json_object_new_int(s.stratum));
	json_object_object_add(o, "leap", json_object_new_int(s.leap));
	json_object_object_add(o, "ref_time", json_object_new_double((double)s.ref_time.tv_sec +
						   s.ref_time.tv_nsec * 1e-9));
	json_object_object_add(o, "system_offset_ns", json_object_new_double(t->sys_offset_ns));
	json_object_object_add(o, "rms_offset_ns", json_object_new_double(t->rms_offset_ns));
	json_object_object_add(o, "phc_filtered", json_object_new_boolean(t->phc_filtered));
	json_object_object_add(o, "phc_filter_ns", json_object_new_double(t->phc_filter_ns));
	json_object_object_add(o, "frequency_ppb", json_object_new_double(t->freq_ppb));
	json_object_object_add(o, "update_interval_s", json_object_new_double(t->update_interval));
	json_object_object_add(o, "root_delay_s", json_object_new_double(s.root_delay));
	json_object_object_add(o, "root_dispersion_s", json_object_new_double(s.root_dispersion));
	json_object_object_add(o, "dispersion_rate", json_object_new_double(s.dispersion_rate));
	json_object_object_add(o, "utc_offset", json_object_new_int(t->utc_offset));
	json_object_object_add(o, "utc_offset_source", json_object_new_string(phc_sys_utc_source_name(t->utc_source)));
	json_object_object_add(o, "leap_pending", json_object_new_int(t->leap));
	json_object_object_add(o, "holdover_age_s", json_object_new_double(t->holdover_age));
	json_object_object_add(o, "disciplining", json_object_new_boolean(t->disciplining));
	json_object_object_add(o, "phc_device", json_object_new_string(t->phc_device));
	json_object_object_add(o, "phc_broken", json_object_new_boolean(t->phc_stuck));
	json_object_object_add(o, "sysoff_method", json_object_new_string(t->sysoff_method ? t->sysoff_method : "none"));
	json_object_object_add(o, "measure_delay_ns", json_object_new_double(t->measure_delay_ns));
	json_object_object_add(o, "servo", json_object_new_string(ptp_servo_state_name(t->servo_state)));
	json_object_object_add(o, "updates", json_object_new_int64((int64_t)t->updates));
	json_object_object_add(o, "steps", json_object_new_int(t->steps));
	json_object_object_add(o, "other_writer", json_object_new_boolean(t->other_writer));
	json_object_object_add(o, "shared_phc", json_object_new_boolean(t->shared_phc));
	if (conf.clock.pps_device[0]) {
		json_object_object_add(o, "pps_offset_ns", json_object_new_double(t->pps_offset_ns));
		json_object_object_add(o, "pps_pulses", json_object_new_int64((int64_t)t->pps_pulses));
	}
	for (int i = 0; i < 2; i++) {
		const struct phc_link *l = phc_nl_link_get(i);

		if (l && l->known)
			json_object_object_add(o, i == 0 ? "link_a_up" : "link_b_up", json_object_new_boolean(l->up));
	}
	json_object_object_add(o, "leapfile_expired", json_object_new_boolean(t->leapfile_expired));
}

static int phc_cmd_tracking(struct json_object *req, struct json_object *data,
			    char *err, size_t errlen)
{
	struct phc_tracking t;

	phc_sys_tracking(&t);
	if (!t.running) {
		snprintf(err, errlen, "the clock module is not running");
		return -1;
	}
	phc_tracking_json(&t, data);
	return 0;
}

static void phc_status(struct json_object *o)
{
	struct json_object *w = json_object_new_array();
	struct phc_tracking trk, *t = &trk;
	char buf[256];

	phc_sys_tracking(t);
	phc_tracking_json(t, o);
	if (t->phc_stuck) {
		snprintf(buf, sizeof(buf), "%s does not advance: PHC present but broken",
			 t->phc_device);
		json_object_array_add(w, json_object_new_string(buf));
	}
	if (!t->ever_synced)
		json_object_array_add(w, json_object_new_string(
			"never locked to a grandmaster yet"));
	if (t->ref_sync == REF_HOLDOVER) {
		snprintf(buf, sizeof(buf), "holdover for %.0f s (unsynchronised after %.0f s)",
			 t->holdover_age, conf.clock.holdover_max);
		json_object_array_add(w, json_object_new_string(buf));
	}
	if (t->ever_synced && t->ref_sync == REF_UNSYNCED)
		json_object_array_add(w, json_object_new_string(
			"holdover expired: clients are told leap=3 (unsynchronised)"));
	if (t->utc_source == PHC_UTC_CONFIG) {
		snprintf(buf, sizeof(buf), "UTC offset %d s from the config, not from the GM",
			 t->utc_offset);
		json_object_array_add(w, json_object_new_string(buf));
	}
	if (t->leapfile_expired)
		json_object_array_add(w, json_object_new_string("the leap file has expired"));
	for (int i = 0; i < 2; i++) {
		const struct phc_link *l = phc_nl_link_get(i);

		if (!l || !l->known || l->up)
			continue;
		snprintf(buf, sizeof(buf), i == 0 ?
			 "NIC A (%s) link is down: no PTP, holdover" :
			 "NIC B (%s) link is down: NTP clients cannot reach us", l->name);
		json_object_array_add(w, json_object_new_string(buf));
	}
	if (t->other_writer)
		json_object_array_add(w, json_object_new_string(
			"another process changes the system clock's frequency"));
	if (t->pps_disagrees) {
		snprintf(buf, sizeof(buf), "the PPS input is %+.1f us from PHC A",
			 t->pps_offset_ns * 1e-3);
		json_object_array_add(w, json_object_new_string(buf));
	}
	json_object_object_add(o, "warnings", w);
}

#define GAUGE(out, name, help, fmt, v) metric_line(out, name, "gauge", help, fmt, v)

static void phc_metrics(FILE *out)
{
	struct phc_tracking trk, *t = &trk;

	phc_sys_tracking(t);
	GAUGE(out, "ptpbridge_clock_offset_seconds",
	      "CLOCK_REALTIME - (PHC A - TAI-UTC), last update.", "%.9f", t->sys_offset_ns * 1e-9);
	GAUGE(out, "ptpbridge_clock_rms_offset_seconds", "RMS of the last 16 updates.", "%.9f",
	      t->rms_offset_ns * 1e-9);
	GAUGE(out, "ptpbridge_clock_frequency_ppm", "Frequency correction of CLOCK_REALTIME.",
	      "%.3f", t->freq_ppb * 1e-3);
	GAUGE(out, "ptpbridge_clock_holdover_seconds", "Age of the holdover, 0 when none.",
	      "%.1f", t->holdover_age);
	GAUGE(out, "ptpbridge_clock_utc_offset_seconds", "TAI-UTC in use.", "%d", t->utc_offset);
	GAUGE(out, "ptpbridge_clock_leap_pending", "+1 insert, -1 delete, 0 none.", "%d", t->leap);
	metric_line(out, "ptpbridge_clock_steps_total", "counter", "Steps of CLOCK_REALTIME.",
		    "%d", t->steps);
	metric_head(out, "ptpbridge_link_up", "gauge", "Link state of NIC A and NIC B.");
	for (int i = 0; i < 2; i++) {
		const struct phc_link *l = phc_nl_link_get(i);

		if (l && l->known)
			fprintf(out, "ptpbridge_link_up{nic=\"%s\",interface=\"%s\"} %d\n",
				i == 0 ? "a" : "b", l->name, l->up ? 1 : 0);
	}
	if (conf.clock.pps_device[0])
		GAUGE(out, "ptpbridge_pps_offset_seconds", "Last PPS edge vs the second.", "%.9f",
		      t->pps_offset_ns * 1e-9);
}

/* --- the module ------------------------------------------------------------ */

static int phc_start(const struct bridge_conf *c)
{
	conf = *c;
	return phc_sys_start(c);
}

static int phc_reload(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf)
{
	/* What start opens (PHC A, servo, leap file, PPS input, link watch)
	   restarts the module (conf_table.c); thresholds, holdover and
	   strata apply from the next update. */
	conf = *new_conf;
	phc_sys_set_conf(new_conf);
	return 0;
}

static void phc_stop(void)
{
	phc_sys_stop();
}

static const struct ctl_command phc_commands[] = {
	{ "tracking", CTL_READ, phc_cmd_tracking, "system clock tracking, like chronyc tracking" },
	{ NULL, 0, NULL, NULL },
};

const struct pb_module phc_module = {
	.name = "phc",
	.start = phc_start,
	.reload = phc_reload,
	.stop = phc_stop,
	.commands = phc_commands,
	.status = phc_status,
	.metrics = phc_metrics,
};
