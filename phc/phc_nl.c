/*
 * Netlink for phc/: which PHC belongs to an interface (ethtool netlink,
 * ETHTOOL_MSG_TSINFO_GET) and whether NIC A and NIC B have a link
 * (rtnetlink, RTMGRP_LINK).
 *
 * One library for both jobs: libmnl.  Both are a handful of messages whose
 * attributes we parse ourselves; libnl-route's object caches would add a
 * second event path and a cache we do not need, and genetlink through
 * libnl would add libnl-genl as well.  See docs/clock.md.
 *
 * The link speed of NIC B comes the same way (ETHTOOL_MSG_LINKMODES_GET,
 * then ETHTOOL_GSET): ntp/ needs it to move hardware RX stamps from the
 * start to the end of the frame.
 *
 * The ethtool netlink answer wins when it names a PHC.  When the kernel has
 * no ethtool netlink (CONFIG_ETHTOOL_NETLINK off, kernels before 5.11 for
 * TSINFO) or names none, the SIOCETHTOOL ioctl is asked (that is also what
 * linuxptp asks, and what the emulator answers).
 */
#include <errno.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "phc/phc_dev.h"
#include "phc/phc_nl.h"

/* --- ethtool netlink: TSINFO ----------------------------------------------- */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;
	int *family = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
			*family = mnl_attr_get_u16(attr);
	}
	return MNL_CB_OK;
}

/* One u32 attribute of a genetlink answer, by type. */
struct u32_attr {
	uint16_t type;
	int value;		/* (int) of the u32; stays as set when absent */
};

static int u32_attr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr;
	struct u32_attr *a = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == a->type &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			a->value = (int)mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

/* Run cb over the netlink messages in buf, once every length in it is
   checked: libmnl 1.0.4's mnl_nlmsg_ok() compares a length of 2^31 or more
   as a negative int and would walk gigabytes past the buffer (fuzz_nl
   found it).  The kernel never sends such a message; nothing of ours
   trusts that. */
static int nl_run(const void *buf, size_t n, unsigned int seq, unsigned int portid, mnl_cb_t cb,
		  void *data)
{
	const uint8_t *p = buf;
	size_t left = n;

	while (left >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)p;
		size_t step = MNL_ALIGN(h->nlmsg_len);

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
			return MNL_CB_ERROR;
		if (step >= left)
			break;
		p += step;
		left -= step;
	}
	return mnl_cb_run(buf, n, seq, portid, cb, data);
}

/* One generic netlink request and its answers. */
static int genl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(nl);
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		r = nl_run(buf, (size_t)n, seq, portid, cb, data);
	} while (r > MNL_CB_STOP);
	return r < 0 ? -1 : 0;
}

/* Ask ethtool netlink one GET (cmd) about ifname; hdr_attr is the
   command's header nest.  @return 0, or -1 (no ethtool netlink, no answer) */
static int ethtool_nl_get(const char *ifname, uint8_t cmd, uint16_t hdr_attr,
			  mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	struct nlattr *nest;
	int family = -1, r = -1;
	unsigned int seq = (unsigned int)time(NULL);

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq++;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
	if (genl_talk(nl, nlh, family_cb, &family) || family < 0)
		goto out;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq++;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = ETHTOOL_GENL_VERSION;
	nest = mnl_attr_nest_start(nlh, hdr_attr);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, ifname);
	mnl_attr_nest_end(nlh, nest);
	r = genl_talk(nl, nlh, cb, data);
out:
	mnl_socket_close(nl);
	return r;
}

int phc_nl_tsinfo_phc(const char *ifname)
{
	struct u32_attr a = { ETHTOOL_A_TSINFO_PHC_INDEX, -1 };

	if (ethtool_nl_get(ifname, ETHTOOL_MSG_TSINFO_GET, ETHTOOL_A_TSINFO_HEADER,
			   u32_attr_cb, &a))
		return -1;
	return a.value;
}

/* One SIOCETHTOOL request; data starts with its ETHTOOL_* cmd. */
static int ethtool_ioctl(const char *ifname, void *data)
{
	struct ifreq ifr;
	int fd, r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return r;
}

static int ioctl_tsinfo_phc(const char *ifname)
{
	struct ethtool_ts_info info = { .cmd = ETHTOOL_GET_TS_INFO };

	return ethtool_ioctl(ifname, &info) < 0 ? -1 : info.phc_index;
}

