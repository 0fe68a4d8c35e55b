/**
 * @file phc_nl.h
 * @brief Netlink: a NIC's PHC and link speed (ethtool netlink), link state of NIC A and NIC B (rtnetlink) (phc_nl.c).
 */
#ifndef PB_PHC_NL_H
#define PB_PHC_NL_H

#include <stdbool.h>

/** Link state of one interface (phc_nl.c). */
struct phc_link {
	char name[16];
	int ifindex;
	bool known;		/**< rtnetlink told us at least once */
	bool up;		/**< IFF_UP and IFF_RUNNING */
	unsigned int downs;	/**< times it went down */
};

/** PHC index from ethtool netlink; -1 when it names none or fails. */
int phc_nl_tsinfo_phc(const char *ifname);
/** PHC index by ethtool netlink, then the SIOCETHTOOL ioctl; how says which. */
int phc_nl_find_index(const char *ifname, const char **how);
/** Watch the links of NIC A and NIC B (rtnetlink, in the core loop). */
int phc_nl_link_start(const char *if_a, const char *if_b);
void phc_nl_link_stop(void);
int phc_nl_link_dump(void);
/** 0: NIC A, 1: NIC B; NULL when not watched. */
const struct phc_link *phc_nl_link_get(int which);


/**
 * Link speed of an interface in Mb/s (ethtool netlink, then the
 * SIOCETHTOOL ioctl; phc_nl.c).
 * @return Mb/s, or -1 when unknown (no carrier, no driver support)
 */
int phc_nl_link_speed(const char *ifname);

#endif
