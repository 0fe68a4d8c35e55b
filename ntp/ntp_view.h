/**
 * @file ntp_view.h
 * @brief bridgectl's text views of ntp/ (ntp_view.c): `serverstats`,
 * `clients` and the NTP lines of `status`.
 */
#ifndef PB_NTP_VIEW_H
#define PB_NTP_VIEW_H

#include "bridge/core/view.h"

extern const struct view_entry ntp_views[];

#endif
