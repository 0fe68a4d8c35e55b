/**
 * @file phc_addr_watch.h
 * @brief An interface's addresses kept current on the core loop
 * (phc_addr_watch.c), for bind addresses that come and go.
 */
#ifndef PB_PHC_ADDR_WATCH_H
#define PB_PHC_ADDR_WATCH_H

#include "bridge/core/conf.h"
#include "phc/phc_addr.h"

/** Called from the loop when a link or an address changed. */
typedef void (*phc_addr_changed)(void *arg);

/** An interface's addresses, kept current on the core loop. */
struct phc_addr_watch;

/**
 * Follow the addresses of ifname (a libnl-route cache manager whose socket
 * the core loop polls).  @return the watch, or NULL (logged) when netlink
 * cannot be used.
 */
struct phc_addr_watch *phc_addr_watch_start(const char *ifname, phc_addr_changed changed,
					    void *arg);

/** Where a stands now, from the watched caches: a PHC_ADDR_ value. */
int phc_addr_watch_has(const struct phc_addr_watch *w, const struct conf_addr *a);

/** Stop following (NULL is fine). */
void phc_addr_watch_stop(struct phc_addr_watch *w);

#endif
