/*
 * The addresses of a NIC, from libnl-route's link and address caches.
 * config check on the box and every reload use a one-shot dump
 * (phc_addr_check) to refuse an ntp.bindaddress that is not on the ntp
 * interface, before a bind fails; phc_addr_watch.c follows them while
 * bridged runs.  (libmnl keeps the ethtool genetlink queries of
 * phc_nl.c: libnl has no ethtool family; docs/clock.md.)
 */
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phc/phc_addr.h"

struct walk {
	int ifindex;
	const struct conf_addr *want;
	int found;		/* 1 usable, 2 tentative or failed DAD */
	char have[160];
	size_t used;
};

static void one_addr(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct walk *w = arg;
	struct nl_addr *local = rtnl_addr_get_local(ra);
	char text[INET6_ADDRSTRLEN];
	const void *bin;
	size_t len;

	if (rtnl_addr_get_ifindex(ra) != w->ifindex || !local)
		return;
	bin = nl_addr_get_binary_addr(local);
	len = nl_addr_get_len(local);
	if (w->want && rtnl_addr_get_family(ra) == w->want->family &&
	    ((w->want->family == AF_INET && len == 4 && !memcmp(bin, &w->want->v4, 4)) ||
	     (w->want->family == AF_INET6 && len == 16 && !memcmp(bin, &w->want->v6, 16))))
		w->found = rtnl_addr_get_flags(ra) & (IFA_F_TENTATIVE | IFA_F_DADFAILED) ? 2 : 1;
	if (inet_ntop(rtnl_addr_get_family(ra), bin, text, sizeof(text)) && w->used < sizeof(w->have))
		w->used += (size_t)snprintf(w->have + w->used, sizeof(w->have) - w->used, "%s%s",
					    w->used ? ", " : "", text);
}

int phc_addr_on(struct nl_cache *links, struct nl_cache *addrs, const char *ifname,
		const struct conf_addr *a, char *have, size_t havelen)
{
	struct walk w = { .want = a };

	w.ifindex = rtnl_link_name2i(links, ifname);
	if (!w.ifindex)
		return -1;
	nl_cache_foreach(addrs, one_addr, &w);
	if (havelen)
		snprintf(have, havelen, "%s", w.used ? w.have : "none");
	return w.found == 1 ? PHC_ADDR_PRESENT :
	       w.found == 2 ? PHC_ADDR_TENTATIVE : PHC_ADDR_ABSENT;
}

int phc_addr_check(const char *ifname, const struct conf_addr *a, char *why, size_t whylen)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL, *addrs = NULL;
	char text[INET6_ADDRSTRLEN], have[160];
	int rc = 0;

	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0 ||
	    rtnl_link_alloc_cache(sk, AF_UNSPEC, &links) < 0 ||
	    rtnl_addr_alloc_cache(sk, &addrs) < 0)
		goto out;	/* no netlink: nothing to say */
	/* -1: not this box's interface (a file for another box) */
	if (phc_addr_on(links, addrs, ifname, a, have, sizeof(have)) == PHC_ADDR_ABSENT) {
		conf_addr_str(a, text, sizeof(text));
		snprintf(why, whylen, "%s is not an address of %s (it has %s)", text, ifname, have);
		rc = -1;
	}
out:
	if (addrs)
		nl_cache_free(addrs);
	if (links)
		nl_cache_free(links);
	if (sk)
		nl_socket_free(sk);
	return rc;
}
