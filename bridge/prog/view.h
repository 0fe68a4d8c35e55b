/**
 * @file view.h
 * @brief bridgectl's dispatch of text views: its own (status, config.show,
 * metrics, help) and each module's table (bridge/prog/modules.c).
 */
#ifndef PB_PROG_VIEW_H
#define PB_PROG_VIEW_H

#include <stdio.h>

#include "bridge/core/view.h"

struct json_object;

/** Render the "data" of a reply to cmd.  Unknown commands get a generic view. */
void view_render(const char *cmd, struct json_object *data, FILE *out,
		 const struct view_opts *o);

#endif
