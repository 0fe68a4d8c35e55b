/*
 * libFuzzer target: a control-socket request as bridged reads it: JSON
 * text (json-c's tokener, as ctl.c feeds it), then the dispatch of
 * bridge/core/ctl.c (command lookup, who may run it, arguments, the
 * reply).  The first byte says who asks (root, a group member, anyone
 * else).  Commands registered here stand for the real ones: a read one,
 * an admin one that takes arguments, and one that fails; a request of any
 * shape must get a reply object, and only root may reach the admin one.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/core/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int admin_runs;

static int cmd_read(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	json_object_object_add(data, "answer", json_object_new_int(42));
	return 0;
}

static int cmd_admin(struct json_object *req, struct json_object *data, char *err,
		     size_t errlen)
{
	struct json_object *args;

	admin_runs++;
	if (json_object_object_get_ex(req, "args", &args) &&
	    json_object_is_type(args, json_type_array) && json_object_array_length(args) > 0)
		json_object_object_add(data, "first", json_object_get(
			json_object_array_get_idx(args, 0)));
	return 0;
}

static int cmd_fail(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	snprintf(err, errlen, "refused");
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	struct json_tokener *tok;
	struct json_object *req, *reply, *ok;
	int who, before;

	if (!once) {
		once = 1;
		ctl_register("read", CTL_READ, cmd_read, "a read command");
		ctl_register("admin", CTL_ADMIN, cmd_admin, "an admin command");
		ctl_register("fail", CTL_READ, cmd_fail, "a command that fails");
	}
	if (size < 1)
		return 0;
	who = data[0] % 3;	/* 0 root, 1 group member, 2 anyone */
	tok = json_tokener_new();
	req = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
	json_tokener_free(tok);
	if (!req)
		return 0;
	before = admin_runs;
	reply = ctl_dispatch(req, who == 0, who == 1);
	if (!reply || !json_object_is_type(reply, json_type_object) ||
	    !json_object_object_get_ex(reply, "ok", &ok))
		abort();
	if (who != 0 && admin_runs != before)
		abort();	/* an admin command ran for someone not root */
	json_object_to_json_string(reply);
	json_object_put(reply);
	json_object_put(req);
	return 0;
}
