/*
 * The reference-state seqlock: a reader in another thread never sees a
 * torn snapshot while the writer publishes as fast as it can.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "bridge/core/ref_state.h"

static void starts_unsynchronised(void **state)
{
	struct ref_snapshot s;

	ref_state_read(&s);
	assert_int_equal(s.sync, REF_UNSYNCED);
	assert_int_equal(s.leap, 3);
	assert_int_equal(s.stratum, 16);
	assert_string_equal(ref_state_sync_name(s.sync), "unsynchronised");
}

static void dispersion_grows(void **state)
{
	struct ref_snapshot s = {
		.root_dispersion = 1e-6, .dispersion_rate = 1e-6,
		.ref_time = { .tv_sec = 1000, .tv_nsec = 0 },
	};
	struct timespec now = { .tv_sec = 1100, .tv_nsec = 0 };
	struct timespec before = { .tv_sec = 900, .tv_nsec = 0 };

	/* 1 ppm for 100 s: +100 us. */
	assert_true(ref_state_dispersion_at(&s, &now) > 100.9e-6);
	assert_true(ref_state_dispersion_at(&s, &now) < 101.1e-6);
	/* A clock before ref_time never shrinks it. */
	assert_true(ref_state_dispersion_at(&s, &before) == 1e-6);
}

static atomic_int done;
static atomic_long torn;

/* Every field derives from one counter: a mix of two publishes shows. */
static void *reader(void *arg)
{
	struct ref_snapshot s;
	long reads = 0;

	while (!atomic_load(&done) || reads < 1000) {
		ref_state_read(&s);
		if (s.stratum != (int)(s.ref_time.tv_sec % 15) + 1 ||
		    s.ref_time.tv_nsec != s.ref_time.tv_sec * 7 % 1000000000L ||
		    s.root_delay != (double)s.ref_time.tv_sec)
			atomic_fetch_add(&torn, 1);
		reads++;
	}
	return NULL;
}

static void no_torn_reads(void **state)
{
	pthread_t th;
	struct ref_snapshot s;
	uint64_t gen;

	memset(&s, 0, sizeof(s));
	s.stratum = 1;
	ref_state_publish(&s);
	assert_int_equal(pthread_create(&th, NULL, reader, NULL), 0);
	for (long i = 1; i <= 300000; i++) {
		s.sync = REF_SYNCED;
		s.ref_time.tv_sec = i;
		s.ref_time.tv_nsec = i * 7 % 1000000000L;
		s.stratum = (int)(i % 15) + 1;
		s.root_delay = (double)i;
		ref_state_publish(&s);
	}
	atomic_store(&done, 1);
	pthread_join(th, NULL);
	assert_int_equal(atomic_load(&torn), 0);
	ref_state_read(&s);
	gen = s.generation;
	ref_state_publish(&s);
	ref_state_read(&s);
	assert_true(s.generation == gen + 1);
	assert_int_equal(s.ref_time.tv_sec, 300000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(starts_unsynchronised),
		cmocka_unit_test(dispersion_grows),
		cmocka_unit_test(no_torn_reads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
