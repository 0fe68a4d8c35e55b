/*
 * The core's walk over the module table: start in order, stop in reverse,
 * reload in place or by restart, and the modules' share of `status`,
 * `metrics` and the control commands.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bridge/core/conf_table.h"
#include "bridge/core/log.h"
#include "bridge/core/module.h"

#define MODULE_MAX 16

static const struct pb_module *const *table;
static enum module_state state[MODULE_MAX];
static char error[MODULE_MAX][256];	/* why a failed module failed */
static int n_mods;

const char *module_state_name(enum module_state s)
{
	switch (s) {
	case MODULE_RUNNING:
		return "running";
	case MODULE_FAILED:
		return "failed";
	default:
		return "stopped";
	}
}

void module_init(const struct pb_module *const *mods)
{
	table = mods;
	for (n_mods = 0; mods[n_mods] && n_mods < MODULE_MAX; n_mods++) {
		const struct ctl_command *c = mods[n_mods]->commands;

		state[n_mods] = MODULE_STOPPED;
		for (; c && c->cmd; c++)
			ctl_register(c->cmd, c->access, c->handler, c->help);
	}
}

/* Start one module; a failure keeps the reason it logged. */
static int start_one(int i, const struct bridge_conf *c)
{
	log_clear_last_error();
	if (table[i]->start(c) < 0) {
		snprintf(error[i], sizeof(error[i]), "%s",
			 *log_last_error() ? log_last_error() : "failed to start (no reason logged)");
		state[i] = MODULE_FAILED;
		log_error("%s: failed to start: %s", table[i]->name, error[i]);
		return -1;
	}
	error[i][0] = '\0';
	state[i] = MODULE_RUNNING;
	return 0;
}

int module_start_all(const struct bridge_conf *c)
{
	int running = 0;

	for (int i = 0; i < n_mods; i++) {
		if (start_one(i, c) < 0)
			continue;
		running++;
		log_info("%s: started", table[i]->name);
	}
	return n_mods && !running ? -1 : 0;
}

void module_stop_all(void)
{
	for (int i = n_mods - 1; i >= 0; i--) {
		if (state[i] == MODULE_RUNNING)
			table[i]->stop();
		state[i] = MODULE_STOPPED;
	}
}

/*
 * The config table says, key by key, which modules a change restarts
 * (conf_table.c, restarts); every other change is handed to the module's
 * reload op to apply in place.
 */
bool module_restart_needed(const struct pb_module *m, const struct bridge_conf *old_conf,
			   const struct bridge_conf *new_conf)
{
	for (size_t k = 0; k < conf_table_len; k++) {
		const struct conf_item *it = &conf_table[k];

		if (conf_table_restarts(it->restarts, m->name) &&
		    conf_table_changed(it, old_conf, new_conf))
			return true;
	}
	return conf_table_restarts(conf_passthrough_restarts, m->name) &&
	       conf_table_passthrough_changed(old_conf, new_conf);
}

/*
 * Back to the old config, from module last down to the first: what was
 * restarted is restarted with the old config, what took the new one in
 * place is handed the old one in place.
 */
static void roll_back(int last, const bool *restarted, const bool *live,
		      const struct bridge_conf *old_conf, const struct bridge_conf *new_conf)
{
	for (int j = last; j >= 0; j--) {
		const struct pb_module *m = table[j];

		if (live[j] && m->reload && m->reload(new_conf, old_conf) == 0)
			continue;
		if (!live[j] && !restarted[j])
			continue;
		if (state[j] == MODULE_RUNNING)
			m->stop();
		if (start_one(j, old_conf) == 0)
			log_notice("%s: running again with the old config", m->name);
	}
}

int module_reload_all(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf,
		      char *why, size_t whylen)
{
	bool restarted[MODULE_MAX] = { false }, live[MODULE_MAX] = { false };
	int i;

	if (why && whylen)
		why[0] = '\0';
	for (i = 0; i < n_mods; i++) {
		const struct pb_module *m = table[i];
		bool was_running = state[i] == MODULE_RUNNING;
		int r = 1;

		if (was_running && !module_restart_needed(m, old_conf, new_conf)) {
			log_clear_last_error();
			r = m->reload ? m->reload(old_conf, new_conf) : 0;
		}
		if (r == 0) {
			live[i] = true;
			continue;
		}
		if (r < 0) {
			/* the module kept its old config */
			snprintf(error[i], sizeof(error[i]), "%s",
				 *log_last_error() ? log_last_error() : "cannot apply the change");
			break;
		}
		if (was_running)
			m->stop();
		restarted[i] = true;
		if (start_one(i, new_conf) == 0)
			continue;
		/* Not running before either: the reload made nothing worse. */
		if (!was_running)
			continue;
		break;
	}
	if (i == n_mods)
		return 0;
	if (why && whylen)
		snprintf(why, whylen, "%s: %s", table[i]->name, error[i]);
	log_error("reload: %s cannot apply the new config (%s); the running config stays",
		  table[i]->name, error[i]);
	roll_back(i, restarted, live, old_conf, new_conf);
	return -1;
}

void module_status(struct json_object *modules)
{
	for (int i = 0; i < n_mods; i++) {
		struct json_object *sec = json_object_new_object();

		json_object_object_add(sec, "state",
				       json_object_new_string(module_state_name(state[i])));
		if (state[i] == MODULE_RUNNING && table[i]->status)
			table[i]->status(sec);
		if (state[i] == MODULE_FAILED)
			json_object_object_add(sec, "error", json_object_new_string(error[i]));
		json_object_object_add(modules, table[i]->name, sec);
	}
}

void module_metrics(FILE *out)
{
	for (int i = 0; i < n_mods; i++)
		if (state[i] == MODULE_RUNNING && table[i]->metrics)
			table[i]->metrics(out);
}
