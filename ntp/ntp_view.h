/**
 * @file ntp_view.h
 * @brief bridgectl's text views of `serverstats` and `clients`.
 */
#ifndef PB_NTP_VIEW_H
#define PB_NTP_VIEW_H

#include "bridge/view.h"

void ntp_view_serverstats(struct json_object *data, FILE *out, const struct view_opts *o);
void ntp_view_clients(struct json_object *data, FILE *out, const struct view_opts *o);

#endif
