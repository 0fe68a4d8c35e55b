/*
 * The client log: memory bound, least-recently-seen eviction, and the
 * rate limiter's token bucket and leak.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ntp/ntp_clientlog.h"

static void addr_of(uint32_t n, uint8_t a[16])
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = 10;
	a[13] = n >> 16;
	a[14] = n >> 8;
	a[15] = n;
}

static void memory_bound(void **state)
{
	uint64_t limits[] = { 4096, 10000, 65536, 1 << 20, 3 << 20, 8 << 20 };

	assert_true(sizeof(struct ntp_clientlog_record) <= 60);
	assert_true(ntp_clientlog_bytes_per_record() <= 64);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct ntp_clientlog *log = ntp_clientlog_create(limits[i], 1);
		struct ntp_clientlog_stats st;

		assert_non_null(log);
		ntp_clientlog_get_stats(log, &st);
		assert_true(st.bytes <= limits[i]);
		/* nearly all of the limit is used: at most 64 bytes a record */
		assert_true(st.capacity >= limits[i] / 64);
		ntp_clientlog_destroy(log);
	}
}

static void zero_capacity(void **state)
{
	struct ntp_clientlog *log = ntp_clientlog_create(10, 1);
	uint8_t a[16];
	uint32_t prev;

	assert_non_null(log);
	addr_of(1, a);
	assert_int_equal(ntp_clientlog_access(log, a, 0, &prev), NTP_CLIENTLOG_NONE);
	ntp_clientlog_destroy(log);
}

static void lookup_and_lru_eviction(void **state)
{
	struct ntp_clientlog *log = ntp_clientlog_create(4096, 42);
	struct ntp_clientlog_stats st;
	uint8_t a[16];
	uint32_t prev, cap, i, idx;

	ntp_clientlog_get_stats(log, &st);
	cap = (uint32_t)st.capacity;
	assert_true(cap >= 64);

	for (i = 0; i < cap; i++) {
		addr_of(i, a);
		ntp_clientlog_access(log, a, i, &prev);
	}
	ntp_clientlog_get_stats(log, &st);
	assert_int_equal(st.records, cap);
	assert_int_equal(st.evictions, 0);

	/* see client 0 again: now client 1 is the least recent */
	addr_of(0, a);
	idx = ntp_clientlog_access(log, a, cap, &prev);
	assert_int_equal(prev, 0);
	assert_int_equal(ntp_clientlog_record(log, idx)->hits, 2);

	addr_of(cap + 100, a);
	ntp_clientlog_access(log, a, cap + 1, &prev);
	ntp_clientlog_get_stats(log, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.records, cap);
	addr_of(1, a);
	assert_int_equal(ntp_clientlog_find(log, a), NTP_CLIENTLOG_NONE);
	addr_of(0, a);
	assert_int_not_equal(ntp_clientlog_find(log, a), NTP_CLIENTLOG_NONE);
	addr_of(2, a);
	assert_int_not_equal(ntp_clientlog_find(log, a), NTP_CLIENTLOG_NONE);

	/* a flood of new addresses evicts in order and never grows */
	for (i = 0; i < 10 * cap; i++) {
		addr_of(1000000 + i, a);
		ntp_clientlog_access(log, a, 2 * cap + i, &prev);
	}
	ntp_clientlog_get_stats(log, &st);
	assert_int_equal(st.records, cap);
	assert_int_equal(st.evictions, 1 + 10 * cap);
	/* the newest cap addresses are all there, the one before is not */
	for (i = 9 * cap; i < 10 * cap; i++) {
		addr_of(1000000 + i, a);
		assert_int_not_equal(ntp_clientlog_find(log, a), NTP_CLIENTLOG_NONE);
	}
	addr_of(1000000 + 9 * cap - 1, a);
	assert_int_equal(ntp_clientlog_find(log, a), NTP_CLIENTLOG_NONE);

	/* MRU walk visits every record once */
	i = 0;
	for (idx = ntp_clientlog_next_mru(log, NTP_CLIENTLOG_NONE); idx != NTP_CLIENTLOG_NONE; idx = ntp_clientlog_next_mru(log, idx))
		i++;
	assert_int_equal(i, cap);
	ntp_clientlog_destroy(log);
}

