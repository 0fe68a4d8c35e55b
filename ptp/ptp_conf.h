/**
 * @file ptp_conf.h
 * @brief [ptp] keys handed to linuxptp, checked against linuxptp's own table.
 */
#ifndef PB_PTP_CONF_H
#define PB_PTP_CONF_H

#include <stddef.h>

/**
 * Would linuxptp accept key = value?  Never exits, whatever the input.
 * @return 0 if accepted; -1 with why empty (unknown to linuxptp) or why
 *         giving the reason (known key, bad value, or reserved by us)
 */
int ptp_conf_check(const char *key, const char *value, char *why, size_t whylen);

/** Version string of the linked linuxptp library. */
const char *ptp_conf_linuxptp_version(void);

#endif
