/**
 * @file ptp_view.h
 * @brief bridgectl's text views of ptp/ and phc/ (ptp_view.c).
 */
#ifndef PB_PTP_VIEW_H
#define PB_PTP_VIEW_H

#include <stdio.h>

struct json_object;
struct view_opts;

/** `bridgectl ptp` */
void ptp_view_ptp(struct json_object *data, FILE *out, const struct view_opts *o);
/** `bridgectl tracking` */
void ptp_view_tracking(struct json_object *data, FILE *out, const struct view_opts *o);
/** The PTP and clock lines of `bridgectl status` (4 lines). */
void ptp_view_status_lines(struct json_object *data, FILE *out);

#endif
