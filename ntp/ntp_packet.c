/*
 * NTP packet codec.  Every length is checked before a byte is read; the
 * caller bounds the response by the request length.
 */
#include "ntp/ntp_packet.h"

#include <string.h>

/* MAC lengths of NTPv1-4 symmetric-key authentication: crypto-NAK (key ID
   only), key ID + MD5, key ID + SHA1.  We hold no keys, so a request that
   carries one is not answered rather than answered unauthenticated. */
#define MAC_LEN_NAK	4
#define MAC_LEN_MD5	20
#define MAC_LEN_SHA1	24

/* RFC 7822: an extension field is at least 16 bytes, padded to 4. */
#define EF_MIN_LEN	16

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

static int is_mac_length(size_t n)
{
	return n == MAC_LEN_NAK || n == MAC_LEN_MD5 || n == MAC_LEN_SHA1;
}

/* Walk NTPv4 extension fields after the header. */
static enum ntp_parse_status check_extensions(const uint8_t *p, size_t remaining, int *count)
{
	*count = 0;
	while (remaining >= 4) {
		size_t flen = ((size_t)p[2] << 8) | p[3];

		if (flen < EF_MIN_LEN || flen % 4 != 0 || flen > remaining)
			break;
		p += flen;
		remaining -= flen;
		(*count)++;
	}
	if (remaining == 0)
		return NTP_REQ_OK;
	if (is_mac_length(remaining))
		return NTP_REQ_AUTH;
	return NTP_REQ_BAD_EXTENSION;
}

enum ntp_parse_status ntp_packet_parse_request(const uint8_t *buf, size_t len, int src_port,
					struct ntp_request *req)
{
	int version, mode;
	enum ntp_parse_status st;

	if (len < NTP_HEADER_LEN)
		return NTP_REQ_SHORT;
	if (len % 4 != 0)
		return NTP_REQ_BAD_LENGTH;

	version = (buf[0] >> 3) & 7;
	mode = buf[0] & 7;
	if (version < NTP_MIN_VERSION || version > NTP_MAX_VERSION)
		return NTP_REQ_BAD_VERSION;

	/* NTPv1 has no mode field (it is reserved, 0): a v1 client is told
	   from a peer by its source port.  Never answer anything else, least
	   of all mode 6/7 (control, monlist) or another server's response. */
	if (!(mode == NTP_MODE_CLIENT ||
	      (version == 1 && mode == NTP_MODE_UNDEFINED && src_port != NTP_PORT)))
		return NTP_REQ_NOT_CLIENT;

	memset(req, 0, sizeof(*req));
	if (len > NTP_HEADER_LEN) {
		size_t rest = len - NTP_HEADER_LEN;

		if (version == 4) {
			st = check_extensions(buf + NTP_HEADER_LEN, rest, &req->n_extensions);
			if (st != NTP_REQ_OK)
				return st;
		} else {
			return is_mac_length(rest) ? NTP_REQ_AUTH : NTP_REQ_BAD_LENGTH;
		}
	}

	req->version = version;
	req->mode = mode;
	req->poll = (int8_t)buf[2];
	req->origin = get64(buf + 24);
	req->receive = get64(buf + 32);
	req->transmit = get64(buf + 40);
	req->length = len;
	return NTP_REQ_OK;
}

const char *ntp_packet_status_name(enum ntp_parse_status s)
{
	static const char *const names[NTP_REQ_STATUS_MAX] = {
		[NTP_REQ_OK] = "ok",
		[NTP_REQ_SHORT] = "short",
		[NTP_REQ_BAD_LENGTH] = "bad_length",
		[NTP_REQ_BAD_VERSION] = "bad_version",
		[NTP_REQ_NOT_CLIENT] = "not_client",
		[NTP_REQ_BAD_EXTENSION] = "bad_extension",
		[NTP_REQ_AUTH] = "auth",
	};
	return (unsigned)s < NTP_REQ_STATUS_MAX ? names[s] : "?";
}

size_t ntp_packet_build_response(uint8_t *out, size_t outlen, const struct ntp_response *r)
{
	if (outlen < NTP_HEADER_LEN)
		return 0;
	out[0] = (uint8_t)(((r->leap & 3) << 6) | ((r->version & 7) << 3) | NTP_MODE_SERVER);
	out[1] = (uint8_t)r->stratum;
	out[2] = (uint8_t)(int8_t)r->poll;
	out[3] = (uint8_t)(int8_t)r->precision;
	put32(out + 4, r->root_delay);
	put32(out + 8, r->root_dispersion);
	put32(out + 12, r->refid);
	put64(out + 16, r->reference);
	put64(out + 24, r->origin);
	put64(out + 32, r->receive);
	put64(out + 40, r->transmit);
	return NTP_HEADER_LEN;
}

void ntp_packet_set_transmit(uint8_t *pkt, ntp_ts tx)
{
	put64(pkt + 40, tx);
}

int ntp_packet_read_header(const uint8_t *buf, size_t len, struct ntp_response *r, int *mode)
{
	if (len < NTP_HEADER_LEN)
		return -1;
	r->leap = buf[0] >> 6;
	r->version = (buf[0] >> 3) & 7;
	*mode = buf[0] & 7;
	r->stratum = buf[1];
	r->poll = (int8_t)buf[2];
	r->precision = (int8_t)buf[3];
	r->root_delay = get32(buf + 4);
	r->root_dispersion = get32(buf + 8);
	r->refid = get32(buf + 12);
	r->reference = get64(buf + 16);
	r->origin = get64(buf + 24);
	r->receive = get64(buf + 32);
	r->transmit = get64(buf + 40);
	return 0;
}

ntp_ts ntp_packet_ts_from_timespec(const struct timespec *ts)
{
	uint64_t sec = (uint64_t)((int64_t)ts->tv_sec + NTP_UNIX_OFFSET);
	/* ns -> 2^-32 s, rounded: exact enough to survive a round trip */
	uint64_t frac = (((uint64_t)ts->tv_nsec << 32) + 500000000u) / 1000000000u;

	return ((sec & 0xffffffffu) << 32) + frac;
}

void ntp_packet_ts_to_timespec(ntp_ts t, struct timespec *ts)
{
	uint32_t sec = t >> 32;
	uint64_t frac = t & 0xffffffffu;
	int64_t unix_sec;

	/* Era 0 from 1968 (2^31 s after 1900) to 2036, then era 1. */
	if (sec >= 0x80000000u)
		unix_sec = (int64_t)sec - NTP_UNIX_OFFSET;
	else
		unix_sec = (int64_t)sec + 0x100000000LL - NTP_UNIX_OFFSET;
	ts->tv_sec = (time_t)unix_sec;
	ts->tv_nsec = (long)((frac * 1000000000u) >> 32);
}

uint32_t ntp_packet_short_from_double(double s)
{
	if (!(s > 0.0))
		return 0;
	if (s >= 65535.99998)
		return 0xffffffffu;
	return (uint32_t)(s * 65536.0 + 0.5);
}

double ntp_packet_short_to_double(uint32_t v)
{
	return v / 65536.0;
}
