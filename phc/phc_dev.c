/*
 * PHC discovery and PHC-to-system offset measurement.
 */
#include "phc/phc_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/ptp_clock.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bridge/core/log.h"
#include "phc/phc_nl.h"

/* The dynamic POSIX clock of an open character device (kernel ABI). */
#define FD_TO_CLOCKID(fd)	((clockid_t)((((unsigned int)~(fd)) << 3) | 3))

static int64_t ts_ns(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * 1000000000LL + t->nsec;
}

int phc_dev_ts_info(const char *ifname, struct phc_ts_info *info)
{
	struct ethtool_ts_info ti;
	struct ifreq ifr;
	int fd, r, saved;

	if (strlen(ifname) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ti, 0, sizeof(ti));
	memset(&ifr, 0, sizeof(ifr));
	ti.cmd = ETHTOOL_GET_TS_INFO;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&ti;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	saved = errno;
	close(fd);
	if (r < 0) {
		errno = saved;
		return -1;
	}
	info->so_timestamping = ti.so_timestamping;
	info->phc_index = ti.phc_index;
	info->tx_types = ti.tx_types;
	info->rx_filters = ti.rx_filters;
	return 0;
}

int phc_dev_open(struct phc_dev *dev, const char *ifname)
{
	struct ptp_clock_caps caps;
	char path[32];

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	if (phc_dev_ts_info(ifname, &dev->info) < 0) {
		log_error("phc: %s: ethtool time-stamping info: %m", ifname);
		return -1;
	}
	/* The index by ethtool netlink first, as for every NIC (phc_nl.c). */
	dev->index = phc_nl_find_index(ifname, &dev->how);
	if (dev->index < 0) {
		log_error("phc: %s has no PTP hardware clock (ethtool TSINFO)", ifname);
		return -1;
	}
	dev->info.phc_index = dev->index;
	snprintf(path, sizeof(path), "/dev/ptp%d", dev->index);
	dev->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (dev->fd < 0) {
		log_error("phc: %s: open %s: %m", ifname, path);
		return -1;
	}
	dev->clkid = FD_TO_CLOCKID(dev->fd);
	memset(&caps, 0, sizeof(caps));
	if (ioctl(dev->fd, PTP_CLOCK_GETCAPS, &caps) == 0) {
		dev->max_adj = caps.max_adj;
		dev->cross_timestamping = caps.cross_timestamping != 0;
	}
	dev->method = dev->cross_timestamping ? PHC_SYSOFF_PRECISE : PHC_SYSOFF_EXTENDED;
	return 0;
}

