/**
 * @file ntp_server.h
 * @brief The NTP server's life (ntp_server.c): sockets, hardware
 * timestamping on NIC B, workers, counters and the client table.
 */
#ifndef PB_NTP_SERVER_H
#define PB_NTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bridge/core/conf.h"
#include "bridge/core/ref_state.h"
#include "ntp/ntp_clientlog.h"
#include "ntp/ntp_io.h"

#define NTP_MAX_WORKERS 16

/** NIC B's clock as the server sees it (hardware timestamping only). */
struct ntp_hwclock {
	bool on;
	double err_ns;		/**< error of a PHC B -> system conversion now */
	double freq_ppm;	/**< system clock rate against PHC B, less our own steering */
	int samples;		/**< in the fit */
	uint64_t restarts;	/**< fits restarted by a clock step */
	int link_mbps;		/**< -1 unknown */
	double rx_frame_ns;	/**< added to a 48-byte IPv4 request's RX stamp */
};
void ntp_server_hwclock(struct ntp_hwclock *h);

/** Start serving (sockets, timestamping, workers). @return 0 or -1 */
int ntp_server_start(const struct bridge_conf *c);
/**
 * Apply the parts of a new config that can change in place (ACL, rate
 * limit, serve_unsynced).  @return 0 applied, 1 restart needed
 */
int ntp_server_reload(const struct bridge_conf *c);
void ntp_server_stop(void);
bool ntp_server_running(void);

/** Sum of all workers' counters. */
void ntp_server_stats(struct ntp_stats *sum);
/** Sum of all workers' client logs. */
void ntp_server_clientlog_stats(struct ntp_clientlog_stats *sum);
/** Timestamping mode in words ("hardware", "software", "hardware TX, software RX"). */
const char *ntp_server_ts_mode(void);
int ntp_server_workers(void);

/**
 * The busiest clients by requests.
 * @return rows filled (at most max)
 */
int ntp_server_clients(struct ntp_client_row *rows, int max);

#endif
