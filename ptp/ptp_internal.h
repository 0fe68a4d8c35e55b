/**
 * @file ptp_internal.h
 * @brief Shared between the files of ptp/ only.
 */
#ifndef PB_PTP_INTERNAL_H
#define PB_PTP_INTERNAL_H

#include "bridge/conf.h"
#include "ptp/ptp.h"

struct config;		/* linuxptp's; only ptp_engine.c sees its definition */

/**
 * Apply our [ptp] settings and the pass-through keys to a linuxptp config.
 * @return 0, or -1 when linuxptp refused one (logged)
 */
int ptp_engine_configure(struct config *conf, const struct bridge_conf *c);

/** Register `ptp` and the status section with the control socket. */
void ptp_ctl_register(void);

struct json_object;
/** The PTP data sets as JSON (the `ptp` command and `status`). */
void ptp_state_to_json(const struct ptp_state *s, struct json_object *o);

#endif
