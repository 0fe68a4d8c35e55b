/**
 * @file ntp_packet.h
 * @brief NTP packet codec: request validation and response building.
 *
 * Pure functions on byte buffers, no I/O and no clock reads, so the rules
 * that protect the network (what is answered, how long a reply may be) can
 * be unit tested and fuzzed on their own.
 *
 * Timestamps are kept as host-order 64-bit NTP values (seconds since 1900
 * in the high 32 bits, binary fraction in the low 32 bits), exactly as they
 * appear on the wire, so a value saved from one packet compares bit for bit
 * with the value a client echoes back (interleaved mode depends on that).
 */
#ifndef PB_NTP_PACKET_H
#define PB_NTP_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define NTP_HEADER_LEN		48
#define NTP_PORT		123
#define NTP_MIN_VERSION		1
#define NTP_MAX_VERSION		4

#define NTP_MODE_UNDEFINED	0
#define NTP_MODE_ACTIVE		1
#define NTP_MODE_PASSIVE	2
#define NTP_MODE_CLIENT		3
#define NTP_MODE_SERVER		4
#define NTP_MODE_BROADCAST	5
#define NTP_MODE_CONTROL	6
#define NTP_MODE_PRIVATE	7

#define NTP_LEAP_UNSYNC		3

/** Kiss-o'-Death code sent to rate-limited clients. */
#define NTP_KOD_RATE		0x52415445u	/* "RATE" */
/** chrony's reference ID of its `local` reference (127.127.1.1). */
#define NTP_REFID_LOCAL		0x7f7f0101u

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
#define NTP_UNIX_OFFSET		2208988800u

typedef uint64_t ntp_ts;

/** Why a datagram was not taken as a client request. */
enum ntp_parse_status {
	NTP_REQ_OK = 0,
	NTP_REQ_SHORT,		/**< shorter than the 48-byte header */
	NTP_REQ_BAD_LENGTH,	/**< not a multiple of 4 */
	NTP_REQ_BAD_VERSION,	/**< version outside 1..4 */
	NTP_REQ_NOT_CLIENT,	/**< any mode but a client request */
	NTP_REQ_BAD_EXTENSION,	/**< malformed extension fields */
	NTP_REQ_AUTH,		/**< carries a MAC: we hold no keys */
	NTP_REQ_STATUS_MAX
};

/** The fields of a request the server uses. */
struct ntp_request {
	int version;		/**< 1..4, echoed in the response */
	int mode;		/**< as on the wire (0 for NTPv1) */
	int poll;		/**< signed log2 s */
	ntp_ts origin;		/**< origin timestamp field */
	ntp_ts receive;		/**< receive timestamp field */
	ntp_ts transmit;	/**< transmit timestamp field */
	size_t length;		/**< whole datagram */
	int n_extensions;	/**< NTPv4 extension fields seen */
};

/** The header fields of a response. */
struct ntp_response {
	int leap;		/**< 0..3 */
	int version;
	int stratum;		/**< 0 for KoD */
	int poll;
	int precision;		/**< log2 s */
	uint32_t root_delay;	/**< NTP short format (16.16 s) */
	uint32_t root_dispersion;
	uint32_t refid;		/**< as the 4 wire bytes read big-endian */
	ntp_ts reference;
	ntp_ts origin;
	ntp_ts receive;
	ntp_ts transmit;
};

/**
 * Validate a datagram as a client request, the way chrony's server does:
 * versions 1 to 4; mode 3, or an NTPv1 packet (mode 0) from a port other
 * than 123; at least 48 bytes and a multiple of 4; NTPv4 extension fields
 * must be well formed.  Everything after the header is length-checked
 * before it is read.
 * @param buf       datagram
 * @param len       its length
 * @param src_port  UDP source port (host order)
 * @param req       filled on success
 * @return NTP_REQ_OK or why it is not a request to answer
 */
enum ntp_parse_status ntp_packet_parse_request(const uint8_t *buf, size_t len, int src_port,
					struct ntp_request *req);

const char *ntp_packet_status_name(enum ntp_parse_status s);

/**
 * Write a 48-byte response header into out.
 * @param out     at least NTP_HEADER_LEN bytes
 * @param outlen  room in out; the caller also bounds it by the request
 *                length, so a response is never longer than its request
 * @return bytes written (48), or 0 when it does not fit
 */
size_t ntp_packet_build_response(uint8_t *out, size_t outlen, const struct ntp_response *r);

/** Overwrite the transmit timestamp of a built response (late stamping). */
void ntp_packet_set_transmit(uint8_t *pkt, ntp_ts tx);

/** Read the fields of any 48-byte header (tests, load generator). */
int ntp_packet_read_header(const uint8_t *buf, size_t len, struct ntp_response *r, int *mode);

/** Convert a UTC timespec to NTP (era 0 until 2036, then wrapping). */
ntp_ts ntp_packet_ts_from_timespec(const struct timespec *ts);
/** Convert back, resolving the era around 1970 + 2^31 s (2036..2104 maps after 2036). */
void ntp_packet_ts_to_timespec(ntp_ts t, struct timespec *ts);
/** Seconds as NTP short format (16.16), saturating. */
uint32_t ntp_packet_short_from_double(double s);
double ntp_packet_short_to_double(uint32_t v);

#endif
