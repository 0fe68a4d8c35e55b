/*
 * Reload by the config table: for every key, a change restarts exactly the
 * modules its row names and is handed to the others to apply in place;
 * pass-through [ptp] keys restart what conf_passthrough_restarts names.
 * The modules are stand-ins named as the real ones, counting calls.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_table.h"
#include "bridge/core/log.h"
#include "bridge/core/module.h"

#include <json-c/json.h>

enum { M_PTP, M_PHC, M_NTP, N_MODS };

static int starts[N_MODS], stops[N_MODS], reloads[N_MODS];
static int started_port[N_MODS];	/* ntp.port of the config last started with */
static int fail_port = -1;		/* ntp cannot start on this port */

static int fake_start(int idx, const struct bridge_conf *c)
{
	starts[idx]++;
	if (idx == M_NTP && c->ntp.port == fail_port) {
		log_error("ntp: bind port %d: Address already in use", fail_port);
		return -1;
	}
	started_port[idx] = c->ntp.port;
	return 0;
}

#define FAKE(idx, nm)								\
	static int nm##_start(const struct bridge_conf *c) { return fake_start(idx, c); } \
	static void nm##_stop(void) { stops[idx]++; }				\
	static int nm##_reload(const struct bridge_conf *o, const struct bridge_conf *n) \
	{ reloads[idx]++; return 0; }						\
	static const struct pb_module fake_##nm = { .name = #nm, .start = nm##_start, \
		.reload = nm##_reload, .stop = nm##_stop };

FAKE(M_PTP, ptp)
FAKE(M_PHC, phc)
FAKE(M_NTP, ntp)

static const struct pb_module *const mods[] = { &fake_ptp, &fake_phc, &fake_ntp, NULL };
static const char *const names[N_MODS] = { "ptp", "phc", "ntp" };

static struct bridge_conf base;

static int setup(void **state)
{
	struct conf_errors errs;

	if (conf_load_string("t.conf", "[ptp]\ninterface = eth0\n[ntp]\ninterface = eth1\n"
			     "allow = 10.0.0.0/8\nport = 11123\n", &base, &errs) < 0)
		return -1;
	module_init(mods);
	return module_start_all(&base);
}

static int teardown(void **state)
{
	module_stop_all();
	return 0;
}

/* Change the value of row it in c, whatever its type: one byte of it, or
   one more element of a list. */
static void change(struct bridge_conf *c, const struct conf_item *it)
{
	unsigned char *p = (unsigned char *)c + it->off;

	if (it->flags & CONF_REPEAT) {
		int n;

		memcpy(&n, (char *)c + it->count_off, sizeof(n));
		n = n < it->max_count ? n + 1 : n - 1;
		memcpy((char *)c + it->count_off, &n, sizeof(n));
		return;
	}
	p[0] ^= 1;
}

static void every_key_follows_its_row(void **state)
{
	size_t k;

	for (k = 0; k < conf_table_len; k++) {
		const struct conf_item *it = &conf_table[k];
		struct bridge_conf next = base;

		change(&next, it);
		assert_true(conf_table_changed(it, &base, &next));
		memset(starts, 0, sizeof(starts));
		memset(stops, 0, sizeof(stops));
		memset(reloads, 0, sizeof(reloads));
		assert_int_equal(module_reload_all(&base, &next, NULL, 0), 0);
		for (int m = 0; m < N_MODS; m++) {
			bool restart = conf_table_restarts(it->restarts, names[m]);

			if (restart != (starts[m] == 1) || restart != (stops[m] == 1) ||
			    restart == (reloads[m] == 1))
				fail_msg("%s.%s: %s %s (start %d, stop %d, reload %d)", it->section,
					 it->key, names[m], restart ? "must restart" : "must reload in place",
					 starts[m], stops[m], reloads[m]);
			assert_int_equal(module_restart_needed(mods[m], &base, &next), restart);
		}
		/* and back, so the next key starts from the base */
		assert_int_equal(module_reload_all(&next, &base, NULL, 0), 0);
	}
}

