/**
 * @file ntp_io.h
 * @brief The server's Linux I/O (ntp_io.c): one receive batch (recvmmsg)
 * into one send batch (sendmmsg), kernel and hardware timestamps from
 * SO_TIMESTAMPING control messages and the error queue.  The protocol is
 * ntp_core.h; sockets, workers and their lifetime are ntp_server.c's.
 */
#ifndef PB_NTP_IO_H
#define PB_NTP_IO_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ntp/ntp_core.h"
#include "phc/phc_track.h"

/* Requests per recvmmsg/sendmmsg call. */
#define NTP_IO_BATCH 32
/* Longest request we read; longer ones are truncated and dropped (an
   extension field we cannot see cannot be validated). */
#define NTP_IO_RXBUF_LEN 1024
#define NTP_IO_CTRL_LEN 256
/* Responses waiting for their TX stamp, per socket (power of two). */
#define NTP_IO_PENDING_LEN 4096
/* Sockets per worker: each bindaddress, or the two wildcards. */
#define NTP_IO_MAX_SOCKS (CONF_MAX_BINDADDR + 1)
#define NTP_IO_MAX_BCAST 32
#define NTP_IO_CLIENT_ROWS 256

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
	uint64_t dropped_late;		/**< waited longer than max_answer_delay: not answered */
	uint64_t dropped_ceiling;	/**< over max_response_rate: not answered */
	uint64_t send_errors;
	uint64_t rx_ts_hw;		/**< RX stamps from the NIC */
	uint64_t rx_ts_sw;		/**< RX stamps from the kernel */
	uint64_t rx_ts_daemon;		/**< RX stamps read by us (no kernel stamp) */
	uint64_t tx_ts_hw;		/**< TX stamps from the NIC (error queue) */
	uint64_t tx_ts_sw;		/**< TX stamps from the kernel (error queue) */
	uint64_t tx_ts_unmatched;	/**< error-queue stamps for no pending response */
	uint64_t tx_ts_requested;	/**< responses sent asking for a TX stamp */
	uint64_t tx_pred_samples;	/**< kernel TX stamps compared with their prediction */
	uint64_t tx_pred_resid_ns;	/**< sum of (stamp - prediction), as int64 */
	uint64_t tx_pred_abs_resid_ns;	/**< sum of |stamp - prediction| */
};

struct ntp_client_row {
	char addr[48];
	uint32_t hits;
	uint32_t xleave_hits;
	uint32_t drops;
	double last_ago;		/**< s since the last request */
	int worker;
};

/** What every worker's hot path reads; ntp_server.c owns and sets it. */
struct ntp_io_server {
	struct ntp_core_conf core;
	bool hw_rx, hw_tx;		/**< hardware stamps in use on NIC B */
	struct phc_track track;		/**< PHC B -> system (seqlock inside) */
	int link_mbps;			/**< NIC B's link speed (atomic; -1 unknown) */
	struct in_addr bcast[NTP_IO_MAX_BCAST];
	int nbcast;
};

struct pending_tx {
	uint32_t key;
	uint32_t rec;
	ntp_ts rx;
	int64_t pred_ns;	/* when we predicted it would leave, if it was the
				   first of its call; else 0 (not learnt from) */
};

/** When the replies of a sendmmsg leave (ntp_io.c, send_call). */
struct ntp_io_txmodel {
	double per_ns;		/**< kernel time per reply of the call */
	double lead_ns;		/**< correction learnt from kernel TX stamps */
	int64_t calib_ns;	/**< when a basic reply last asked for a TX stamp */
	int calib_left;		/**< replies left to sample in this burst */
	int64_t cal_ns;		/**< the last stamp learnt from */
};

/** A pending TX stamp asked for only to calibrate the model (ntp_io.c). */
#define NTP_IO_CALIB_REC (NTP_CLIENTLOG_NONE - 1)
/** One that only warms the stamping path up for the next (not learnt from). */
#define NTP_IO_WARM_REC (NTP_CLIENTLOG_NONE - 2)

struct ntp_worker;

struct nsock {
	int fd;
	int family;
	struct ntp_worker *w;
	uint32_t next_key;
	uint32_t ts_unread;	/* TX stamps asked for since the error queue was last empty */
	struct pending_tx pend[NTP_IO_PENDING_LEN];
};

typedef union {
	struct cmsghdr align;
	uint8_t b[NTP_IO_CTRL_LEN];
} ntp_io_ctrl;

struct ntp_worker {
	int id;
	struct ntp_io_server *srv;
	struct nsock socks[NTP_IO_MAX_SOCKS];
	int nsocks;
	struct ntp_clientlog *clg;
	struct ntp_stats st;
	uint64_t rng;
	struct ntp_io_txmodel txm;
	struct ntp_core_ceiling ceiling;
	int64_t late_age_ns;	/**< oldest request dropped as late since the core looked
				     (atomic; ntp_server.c shrinks the receive queue) */

	bool threaded;
	pthread_t thread;
	int evfd;
	int stop;
	int snap_req;		/* atomic: core asks for a client table */
	int snap_done;		/* atomic */
	int snap_n;
	struct ntp_client_row snap[NTP_IO_CLIENT_ROWS];

	struct mmsghdr rmsg[NTP_IO_BATCH];
	struct iovec riov[NTP_IO_BATCH];
	struct sockaddr_storage raddr[NTP_IO_BATCH];
	uint8_t rbuf[NTP_IO_BATCH][NTP_IO_RXBUF_LEN];
	ntp_io_ctrl rctl[NTP_IO_BATCH];

	struct mmsghdr tmsg[NTP_IO_BATCH];
	struct iovec tiov[NTP_IO_BATCH];
	uint8_t tbuf[NTP_IO_BATCH][NTP_HEADER_LEN];
	ntp_io_ctrl tctl[NTP_IO_BATCH];
	struct ntp_core_reply meta[NTP_IO_BATCH];

	struct mmsghdr emsg[NTP_IO_BATCH];
	struct iovec eiov[NTP_IO_BATCH];
	uint8_t ebuf[NTP_IO_BATCH][128];
	ntp_io_ctrl ectl[NTP_IO_BATCH];
};

/** Serve what is ready on one socket (revents from poll). */
void ntp_io_serve(struct ntp_worker *w, struct nsock *s, short revents);
/** Now in client-log ticks (CLOCK_MONOTONIC_COARSE). */
uint32_t ntp_io_ticks(void);

#endif
