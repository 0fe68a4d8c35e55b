/**
 * @file phc_view.h
 * @brief bridgectl's text views of phc/ (phc_view.c): `tracking` and the
 * system clock lines of `status`.
 */
#ifndef PB_PHC_VIEW_H
#define PB_PHC_VIEW_H

#include "bridge/core/view.h"

extern const struct view_entry phc_views[];

#endif