int phc_nl_find_index(const char *ifname, const char **how)
{
	int idx = phc_nl_tsinfo_phc(ifname);

	if (idx >= 0) {
		*how = "ethtool netlink";
		return idx;
	}
	idx = ioctl_tsinfo_phc(ifname);
	*how = "SIOCETHTOOL ioctl";
	return idx;
}

/* --- ethtool: link speed -------------------------------------------------- */

static int ioctl_link_speed(const char *ifname)
{
	struct ethtool_cmd cmd = { .cmd = ETHTOOL_GSET };

	return ethtool_ioctl(ifname, &cmd) < 0 ? -1 : (int)ethtool_cmd_speed(&cmd);
}

int phc_nl_link_speed(const char *ifname)
{
	struct u32_attr a = { ETHTOOL_A_LINKMODES_SPEED, -1 };
	int mbps = -1;

	if (!ethtool_nl_get(ifname, ETHTOOL_MSG_LINKMODES_GET, ETHTOOL_A_LINKMODES_HEADER,
			    u32_attr_cb, &a))
		mbps = a.value;
	if (mbps == -1)
		mbps = ioctl_link_speed(ifname);
	/* SPEED_UNKNOWN is (u32)-1: no carrier, or a driver that cannot say */
	return mbps > 0 ? mbps : -1;
}

/* --- rtnetlink: link state ------------------------------------------------- */

static struct mnl_socket *rtnl;
static struct phc_link links[2];
static int n_links;

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	bool up;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifm)))
		return MNL_CB_ERROR;
	up = nlh->nlmsg_type == RTM_NEWLINK && (ifm->ifi_flags & IFF_UP) &&
	     (ifm->ifi_flags & IFF_RUNNING);
	for (int i = 0; i < n_links; i++) {
		if (links[i].ifindex != ifm->ifi_index)
			continue;
		if (links[i].known && links[i].up != up)
			log_notice("phc: %s link %s", links[i].name, up ? "up" : "down");
		if (!up)
			links[i].downs++;
		links[i].up = up;
		links[i].known = true;
	}
	return MNL_CB_OK;
}

static void rtnl_ready(int fd, short revents, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct sockaddr_nl from;
	socklen_t fl;
	ssize_t n;

	/* Drain what is there; a dump answer and events share the socket.
	   Only the kernel's (root in this namespace may send too). */
	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			break;
		if (from.nl_pid == 0)
			nl_run(buf, (size_t)n, 0, 0, link_cb, NULL);
	}
	if (n < 0 && errno == ENOBUFS) {
		/* Events were lost: ask for the whole table again. */
		log_warn("phc: rtnetlink overrun, reading the links again");
		phc_nl_link_dump();
	}
}

int phc_nl_link_dump(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtgenmsg *rt;

	if (!rtnl)
		return -1;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_PACKET;
	return mnl_socket_sendto(rtnl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

int phc_nl_link_start(const char *if_a, const char *if_b)
{
	const char *names[2] = { if_a, if_b };

	n_links = 0;
	for (int i = 0; i < 2; i++) {
		if (!names[i] || !names[i][0])
			continue;
		memset(&links[n_links], 0, sizeof(links[n_links]));
		snprintf(links[n_links].name, sizeof(links[n_links].name), "%s", names[i]);
		links[n_links].ifindex = (int)if_nametoindex(names[i]);
		n_links++;
	}
	rtnl = mnl_socket_open(NETLINK_ROUTE);
	if (!rtnl)
		return -1;
	if (mnl_socket_bind(rtnl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0 ||
	    loop_add_fd(mnl_socket_get_fd(rtnl), POLLIN, rtnl_ready, NULL) < 0) {
		mnl_socket_close(rtnl);
		rtnl = NULL;
		return -1;
	}
	return phc_nl_link_dump();
}

void phc_nl_link_stop(void)
{
	if (!rtnl)
		return;
	loop_del_fd(mnl_socket_get_fd(rtnl));
	mnl_socket_close(rtnl);
	rtnl = NULL;
	n_links = 0;
}

const struct phc_link *phc_nl_link_get(int which)
{
	return which >= 0 && which < n_links ? &links[which] : NULL;
}
