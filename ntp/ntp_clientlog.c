/*
 * Client log: records in one array, an LRU list threaded through them by
 * index, and a power-of-two table of hash bucket heads.
 *
 * Memory: limit = capacity * sizeof(record) + buckets * 4, with buckets the
 * largest power of two <= capacity, so a record costs 60 bytes plus at most
 * 4 bytes of bucket: <= 64 bytes.  The hash is keyed with a random seed so
 * that a remote party cannot aim its addresses at one chain.
 */
#include "ntp/ntp_clientlog.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

_Static_assert(sizeof(struct ntp_clientlog_record) == 60, "client record must stay 60 bytes");

struct ntp_clientlog {
	struct ntp_clientlog_record *rec;
	uint32_t *bucket;
	uint32_t capacity;
	uint32_t used;
	uint32_t mask;		/* buckets - 1 */
	uint32_t mru;		/* head of the LRU list */
	uint32_t lru;		/* tail: next to evict */
	uint64_t evictions;
	uint64_t seed0, seed1;
};

/* Big logs are touched at random: back them with transparent huge pages
   where the kernel offers them (madvise mode), saving TLB misses. */
#define HUGE_PAGE (2u << 20)

static void *alloc_zeroed(size_t size)
{
	void *p;

	if (size < HUGE_PAGE)
		return calloc(1, size);
	size = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	p = aligned_alloc(HUGE_PAGE, size);
	if (!p)
		return NULL;
	madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0, size);
	return p;
}

size_t ntp_clientlog_bytes_per_record(void)
{
	return sizeof(struct ntp_clientlog_record) + sizeof(uint32_t);
}

static uint32_t hash_addr(const struct ntp_clientlog *log, const uint8_t a[16])
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	x ^= log->seed0;
	y ^= log->seed1;
	x *= 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x += y;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 29;
	return (uint32_t)x;
}

struct ntp_clientlog *ntp_clientlog_create(uint64_t limit_bytes, uint64_t seed)
{
	struct ntp_clientlog *log = calloc(1, sizeof(*log));
	uint64_t cap, buckets = 1;

	if (!log)
		return NULL;
	/* Largest bucket count (power of two) not above the record count
	   it leaves room for. */
	cap = limit_bytes / ntp_clientlog_bytes_per_record();
	if (cap > UINT32_MAX - 1)
		cap = UINT32_MAX - 1;
	while (buckets * 2 <= cap)
		buckets *= 2;
	if (cap > 0)
		cap = (limit_bytes - buckets * sizeof(uint32_t)) / sizeof(struct ntp_clientlog_record);
	if (cap > UINT32_MAX - 1)
		cap = UINT32_MAX - 1;

	log->capacity = (uint32_t)cap;
	log->mask = (uint32_t)buckets - 1;
	log->mru = log->lru = NTP_CLIENTLOG_NONE;
	log->seed0 = seed ^ 0x6a09e667f3bcc908ull;
	log->seed1 = (seed * 0x9e3779b97f4a7c15ull) ^ 0xbb67ae8584caa73bull;
	if (cap > 0) {
		log->rec = alloc_zeroed(cap * sizeof(struct ntp_clientlog_record));
		log->bucket = alloc_zeroed(buckets * sizeof(uint32_t));
		if (!log->rec || !log->bucket) {
			ntp_clientlog_destroy(log);
			return NULL;
		}
		memset(log->bucket, 0xff, buckets * sizeof(uint32_t));
	}
	return log;
}

void ntp_clientlog_destroy(struct ntp_clientlog *log)
{
	if (!log)
		return;
	free(log->rec);
	free(log->bucket);
	free(log);
}

static void lru_unlink(struct ntp_clientlog *log, uint32_t i)
{
	struct ntp_clientlog_record *r = &log->rec[i];

	if (r->lru_prev != NTP_CLIENTLOG_NONE)
		log->rec[r->lru_prev].lru_next = r->lru_next;
	else
		log->mru = r->lru_next;
	if (r->lru_next != NTP_CLIENTLOG_NONE)
		log->rec[r->lru_next].lru_prev = r->lru_prev;
	else
		log->lru = r->lru_prev;
}

static void lru_push_front(struct ntp_clientlog *log, uint32_t i)
{
	struct ntp_clientlog_record *r = &log->rec[i];

	r->lru_prev = NTP_CLIENTLOG_NONE;
	r->lru_next = log->mru;
	if (log->mru != NTP_CLIENTLOG_NONE)
		log->rec[log->mru].lru_prev = i;
	log->mru = i;
	if (log->lru == NTP_CLIENTLOG_NONE)
		log->lru = i;
}

static void hash_remove(struct ntp_clientlog *log, uint32_t i)
{
	uint32_t *p = &log->bucket[hash_addr(log, log->rec[i].addr) & log->mask];

	while (*p != NTP_CLIENTLOG_NONE) {
		if (*p == i) {
			*p = log->rec[i].hash_next;
			return;
		}
		p = &log->rec[*p].hash_next;
	}
}

uint32_t ntp_clientlog_find(const struct ntp_clientlog *log, const uint8_t addr[16])
{
	uint32_t i;

	if (log->capacity == 0)
		return NTP_CLIENTLOG_NONE;
	for (i = log->bucket[hash_addr(log, addr) & log->mask]; i != NTP_CLIENTLOG_NONE;
	     i = log->rec[i].hash_next) {
		if (memcmp(log->rec[i].addr, addr, 16) == 0)
			return i;
	}
	return NTP_CLIENTLOG_NONE;
}

