/*
 * ptp/'s entry: the module's ops for bridged (start, reload, stop), its
 * face on the control socket (`bridgectl ptp`, the "ptp" section of
 * `bridgectl status`, metrics) and the public accessors of ptp.h.  The
 * engine itself is ptp_engine.c; this file reads only struct ptp_state.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>

#include "bridge/core/ctl.h"
#include "bridge/core/metric.h"
#include "ptp/ptp.h"
#include "ptp/ptp_engine.h"

#define ADD(o, k, v) json_object_object_add((o), (k), (v))

static void ptp_state_json(const struct ptp_state *s, struct json_object *o)
{
	struct json_object *def = json_object_new_object();
	struct json_object *port = json_object_new_object();
	struct json_object *parent = json_object_new_object();
	struct json_object *cur = json_object_new_object();
	struct json_object *tp = json_object_new_object();

	ADD(o, "running", json_object_new_boolean(s->running));
	ADD(o, "locked", json_object_new_boolean(ptp_state_locked(s)));

	ADD(def, "clockIdentity", json_object_new_string(s->clock_identity));
	ADD(def, "domainNumber", json_object_new_int(s->domain));
	ADD(def, "slaveOnly", json_object_new_boolean(1));
	ADD(def, "interface", json_object_new_string(s->interface));
	ADD(def, "time_stamping", json_object_new_string(s->software_ts ? "software" : "hardware"));
	ADD(def, "phc_index", json_object_new_int(s->phc_index));
	ADD(o, "default", def);

	ADD(port, "portIdentity", json_object_new_string(s->port_identity));
	ADD(port, "portState", json_object_new_string(ptp_port_state_name(s->port_state)));
	ADD(o, "port", port);

	ADD(parent, "selected", json_object_new_boolean(s->have_parent));
	ADD(parent, "parentPortIdentity", json_object_new_string(s->parent_port));
	ADD(parent, "grandmasterIdentity", json_object_new_string(s->gm_identity));
	ADD(parent, "grandmasterPriority1", json_object_new_int(s->gm_priority1));
	ADD(parent, "clockClass", json_object_new_int(s->gm_class));
	ADD(parent, "clockAccuracy", json_object_new_int(s->gm_accuracy));
	ADD(parent, "offsetScaledLogVariance", json_object_new_int(s->gm_variance));
	ADD(parent, "grandmasterPriority2", json_object_new_int(s->gm_priority2));
	ADD(o, "parent", parent);

	ADD(cur, "stepsRemoved", json_object_new_int(s->steps_removed));
	ADD(cur, "offsetFromMaster_ns", json_object_new_double(s->offset_ns));
	ADD(cur, "meanPathDelay_ns", json_object_new_double(s->mean_path_delay_ns));
	ADD(cur, "servo", json_object_new_string(ptp_servo_state_name(s->servo_state)));
	ADD(cur, "sync_count", json_object_new_int64((int64_t)s->sync_count));
	/* ours, not IEEE 1588's: PHC A - GM over up to a minute of Syncs */
	ADD(cur, "filtered", json_object_new_boolean(s->filtered));
	ADD(cur, "filteredOffset_ns", json_object_new_double(s->filtered_offset_ns));
	ADD(cur, "filteredOffsetError_ns", json_object_new_double(s->filtered_err_ns));
	ADD(cur, "filterWindow_s", json_object_new_double(s->filter_window_s));
	ADD(o, "current", cur);

	ADD(tp, "currentUtcOffset", json_object_new_int(s->utc_offset));
	ADD(tp, "currentUtcOffsetValid", json_object_new_boolean(s->utc_offset_valid));
	ADD(tp, "leap61", json_object_new_boolean(s->leap61));
	ADD(tp, "leap59", json_object_new_boolean(s->leap59));
	ADD(tp, "timeTraceable", json_object_new_boolean(s->time_traceable));
	ADD(tp, "frequencyTraceable", json_object_new_boolean(s->freq_traceable));
	ADD(tp, "ptpTimescale", json_object_new_boolean(s->ptp_timescale));
	ADD(tp, "timeSource", json_object_new_int(s->time_source));
	ADD(o, "time_properties", tp);
}

