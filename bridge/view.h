/**
 * @file view.h
 * @brief bridgectl's text views of the daemon's JSON replies.
 *
 * Every view fits 80 columns and is plain ASCII; colour only when the
 * output is a terminal that asks for it.
 */
#ifndef PB_VIEW_H
#define PB_VIEW_H

#include <stdbool.h>
#include <stdio.h>

struct json_object;

struct view_opts {
	bool color;
};

/** Render the "data" of a reply to cmd.  Unknown commands get a generic view. */
void view_render(const char *cmd, struct json_object *data, FILE *out,
		 const struct view_opts *o);

/* Helpers for views in other modules' files. */
const char *view_str(struct json_object *o, const char *path, const char *def);
double view_num(struct json_object *o, const char *path, double def);
bool view_has(struct json_object *o, const char *path);
/** "1.234 us" style text of seconds, with a sign, in 10 characters or less. */
const char *view_seconds(double s, char *buf, size_t len);

/** A view of one command. */
typedef void (*view_fn)(struct json_object *data, FILE *out, const struct view_opts *o);

#endif
