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

#include "bridge/core/view.h"
#include "bridge/prog/view.h"
#include "ntp/ntp_view.h"
#include "phc/phc_view.h"
#include "ptp/ptp_view.h"

/* Each module's views, in the order of its lines on the status screen. */
static const struct view_entry *const module_views[] = {
	ptp_views, phc_views, ntp_views, NULL,
};

static const char *uptime_text(double s, char *buf, size_t len)
{
	/* a reply's number need not fit a long (nor be a number of ours) */
	long t = s >= 0 && s < 1e15 ? (long)s : 0;

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

/* Collect "warnings" arrays from every module section. */
/* The boot slots (bridge/prog/slots.c), running one first. */
static void print_slots(struct json_object *data, FILE *out)
{
	struct json_object *list = view_array(data, "system.slots");
	const char *booted = view_str(data, "system.booted", "?");

	for (int pass = 0; list && pass < 2; pass++) {
		for (size_t i = 0; i < json_object_array_length(list) && i < 2; i++) {
			struct json_object *s = json_object_array_get_idx(list, i);
			bool running = !strcmp(view_str(s, "name", ""), booted);
			const char *installed = view_str(s, "installed", "");
			const char *version = view_str(s, "version", "");

			if (running != (pass == 0))
				continue;
			const char *build = view_str(s, "build", "");

			char when[17];

			/* 2026-12-07T22:46:05Z -> 2026-12-07 22:46: the line stays
			   within 80 columns at the widest fields */
			snprintf(when, sizeof(when), "%s", installed);
			if (strlen(when) > 10 && when[10] == 'T')
				when[10] = ' ';
			fprintf(out, "%-12s: %.1s, %.15s%s%.16s, %.11s%s%s\n",
				running ? "Boot slot" : "Other slot", view_str(s, "name", "?"),
				version[0] ? version : "-", build[0] ? " " : "", build,
				view_str(s, "state", "?"), when[0] ? ", " : "", when);
		}
	}
}

static void print_warnings(struct json_object *data, FILE *out)
{
	struct json_object *mods = view_object(data, "modules");
	int n = 0;

	if (view_has(data, "daemon.last_reload_error")) {
		fprintf(out, "  ! last reload refused: %.55s\n",
			view_str(data, "daemon.last_reload_error", ""));
		n++;
	}
	if (view_has(data, "system.update_failed")) {
		fprintf(out, "  ! %.76s\n", view_str(data, "system.update_failed", ""));
		n++;
	}
	if (mods) {
		json_object_object_foreach(mods, name, sec) {
			struct json_object *w;

			if (!strcmp(view_str(sec, "state", ""), "failed")) {
				fprintf(out, "  ! %.12s failed: %.55s\n", view_clean(name),
					view_str(sec, "error", "see the log"));
				n++;
			}
			if (!(w = view_array(sec, "warnings")))
				continue;
			for (size_t i = 0; i < json_object_array_length(w); i++, n++) {
				const char *t = json_object_get_string(json_object_array_get_idx(w, i));

				fprintf(out, "  ! %.12s: %.62s\n", view_clean(name), view_clean(t));
			}
		}
	}
	if (!n)
		fprintf(out, "  none\n");
}

static void view_status(struct json_object *data, FILE *out, const struct view_opts *o)
{
	char b1[64], b2[64];
	struct json_object *mods = view_object(data, "modules");

	fprintf(out, "ptpbridge %s (linuxptp %s)   up %s   pid %.0f\n",
		view_str(data, "daemon.version", "?"), view_str(data, "daemon.linuxptp", "?"),
		uptime_text(view_num(data, "daemon.uptime_s", 0), b1, sizeof(b1)),
		view_num(data, "daemon.pid", 0));
	fprintf(out, "Config      : %.50s\n", view_str(data, "daemon.config_file", "?"));
	fprintf(out, "Interfaces  : ptp %s, ntp %s\n", view_str(data, "interfaces.ptp", "?"),
		view_str(data, "interfaces.ntp", "?"));
	/* What clients get: the NTP server's answer when it runs (with
	   local_stratum it is not the reference state), else the reference. */
	if (view_has(data, "modules.ntp.served.stratum")) {
		bool local = !strcmp(view_str(data, "modules.ntp.answering", ""), "local");

		fprintf(out, "Reference   : %s, stratum %.0f, refid %s\n",
			local ? "local clock (local_stratum)" :
				colored(view_str(data, "reference.state", "?"), o, b2, sizeof(b2)),
			view_num(data, "modules.ntp.served.stratum", 16),
			view_str(data, "modules.ntp.served.refid", "-"));
		fprintf(out, "Leap status : %s\n",
			view_leap_text(view_int(data, "modules.ntp.served.leap", 3)));
	} else {
		fprintf(out, "Reference   : %s, stratum %.0f, refid %s\n",
			colored(view_str(data, "reference.state", "?"), o, b2, sizeof(b2)),
			view_num(data, "reference.stratum", 16),
			view_str(data, "reference.refid", "-"));
		fprintf(out, "Leap status : %s\n",
			view_leap_text(view_int(data, "reference.leap", 3)));
	}
	fprintf(out, "Root disp.  : %s\n",
		view_seconds(view_num(data, "reference.root_dispersion_s", 0), b1, sizeof(b1)) + 1);
	/* each module's lines, in module order */
	for (const struct view_entry *const *t = module_views; *t; t++)
		for (const struct view_entry *v = *t; v->cmd; v++)
			if (!strcmp(v->cmd, "status"))
				v->fn(data, out, o);
	fprintf(out, "Modules     :");
	if (mods && json_object_object_length(mods)) {
		json_object_object_foreach(mods, name, sec)
			fprintf(out, " %s %s;", view_clean(name), view_str(sec, "state", "?"));
		fprintf(out, "\n");
	} else {
		fprintf(out, " none built in yet\n");
	}
	print_slots(data, out);
	fprintf(out, "Warnings    :\n");
	print_warnings(data, out);
}

static void view_config_show(struct json_object *data, FILE *out, const struct view_opts *o)
{
	fprintf(out, "# running configuration, from %s\n", view_str(data, "file", "?"));
	view_put_text(out, data, "text");
}

static void view_text(struct json_object *data, FILE *out, const struct view_opts *o)
{
	view_put_text(out, data, "text");
}

static void view_help(struct json_object *data, FILE *out, const struct view_opts *o)
{
	struct json_object *list = view_array(data, "commands");

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
			fprintf(out, "%-20s: %.57s\n", view_clean(key),
				view_clean(json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN)));
		else
			fprintf(out, "%-20s: %.57s\n", view_clean(key),
				view_clean(json_object_get_string(val)));
	}
}

static const struct view_entry views[] = {
	{ "status", view_status },
	{ "config.show", view_config_show },
	{ "metrics", view_text },
	{ "help", view_help },
	{ NULL, NULL },
};

void view_render(const char *cmd, struct json_object *data, FILE *out, const struct view_opts *o)
{
	for (const struct view_entry *v = views; v->cmd; v++) {
		if (!strcmp(v->cmd, cmd)) {
			v->fn(data, out, o);
			return;
		}
	}
	/* a module's own commands; "status" is its lines of the screen above */
	for (const struct view_entry *const *t = module_views; *t; t++) {
		for (const struct view_entry *v = *t; v->cmd; v++) {
			if (strcmp(v->cmd, "status") && !strcmp(v->cmd, cmd)) {
				v->fn(data, out, o);
				return;
			}
		}
	}
	view_generic(data, out, o);
}
