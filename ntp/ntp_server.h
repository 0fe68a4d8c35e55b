/**
 * @file ntp_server.h
 * @brief The NTP server: sockets, the batched hot path, timestamps,
 * interleaved mode, workers.
 */
#ifndef PB_NTP_SERVER_H
#define PB_NTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bridge/core/conf.h"
#include "bridge/core/ref_state.h"
#include "ntp/ntp_clientlog.h"

#define NTP_MAX_WORKERS 16

/** Counters of one worker (summed for display). */
struct ntp_stats {
	uint64_t rx_packets;		/**< datagrams received */
	uint64_t rx_bytes;
	uint64_t requests;		/**< valid client requests */
	uint64_t responses;		/**< responses sent (including KoD) */
	uint64_t tx_bytes;
	uint64_t interleaved;		/**< responses sent interleaved */
	uint64_t dropped_invalid;	/**< short, bad length/version/extension, MAC */
	uint64_t dropped_mode;		/**< not a client request (mode 6/7, responses...) */
	uint64_t dropped_acl;		/**< refused by allow/deny */
	uint64_t dropped_ratelimit;	/**< over the rate limit, no response */
	uint64_t kod_sent;		/**< KoD RATE responses */
	uint64_t dropped_unsynced;	/**< not served: unsynchronised and serve_unsynced = no */
	uint64_t dropped_broadcast;	/**< sent to a broadcast/multicast address, or from one */
	uint64_t dropped_nolog;		/**< (unused when the log has room: LRU evicts) */
	uint64_t send_errors;
	uint64_t rx_ts_hw;		/**< RX stamps from the NIC */
	uint64_t rx_ts_sw;		/**< RX stamps from the kernel */
	uint64_t rx_ts_daemon;		/**< RX stamps read by us (no kernel stamp) */
	uint64_t tx_ts_hw;		/**< TX stamps from the NIC (error queue) */
	uint64_t tx_ts_sw;		/**< TX stamps from the kernel (error queue) */
	uint64_t tx_ts_unmatched;	/**< error-queue stamps for no pending response */
	uint64_t tx_ts_requested;	/**< responses sent asking for a TX stamp */
};

struct ntp_client_row {
	char addr[48];
	uint32_t hits;
	uint32_t xleave_hits;
	uint32_t drops;
	double last_ago;		/**< s since the last request */
	int worker;
};

/** The reference chrony's `local stratum N` stands for: our own clock,
    synchronised, at that stratum (ntp.c publishes it, the hot path serves
    it whenever the published reference is unsynchronised). */
void ntp_local_snapshot(struct ref_snapshot *s, int stratum, const struct timespec *now);

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
