/**
 * @file conf.h
 * @brief The unified configuration: one INI file, one table of keys.
 *
 * The table (conf_table.c) is the single source of truth for every key:
 * type, default, range, whether it may repeat, and a one-line doc.  The
 * parser, `bridgectl config check|show|get|set` and bridge.conf(5) are all
 * driven by it.  A file is parsed into a fresh struct bridge_conf; any error
 * leaves the caller's struct untouched, so a bad file never half-applies.
 */
#ifndef PB_CONF_H
#define PB_CONF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_PATH_MAX		256
#define CONF_NAME_MAX		64
/** libinih's line buffer (INI_MAX_LINE of the Debian build). */
#define CONF_LINE_MAX		200
#define CONF_MAX_BINDADDR	16
#define CONF_MAX_ACL		64
#define CONF_MAX_PASSTHROUGH	64
#define CONF_MAX_ERRORS		32

/** An IPv4 or IPv6 address. */
struct conf_addr {
	sa_family_t family;		/**< AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/** A CIDR prefix of allow/deny. */
struct conf_cidr {
	struct conf_addr addr;		/**< network address, host bits zero */
	int prefix;			/**< prefix length */
};

/** chrony's `ratelimit interval I burst B leak L kod` */
struct conf_ratelimit {
	bool enabled;
	int interval;			/**< log2 s, min interval between requests */
	int burst;			/**< bucket depth, requests */
	int leak;			/**< log2 of the random leak rate */
	bool kod;			/**< send KoD RATE instead of dropping */
};

/** A [ptp] key unknown to us, handed to linuxptp after its own check. */
struct conf_passthrough {
	char key[CONF_NAME_MAX];
	char value[CONF_PATH_MAX];
	int line;
};

enum conf_transport { CONF_TRANSPORT_UDPV4, CONF_TRANSPORT_UDPV6, CONF_TRANSPORT_L2 };
enum conf_delay { CONF_DELAY_E2E, CONF_DELAY_P2P, CONF_DELAY_AUTO };
enum conf_tstamp { CONF_TS_HARDWARE, CONF_TS_SOFTWARE };
enum conf_servo { CONF_SERVO_PI, CONF_SERVO_LINREG };
enum conf_hwts { CONF_HWTS_AUTO, CONF_HWTS_YES, CONF_HWTS_NO };
enum conf_log_target { CONF_LOG_AUTO, CONF_LOG_STDERR, CONF_LOG_SYSLOG };

struct bridge_conf {
	char file[CONF_PATH_MAX];	/**< where it was read from */

	struct {
		char interface[IFNAMSIZ];
		int domain_number;
		int network_transport;	/**< enum conf_transport */
		int delay_mechanism;	/**< enum conf_delay */
		int time_stamping;	/**< enum conf_tstamp */
		int traceable_class;	/**< clockClass <= this is traceable */
		int untraceable_stratum;
		struct conf_passthrough pass[CONF_MAX_PASSTHROUGH];
		int n_pass;
	} ptp;

	struct {
		int servo;		/**< enum conf_servo */
		double step_threshold;	/**< s */
		int step_limit;		/**< updates; -1 = always */
		int utc_offset;		/**< s, TAI - UTC fallback */
		char leapfile[CONF_PATH_MAX];
		double holdover_drift;	/**< ppm */
		double holdover_max;	/**< s */
		char pps_device[CONF_PATH_MAX];	/**< "" = off */
		bool phc_filter;	/**< steer to PHC A minus ptp/'s filtered offset */
		double max_gm_jump;	/**< s: a GM jump beyond is not followed; 0 = off */
		double gm_jump_confirm;	/**< s: a held jump is followed after this; 0 = never */
	} clock;

