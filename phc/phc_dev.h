/**
 * @file phc_dev.h
 * @brief A NIC's PTP hardware clock, found by interface name.
 *
 * The PHC index comes from the interface's ethtool time-stamping info
 * (SIOCETHTOOL ETHTOOL_GET_TS_INFO), never from a hard-coded /dev/ptpN.
 * Offsets between the PHC and CLOCK_REALTIME are measured with the best
 * ioctl the driver offers: PTP_SYS_OFFSET_PRECISE (a hardware cross
 * timestamp), then PTP_SYS_OFFSET_EXTENDED (system reads bracketing each
 * PHC read in the driver), then the basic PTP_SYS_OFFSET.
 *
 * This module only reads clocks.
 */
#ifndef PB_PHC_DEV_H
#define PB_PHC_DEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/** What an interface can timestamp (ETHTOOL_GET_TS_INFO). */
struct phc_ts_info {
	uint32_t so_timestamping;	/**< SOF_TIMESTAMPING_* the driver supports */
	int phc_index;			/**< -1 when the NIC has no PHC */
	uint32_t tx_types;		/**< bit per HWTSTAMP_TX_* */
	uint32_t rx_filters;		/**< bit per HWTSTAMP_FILTER_* */
};

enum phc_sysoff_method {
	PHC_SYSOFF_NONE,
	PHC_SYSOFF_PRECISE,
	PHC_SYSOFF_EXTENDED,
	PHC_SYSOFF_BASIC,
};

struct phc_dev {
	char ifname[IFNAMSIZ];
	int index;			/**< N of /dev/ptpN */
	const char *how;		/**< how the index was found (phc_nl_find_index) */
	int fd;
	clockid_t clkid;
	struct phc_ts_info info;
	int max_adj;			/**< ppb, from PTP_CLOCK_GETCAPS */
	bool cross_timestamping;	/**< caps say PRECISE is there */
	int method;			/**< enum phc_sysoff_method chosen */
};

/** One PHC-to-system comparison. */
struct phc_sys_sample {
	int64_t phc_ns;		/**< PHC time, ns */
	int64_t sys_ns;		/**< CLOCK_REALTIME at the same instant, ns */
	int64_t err_ns;		/**< half width of the interval the pair is known to (0 = precise) */
	int method;		/**< enum phc_sysoff_method used */
};

/**
 * Read an interface's time-stamping info.
 * @return 0, or -1 with errno (no such interface, no ethtool support)
 */
int phc_dev_ts_info(const char *ifname, struct phc_ts_info *info);

/**
 * Open the PHC of an interface.
 * @return 0, or -1 (logged: no PHC, cannot open)
 */
int phc_dev_open(struct phc_dev *dev, const char *ifname);
void phc_dev_close(struct phc_dev *dev);

/**
 * Measure PHC against CLOCK_REALTIME with the best method, falling back
 * (and remembering the fallback) when the driver refuses one.
 * @param samples  PHC reads to take for EXTENDED/BASIC (the tightest is kept)
 * @return 0, or -1
 */
int phc_dev_sys_offset(struct phc_dev *dev, int samples, struct phc_sys_sample *out);

/**
 * Enable hardware time stamping on an interface (SIOCSHWTSTAMP).
 * @param sock       any socket for the ioctl
 * @param tx_type    HWTSTAMP_TX_*
 * @param rx_filter  HWTSTAMP_FILTER_* wanted
 * @param rx_got     receives the filter the driver actually set
 * @return 0, or -1 with errno
 */
int phc_dev_hwtstamp_enable(int sock, const char *ifname, int tx_type, int rx_filter,
			int *rx_got);

/**
 * Read an interface's current hardware time-stamping config (SIOCGHWTSTAMP).
 * @return 0, or -1 with errno (old drivers do not have it)
 */
int phc_dev_hwtstamp_get(int sock, const char *ifname, int *tx_type, int *rx_filter);

/** "PTP_SYS_OFFSET_PRECISE" etc., for logs */
const char *phc_dev_method_name(int method);
/** "precise", "extended", "basic": for status lines */
const char *phc_dev_method_short(int method);

#endif
