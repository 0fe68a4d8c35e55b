/**
 * @file phc.h
 * @brief phc/: the clocks (public interface).
 *
 * The module (phc.c) steers CLOCK_REALTIME to PHC A (phc_sys.c), publishes
 * the reference state ntp/ serves, and registers `tracking`, the status
 * section "phc" and the clock metrics through its table.  Below it: PHC
 * access (phc_dev.c), netlink (phc_nl.c), PHC B tracking (phc_track.c,
 * phc_sysadj.c), leap file, PPS input and the reference state machine.
 */
#ifndef PB_PHC_H
#define PB_PHC_H

#include "bridge/core/module.h"

extern const struct pb_module phc_module;

#endif
