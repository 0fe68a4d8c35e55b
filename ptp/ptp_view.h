/**
 * @file ptp_view.h
 * @brief bridgectl's text views of ptp/ (ptp_view.c): `ptp` and the PTP
 * lines of `status`.
 */
#ifndef PB_PTP_VIEW_H
#define PB_PTP_VIEW_H

#include "bridge/core/view.h"

extern const struct view_entry ptp_views[];

#endif
