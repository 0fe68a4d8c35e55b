/*
 * Least-squares tracking of a PHC against the system clock.
 *
 * Samples are taken relative to the newest one so the sums stay small and
 * double keeps ns resolution.  The fit is on sys - C - phc, where C is
 * what our own frequency changes added to the system clock (phc_sysadj.c).
 * Each sample is weighted by the inverse square of its own uncertainty
 * (+1 ns so a PRECISE cross-timestamp does not get an infinite weight).
 */
#include "phc/phc_track.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* --- the tracker -------------------------------------------------------------- */

void phc_track_init(struct phc_track *t, int window)
{
	memset(t, 0, sizeof(*t));
	if (window < 2)
		window = 2;
	if (window > PHC_TRACK_MAX_SAMPLES)
		window = PHC_TRACK_MAX_SAMPLES;
	t->size = window;
}

static void publish(struct phc_track *t, const struct phc_model *m)
{
	__atomic_add_fetch(&t->seq, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->model = *m;
	__atomic_add_fetch(&t->seq, 1, __ATOMIC_RELEASE);
}

void phc_track_model(const struct phc_track *t, struct phc_model *m)
{
	unsigned int s1, s2;

	do {
		s1 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
		*m = t->model;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
	} while ((s1 & 1) || s1 != s2);
}

int64_t phc_track_model_to_sys(const struct phc_model *m, const struct phc_sysadj *adj,
			 int64_t phc_ns, double *err_ns)
{
	double dt = (double)(phc_ns - m->phc_ref);
	/* C at the stamp: its sys time is known well enough (µs) for that */
	double corr = phc_sysadj_at(adj, phc_ns + m->off_ref) - m->corr_ref;
	double off = m->off_frac + m->slope * dt + corr;

	if (err_ns)
		*err_ns = m->err_ns + fabs(m->slope_err * dt);
	return phc_ns + m->off_ref + (int64_t)llround(off);
}

int phc_track_to_sys(const struct phc_track *t, int64_t phc_ns, int64_t *sys_ns,
		     double *err_ns)
{
	struct phc_model m;
	struct phc_sysadj a;

	phc_track_model(t, &m);
	if (!m.valid)
		return -1;
	phc_sysadj_read(&a);
	*sys_ns = phc_track_model_to_sys(&m, &a, phc_ns, err_ns);
	return 0;
}

void phc_track_add(struct phc_track *t, const struct phc_sys_sample *s,
		   const struct phc_sysadj *adj)
{
	struct phc_model m = t->model;
	double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, serr = 0;
	double mx, my, den, slope, icpt, res2 = 0;
	double c0 = phc_sysadj_at(adj, s->sys_ns);
	unsigned int gen = adj ? adj->gen : 0;
	int64_t x0, y0;
	int i, n;

	/* We stepped the system clock: start again. */
	if (gen != t->adj_gen) {
		t->adj_gen = gen;
		if (t->count) {
			t->count = 0;
			t->resets++;
		}
	}
	/* A step of either clock makes the old samples meaningless. */
	if (m.valid && t->count) {
		int64_t pred = phc_track_model_to_sys(&m, adj, s->phc_ns, NULL);
		int64_t d = s->sys_ns - pred;

		if (d > PHC_TRACK_STEP_NS || d < -PHC_TRACK_STEP_NS) {
			t->count = 0;
			t->resets++;
		}
	}

	t->head = (t->head + 1) % t->size;
	t->win[t->head] = *s;
	t->corr[t->head] = c0;
	if (t->count < t->size)
		t->count++;
	n = t->count;

	x0 = s->phc_ns;
	y0 = s->sys_ns - s->phc_ns;
	for (i = 0; i < n; i++) {
		const struct phc_sys_sample *p = &t->win[(t->head - i + t->size) % t->size];
		double x = (double)(p->phc_ns - x0);
		double y = (double)((p->sys_ns - p->phc_ns) - y0) -
			   (t->corr[(t->head - i + t->size) % t->size] - c0);
		double e = (double)p->err_ns + 1.0;
		double w = 1.0 / (e * e);

		sw += w;
		sx += w * x;
		sy += w * y;
		sxx += w * x * x;
		sxy += w * x * y;
		serr += (double)p->err_ns;
	}
	mx = sx / sw;
	my = sy / sw;
	den = sxx - sx * mx;
	if (n >= 2 && den > 0.0) {
		slope = (sxy - sx * my) / den;
		icpt = my - slope * mx;
	} else {
		slope = n >= 2 ? m.slope : 0.0;
		icpt = my;
	}

	for (i = 0; i < n; i++) {
		const struct phc_sys_sample *p = &t->win[(t->head - i + t->size) % t->size];
		double x = (double)(p->phc_ns - x0);
		double y = (double)((p->sys_ns - p->phc_ns) - y0) -
			   (t->corr[(t->head - i + t->size) % t->size] - c0);
		double r = y - (icpt + slope * x);

		res2 += r * r;
	}

	m.phc_ref = x0;
	m.off_ref = y0 + (int64_t)floor(icpt);
	m.off_frac = icpt - floor(icpt);
	m.corr_ref = c0;
	m.slope = slope;
	m.n = n;
	/* Error at the reference point: residual spread (with n-2 degrees of
	   freedom) plus the mean uncertainty of the samples themselves. */
	m.err_ns = (n > 2 ? sqrt(res2 / (n - 2)) : 0.0) + serr / n;
	if (n > 2 && den > 0.0) {
		/* Unweighted approximation of the slope's standard error. */
		double sd = sqrt(res2 / (n - 2));
		double span = 0;

		for (i = 0; i < n; i++) {
			double x = (double)(t->win[(t->head - i + t->size) % t->size].phc_ns - x0);

			span += (x - mx) * (x - mx);
		}
		m.slope_err = span > 0 ? sd / sqrt(span) : 0.0;
	} else {
		m.slope_err = n >= 2 ? 1e-6 : 1e-4;
	}
	m.valid = true;
	publish(t, &m);
}