uint32_t ntp_clientlog_access(struct ntp_clientlog *log, const uint8_t addr[16], uint32_t now,
		    uint32_t *prev_last)
{
	uint32_t h, i;
	struct ntp_clientlog_record *r;

	if (log->capacity == 0)
		return NTP_CLIENTLOG_NONE;
	h = hash_addr(log, addr) & log->mask;
	for (i = log->bucket[h]; i != NTP_CLIENTLOG_NONE; i = log->rec[i].hash_next) {
		if (memcmp(log->rec[i].addr, addr, 16) == 0) {
			r = &log->rec[i];
			if (log->mru != i) {
				lru_unlink(log, i);
				lru_push_front(log, i);
			}
			*prev_last = r->last;
			r->last = now;
			if (r->hits != UINT32_MAX)
				r->hits++;
			return i;
		}
	}

	if (log->used < log->capacity) {
		i = log->used++;
	} else {
		/* Full: the least recently seen client makes room. */
		i = log->lru;
		lru_unlink(log, i);
		hash_remove(log, i);
		log->evictions++;
	}
	r = &log->rec[i];
	memset(r, 0, sizeof(*r));
	memcpy(r->addr, addr, 16);
	r->last = now;
	*prev_last = now;
	r->hits = 1;
	r->tokens = NTP_CLIENTLOG_TOKENS_MAX;	/* clamped to the burst on first check */
	r->hash_next = log->bucket[h];
	log->bucket[h] = i;
	lru_push_front(log, i);
	return i;
}

struct ntp_clientlog_record *ntp_clientlog_record(struct ntp_clientlog *log, uint32_t idx)
{
	return idx < log->used ? &log->rec[idx] : NULL;
}

const struct ntp_clientlog_record *ntp_clientlog_record_const(const struct ntp_clientlog *log, uint32_t idx)
{
	return idx < log->used ? &log->rec[idx] : NULL;
}

enum ntp_clientlog_verdict ntp_clientlog_rate_check(struct ntp_clientlog_record *r,
						    uint32_t prev_last, uint32_t now,
						    const struct ntp_clientlog_ratelimit *rl,
						    uint32_t rnd)
{
	uint64_t elapsed = (uint32_t)(now - prev_last);
	uint64_t gain, max, tokens;
	int shift;

	if (!rl->enabled)
		return NTP_CLIENTLOG_ANSWER;

	max = (uint64_t)(rl->burst > 0 ? rl->burst : 1) * NTP_CLIENTLOG_TOKEN_SCALE;
	if (max > NTP_CLIENTLOG_TOKENS_MAX)
		max = NTP_CLIENTLOG_TOKENS_MAX;

	/* tokens gained = elapsed / TICKS / 2^interval * SCALE
	   = elapsed >> (log2(TICKS) - log2(SCALE) + interval); what the
	   shift cuts off counts as one more with its own probability (bits
	   16..29 of rnd, shift <= 14), or a request every tick would never
	   accrue anything. */
	shift = 8 - 6 + rl->interval;
	if (shift >= 0) {
		gain = shift >= 63 ? 0 : elapsed >> shift;
		if (shift > 0 && shift <= 14 &&
		    ((rnd >> 16) & ((1u << shift) - 1)) < (elapsed & ((1u << shift) - 1)))
			gain++;
	} else {
		gain = -shift >= 32 ? max : elapsed << -shift;
	}

	tokens = (uint64_t)r->tokens + gain;
	if (tokens > max)
		tokens = max;

	if (tokens >= NTP_CLIENTLOG_TOKEN_SCALE) {
		r->tokens = (uint16_t)(tokens - NTP_CLIENTLOG_TOKEN_SCALE);
		r->kods = 0;
		return NTP_CLIENTLOG_ANSWER;
	}
	r->tokens = (uint16_t)tokens;
	if (r->drops != UINT16_MAX)
		r->drops++;

	/* Leak: answer a limited request now and then, so that a flood with
	   a victim's spoofed address cannot cut the victim off completely. */
	if (rl->leak > 0 && rl->leak < 32 && (rnd & ((1u << rl->leak) - 1)) == 0)
		return NTP_CLIENTLOG_ANSWER;
	if (rl->kod && r->kods < NTP_CLIENTLOG_KOD_MAX && (rnd >> 31)) {
		r->kods++;
		return NTP_CLIENTLOG_KOD;
	}
	return NTP_CLIENTLOG_DROP;
}

void ntp_clientlog_get_stats(const struct ntp_clientlog *log, struct ntp_clientlog_stats *st)
{
	st->capacity = log->capacity;
	st->records = log->used;
	st->evictions = log->evictions;
	st->bytes = (uint64_t)log->capacity * sizeof(struct ntp_clientlog_record) +
		    (log->capacity ? ((uint64_t)log->mask + 1) * sizeof(uint32_t) : 0);
}

uint32_t ntp_clientlog_next_mru(const struct ntp_clientlog *log, uint32_t idx)
{
	if (idx == NTP_CLIENTLOG_NONE)
		return log->mru;
	return idx < log->used ? log->rec[idx].lru_next : NTP_CLIENTLOG_NONE;
}

void ntp_clientlog_reset_timestamps(struct ntp_clientlog *log)
{
	uint32_t i;

	for (i = 0; i < log->used; i++) {
		log->rec[i].rx = 0;
		log->rec[i].tx = 0;
	}
}
