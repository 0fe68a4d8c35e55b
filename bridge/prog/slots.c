/*
 * The boot slots as bridgectl status shows them (slots.h, docs/image.md).
 *
 * Nothing here decides anything: GRUB chose the slot (board/common/
 * grub.cfg.in), RAUC wrote the install record, confirm-slot confirmed the
 * boot.  This reads those files, root-written, and never fails the status:
 * a file that is missing or odd gives "?" fields, not an error.
 */
#include <ini.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/prog/slots.h"

#define SLOT_FILE_MAX 4096

struct slot {
	char bootname;		/* 'A' or 'B' */
	const char *rauc_name;	/* boot.0, boot.1 (/etc/rauc/system.conf) */
	int ok, tries;		/* GRUB: X_OK, X_TRY; -1 unknown */
	char version[128], build[128], installed[32], status[32];
};

/* path under root into buf; a short read of at most len-1 bytes. */
static int read_file(const char *root, const char *path, char *buf, size_t len)
{
	char full[512];
	FILE *f;
	size_t n;

	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	return 0;
}

/* The value of "key=value" lines (os-release, board.conf, grubenv), quotes
   stripped; def when absent. */
static void line_value(const char *text, const char *key, char *out, size_t len,
		       const char *def)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			const char *v = p + klen + 1, *e = strchr(v, '\n');
			size_t n = e ? (size_t)(e - v) : strlen(v);

			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v++;
				n -= 2;
			}
			snprintf(out, len, "%.*s", (int)n, v);
			return;
		}
	}
	snprintf(out, len, "%s", def);
}

static int int_value(const char *text, const char *key)
{
	char v[16];
	char *end;
	long n;

	line_value(text, key, v, sizeof(v), "");
	n = strtol(v, &end, 10);
	return v[0] && !*end && n >= 0 && n < 100 ? (int)n : -1;
}

static int raucs_entry(void *user, const char *section, const char *name, const char *value)
{
	struct slot *s = user;
	char want[32];

	snprintf(want, sizeof(want), "slot.%s", s->rauc_name);
	if (strcmp(section, want))
		return 1;
	if (!strcmp(name, "bundle.version"))
		snprintf(s->version, sizeof(s->version), "%s", value);
	else if (!strcmp(name, "bundle.build"))
		snprintf(s->build, sizeof(s->build), "%s", value);
	else if (!strcmp(name, "installed.timestamp"))
		snprintf(s->installed, sizeof(s->installed), "%s", value);
	else if (!strcmp(name, "status"))
		snprintf(s->status, sizeof(s->status), "%s", value);
	return 1;
}

/* What a slot is in one word, from GRUB's view and RAUC's record. */
static const char *slot_state(const struct slot *s, char booted, char first, int max_tries)
{
	if (s->ok < 0)
		return "unknown";
	if (s->bootname == booted)
		return s->ok == 1 && s->tries == 0 ? "confirmed" : "unconfirmed";
	if (s->ok != 1)
		return s->installed[0] ? "bad" : "empty";
	if (s->tries >= max_tries)
		return "failed";
	if (s->bootname == first)
		return "boots-next";
	return s->tries == 0 ? "good" : "unconfirmed";
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

struct json_object *slots_read(const char *root)
{
	char cmdline[SLOT_FILE_MAX], env[SLOT_FILE_MAX], osrel[SLOT_FILE_MAX], board[SLOT_FILE_MAX];
	char order[32], key[8], path[512];
	struct slot slots[2] = {
		{ .bootname = 'A', .rauc_name = "boot.0", .ok = -1, .tries = -1 },
		{ .bootname = 'B', .rauc_name = "boot.1", .ok = -1, .tries = -1 },
	};
	struct json_object *sys, *list;
	const char *p;
	char booted, first = 0;
	int max_tries;

	if (read_file(root, "/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return NULL;
	p = strstr(cmdline, "rauc.slot=");
	if (!p || (p[10] != 'A' && p[10] != 'B'))
		return NULL;
	booted = p[10];
	if (read_file(root, "/boot/grub/grubenv", env, sizeof(env)) < 0)
		env[0] = '\0';
	if (read_file(root, "/etc/os-release", osrel, sizeof(osrel)) < 0)
		osrel[0] = '\0';
	if (read_file(root, "/etc/board.conf", board, sizeof(board)) < 0)
		board[0] = '\0';
	max_tries = int_value(board, "BOOT_TRIES");
	if (max_tries < 1)
		max_tries = 3;
	line_value(env, "ORDER", order, sizeof(order), "");
	for (p = order; *p == ' '; p++)
		;
	if (*p == 'A' || *p == 'B')
		first = *p;
	snprintf(path, sizeof(path), "%s/data/rauc/central.raucs", root);
	for (int i = 0; i < 2; i++) {
		struct slot *s = &slots[i];

		if (env[0]) {
			snprintf(key, sizeof(key), "%c_OK", s->bootname);
			s->ok = int_value(env, key);
			snprintf(key, sizeof(key), "%c_TRY", s->bootname);
			s->tries = int_value(env, key);
		}
		ini_parse(path, raucs_entry, s);
		/* The slot flashed with the image has no install record: the
		   running one knows its own version, and confirm-slot noted it
		   (/data/rauc/slot.X, os-release's lines) for when it does not
		   run. */
		if (!s->version[0] && s->bootname == booted) {
			line_value(osrel, "VERSION_ID", s->version, sizeof(s->version), "?");
			line_value(osrel, "BUILD_ID", s->build, sizeof(s->build), "");
		} else if (!s->version[0]) {
			char noted[512], file[32];

			snprintf(file, sizeof(file), "/data/rauc/slot.%c", s->bootname);
			if (read_file(root, file, noted, sizeof(noted)) == 0) {
				line_value(noted, "VERSION_ID", s->version, sizeof(s->version), "");
				line_value(noted, "BUILD_ID", s->build, sizeof(s->build), "");
			}
		}
	}

	sys = json_object_new_object();
	add_str(sys, "booted", (char[]){ booted, 0 });
	json_object_object_add(sys, "max_tries", json_object_new_int(max_tries));
	list = json_object_new_array();
	for (int i = 0; i < 2; i++) {
		struct slot *s = &slots[i];
		struct json_object *o = json_object_new_object();

		add_str(o, "name", (char[]){ s->bootname, 0 });
		add_str(o, "state", slot_state(s, booted, first, max_tries));
		add_str(o, "version", s->version);
		add_str(o, "build", s->build);
		add_str(o, "installed", s->installed);
		json_object_object_add(o, "tries", json_object_new_int(s->tries));
		json_object_array_add(list, o);
	}
	json_object_object_add(sys, "slots", list);
	/* An update that did not take: GRUB prefers a slot that is not the
	   one running, and that slot is spent or marked bad. */
	if (first && first != booted) {
		const struct slot *f = &slots[first - 'A'];

		if (f->ok == 1 && f->tries >= max_tries) {
			char msg[256];

			snprintf(msg, sizeof(msg), "update to %.16s (slot %c) not confirmed after %d boots: back on %c",
				 f->version[0] ? f->version : "?", f->bootname, f->tries, booted);
			add_str(sys, "update_failed", msg);
		} else if (f->ok == 0 && f->installed[0]) {
			char msg[256];

			/* confirm-slot marked it bad, or an install was cut short
			   (RAUC marks the slot bad before it writes) */
			snprintf(msg, sizeof(msg), "update in slot %c failed its checks or was cut short: on %c",
				 f->bootname, booted);
			add_str(sys, "update_failed", msg);
		}
	}
	return sys;
}
