/*
 * The core's walk over the module table: start in order, stop in reverse,
 * reload in place or by restart, and the modules' share of `status`,
 * `metrics` and the control commands.
 */
#include <json-c/json.h>
#include <string.h>

#include "bridge/core/conf_table.h"
#include "bridge/core/log.h"
#include "bridge/core/module.h"

#define MODULE_MAX 16

static const struct pb_module *const *table;
static enum module_state state[MODULE_MAX];
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

int module_start_all(const struct bridge_conf *c)
{
	int running = 0;

	for (int i = 0; i < n_mods; i++) {
		if (table[i]->start(c) < 0) {
			log_error("%s: failed to start", table[i]->name);
			state[i] = MODULE_FAILED;
			continue;
		}
		state[i] = MODULE_RUNNING;
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

int module_reload_all(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf)
{
	int rc = 0;

	for (int i = 0; i < n_mods; i++) {
		const struct pb_module *m = table[i];
		int r = 1;

		if (state[i] == MODULE_RUNNING && !module_restart_needed(m, old_conf, new_conf))
			r = m->reload ? m->reload(old_conf, new_conf) : 0;

		if (r == 0)
			continue;
		if (r < 0) {
			log_error("%s: reload failed, keeps its old config", m->name);
			rc = -1;
			continue;
		}
		if (state[i] == MODULE_RUNNING)
			m->stop();
		if (m->start(new_conf) < 0) {
			log_error("%s: restart with the new config failed", m->name);
			state[i] = MODULE_FAILED;
			rc = -1;
		} else {
			state[i] = MODULE_RUNNING;
		}
	}
	return rc;
}

void module_status(struct json_object *modules)
{
	for (int i = 0; i < n_mods; i++) {
		struct json_object *sec = json_object_new_object();

		json_object_object_add(sec, "state",
				       json_object_new_string(module_state_name(state[i])));
		if (state[i] == MODULE_RUNNING && table[i]->status)
			table[i]->status(sec);
		json_object_object_add(modules, table[i]->name, sec);
	}
}

void module_metrics(FILE *out)
{
	for (int i = 0; i < n_mods; i++)
		if (state[i] == MODULE_RUNNING && table[i]->metrics)
			table[i]->metrics(out);
}
