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

	assert_true(sizeof(struct clg_record) <= 60);
	assert_true(clg_bytes_per_record() <= 64);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct clientlog *log = clg_create(limits[i], 1);
		struct clg_stats st;

		assert_non_null(log);
		clg_get_stats(log, &st);
		assert_true(st.bytes <= limits[i]);
		/* nearly all of the limit is used: at most 64 bytes a record */
		assert_true(st.capacity >= limits[i] / 64);
		clg_destroy(log);
	}
}

static void zero_capacity(void **state)
{
	struct clientlog *log = clg_create(10, 1);
	uint8_t a[16];
	uint32_t prev;

	assert_non_null(log);
	addr_of(1, a);
	assert_int_equal(clg_access(log, a, 0, &prev), CLG_NONE);
	clg_destroy(log);
}

static void lookup_and_lru_eviction(void **state)
{
	struct clientlog *log = clg_create(4096, 42);
	struct clg_stats st;
	uint8_t a[16];
	uint32_t prev, cap, i, idx;

	clg_get_stats(log, &st);
	cap = (uint32_t)st.capacity;
	assert_true(cap >= 64);

	for (i = 0; i < cap; i++) {
		addr_of(i, a);
		clg_access(log, a, i, &prev);
	}
	clg_get_stats(log, &st);
	assert_int_equal(st.records, cap);
	assert_int_equal(st.evictions, 0);

	/* see client 0 again: now client 1 is the least recent */
	addr_of(0, a);
	idx = clg_access(log, a, cap, &prev);
	assert_int_equal(prev, 0);
	assert_int_equal(clg_record(log, idx)->hits, 2);

	addr_of(cap + 100, a);
	clg_access(log, a, cap + 1, &prev);
	clg_get_stats(log, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.records, cap);
	addr_of(1, a);
	assert_int_equal(clg_find(log, a), CLG_NONE);
	addr_of(0, a);
	assert_int_not_equal(clg_find(log, a), CLG_NONE);
	addr_of(2, a);
	assert_int_not_equal(clg_find(log, a), CLG_NONE);

	/* a flood of new addresses evicts in order and never grows */
	for (i = 0; i < 10 * cap; i++) {
		addr_of(1000000 + i, a);
		clg_access(log, a, 2 * cap + i, &prev);
	}
	clg_get_stats(log, &st);
	assert_int_equal(st.records, cap);
	assert_int_equal(st.evictions, 1 + 10 * cap);
	/* the newest cap addresses are all there, the one before is not */
	for (i = 9 * cap; i < 10 * cap; i++) {
		addr_of(1000000 + i, a);
		assert_int_not_equal(clg_find(log, a), CLG_NONE);
	}
	addr_of(1000000 + 9 * cap - 1, a);
	assert_int_equal(clg_find(log, a), CLG_NONE);

	/* MRU walk visits every record once */
	i = 0;
	for (idx = clg_next_mru(log, CLG_NONE); idx != CLG_NONE; idx = clg_next_mru(log, idx))
		i++;
	assert_int_equal(i, cap);
	clg_destroy(log);
}

static void new_record_is_clean(void **state)
{
	struct clientlog *log = clg_create(4096, 7);
	struct clg_stats st;
	uint8_t a[16];
	uint32_t prev, idx, i;

	clg_get_stats(log, &st);
	addr_of(1, a);
	idx = clg_access(log, a, 0, &prev);
	clg_record(log, idx)->rx = 111;
	clg_record(log, idx)->tx = 222;
	/* evict it by filling the log */
	for (i = 0; i < st.capacity; i++) {
		addr_of(100 + i, a);
		clg_access(log, a, 1, &prev);
	}
	addr_of(1, a);
	idx = clg_access(log, a, 2, &prev);
	/* a reused slot does not carry the old client's interleaved state */
	assert_true(clg_record(log, idx)->rx == 0);
	assert_true(clg_record(log, idx)->tx == 0);
	assert_int_equal(clg_record(log, idx)->hits, 1);
	clg_destroy(log);
}

static void token_bucket(void **state)
{
	struct clientlog *log = clg_create(4096, 3);
	struct clg_ratelimit rl = { .enabled = true, .interval = 3, .burst = 4, .leak = 0 };
	uint8_t a[16];
	uint32_t prev, idx, now = 1000 * CLG_TICKS_PER_SEC;
	int ok = 0, i;

	addr_of(9, a);
	/* a burst of 10 at once: exactly `burst` pass */
	for (i = 0; i < 10; i++) {
		idx = clg_access(log, a, now, &prev);
		ok += clg_rate_check(clg_record(log, idx), prev, now, &rl, 0);
	}
	assert_int_equal(ok, 4);
	assert_int_equal(clg_record(log, idx)->drops, 6);

	/* 8 s (2^interval) later one more token */
	now += 8 * CLG_TICKS_PER_SEC;
	idx = clg_access(log, a, now, &prev);
	assert_true(clg_rate_check(clg_record(log, idx), prev, now, &rl, 0));
	idx = clg_access(log, a, now, &prev);
	assert_false(clg_rate_check(clg_record(log, idx), prev, now, &rl, 0));

	/* one request every 8 s is never limited */
	for (i = 0; i < 20; i++) {
		now += 8 * CLG_TICKS_PER_SEC;
		idx = clg_access(log, a, now, &prev);
		assert_true(clg_rate_check(clg_record(log, idx), prev, now, &rl, 0));
	}
	/* long idle refills to the burst, not beyond */
	now += 3600 * CLG_TICKS_PER_SEC;
	ok = 0;
	for (i = 0; i < 10; i++) {
		idx = clg_access(log, a, now, &prev);
		ok += clg_rate_check(clg_record(log, idx), prev, now, &rl, 0);
	}
	assert_int_equal(ok, 4);

	rl.enabled = false;
	assert_true(clg_rate_check(clg_record(log, idx), prev, now, &rl, 0));
	clg_destroy(log);
}

static void leak(void **state)
{
	struct clientlog *log = clg_create(4096, 3);
	struct clg_ratelimit rl = { .enabled = true, .interval = 10, .burst = 1, .leak = 2 };
	uint8_t a[16];
	uint32_t prev, idx, now = 5000;
	int ok = 0, i;

	addr_of(5, a);
	idx = clg_access(log, a, now, &prev);
	assert_true(clg_rate_check(clg_record(log, idx), prev, now, &rl, 1));
	/* over the limit: rnd with its low 2 bits zero lets one in four through */
	for (i = 0; i < 400; i++) {
		idx = clg_access(log, a, now, &prev);
		ok += clg_rate_check(clg_record(log, idx), prev, now, &rl, (uint32_t)i);
	}
	assert_int_equal(ok, 100);
	clg_destroy(log);
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
