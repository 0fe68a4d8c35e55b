/**
 * @file ptp_engine.h
 * @brief linuxptp's engine inside bridged (ptp_engine.c), for the entry ptp.c.
 */
#ifndef PB_PTP_ENGINE_H
#define PB_PTP_ENGINE_H

#include "bridge/core/conf.h"
#include "ptp/ptp.h"

struct config;		/* linuxptp's; only ptp_engine.c sees its definition */

/**
 * Apply our [ptp] settings and the pass-through keys to a linuxptp config.
 * @return 0, or -1 when linuxptp refused one (logged)
 */
int ptp_engine_configure(struct config *conf, const struct bridge_conf *c);

/** Start linuxptp's clock on [ptp] interface. @return 0, or -1 (logged) */
int ptp_engine_start(const struct bridge_conf *c);
void ptp_engine_stop(void);
/** Copy of the engine's state (zeroed when it is not running). */
void ptp_engine_state(struct ptp_state *s);
/** ptp_phc_offset() of ptp.h. */
/** The time-jump guard's bounds from a (reloaded) config. */
void ptp_engine_set_guard(const struct bridge_conf *c);
/** Follow a held grandmaster jump at the next Sync. @return false if none is held */
bool ptp_engine_accept_jump(void);

bool ptp_engine_phc_offset(int64_t phc_ns, double *offset_ns, double *err_ns);

#endif
