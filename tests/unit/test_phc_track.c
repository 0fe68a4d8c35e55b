/*
 * PHC B -> system time: the regression recovers a known offset and drift,
 * its error estimate grows with extrapolation, and a step restarts it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "phc/phc_track.h"

/* sys = phc + 37 s + 12.5 ppm * (phc - base) + noise of +-50 ns */
static struct phc_sys_sample sample(int i, int64_t base, double ppm, int64_t off)
{
	struct phc_sys_sample s;
	int64_t phc = base + (int64_t)i * 1000000000LL;
	int64_t noise = ((i * 7919) % 101) - 50;

	s.phc_ns = phc;
	s.sys_ns = phc + off + (int64_t)llround(ppm * 1e-6 * (double)(phc - base)) + noise;
	s.err_ns = 100;
	s.method = PHC_SYSOFF_EXTENDED;
	return s;
}

static void no_model_first(void **state)
{
	struct phc_track t;
	int64_t sys;

	phc_track_init(&t, 16);
	assert_int_equal(phc_track_to_sys(&t, 1, &sys, NULL), -1);
}

static void recovers_offset_and_drift(void **state)
{
	struct phc_track t;
	int64_t base = 1000000000000LL, off = 37000000000LL, sys, phc, want;
	double err, err_far;
	struct phc_model m;
	int i;

	phc_track_init(&t, 16);
	for (i = 0; i < 30; i++) {
		struct phc_sys_sample s = sample(i, base, 12.5, off);

		phc_track_add(&t, &s, NULL);
	}
	phc_track_model(&t, &m);
	assert_true(m.valid);
	assert_int_equal(m.n, 16);
	assert_true(fabs(m.slope - 12.5e-6) < 0.2e-6);

	/* half a second after the last sample */
	phc = base + 29500000000LL;
	want = phc + off + (int64_t)llround(12.5e-6 * (double)(phc - base));
	assert_int_equal(phc_track_to_sys(&t, phc, &sys, &err), 0);
	assert_true(llabs(sys - want) < 200);
	assert_true(err > 0 && err < 500);
	/* far out the estimate is larger */
	phc_track_to_sys(&t, phc + 1000000000000LL, &sys, &err_far);
	assert_true(err_far > err);
}

static void step_restarts(void **state)
{
	struct phc_track t;
	struct phc_model m;
	int64_t base = 5000000000LL;
	int i;

	phc_track_init(&t, 8);
	for (i = 0; i < 10; i++) {
		struct phc_sys_sample s = sample(i, base, 0, 0);

		phc_track_add(&t, &s, NULL);
	}
	for (i = 10; i < 12; i++) {
		struct phc_sys_sample s = sample(i, base, 0, 5000000);	/* +5 ms step */

		phc_track_add(&t, &s, NULL);
	}
	phc_track_model(&t, &m);
	assert_int_equal(t.resets, 1);
	assert_int_equal(m.n, 2);
	assert_true(llabs(m.off_ref - 5000000) < 200);
}

/*
 * The system clock as phc/ steers it: a -40 ppm oscillator whose frequency
 * is set anew four times a second (40 ppm +- up to 300 ppb), PHC B a free
 * +15 ppm oscillator, both read exactly once a second.  With the log of
 * those settings a conversion is right to the ns at any time; without it
 * the 16-s line lags the changes by tens of ns.
 */
struct steered {
	int64_t truth;		/* ns */
	long double sys, phc;	/* ns (80-bit: sub-ns at 1.7e18) */
	struct phc_sysadj adj;
	unsigned int rng;
};

static void steered_advance(struct steered *c, int64_t dt_ns)
{
	long double rate = 1.0L + (-40000.0L + c->adj.f_ppb) * 1e-9L;

	c->truth += dt_ns;
	c->sys += (long double)dt_ns * rate;
	c->phc += (long double)dt_ns * (1.0L + 15e-6L);
}

static double steered_worst(bool use_log)
{
	struct steered c = { .truth = 0, .sys = 1.7e18L, .phc = 3.0e11L, .rng = 12345 };
	struct phc_track t;
	double worst = 0;
	int q;

	phc_track_init(&t, 16);
	for (q = 0; q < 4 * 120; q++) {
		double f;

		c.rng = c.rng * 1103515245u + 12345u;
		f = 40000.0 + (double)((int)(c.rng >> 16) % 601 - 300);
		phc_sysadj_note(&c.adj, (int64_t)c.sys, f);
		if (q % 4 == 0) {
			struct phc_sys_sample s = {
				.phc_ns = (int64_t)c.phc, .sys_ns = (int64_t)c.sys,
				.err_ns = 0, .method = PHC_SYSOFF_PRECISE,
			};

			phc_track_add(&t, &s, use_log ? &c.adj : NULL);
		}
		/* a stamp 0.1 s into the quarter, converted at once */
		steered_advance(&c, 100000000);
		if (q >= 4 * 20) {
			struct phc_model m;
			int64_t got;

			phc_track_model(&t, &m);
			got = phc_track_model_to_sys(&m, use_log ? &c.adj : NULL, (int64_t)c.phc, NULL);
			worst = fmax(worst, fabs((double)((long double)got - c.sys)));
		}
		steered_advance(&c, 150000000);
	}
	return worst;
}

static void sees_through_own_freq_changes(void **state)
{
	double with = steered_worst(true), without = steered_worst(false);

	print_message("worst conversion error: %.1f ns with the log, %.1f ns without\n",
		      with, without);
	assert_true(with <= 2.0);
	assert_true(without > 10.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_model_first),
		cmocka_unit_test(recovers_offset_and_drift),
		cmocka_unit_test(step_restarts),
		cmocka_unit_test(sees_through_own_freq_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
