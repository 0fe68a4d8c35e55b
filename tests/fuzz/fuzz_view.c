/*
 * libFuzzer target: bridgectl's text views of a daemon's reply.  A reply
 * is outside input to bridgectl (a daemon of another version, or not a
 * daemon at all, may answer on the socket): every view must render any
 * JSON without crashing in json-c's type assertions, and what it prints on
 * a serial console must be plain printable ASCII, newlines and tabs (no
 * ESC, no BEL, no byte of a foreign encoding).  Input: one byte choosing the command, then the
 * reply's "data" as JSON text.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/core/view.h"
#include "bridge/prog/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const cmds[] = {
	"status", "config", "metrics", "help", "ptp", "tracking", "serverstats", "clients",
	"anything-else",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct view_opts plain = { .color = false };
	struct json_tokener *tok;
	struct json_object *obj;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	if (size < 1)
		return 0;
	tok = json_tokener_new();
	obj = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
	json_tokener_free(tok);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);	/* bridgectl says "malformed reply" first */
		return 0;
	}
	fp = open_memstream(&out, &len);
	view_render(cmds[data[0] % (sizeof(cmds) / sizeof(cmds[0]))], obj, fp, &plain);
	fclose(fp);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c != '\n' && c != '\t' && (c < 0x20 || c > 0x7e)) {
			fprintf(stderr, "view printed byte 0x%02x at %zu\n", c, i);
			abort();
		}
	}
	free(out);
	json_object_put(obj);
	return 0;
}
