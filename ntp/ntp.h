/**
 * @file ntp.h
 * @brief ntp/: the stratum-1 NTP server on NIC B (public interface).
 *
 * The module (ntp.c) registers the control commands `serverstats` and
 * `clients`, the status section "ntp" and its metrics through its table.
 * Below it: ntp_server.c (the server), ntp_packet.c (the wire format),
 * ntp_clientlog.c (per-client state), ntp_acl.c (allow/deny).
 */
#ifndef PB_NTP_H
#define PB_NTP_H

#include "bridge/core/module.h"

extern const struct pb_module ntp_module;

#endif
