/*
 * PHC A's offset, filtered (ptp/ptp_offset.c): a simulated slave whose
 * PI servo steers a +30 ppm oscillator from noisy Sync offsets.  The
 * estimate must be several times closer to the true offset than the
 * servo's own clock, shorten its window when the oscillator wanders, start
 * again when PHC A is stepped, and say so when it has nothing.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

/* the module itself, with its time origin moved every 100 s instead of
   every 13 days, so the rebase is exercised */
#define PTP_OFFSET_REBASE_NS 1e11
#include "ptp/ptp_offset.c"

#define SYNC_NS 125000000LL	/* 8 Hz */

struct sim {
	struct ptp_offset e;
	int64_t T;		/* GM time, ns */
	double x;		/* true PHC A - GM, ns */
	double f_free;		/* the oscillator's own error, ppb */
	double drift;		/* its steady change, ppb per s */
	double cycle;		/* and a temperature cycle of 300 s, ppb */
	double elapsed;		/* s */
	double f;		/* the servo's frequency, ppb */
	double integ;
	uint32_t rng;
	/* statistics over the scored part */
	double se_est, se_clk;
	int n_scored, n_valid;
};

static double noise(struct sim *s)	/* uniform in +-40 ns */
{
	s->rng = s->rng * 1103515245u + 12345u;
	return ((double)((s->rng >> 8) & 0xffff) / 65535.0 - 0.5) * 80.0;
}

static void sim_init(struct sim *s, double x0, double drift, double cycle)
{
	ptp_offset_init(&s->e);
	s->T = 1700000000LL * 1000000000LL;
	s->x = x0;
	s->f_free = 30000.0;
	s->drift = drift;
	s->cycle = cycle;
	s->elapsed = 0;
	s->f = -30000.0;
	s->integ = -30000.0;
	s->rng = 12345;
	s->se_est = s->se_clk = 0;
	s->n_scored = s->n_valid = 0;
	ptp_offset_freq(&s->e, s->T + (int64_t)s->x, s->f);
}

/* One Sync: measure, feed the estimator, score it, let the servo act,
   then let a sync interval pass. */
static int sim_step(struct sim *s, bool score)
{
	int64_t t2 = s->T + (int64_t)llround(s->x);
	double o = s->x + noise(s), est;
	int jumped = ptp_offset_sample(&s->e, t2, o);

	if (score) {
		s->n_scored++;
		s->se_clk += s->x * s->x;
		/* what phc/ uses: the estimate, or PHC A itself without one */
		if (ptp_offset_at(&s->e, t2, &est, NULL))
			s->n_valid++;
		else
			est = 0;
		s->se_est += (est - s->x) * (est - s->x);
	}
	/* PI servo, in ppb from ns */
	s->integ -= 0.05 * o;
	s->f = s->integ - 0.5 * o;
	ptp_offset_freq(&s->e, t2 + 1000, s->f);
	s->x += (s->f_free + s->f) * 1e-9 * (double)SYNC_NS;
	s->elapsed += 1e-9 * (double)SYNC_NS;
	s->f_free = 30000.0 + s->drift * s->elapsed + s->cycle * sin(2 * M_PI * s->elapsed / 300);
	s->T += SYNC_NS;
	return jumped;
}

static void run(struct sim *s, int seconds, bool score)
{
	for (int i = 0; i < seconds * 8; i++)
		sim_step(s, score);
}

/* RMS of the estimate and of the servo's clock over the scored Syncs */
static void report(const struct sim *s, const char *what, double *est, double *clk)
{
	*est = sqrt(s->se_est / s->n_scored);
	*clk = sqrt(s->se_clk / s->n_scored);
	print_message("%s: servo's clock %.2f ns rms, estimate %.2f ns rms, window %d bins,"
		      " used %.0f %%\n", what, *clk, *est, s->e.fit.n,
		      100.0 * s->n_valid / s->n_scored);
}

static void nothing_before_enough_bins(void **state)
{
	struct sim s;
	double est;

	sim_init(&s, 20.0, 0, 0);
	assert_false(ptp_offset_at(&s.e, s.T, &est, NULL));
	run(&s, 30, false);	/* 15 bins of 2 s: too few */
	assert_false(ptp_offset_at(&s.e, s.T + (int64_t)s.x, &est, NULL));
	run(&s, 30, false);
	assert_true(ptp_offset_at(&s.e, s.T + (int64_t)s.x, &est, NULL));
}

static void much_closer_than_the_servo(void **state)
{
	struct sim s;
	double rms_est, rms_clk, est, err;

	sim_init(&s, 50.0, 0, 0);
	run(&s, 60, false);
	run(&s, 300, true);
	report(&s, "steady", &rms_est, &rms_clk);
	assert_int_equal(s.n_valid, s.n_scored);
	assert_true(rms_clk > 4.0);	/* the servo does carry the noise */
	assert_true(rms_est < rms_clk / 2.5);
	assert_true(rms_est < 3.0);
	assert_int_equal(s.e.fit.n, PTP_OFFSET_MAX_BINS);	/* no wander: the longest fit */
	/* its error estimate is of the right size */
	assert_true(ptp_offset_at(&s.e, s.T + (int64_t)s.x, &est, &err));
	assert_true(err > 0.05 && err < 5.0);
}

