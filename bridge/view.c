/*
 * Text views for bridgectl.  The status screen is what an operator reads
 * on a serial console: 80 columns, plain ASCII, the words an operator of
 * chrony and ptp4l already knows.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/view.h"
#include "ntp/ntp_view.h"
#include "ptp/ptp_view.h"

/* Look up "a.b.c" in nested objects. */
static struct json_object *lookup(struct json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot ? 1 : 0);
	}
	return o;
}

const char *view_str(struct json_object *o, const char *path, const char *def)
{
	struct json_object *v = lookup(o, path);

	return v ? json_object_get_string(v) : def;
}

double view_num(struct json_object *o, const char *path, double def)
{
	struct json_object *v = lookup(o, path);

	return v ? json_object_get_double(v) : def;
}

bool view_has(struct json_object *o, const char *path)
{
	return lookup(o, path) != NULL;
}

const char *view_seconds(double s, char *buf, size_t len)
{
	double a = fabs(s);

	if (a < 1e-6)
		snprintf(buf, len, "%+.0f ns", s * 1e9);
	else if (a < 1e-3)
		snprintf(buf, len, "%+.3f us", s * 1e6);
	else if (a < 1)
		snprintf(buf, len, "%+.3f ms", s * 1e3);
	else
		snprintf(buf, len, "%+.3f s", s);
	return buf;
}

static const char *uptime_text(double s, char *buf, size_t len)
{
	long t = (long)s;

	snprintf(buf, len, "%ldd %02ld:%02ld:%02ld", t / 86400, t / 3600 % 24, t / 60 % 60, t % 60);
	return buf;
}

static const char *colored(const char *state, const struct view_opts *o, char *buf, size_t len)
{
	const char *c = "";

	if (!o->color)
		return state;
	if (!strcmp(state, "synced"))
		c = "\033[32m";
	else if (!strcmp(state, "holdover"))
		c = "\033[33m";
	else
		c = "\033[31m";
	snprintf(buf, len, "%s%s\033[0m", c, state);
	return buf;
}

static const char *leap_text(int leap)
{
	switch (leap) {
	case 0:
		return "normal";
	case 1:
		return "insert second";
	case 2:
		return "delete second";
	default:
		return "not synchronised";
	}
}

/* Collect "warnings" arrays from every module section. */
static void print_warnings(struct json_object *data, FILE *out)
{
	struct json_object *mods = lookup(data, "modules");
	int n = 0;

	if (view_has(data, "daemon.last_reload_error")) {
		fprintf(out, "  ! last reload refused: %.64s\n",
			view_str(data, "daemon.last_reload_error", ""));
		n++;
	}
	if (mods) {
		json_object_object_foreach(mods, name, sec) {
			struct json_object *w;

			if (!strcmp(view_str(sec, "state", ""), "failed")) {
				fprintf(out, "  ! %s module failed to start (see the log)\n", name);
				n++;
			}
			if (!json_object_object_get_ex(sec, "warnings", &w) ||
			    !json_object_is_type(w, json_type_array))
				continue;
			for (size_t i = 0; i < json_object_array_length(w); i++, n++)
				fprintf(out, "  ! %s: %.66s\n", name,
					json_object_get_string(json_object_array_get_idx(w, i)));
		}
	}
	if (!n)
		fprintf(out, "  none\n");
}