	struct {
		char interface[IFNAMSIZ];
		bool share_ptp_interface;
		struct conf_addr bindaddress[CONF_MAX_BINDADDR];
		int n_bindaddress;
		int port;
		struct conf_cidr allow[CONF_MAX_ACL];
		int n_allow;
		struct conf_cidr deny[CONF_MAX_ACL];
		int n_deny;
		struct conf_ratelimit ratelimit;
		uint64_t clientloglimit;	/**< bytes */
		int hwtimestamp;	/**< enum conf_hwts */
		int local_stratum;	/**< 0 = off */
		double max_answer_delay;	/**< s: older requests are dropped */
		int max_response_rate;	/**< responses/s in all, 0 = no ceiling */
		bool serve_unsynced;
		int workers;
	} ntp;

	struct {
		char socket[CONF_PATH_MAX];
		char group[CONF_NAME_MAX];
		char user[CONF_NAME_MAX];
		char pidfile[CONF_PATH_MAX];
	} control;

	struct {
		bool ssh;		/**< the image's SSH server (run-ssh), key-only */
		char ssh_interfaces[128];	/**< names, space separated */
		int ssh_port;
	} remote;

	struct {
		int level;		/**< syslog priority */
		int target;		/**< enum conf_log_target */
		int linuxptp_level;	/**< syslog priority for linuxptp's messages */
	} log;
};

/** Errors of one parse, each "FILE:LINE: section.key: reason". */
struct conf_errors {
	int count;			/**< all errors, even those not kept */
	char msg[CONF_MAX_ERRORS][320];
};

/**
 * Hand each kept error to report, then "... and N more errors" when some
 * were not kept.
 */
void conf_errors_report(const struct conf_errors *e, void (*report)(const char *msg));

/**
 * Check one [section] key that our table does not know (pass-through).
 * @return 0 if accepted; else -1 with a reason written into why.
 */
typedef int (*conf_passthrough_check)(const char *key, const char *value,
				      char *why, size_t whylen);

/**
 * Check that an address is on an interface of this host.
 * @return 0 if it is (or nothing can be said); else -1 with a reason.
 */
typedef int (*conf_addr_check)(const char *ifname, const struct conf_addr *a,
			       char *why, size_t whylen);

/** Check the addresses of CONF_LOCAL_ADDR keys (ntp.bindaddress) against
    their section's interface with this checker (NULL: not checked). */
void conf_set_addr_check(conf_addr_check check);

/** Addresses already in known (the running config, or the file before an
    edit) are not checked; NULL: every one is. */
void conf_set_addr_known(const struct bridge_conf *known);

/** Let [ptp] keys unknown to us through when this checker accepts them. */
void conf_set_passthrough_check(conf_passthrough_check check);

/** Fill c with every default. */
void conf_defaults(struct bridge_conf *c);

/**
 * Parse a file.
 * @param path  file to read
 * @param out   written only when the whole file is valid
 * @param errs  receives the errors (may be NULL)
 * @return 0 if valid, -1 otherwise
 */
int conf_load(const char *path, struct bridge_conf *out, struct conf_errors *errs);

/** Same, from a string (tests and fuzzing); name is used in messages. */
int conf_load_string(const char *name, const char *text, struct bridge_conf *out,
		     struct conf_errors *errs);

/**
 * May a UNIX socket be made at path?  Nothing there, or a socket (a stale
 * one is replaced); never a file, directory or symlink, which would have
 * to be removed first.
 * @return 0, or -1 with the reason in why
 */
int conf_socket_path_ok(const char *path, char *why, size_t whylen);
/**
 * The offset of the first byte that is not printable text (a control byte
 * other than tab, DEL, or a byte that is not part of valid UTF-8), or
 * (size_t)-1 when there is none.
 */
size_t conf_text_invalid(const char *s, size_t len);
/** Does addr fall in the prefix? */
bool conf_cidr_match(const struct conf_cidr *c, const struct conf_addr *addr);
/** Text of an address ("192.0.2.1", "2001:db8::1"). */
const char *conf_addr_str(const struct conf_addr *a, char *buf, size_t len);
/** The same address (family and bytes)? */
bool conf_addr_equal(const struct conf_addr *a, const struct conf_addr *b);

#endif
