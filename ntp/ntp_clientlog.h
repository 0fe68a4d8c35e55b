/**
 * @file ntp_clientlog.h
 * @brief The client log: one record per client address, in a hash, bounded
 * by `clientloglimit` bytes, least recently seen evicted first.
 *
 * A record holds what interleaved mode needs (the receive timestamp of the
 * client's last request and the transmit timestamp of our last response to
 * it), the rate-limit bucket and counters.  All memory is allocated when the
 * log is created; lookups, inserts and evictions never allocate.
 *
 * Not thread-safe: each worker owns its own log (a client always reaches
 * the same worker, see ntp_server.c).
 */
#ifndef PB_NTP_CLIENTLOG_H
#define PB_NTP_CLIENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntp/ntp_packet.h"

#define NTP_CLIENTLOG_NONE UINT32_MAX

/* Time in the log is CLOCK_MONOTONIC in units of 1/256 s, 32 bits: it
   wraps after 194 days, and only differences are used. */
#define NTP_CLIENTLOG_TICKS_PER_SEC 256

/* Rate-limit tokens are kept in 1/64 of a request (burst <= 255, so the
   bucket fits 14 bits). */
#define NTP_CLIENTLOG_TOKEN_SCALE 64
#define NTP_CLIENTLOG_TOKENS_MAX 0x3fff

/* At most this many KoD RATE to one client between two of its requests
   that spend a token, i.e. per 2^interval s under a flood. */
#define NTP_CLIENTLOG_KOD_MAX 2

/*
 * One client: 60 bytes.  Packed to 4-byte alignment so the two 64-bit
 * timestamps do not pad it to 64; never take the address of a member.
 */
struct ntp_clientlog_record {
	ntp_ts rx;		/**< our RX stamp of its last request, as sent; 0 = none */
	ntp_ts tx;		/**< our TX stamp of the last response; 0 = none */
	uint8_t addr[16];	/**< IPv6, or IPv4-mapped IPv6 */
	uint32_t lru_prev;	/**< towards the most recently seen */
	uint32_t lru_next;	/**< towards the least recently seen */
	uint32_t hash_next;	/**< chain of its hash bucket */
	uint32_t last;		/**< last request, ticks */
	uint32_t hits;		/**< requests seen */
	uint32_t xleave_hits;	/**< responses sent interleaved */
	uint16_t tokens : 14;	/**< rate-limit bucket, NTP_CLIENTLOG_TOKEN_SCALE per request */
	uint16_t kods : 2;	/**< KoD RATE sent since a token was last spent */
	uint16_t drops;		/**< requests rate-limited (saturating) */
} __attribute__((packed, aligned(4)));

/** Rate limiting as chrony's `ratelimit interval I burst B leak L`. */
struct ntp_clientlog_ratelimit {
	bool enabled;
	int interval;		/**< log2 s between requests, long-term */
	int burst;		/**< bucket depth, requests */
	int leak;		/**< a limited request is answered with probability 2^-leak */
	bool kod;		/**< some limited requests get a KoD RATE */
};

/** What the rate limit says of one request. */
enum ntp_clientlog_verdict {
	NTP_CLIENTLOG_ANSWER,	/**< answer it (a token, the leak, or no limit) */
	NTP_CLIENTLOG_KOD,	/**< answer it with a KoD RATE */
	NTP_CLIENTLOG_DROP,	/**< no answer */
};

struct ntp_clientlog;

/**
 * Create a log that uses at most limit_bytes for records and hash buckets.
 * @return NULL on allocation failure; a log of capacity 0 when the limit
 *         holds no record (every lookup then fails)
 */
struct ntp_clientlog *ntp_clientlog_create(uint64_t limit_bytes, uint64_t seed);
void ntp_clientlog_destroy(struct ntp_clientlog *log);

/** Bytes one record costs including its share of the hash table (worst case). */
size_t ntp_clientlog_bytes_per_record(void);

/**
 * Find the record of addr or make one, evicting the least recently seen
 * record when full; the record becomes the most recently seen and its hit
 * counted.  A new record starts with a full bucket.
 * @param now        ticks
 * @param prev_last  receives the record's previous `last` (now for a new one)
 * @return record index, or NTP_CLIENTLOG_NONE if the log has no capacity
 */
uint32_t ntp_clientlog_access(struct ntp_clientlog *log, const uint8_t addr[16], uint32_t now,
		    uint32_t *prev_last);

/** Find without touching. @return index or NTP_CLIENTLOG_NONE */
uint32_t ntp_clientlog_find(const struct ntp_clientlog *log, const uint8_t addr[16]);

struct ntp_clientlog_record *ntp_clientlog_record(struct ntp_clientlog *log, uint32_t idx);
const struct ntp_clientlog_record *ntp_clientlog_record_const(const struct ntp_clientlog *log, uint32_t idx);

/**
 * Apply the token bucket of a record for one request.  Tokens accrue at
 * one per 2^interval s up to burst (the part of a tick too small to count
 * is rounded at random, so that a flood accrues at the same rate as a
 * quiet client); a request spends one.  Without a token, the request is
 * still answered with probability 2^-leak; else, with kod, it gets a KoD
 * with probability 1/2 while the client has had fewer than
 * NTP_CLIENTLOG_KOD_MAX since it last spent a token; else it is dropped.
 * A limiter that answered every limited request with a KoD would send a
 * spoofed flood's victim as many packets as the flood has.
 * @param prev_last  the record's `last` before ntp_clientlog_access() updated it
 * @param rnd        a uniform random 32-bit number supplied by the caller
 */
enum ntp_clientlog_verdict ntp_clientlog_rate_check(struct ntp_clientlog_record *r, uint32_t prev_last, uint32_t now,
		    const struct ntp_clientlog_ratelimit *rl, uint32_t rnd);

struct ntp_clientlog_stats {
	uint64_t capacity;	/**< records */
	uint64_t records;	/**< in use */
	uint64_t evictions;	/**< records dropped to make room */
	uint64_t bytes;		/**< memory of records + buckets */
};
void ntp_clientlog_get_stats(const struct ntp_clientlog *log, struct ntp_clientlog_stats *st);

/**
 * Walk records from the most recently seen.
 * @return next index after idx (start with NTP_CLIENTLOG_NONE), NTP_CLIENTLOG_NONE at the end
 */
uint32_t ntp_clientlog_next_mru(const struct ntp_clientlog *log, uint32_t idx);

/** Clear interleaved state of all records (e.g. after a clock step). */
void ntp_clientlog_reset_timestamps(struct ntp_clientlog *log);

#endif