static void rows_name_known_modules(void **state)
{
	for (size_t k = 0; k < conf_table_len; k++) {
		const char *r = conf_table[k].restarts;
		char copy[64], *save = NULL;

		if (!r)
			continue;
		snprintf(copy, sizeof(copy), "%s", r);
		for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
			if (strcmp(t, "ptp") && strcmp(t, "phc") && strcmp(t, "ntp") &&
			    strcmp(t, "bridged"))
				fail_msg("%s.%s restarts \"%s\": no such module", conf_table[k].section,
					 conf_table[k].key, t);
		}
	}
	/* a name is matched whole, not as a prefix */
	assert_false(conf_table_restarts("ptp phc", "ph"));
	assert_true(conf_table_restarts("ptp phc", "phc"));
	assert_false(conf_table_restarts(NULL, "ptp"));
}

static void passthrough_restarts_ptp_only(void **state)
{
	struct bridge_conf next = base;

	snprintf(next.ptp.pass[0].key, sizeof(next.ptp.pass[0].key), "logSyncInterval");
	snprintf(next.ptp.pass[0].value, sizeof(next.ptp.pass[0].value), "-3");
	next.ptp.n_pass = 1;
	memset(starts, 0, sizeof(starts));
	assert_int_equal(module_reload_all(&base, &next, NULL, 0), 0);
	for (int m = 0; m < N_MODS; m++)
		assert_int_equal(starts[m],
				 conf_table_restarts(conf_passthrough_restarts, names[m]) ? 1 : 0);
	assert_int_equal(module_reload_all(&next, &base, NULL, 0), 0);

	/* nothing changed: nothing restarts */
	memset(starts, 0, sizeof(starts));
	assert_int_equal(module_reload_all(&base, &base, NULL, 0), 0);
	assert_int_equal(starts[M_PTP] + starts[M_PHC] + starts[M_NTP], 0);
}

static const char *module_field(const char *name, const char *key)
{
	static char buf[256];
	struct json_object *all = json_object_new_object(), *sec, *v;

	module_status(all);
	buf[0] = '\0';
	if (json_object_object_get_ex(all, name, &sec) && json_object_object_get_ex(sec, key, &v))
		snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	json_object_put(all);
	return buf;
}

static void a_failed_reload_rolls_back(void **state)
{
	struct bridge_conf next = base;
	char why[256];

	/* ptp restarts (domain), phc applies in place (step_limit), ntp
	   restarts (port) and cannot bind: all three go back */
	next.ptp.domain_number = 24;
	next.clock.step_limit = 7;
	next.ntp.port = 999;
	fail_port = 999;
	memset(starts, 0, sizeof(starts));
	memset(stops, 0, sizeof(stops));
	memset(reloads, 0, sizeof(reloads));
	assert_int_equal(module_reload_all(&base, &next, why, sizeof(why)), -1);
	assert_string_equal(why, "ntp: ntp: bind port 999: Address already in use");
	assert_int_equal(starts[M_PTP], 2);		/* new, then old */
	assert_int_equal(stops[M_PTP], 2);
	assert_int_equal(reloads[M_PHC], 2);		/* new, then old, in place */
	assert_int_equal(starts[M_PHC], 0);
	assert_int_equal(starts[M_NTP], 2);		/* new (failed), then old */
	assert_int_equal(started_port[M_NTP], base.ntp.port);
	assert_string_equal(module_field("ntp", "state"), "running");
	assert_string_equal(module_field("ntp", "error"), "");

	/* a module that fails at start says why in status */
	module_stop_all();
	fail_port = base.ntp.port;
	assert_int_equal(module_start_all(&base), 0);
	assert_string_equal(module_field("ntp", "state"), "failed");
	assert_string_equal(module_field("ntp", "error"),
			    "ntp: bind port 11123: Address already in use");
	/* a reload that leaves it failing is not refused: it was not running */
	next = base;
	next.clock.step_limit = 9;
	assert_int_equal(module_reload_all(&base, &next, why, sizeof(why)), 0);
	assert_string_equal(module_field("ntp", "state"), "failed");
	/* and one that lets it start brings it back */
	next.ntp.port = 11124;
	assert_int_equal(module_reload_all(&base, &next, why, sizeof(why)), 0);
	assert_string_equal(module_field("ntp", "state"), "running");
	fail_port = -1;
	module_stop_all();
	assert_int_equal(module_start_all(&base), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_key_follows_its_row),
		cmocka_unit_test(rows_name_known_modules),
		cmocka_unit_test(passthrough_restarts_ptp_only),
		cmocka_unit_test(a_failed_reload_rolls_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
