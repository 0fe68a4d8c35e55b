/**
 * @file phc_addr.h
 * @brief The addresses of a NIC, from libnl-route's caches (phc_addr.c):
 * is a configured address (ntp.bindaddress) on its interface?
 */
#ifndef PB_PHC_ADDR_H
#define PB_PHC_ADDR_H

#include <stddef.h>

#include "bridge/core/conf.h"

/**
 * Is a on the interface ifname of this host (the network namespace we run
 * in)?  A checker for conf_set_addr_check().
 * @return 0 when it is, or when ifname is not here (nothing to say: a
 *         file for another box); -1 with the reason (and the addresses
 *         the interface has) when it is not
 */
int phc_addr_check(const char *ifname, const struct conf_addr *a, char *why, size_t whylen);

enum {
	PHC_ADDR_ABSENT,	/**< not on the interface */
	PHC_ADDR_TENTATIVE,	/**< IPv6 duplicate-address detection running or failed */
	PHC_ADDR_PRESENT,	/**< on the interface and usable */
};

struct nl_cache;

/**
 * Where a stands on ifname in libnl-route's caches.
 * @param have  filled with the interface's addresses ("none"), may be NULL
 * @return a PHC_ADDR_ value, or -1 when there is no such interface
 */
int phc_addr_on(struct nl_cache *links, struct nl_cache *addrs, const char *ifname,
		const struct conf_addr *a, char *have, size_t havelen);

#endif
