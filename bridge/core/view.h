/**
 * @file view.h
 * @brief Helpers for bridgectl's text views of the daemon's JSON replies.
 *
 * Every view fits 80 columns and is plain ASCII; colour only when the
 * output is a terminal that asks for it.  A module's views (ntp/ntp_view.c,
 * ptp/ptp_view.c) are a table of struct view_entry that the programs'
 * dispatch (bridge/prog/view.c) walks; this header is all they share.
 */
#ifndef PB_VIEW_H
#define PB_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct json_object;

struct view_opts {
	bool color;
};

/** A view of one command. */
typedef void (*view_fn)(struct json_object *data, FILE *out, const struct view_opts *o);

/** One row of a module's view table; the table ends with cmd NULL. */
struct view_entry {
	const char *cmd;
	view_fn fn;
};

/** "a.b.c" in nested objects, or NULL. */
struct json_object *view_get(struct json_object *o, const char *path);
/** The same, only if it is an object (or, view_array, an array): replies
    of an unexpected shape must not reach json-c's type assertions. */
struct json_object *view_object(struct json_object *o, const char *path);
struct json_object *view_array(struct json_object *o, const char *path);
/** A string, made printable ASCII (anything else becomes '?'), at most
    511 bytes; sixteen calls may be in use at once. */
const char *view_str(struct json_object *o, const char *path, const char *def);
/** The same for a string of the reply at hand (a key, an array element). */
const char *view_clean(const char *raw);
/** Print a long string (a file, metrics) made printable the same way. */
void view_put_text(FILE *out, struct json_object *o, const char *path);
double view_num(struct json_object *o, const char *path, double def);
/** The same as an int; def when absent or out of int's range. */
int view_int(struct json_object *o, const char *path, int def);
bool view_has(struct json_object *o, const char *path);
/** A boolean as pmc prints it: "1", "0", or "?" when path is missing. */
const char *view_flag(struct json_object *o, const char *path);
/** "1.234 us" style text of seconds, with a sign, in 10 characters or less. */
const char *view_seconds(double s, char *buf, size_t len);
/** NTP leap indicator in chronyc's words ("Normal" ... "Not synchronised"). */
const char *view_leap_text(int leap);

#endif
