/*
 * An interface's addresses as they come and go, while bridged runs: a
 * libnl-route cache manager (link and address caches) whose socket the
 * core loop polls.  ntp/ uses it to say when a bind address comes or goes
 * (DHCP, IPv6 duplicate-address detection); its sockets, bound with
 * IP_FREEBIND, receive again as soon as the address is back.
 */
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "phc/phc_addr.h"
#include "phc/phc_addr_watch.h"

struct phc_addr_watch {
	struct nl_cache_mngr *mngr;
	struct nl_cache *links, *addrs;
	int fd;
	char ifname[32];
	phc_addr_changed changed;
	void *arg;
};

static void cache_changed(struct nl_cache *cache, struct nl_object *obj, int action,
			  void *arg)
{
	struct phc_addr_watch *w = arg;

	(void)cache;
	(void)obj;
	(void)action;
	w->changed(w->arg);
}

static void watch_ready(int fd, short revents, void *arg)
{
	struct phc_addr_watch *w = arg;
	int rc;

	(void)fd;
	(void)revents;
	rc = nl_cache_mngr_data_ready(w->mngr);
	if (rc < 0)
		log_warn("phc: address events from the kernel: %s", nl_geterror(rc));
}

struct phc_addr_watch *phc_addr_watch_start(const char *ifname, phc_addr_changed changed,
					    void *arg)
{
	struct phc_addr_watch *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return NULL;
	snprintf(w->ifname, sizeof(w->ifname), "%s", ifname);
	w->changed = changed;
	w->arg = arg;
	w->fd = -1;
	rc = nl_cache_mngr_alloc(NULL, NETLINK_ROUTE, 0, &w->mngr);
	if (rc == 0)
		rc = nl_cache_mngr_add(w->mngr, "route/link", cache_changed, w, &w->links);
	if (rc == 0)
		rc = nl_cache_mngr_add(w->mngr, "route/addr", cache_changed, w, &w->addrs);
	if (rc == 0) {
		w->fd = nl_cache_mngr_get_fd(w->mngr);
		if (w->fd < 0 || loop_add_fd(w->fd, POLLIN, watch_ready, w) < 0)
			rc = -NLE_FAILURE;
	}
	if (rc < 0) {
		log_warn("phc: cannot follow the addresses of %s: %s", ifname, nl_geterror(rc));
		w->fd = -1;
		phc_addr_watch_stop(w);
		return NULL;
	}
	return w;
}

int phc_addr_watch_has(const struct phc_addr_watch *w, const struct conf_addr *a)
{
	int st = phc_addr_on(w->links, w->addrs, w->ifname, a, NULL, 0);

	return st < 0 ? PHC_ADDR_ABSENT : st;
}

void phc_addr_watch_stop(struct phc_addr_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		loop_del_fd(w->fd);
	if (w->mngr)
		nl_cache_mngr_free(w->mngr);	/* frees its caches */
	free(w);
}