static void new_record_is_clean(void **state)
{
	struct ntp_clientlog *log = ntp_clientlog_create(4096, 7);
	struct ntp_clientlog_stats st;
	uint8_t a[16];
	uint32_t prev, idx, i;

	ntp_clientlog_get_stats(log, &st);
	addr_of(1, a);
	idx = ntp_clientlog_access(log, a, 0, &prev);
	ntp_clientlog_record(log, idx)->rx = 111;
	ntp_clientlog_record(log, idx)->tx = 222;
	/* evict it by filling the log */
	for (i = 0; i < st.capacity; i++) {
		addr_of(100 + i, a);
		ntp_clientlog_access(log, a, 1, &prev);
	}
	addr_of(1, a);
	idx = ntp_clientlog_access(log, a, 2, &prev);
	/* a reused slot does not carry the old client's interleaved state */
	assert_true(ntp_clientlog_record(log, idx)->rx == 0);
	assert_true(ntp_clientlog_record(log, idx)->tx == 0);
	assert_int_equal(ntp_clientlog_record(log, idx)->hits, 1);
	ntp_clientlog_destroy(log);
}

static bool pass(struct ntp_clientlog *log, uint32_t idx, uint32_t prev, uint32_t now,
		 const struct ntp_clientlog_ratelimit *rl, uint32_t rnd)
{
	return ntp_clientlog_rate_check(ntp_clientlog_record(log, idx), prev, now, rl, rnd) ==
	       NTP_CLIENTLOG_ANSWER;
}

static void token_bucket(void **state)
{
	struct ntp_clientlog *log = ntp_clientlog_create(4096, 3);
	struct ntp_clientlog_ratelimit rl = { .enabled = true, .interval = 3, .burst = 4, .leak = 0 };
	uint8_t a[16];
	uint32_t prev, idx, now = 1000 * NTP_CLIENTLOG_TICKS_PER_SEC;
	int ok = 0, i;

	addr_of(9, a);
	/* a burst of 10 at once: exactly `burst` pass */
	for (i = 0; i < 10; i++) {
		idx = ntp_clientlog_access(log, a, now, &prev);
		ok += pass(log, idx, prev, now, &rl, 0);
	}
	assert_int_equal(ok, 4);
	assert_int_equal(ntp_clientlog_record(log, idx)->drops, 6);

	/* 8 s (2^interval) later one more token */
	now += 8 * NTP_CLIENTLOG_TICKS_PER_SEC;
	idx = ntp_clientlog_access(log, a, now, &prev);
	assert_true(pass(log, idx, prev, now, &rl, 0));
	idx = ntp_clientlog_access(log, a, now, &prev);
	assert_false(pass(log, idx, prev, now, &rl, 0));

	/* one request every 8 s is never limited */
	for (i = 0; i < 20; i++) {
		now += 8 * NTP_CLIENTLOG_TICKS_PER_SEC;
		idx = ntp_clientlog_access(log, a, now, &prev);
		assert_true(pass(log, idx, prev, now, &rl, 0));
	}
	/* long idle refills to the burst, not beyond */
	now += 3600 * NTP_CLIENTLOG_TICKS_PER_SEC;
	ok = 0;
	for (i = 0; i < 10; i++) {
		idx = ntp_clientlog_access(log, a, now, &prev);
		ok += pass(log, idx, prev, now, &rl, 0);
	}
	assert_int_equal(ok, 4);

	rl.enabled = false;
	assert_true(pass(log, idx, prev, now, &rl, 0));
	ntp_clientlog_destroy(log);
}

static void leak(void **state)
{
	struct ntp_clientlog *log = ntp_clientlog_create(4096, 3);
	struct ntp_clientlog_ratelimit rl = { .enabled = true, .interval = 10, .burst = 1, .leak = 2 };
	uint8_t a[16];
	uint32_t prev, idx, now = 5000;
	int ok = 0, i;

	addr_of(5, a);
	idx = ntp_clientlog_access(log, a, now, &prev);
	assert_true(pass(log, idx, prev, now, &rl, 1));
	/* over the limit: rnd with its low 2 bits zero lets one in four through */
	for (i = 0; i < 400; i++) {
		idx = ntp_clientlog_access(log, a, now, &prev);
		ok += pass(log, idx, prev, now, &rl, (uint32_t)i);
	}
	assert_int_equal(ok, 100);
	ntp_clientlog_destroy(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memory_bound),
		cmocka_unit_test(zero_capacity),
		cmocka_unit_test(lookup_and_lru_eviction),
		cmocka_unit_test(new_record_is_clean),
		cmocka_unit_test(token_bucket),
		cmocka_unit_test(leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