/* a warming oscillator: 1 ppb more every 10 s */
static void drift_is_followed(void **state)
{
	struct sim s;
	double rms_est, rms_clk;

	sim_init(&s, 0.0, 0.1, 0);
	run(&s, 120, false);
	run(&s, 400, true);
	report(&s, "drift", &rms_est, &rms_clk);
	assert_true(rms_est < rms_clk / 1.5);
}

/* An air conditioner: the oscillator's frequency swings over 300 s.  A
   small swing is still filtered; a large one shortens the window until
   the estimate steps aside, and then it costs nothing. */
static void wander(double ppb, double *rms_est, double *rms_clk, int *min_window)
{
	struct sim s;

	sim_init(&s, 0.0, 0, ppb);
	run(&s, 120, false);
	*min_window = PTP_OFFSET_MAX_BINS;
	for (int i = 0; i < 600 * 8; i++) {
		sim_step(&s, true);
		if (s.e.fit.n < *min_window)
			*min_window = s.e.fit.n;
	}
	report(&s, ppb < 1 ? "wander +-0.5 ppb" : "wander +-5 ppb", rms_est, rms_clk);
	print_message("  shortest window %d bins\n", *min_window);
}

static void wander_shortens_the_window(void **state)
{
	double est, clk;
	int w;

	wander(0.5, &est, &clk, &w);
	assert_true(est < clk / 1.5);
	wander(5.0, &est, &clk, &w);
	assert_true(w < PTP_OFFSET_USE_BINS);
	assert_true(est < clk * 1.15);
}

static void a_step_restarts(void **state)
{
	struct sim s;
	double est;
	int jumps = 0;

	sim_init(&s, 0.0, 0, 0);
	run(&s, 60, false);
	assert_true(ptp_offset_at(&s.e, s.T + (int64_t)s.x, &est, NULL));
	s.x += 1e6;	/* someone stepped PHC A by 1 ms */
	for (int i = 0; i < 3; i++)
		jumps += sim_step(&s, false);
	assert_int_equal(jumps, 1);
	assert_false(ptp_offset_at(&s.e, s.T + (int64_t)s.x, &est, NULL));
	/* and one wild sample alone is only dropped */
	sim_init(&s, 0.0, 0, 0);
	run(&s, 60, false);
	assert_int_equal(ptp_offset_sample(&s.e, s.T + (int64_t)s.x, s.x + 5e4), 0);
	run(&s, 1, false);
	assert_int_equal(s.e.resets, 0);
	assert_true(ptp_offset_at(&s.e, s.T + (int64_t)s.x, &est, NULL));
	assert_true(fabs(est - s.x) < 5.0);
}

static void time_origin_moves(void **state)
{
	struct sim s;
	int64_t t0;

	sim_init(&s, 30.0, 0, 0);
	run(&s, 90, false);
	t0 = s.e.t0;
	run(&s, 300, true);
	assert_true(s.e.t0 > t0);
	assert_true(s.e.fit.newest <= PTP_OFFSET_REBASE_NS);
	assert_int_equal(s.n_valid, s.n_scored);
	assert_true(sqrt(s.se_est / s.n_scored) < 3.0);
}

static void stale_without_syncs(void **state)
{
	struct sim s;
	double est;

	sim_init(&s, 0.0, 0, 0);
	run(&s, 60, false);
	assert_true(ptp_offset_at(&s.e, s.T + 5000000000LL, &est, NULL));
	assert_false(ptp_offset_at(&s.e, s.T + 20000000000LL, &est, NULL));
}

static void servo_integral(void **state)
{
	struct ptp_offset e;

	ptp_offset_init(&e);
	assert_true(ptp_offset_adj_at(&e, 5) == 0.0);
	ptp_offset_freq(&e, 1000000000LL, 100.0);	/* +100 ppb from t = 1 s */
	ptp_offset_freq(&e, 3000000000LL, -50.0);	/* -50 ppb from t = 3 s */
	assert_true(fabs(ptp_offset_adj_at(&e, 2000000000LL) - 100.0) < 1e-9);
	assert_true(fabs(ptp_offset_adj_at(&e, 3000000000LL) - 200.0) < 1e-9);
	assert_true(fabs(ptp_offset_adj_at(&e, 5000000000LL) - 100.0) < 1e-9);
	/* the same frequency again is no new entry */
	ptp_offset_freq(&e, 4000000000LL, -50.0);
	assert_int_equal(e.n_adj, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(servo_integral),
		cmocka_unit_test(nothing_before_enough_bins),
		cmocka_unit_test(much_closer_than_the_servo),
		cmocka_unit_test(drift_is_followed),
		cmocka_unit_test(wander_shortens_the_window),
		cmocka_unit_test(a_step_restarts),
		cmocka_unit_test(time_origin_moves),
		cmocka_unit_test(stale_without_syncs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