static int ptp_cmd_ptp(struct json_object *req, struct json_object *data,
		   char *err, size_t errlen)
{
	struct ptp_state s;

	ptp_get_state(&s);
	if (!s.running) {
		snprintf(err, errlen, "the PTP engine is not running");
		return -1;
	}
	ptp_state_json(&s, data);
	return 0;
}

static int ptp_cmd_accept_jump(struct json_object *req, struct json_object *data,
			       char *err, size_t errlen)
{
	struct ptp_state s;

	ptp_get_state(&s);
	if (!ptp_engine_accept_jump()) {
		snprintf(err, errlen, "no grandmaster time jump is being held");
		return -1;
	}
	ADD(data, "message", json_object_new_string(
		"followed at the next Sync: PHC A and the system clock step"));
	ADD(data, "jump_s", json_object_new_double(s.gm_jump_last_ns * 1e-9));
	return 0;
}

static void ptp_status(struct json_object *o)
{
	struct json_object *w;
	struct ptp_state s;

	ptp_get_state(&s);
	ADD(o, "port_state", json_object_new_string(ptp_port_state_name(s.port_state)));
	ADD(o, "time_stamping", json_object_new_string(s.software_ts ? "software" : "hardware"));
	ADD(o, "interface", json_object_new_string(s.interface));
	ADD(o, "gm_identity", json_object_new_string(s.have_parent ? s.gm_identity : ""));
	ADD(o, "gm_class", json_object_new_int(s.gm_class));
	ADD(o, "offset_ns", json_object_new_double(s.offset_ns));
	ADD(o, "mean_path_delay_ns", json_object_new_double(s.mean_path_delay_ns));
	ADD(o, "servo", json_object_new_string(ptp_servo_state_name(s.servo_state)));
	ADD(o, "utc_offset", json_object_new_int(s.utc_offset));
	ADD(o, "utc_offset_valid", json_object_new_boolean(s.utc_offset_valid));
	ADD(o, "leap61", json_object_new_boolean(s.leap61));
	ADD(o, "leap59", json_object_new_boolean(s.leap59));
	ADD(o, "time_traceable", json_object_new_boolean(s.time_traceable));

	w = json_object_new_array();
	if (s.software_ts)
		json_object_array_add(w, json_object_new_string(
			"software timestamping (time_stamping): microseconds, not ns"));
	if (s.running && !s.have_parent)
		json_object_array_add(w, json_object_new_string(
			s.port_state == PTP_PS_FAULTY ? "PTP port faulty (link down?)" :
			"no grandmaster heard"));
	if (s.have_parent && !s.utc_offset_valid)
		json_object_array_add(w, json_object_new_string(
			"the grandmaster does not say currentUtcOffsetValid"));
	if (s.have_parent && !s.time_traceable)
		json_object_array_add(w, json_object_new_string(
			"the grandmaster's time is not traceable"));
	if (s.gm_jump_held) {
		char t[96];

		snprintf(t, sizeof(t), "GM jumped %+.6f s, not followed for %.0f s (accept-gm-jump)",
			 s.gm_jump_last_ns * 1e-9, s.gm_jump_age_s);
		json_object_array_add(w, json_object_new_string(t));
	}
	ADD(o, "gm_jump_held", json_object_new_boolean(s.gm_jump_held));
	if (s.gm_jump_held) {
		ADD(o, "gm_jump_ns", json_object_new_double(s.gm_jump_last_ns));
		ADD(o, "gm_jump_age_s", json_object_new_double(s.gm_jump_age_s));
		if (s.gm_jump_confirm_s > 0)
			ADD(o, "gm_jump_followed_in_s", json_object_new_double(
				s.gm_jump_confirm_s - s.gm_jump_age_s));
	}
	ADD(o, "warnings", w);
}

#define GAUGE(out, name, help, fmt, v) metric_line(out, name, "gauge", help, fmt, v)