static void view_status(struct json_object *data, FILE *out, const struct view_opts *o)
{
	char b1[64], b2[64];
	struct json_object *mods = lookup(data, "modules");

	fprintf(out, "ptpbridge %s (linuxptp %s)   up %s   pid %.0f\n",
		view_str(data, "daemon.version", "?"), view_str(data, "daemon.linuxptp", "?"),
		uptime_text(view_num(data, "daemon.uptime_s", 0), b1, sizeof(b1)),
		view_num(data, "daemon.pid", 0));
	fprintf(out, "Config      : %.50s\n", view_str(data, "daemon.config_file", "?"));
	fprintf(out, "Interfaces  : ptp %s, ntp %s\n", view_str(data, "interfaces.ptp", "?"),
		view_str(data, "interfaces.ntp", "?"));
	fprintf(out, "Reference   : %s, stratum %.0f, refid %s\n",
		colored(view_str(data, "reference.state", "?"), o, b2, sizeof(b2)),
		view_num(data, "reference.stratum", 16), view_str(data, "reference.refid", "-"));
	fprintf(out, "Leap status : %s\n", leap_text((int)view_num(data, "reference.leap", 3)));
	fprintf(out, "Root disp.  : %s\n",
		view_seconds(view_num(data, "reference.root_dispersion_s", 0), b1, sizeof(b1)) + 1);
	/* ptp/ and phc/: PTP port, offsets, system clock, UTC offset */
	ptp_view_status_lines(data, out);
	if (view_has(data, "modules.ntp.answering")) {
		fprintf(out, "NTP server  : %s, %.1f req/s, %.0f clients, %.0f%% interleaved\n",
			view_str(data, "modules.ntp.answering", "?"),
			view_num(data, "modules.ntp.requests_per_s", 0),
			view_num(data, "modules.ntp.clients", 0),
			100.0 * view_num(data, "modules.ntp.interleaved_share", 0));
		fprintf(out, "NTP stamps  : %.65s\n", view_str(data, "modules.ntp.timestamping", "?"));
		fprintf(out, "NTP drops   : %.0f not answered, %.0f client log evictions\n",
			view_num(data, "modules.ntp.dropped", 0),
			view_num(data, "modules.ntp.clientlog_evictions", 0));
	}
	fprintf(out, "Modules     :");
	if (mods && json_object_object_length(mods)) {
		json_object_object_foreach(mods, name, sec)
			fprintf(out, " %s %s;", name, view_str(sec, "state", "?"));
		fprintf(out, "\n");
	} else {
		fprintf(out, " none built in yet\n");
	}
	fprintf(out, "Warnings    :\n");
	print_warnings(data, out);
}

static void view_config_show(struct json_object *data, FILE *out, const struct view_opts *o)
{
	fprintf(out, "# running configuration, from %s\n%s", view_str(data, "file", "?"),
		view_str(data, "text", ""));
}

static void view_text(struct json_object *data, FILE *out, const struct view_opts *o)
{
	fputs(view_str(data, "text", ""), out);
}

static void view_help(struct json_object *data, FILE *out, const struct view_opts *o)
{
	struct json_object *list = lookup(data, "commands");

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		struct json_object *c = json_object_array_get_idx(list, i);

		fprintf(out, "  %-16s %-5s %s\n", view_str(c, "cmd", ""), view_str(c, "access", ""),
			view_str(c, "help", ""));
	}
}

static void view_generic(struct json_object *data, FILE *out, const struct view_opts *o)
{
	json_object_object_foreach(data, key, val) {
		if (json_object_is_type(val, json_type_object) || json_object_is_type(val, json_type_array))
			fprintf(out, "%-20s: %.57s\n", key,
				json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
		else
			fprintf(out, "%-20s: %.57s\n", key, json_object_get_string(val));
	}
}

static const struct {
	const char *cmd;
	view_fn fn;
} views[] = {
	{ "status", view_status },
	{ "config.show", view_config_show },
	{ "metrics", view_text },
	{ "help", view_help },
	/* ntp/ (ntp/ntp_view.c) */
	{ "serverstats", ntp_view_serverstats },
	{ "clients", ntp_view_clients },
	/* ptp/ and phc/ (ptp/ptp_view.c) */
	{ "ptp", ptp_view_ptp },
	{ "tracking", ptp_view_tracking },
};

void view_render(const char *cmd, struct json_object *data, FILE *out, const struct view_opts *o)
{
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		if (!strcmp(views[i].cmd, cmd)) {
			views[i].fn(data, out, o);
			return;
		}
	}
	view_generic(data, out, o);
}
