/*
 * The grandmaster time-jump guard (ptp/ptp_guard.c): nothing is guarded
 * before the servo first locks; once it has, a jump beyond the bound is
 * held, a GM that comes back is followed again without a reset, and a
 * jump is followed (servo reset) only after the confirm time of jumped
 * Syncs or on the operator's word.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "ptp/ptp_guard.h"

/* Syncs every 0.125 s from t, offsets off_ns; the servo says locked for
   what it is given.  @return the verdict of the last */
static enum ptp_guard_verdict run(struct ptp_guard *g, double *t, double off_ns, int n)
{
	enum ptp_guard_verdict v = PTP_GUARD_PASS;

	for (int i = 0; i < n; i++) {
		*t += 0.125;
		v = ptp_guard_sample(g, off_ns, *t);
		if (v != PTP_GUARD_HOLD)
			ptp_guard_servo(g, true);
	}
	return v;
}

static void not_before_the_first_lock(void **state)
{
	struct ptp_guard g;
	double t = 100;

	ptp_guard_init(&g, 1e6, 300);
	/* at start PHC A is seconds off: the servo's first step, not a jump */
	assert_int_equal(ptp_guard_sample(&g, 37e9, t), PTP_GUARD_PASS);
	ptp_guard_servo(&g, false);
	assert_int_equal(ptp_guard_sample(&g, 37e9, t + 1), PTP_GUARD_PASS);
	assert_false(g.held);
	assert_int_equal(g.jumps, 0);
}

static void a_glitch_is_held_then_dropped(void **state)
{
	struct ptp_guard g;
	double t = 100;

	ptp_guard_init(&g, 1e6, 300);
	assert_int_equal(run(&g, &t, 50, 100), PTP_GUARD_PASS);
	/* within the bound: followed as usual */
	assert_int_equal(run(&g, &t, -999e3, 1), PTP_GUARD_PASS);
	/* +0.5 s: held, for as long as it lasts (under the confirm time) */
	assert_int_equal(run(&g, &t, 0.5e9, 1), PTP_GUARD_HOLD);
	assert_true(g.held);
	assert_true(g.jump_ns == 0.5e9);
	assert_int_equal(run(&g, &t, 0.5e9 + 40, 80), PTP_GUARD_HOLD);
	assert_true(g.last_ns == 0.5e9 + 40);
	/* the GM comes back: followed again, nothing was reset */
	assert_int_equal(run(&g, &t, 30, 1), PTP_GUARD_PASS);
	assert_false(g.held);
	assert_true(g.armed);
	assert_int_equal(g.jumps, 1);
	assert_int_equal(g.followed, 0);
	/* a NaN offset is no time to follow */
	assert_int_equal(ptp_guard_sample(&g, NAN, t + 0.1), PTP_GUARD_HOLD);
}

static void a_persistent_jump_is_followed_after_confirm(void **state)
{
	struct ptp_guard g;
	double t = 100;

	ptp_guard_init(&g, 1e6, 10);
	run(&g, &t, 20, 50);
	assert_int_equal(run(&g, &t, -2e9, 1), PTP_GUARD_HOLD);
	/* 10 s of Syncs at 8/s: held until the confirm time is reached */
	assert_int_equal(run(&g, &t, -2e9, 79), PTP_GUARD_HOLD);
	assert_int_equal(ptp_guard_sample(&g, -2e9, t += 0.125), PTP_GUARD_FOLLOW);
	assert_false(g.held);
	assert_int_equal(g.followed, 1);
	/* the reset servo steps and relocks: not a jump of its own */
	assert_false(g.armed);
	assert_int_equal(ptp_guard_sample(&g, -2e9, t += 0.125), PTP_GUARD_PASS);
	ptp_guard_servo(&g, false);
	assert_int_equal(ptp_guard_sample(&g, 3e3, t += 0.125), PTP_GUARD_PASS);
	ptp_guard_servo(&g, true);
	/* and armed again after that */
	assert_int_equal(run(&g, &t, 5e6, 1), PTP_GUARD_HOLD);
}

static void the_operator_decides(void **state)
{
	struct ptp_guard g;
	double t = 100;

	/* confirm 0: only the operator */
	ptp_guard_init(&g, 1e6, 0);
	assert_false(ptp_guard_accept(&g));	/* nothing held */
	run(&g, &t, 0, 20);
	assert_int_equal(run(&g, &t, 3e6, 8 * 3600), PTP_GUARD_HOLD);
	assert_true(ptp_guard_accept(&g));
	assert_int_equal(run(&g, &t, 3e6, 1), PTP_GUARD_FOLLOW);
	assert_int_equal(g.followed, 1);

	/* a word given for a jump that went away is not kept for the next */
	run(&g, &t, 0, 20);
	assert_int_equal(run(&g, &t, 3e6, 1), PTP_GUARD_HOLD);
	assert_true(ptp_guard_accept(&g));
	assert_int_equal(run(&g, &t, 0, 1), PTP_GUARD_PASS);
	assert_int_equal(run(&g, &t, 3e6, 1), PTP_GUARD_HOLD);
}

static void off_and_reload(void **state)
{
	struct ptp_guard g;
	double t = 100;

	ptp_guard_init(&g, 0, 300);
	run(&g, &t, 0, 20);
	assert_int_equal(run(&g, &t, 1e9, 1), PTP_GUARD_PASS);
	/* turned on by a reload: guards from the next Sync */
	ptp_guard_set(&g, 1e6, 300);
	assert_int_equal(run(&g, &t, -1e9, 1), PTP_GUARD_HOLD);
	/* a shorter confirm on reload applies to the held jump */
	ptp_guard_set(&g, 1e6, 0.1);
	assert_int_equal(run(&g, &t, -1e9, 1), PTP_GUARD_FOLLOW);
	/* turned off while holding: followed as is */
	run(&g, &t, 0, 20);
	assert_int_equal(run(&g, &t, 1e9, 1), PTP_GUARD_HOLD);
	ptp_guard_set(&g, 0, 300);
	assert_false(g.held);
	assert_int_equal(run(&g, &t, 1e9, 1), PTP_GUARD_PASS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(not_before_the_first_lock),
		cmocka_unit_test(a_glitch_is_held_then_dropped),
		cmocka_unit_test(a_persistent_jump_is_followed_after_confirm),
		cmocka_unit_test(the_operator_decides),
		cmocka_unit_test(off_and_reload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