void phc_dev_close(struct phc_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

static int sysoff_precise(struct phc_dev *dev, struct phc_sys_sample *s)
{
	struct ptp_sys_offset_precise p;

	memset(&p, 0, sizeof(p));
	if (ioctl(dev->fd, PTP_SYS_OFFSET_PRECISE, &p) < 0)
		return -1;
	s->phc_ns = ts_ns(&p.device);
	s->sys_ns = ts_ns(&p.sys_realtime);
	s->err_ns = 0;
	return 0;
}

/* Of (sys, PHC, sys) readings keep the one with the narrowest sys window:
   its midpoint is the sample, half the width its uncertainty. */
static void keep_tightest(int64_t t1, int64_t phc, int64_t t2, int64_t *best,
			  struct phc_sys_sample *s)
{
	int64_t w = t2 - t1;

	if (w >= 0 && w < *best) {
		*best = w;
		s->phc_ns = phc;
		s->sys_ns = t1 + w / 2;
		s->err_ns = (w + 1) / 2;
	}
}

static int sysoff_extended(struct phc_dev *dev, int n, struct phc_sys_sample *s)
{
	struct ptp_sys_offset_extended e;
	int64_t best = INT64_MAX;
	int i;

	memset(&e, 0, sizeof(e));
	e.n_samples = n;
	if (ioctl(dev->fd, PTP_SYS_OFFSET_EXTENDED, &e) < 0)
		return -1;
	for (i = 0; i < n; i++)
		keep_tightest(ts_ns(&e.ts[i][0]), ts_ns(&e.ts[i][1]), ts_ns(&e.ts[i][2]), &best, s);
	return best == INT64_MAX ? -1 : 0;
}

static int sysoff_basic(struct phc_dev *dev, int n, struct phc_sys_sample *s)
{
	struct ptp_sys_offset b;
	int64_t best = INT64_MAX;
	int i;

	memset(&b, 0, sizeof(b));
	b.n_samples = n;
	if (ioctl(dev->fd, PTP_SYS_OFFSET, &b) < 0)
		return -1;
	/* ts[] = sys, phc, sys, phc, ..., sys */
	for (i = 0; i < n; i++)
		keep_tightest(ts_ns(&b.ts[2 * i]), ts_ns(&b.ts[2 * i + 1]), ts_ns(&b.ts[2 * i + 2]),
			      &best, s);
	return best == INT64_MAX ? -1 : 0;
}

int phc_dev_sys_offset(struct phc_dev *dev, int samples, struct phc_sys_sample *out)
{
	if (samples < 1)
		samples = 1;
	if (samples > PTP_MAX_SAMPLES)
		samples = PTP_MAX_SAMPLES;

	for (;;) {
		int r = -1;

		switch (dev->method) {
		case PHC_SYSOFF_PRECISE:
			r = sysoff_precise(dev, out);
			break;
		case PHC_SYSOFF_EXTENDED:
			r = sysoff_extended(dev, samples, out);
			break;
		case PHC_SYSOFF_BASIC:
			r = sysoff_basic(dev, samples, out);
			break;
		default:
			return -1;
		}
		if (r == 0) {
			out->method = dev->method;
			return 0;
		}
		if (errno != EOPNOTSUPP && errno != ENOTTY && errno != EINVAL)
			return -1;
		/* The driver does not have this one: step down for good. */
		log_info("phc: %s: %s offset not supported, trying the next method",
			 dev->ifname, phc_dev_method_name(dev->method));
		dev->method++;
		if (dev->method > PHC_SYSOFF_BASIC) {
			dev->method = PHC_SYSOFF_NONE;
			return -1;
		}
	}
}

int phc_dev_hwtstamp_enable(int sock, const char *ifname, int tx_type, int rx_filter,
			int *rx_got)
{
	struct hwtstamp_config cfg;
	struct ifreq ifr;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ifr, 0, sizeof(ifr));
	cfg.tx_type = tx_type;
	cfg.rx_filter = rx_filter;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&cfg;
	if (ioctl(sock, SIOCSHWTSTAMP, &ifr) < 0)
		return -1;
	if (rx_got)
		*rx_got = cfg.rx_filter;
	return 0;
}

int phc_dev_hwtstamp_get(int sock, const char *ifname, int *tx_type, int *rx_filter)
{
	struct hwtstamp_config cfg;
	struct ifreq ifr;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&cfg;
	if (ioctl(sock, SIOCGHWTSTAMP, &ifr) < 0)
		return -1;
	*tx_type = cfg.tx_type;
	*rx_filter = cfg.rx_filter;
	return 0;
}

const char *phc_dev_method_name(int method)
{
	switch (method) {
	case PHC_SYSOFF_PRECISE:
		return "PTP_SYS_OFFSET_PRECISE";
	case PHC_SYSOFF_EXTENDED:
		return "PTP_SYS_OFFSET_EXTENDED";
	case PHC_SYSOFF_BASIC:
		return "PTP_SYS_OFFSET";
	default:
		return "none";
	}
}

const char *phc_dev_method_short(int method)
{
	static const char *const names[] = {
		[PHC_SYSOFF_PRECISE] = "precise", [PHC_SYSOFF_EXTENDED] = "extended",
		[PHC_SYSOFF_BASIC] = "basic",
	};

	if (method < 0 || method >= (int)(sizeof(names) / sizeof(names[0])) || !names[method])
		return "none";
	return names[method];
}