static void ptp_metrics(FILE *out)
{
	struct ptp_state s;

	ptp_get_state(&s);
	GAUGE(out, "ptpbridge_ptp_port_state", "PTP port state (IEEE 1588 numbering: 9 SLAVE).",
	      "%d", s.port_state);
	GAUGE(out, "ptpbridge_ptp_locked", "PTP port SLAVE with the servo locked.", "%d",
	      ptp_state_locked(&s) ? 1 : 0);
	GAUGE(out, "ptpbridge_ptp_offset_seconds", "offsetFromMaster.", "%.9f", s.offset_ns * 1e-9);
	GAUGE(out, "ptpbridge_ptp_mean_path_delay_seconds", "meanPathDelay.", "%.9f",
	      s.mean_path_delay_ns * 1e-9);
	GAUGE(out, "ptpbridge_ptp_filtered_offset_seconds",
	      "PHC A - GM filtered over filter_window (NaN: no estimate).", "%.9f",
	      s.filtered ? s.filtered_offset_ns * 1e-9 : NAN);
	GAUGE(out, "ptpbridge_ptp_filter_window_seconds", "Length of the filter's fit.", "%.0f",
	      s.filter_window_s);
	GAUGE(out, "ptpbridge_ptp_gm_clock_class", "Grandmaster clockClass.", "%d", s.gm_class);
	GAUGE(out, "ptpbridge_ptp_utc_offset_seconds", "currentUtcOffset announced.", "%d",
	      s.utc_offset);
	GAUGE(out, "ptpbridge_ptp_utc_offset_valid", "currentUtcOffsetValid announced.", "%d",
	      s.utc_offset_valid ? 1 : 0);
	metric_line(out, "ptpbridge_ptp_syncs_total", "counter", "Syncs the servo used.", "%llu",
		    (unsigned long long)s.sync_count);
	GAUGE(out, "ptpbridge_ptp_gm_jump_held",
	      "A grandmaster time jump beyond max_gm_jump is not followed.", "%d",
	      s.gm_jump_held ? 1 : 0);
	metric_line(out, "ptpbridge_ptp_gm_jumps_total", "counter",
		    "Grandmaster time jumps beyond max_gm_jump seen.", "%llu",
		    (unsigned long long)s.gm_jumps);
	metric_line(out, "ptpbridge_ptp_gm_jumps_followed_total", "counter",
		    "Of them, followed (confirmed or accepted).", "%llu",
		    (unsigned long long)s.gm_jumps_followed);
}

/* --- the module ------------------------------------------------------------ */

static int ptp_start(const struct bridge_conf *c)
{
	return ptp_engine_start(c);
}

static int ptp_reload(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf)
{
	(void)old_conf;
	ptp_engine_set_guard(new_conf);
	return 0;
}

static void ptp_stop(void)
{
	ptp_engine_stop();
}

static const struct ctl_command ptp_commands[] = {
	{ "ptp", CTL_READ, ptp_cmd_ptp, "PTP data sets of the engine" },
	{ "accept-gm-jump", CTL_ADMIN, ptp_cmd_accept_jump,
	  "follow a held grandmaster time jump now (steps PHC A and the system clock)" },
	{ NULL, 0, NULL, NULL },
};

const struct pb_module ptp_module = {
	.name = "ptp",
	.start = ptp_start,
	/* linuxptp's clock changes nothing in place: what the engine reads
	   restarts it (conf_table.c); only the jump guard's bounds are ours */
	.reload = ptp_reload,
	.stop = ptp_stop,
	.commands = ptp_commands,
	.status = ptp_status,
	.metrics = ptp_metrics,
};

/* --- what the other modules read -------------------------------------------- */

void ptp_get_state(struct ptp_state *s)
{
	ptp_engine_state(s);
}

bool ptp_phc_offset(int64_t phc_ns, double *offset_ns, double *err_ns)
{
	return ptp_engine_phc_offset(phc_ns, offset_ns, err_ns);
}

bool ptp_state_locked(const struct ptp_state *s)
{
	return s->running && s->port_state == PTP_PS_SLAVE && !s->gm_jump_held &&
	       (s->servo_state == PTP_SERVO_LOCKED ||
		s->servo_state == PTP_SERVO_LOCKED_STABLE);
}

const char *ptp_port_state_name(int st)
{
	static const char *const names[] = {
		"NONE", "INITIALIZING", "FAULTY", "DISABLED", "LISTENING",
		"PRE_MASTER", "MASTER", "PASSIVE", "UNCALIBRATED", "SLAVE",
		"GRAND_MASTER",
	};

	if (st < 0 || st >= (int)(sizeof(names) / sizeof(names[0])))
		return "UNKNOWN";
	return names[st];
}

const char *ptp_servo_state_name(int st)
{
	static const char *const names[] = {
		"unlocked", "jump", "locked", "locked_stable",
	};

	if (st < 0 || st >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[st];
}
