/**
 * @file ntp.h
 * @brief The NTP server module of bridged (public interface).
 *
 * Wired in bridge/modules.c as { "ntp", ntp_start, ntp_reload, ntp_stop }.
 * Registers the control commands `serverstats` and `clients` and the
 * status section "ntp"; ntp_metrics_append() writes its Prometheus lines
 * for `bridgectl metrics`.
 */
#ifndef PB_NTP_H
#define PB_NTP_H

#include <stdio.h>

#include "bridge/conf.h"

/** Start serving. @return 0, or -1 (logged) */
int ntp_start(const struct bridge_conf *c);
/** @return 0 applied in place, 1 restart needed, -1 failed */
int ntp_reload(const struct bridge_conf *old_conf, const struct bridge_conf *new_conf);
void ntp_stop(void);

/**
 * Append the NTP server's metrics in Prometheus text format (names after
 * chrony_exporter's serverstats, prefix ptpbridge_).
 */
void ntp_metrics_append(FILE *fp);

#endif
