/**
 * @file ntp_acl.h
 * @brief Who may be served: `allow` and `deny` CIDR lists, chrony's rules.
 *
 * The most specific matching prefix decides; between an allow and a deny
 * of the same length, deny wins.  An address no rule covers is refused, so
 * with no `allow` at all nothing is served.  IPv4-mapped IPv6 addresses are
 * judged as the IPv4 address they carry.
 */
#ifndef PB_NTP_ACL_H
#define PB_NTP_ACL_H

#include <stdbool.h>

#include "bridge/core/conf.h"

struct ntp_acl {
	struct conf_cidr allow[CONF_MAX_ACL];
	int n_allow;
	struct conf_cidr deny[CONF_MAX_ACL];
	int n_deny;
};

/** Copy the lists of the [ntp] section. */
void ntp_acl_from_conf(struct ntp_acl *acl, const struct bridge_conf *c);

/** @return true if addr may be served */
bool ntp_acl_allowed(const struct ntp_acl *acl, const struct conf_addr *addr);

#endif
