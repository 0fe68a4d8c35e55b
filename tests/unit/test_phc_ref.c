/*
 * phc/: the reference state machine (synced / holdover / unsynced) and the
 * leap-seconds.list reader, driven with made-up inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "phc/phc_leapfile.h"
#include "phc/phc_pps.h"
#include "phc/phc_ref.h"

static struct phc_ref_input input(bool ok, double now)
{
	struct phc_ref_input in = {
		.ptp_ok = ok,
		.clock_ok = ok,
		.gm_class = 6,
		.traceable_class = 7,
		.untraceable_stratum = 3,
		.utc_offset = 37,
		.root_delay = 4e-6,
		.dispersion = 2e-6,
		.holdover_drift = 1.0,
		.holdover_max = 60.0,
		.now_mono = now,
	};
	in.now_utc.tv_sec = 1700000000 + (time_t)now;
	return in;
}

static void test_unsynced_before_first_lock(void **st)
{
	struct phc_ref r;
	struct phc_ref_input in = input(false, 10);

	phc_ref_init(&r);
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.sync, REF_UNSYNCED);
	assert_int_equal(r.snap.leap, 3);
	assert_int_equal(r.snap.stratum, 16);
	/* ref_time zero: never synced (ntp/ serves nothing) */
	assert_int_equal(r.snap.ref_time.tv_sec, 0);
	/* PTP locked but the system clock not yet: still unsynced */
	in.ptp_ok = true;
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.sync, REF_UNSYNCED);
}

static void test_synced_strata(void **st)
{
	struct phc_ref r;
	struct phc_ref_input in = input(true, 10);

	phc_ref_init(&r);
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.sync, REF_SYNCED);
	assert_int_equal(r.snap.stratum, 1);
	assert_int_equal(r.snap.leap, 0);
	assert_int_equal(r.snap.refid, REF_ID('P', 'T', 'P', 0));
	assert_int_equal(r.snap.ref_time.tv_sec, 1700000010);
	assert_true(r.snap.root_dispersion == 2e-6);

	in.gm_class = 248;	/* default, untraceable */
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.stratum, 3);

	in.gm_class = 7;
	in.leap = 1;
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.stratum, 1);
	assert_int_equal(r.snap.leap, 1);
	in.leap = -1;
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.leap, 2);
}

static void test_holdover_then_unsynced(void **st)
{
	struct phc_ref r;
	struct phc_ref_input in = input(true, 100);
	struct timespec later;
	double d0, d1;

	phc_ref_init(&r);
	phc_ref_update(&r, &in);
	in = input(false, 102);
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.sync, REF_HOLDOVER);
	assert_int_equal(r.snap.stratum, 1);
	assert_int_equal(r.snap.leap, 0);
	/* the reference time stays at the last good update */
	assert_int_equal(r.snap.ref_time.tv_sec, 1700000100);
	assert_true(phc_ref_holdover_age(&r, 102) == 2.0);

	/* dispersion grows by holdover_drift ppm of age */
	later = r.snap.ref_time;
	d0 = ref_state_dispersion_at(&r.snap, &later);
	later.tv_sec += 10;
	d1 = ref_state_dispersion_at(&r.snap, &later);
	assert_true(d1 - d0 > 9.9e-6 && d1 - d0 < 10.1e-6);

	in = input(false, 159);
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.sync, REF_HOLDOVER);
	in = input(false, 161);
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.sync, REF_UNSYNCED);
	assert_int_equal(r.snap.leap, 3);
	assert_int_equal(r.snap.stratum, 16);
	/* ...but it was synced once: ref_time is kept */
	assert_int_not_equal(r.snap.ref_time.tv_sec, 0);

	/* the GM returns */
	in = input(true, 170);
	phc_ref_update(&r, &in);
	assert_int_equal(r.snap.sync, REF_SYNCED);
	assert_true(phc_ref_holdover_age(&r, 170) == 0.0);
}

static void test_leapfile(void **st)
{
	char path[] = "/tmp/test_phc_leapXXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	struct phc_leapfile lf;
	int off, leap;

	assert_non_null(fp);
	/* 2017-01-01 = 3692217600 NTP; expiry 2020-12-28 = 3818102400 */
	fprintf(fp, "# comment\n#@\t3818102400\n"
		"3644697600\t36\t# 1 Jul 2015\n"
		"3692217600\t37\t# 1 Jan 2017\n");
	fclose(fp);
	assert_int_equal(phc_leapfile_load(path, &lf), 0);
	unlink(path);
	assert_int_equal(lf.n, 2);
	/* 2016-06-01: 36, no leap pending */
	assert_int_equal(phc_leapfile_offset(&lf, 1464739200, &off, &leap), 0);
	assert_int_equal(off, 36);
	assert_int_equal(leap, 0);
	/* 2016-12-31 12:00: leap pending */
	assert_int_equal(phc_leapfile_offset(&lf, 1483185600, &off, &leap), 0);
	assert_int_equal(off, 36);
	assert_int_equal(leap, 1);
	/* 2018: 37 */
	assert_int_equal(phc_leapfile_offset(&lf, 1514764800, &off, &leap), 0);
	assert_int_equal(off, 37);
	/* 2026: expired, still 37 */
	assert_int_equal(phc_leapfile_offset(&lf, 1780000000, &off, &leap), 1);
	assert_int_equal(off, 37);
	/* before the table */
	assert_int_equal(phc_leapfile_offset(&lf, 1000000000, &off, &leap), -1);
	assert_int_equal(phc_leapfile_load("/nonexistent/leap", &lf), -1);
}

static void test_pps(void **st)
{
	int64_t off = 42;

	assert_int_equal(phc_pps_fold(0), 0);
	assert_int_equal(phc_pps_fold(1500), 1500);
	assert_int_equal(phc_pps_fold(499999999), 499999999);
	assert_int_equal(phc_pps_fold(500000000), -500000000);
	assert_int_equal(phc_pps_fold(999900000), -100000);
	/* off by default; errors are refused, not ignored */
	assert_int_equal(phc_pps_start(""), 0);
	assert_int_equal(phc_pps_poll(&off), 0);
	assert_int_equal(off, 42);
	assert_int_equal(phc_pps_start("/nonexistent/pps0"), -1);
	assert_int_equal(phc_pps_start("/dev/null"), -1);	/* not a PPS source */
	assert_int_equal(phc_pps_poll(&off), 0);
	phc_pps_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsynced_before_first_lock),
		cmocka_unit_test(test_synced_strata),
		cmocka_unit_test(test_holdover_then_unsynced),
		cmocka_unit_test(test_leapfile),
		cmocka_unit_test(test_pps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
