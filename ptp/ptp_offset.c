/*
 * PHC A - GM over a long window: a line fit of the free-running phase
 * (offsetFromMaster minus the servo's own integral), its length chosen by
 * a runs test of the residuals.  See ptp_offset.h.
 */
#include <math.h>
#include <string.h>

#include "ptp/ptp_offset.h"

/* Relative times are doubles of ns: rebase before they pass 2^50 ns (13
   days), long before a double loses a fraction of a ns. */
#ifndef PTP_OFFSET_REBASE_NS
#define PTP_OFFSET_REBASE_NS 1125899906842624.0
#endif

void ptp_offset_init(struct ptp_offset *e)
{
	memset(e, 0, sizeof(*e));
}

void ptp_offset_reset(struct ptp_offset *e)
{
	e->bn = 0;
	e->n_bins = 0;
	e->bins_head = 0;
	e->jumps = 0;
	memset(&e->fit, 0, sizeof(e->fit));
	e->resets++;
}

static const struct ptp_offset_adj *adj_entry(const struct ptp_offset *e, int age)
{
	return &e->adj[(e->adj_head - age + PTP_OFFSET_ADJ_LOG) % PTP_OFFSET_ADJ_LOG];
}

double ptp_offset_adj_at(const struct ptp_offset *e, int64_t t_ns)
{
	const struct ptp_offset_adj *a = NULL;

	if (!e->n_adj)
		return 0.0;
	/* the newest entry at or before t (or the oldest one, extrapolated
	   back, for a time older than the log) */
	for (int i = 0; i < e->n_adj; i++) {
		a = adj_entry(e, i);
		if (a->t_ns <= t_ns)
			break;
	}
	return a->a_ns + a->f_ppb * 1e-9 * (double)(t_ns - a->t_ns);
}

static void start(struct ptp_offset *e, int64_t t_ns)
{
	if (!e->started) {
		e->started = true;
		e->t0 = t_ns;
	}
}

void ptp_offset_freq(struct ptp_offset *e, int64_t t_ns, double f_ppb)
{
	struct ptp_offset_adj n;

	start(e, t_ns);
	if (e->n_adj && adj_entry(e, 0)->f_ppb == f_ppb)
		return;
	n.t_ns = t_ns;
	n.f_ppb = f_ppb;
	n.a_ns = ptp_offset_adj_at(e, t_ns);
	e->adj_head = (e->adj_head + 1) % PTP_OFFSET_ADJ_LOG;
	e->adj[e->adj_head] = n;
	if (e->n_adj < PTP_OFFSET_ADJ_LOG)
		e->n_adj++;
}

/* The fitted free-running phase at relative time t (ns). */
static double ptp_offset_fit_eval(const struct ptp_offset_fit *f, double t)
{
	double p1 = t - f->t_ref;

	return f->a + f->b * p1 + f->c * (p1 * p1 - f->alpha * p1 - f->beta);
}

static const struct ptp_offset_bin *bin(const struct ptp_offset *e, int age)
{
	return &e->bins[(e->bins_head - age + PTP_OFFSET_MAX_BINS) % PTP_OFFSET_MAX_BINS];
}

/* Least squares over the newest m bins, on orthogonal polynomials of the
   centred time (so the large times and phases cost no precision, and the
   curvature term can be judged on its own): p1 = t - t_ref, p2 = p1^2 -
   alpha p1 - beta.  The curvature is kept only when it is significant: a
   line through a phase whose frequency drifts misses most at the newest
   end, the one we use. */
static void fit_bins(const struct ptp_offset *e, int m, struct ptp_offset_fit *f)
{
	double st = 0, sy = 0, s11 = 0, s111 = 0, s1y = 0, s22 = 0, s2y = 0, ss = 0;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < m; i++) {
		st += bin(e, i)->t;
		sy += bin(e, i)->y;
	}
	st /= m;
	sy /= m;
	for (int i = 0; i < m; i++) {
		double p1 = bin(e, i)->t - st;

		s11 += p1 * p1;
		s111 += p1 * p1 * p1;
		s1y += p1 * (bin(e, i)->y - sy);
	}
	f->n = m;
	f->t_ref = st;
	f->a = sy;
	f->b = s11 > 0 ? s1y / s11 : 0.0;
	f->sxx = s11;
	f->alpha = s11 > 0 ? s111 / s11 : 0.0;
	f->beta = s11 / m;
	for (int i = 0; i < m; i++) {
		double p1 = bin(e, i)->t - st, p2 = p1 * p1 - f->alpha * p1 - f->beta;

		s22 += p2 * p2;
		s2y += p2 * (bin(e, i)->y - sy);
	}
	f->s22 = s22;
	f->newest = bin(e, 0)->t;
	f->valid = m >= 3;
	if (m >= 3 * PTP_OFFSET_MIN_BINS / 2 && s22 > 0) {
		double c = s2y / s22, sq = 0;

		for (int i = 0; i < m; i++) {
			double p1 = bin(e, i)->t - st;
			double r = bin(e, i)->y - ptp_offset_fit_eval(f, bin(e, i)->t) -
				   c * (p1 * p1 - f->alpha * p1 - f->beta);

			sq += r * r;
		}
		sq = sqrt(sq / (m - 3));
		if (fabs(c) * sqrt(s22) > 3.0 * sq)
			f->c = c;
	}
	for (int i = 0; i < m; i++) {
		double r = bin(e, i)->y - ptp_offset_fit_eval(f, bin(e, i)->t);

		ss += r * r;
	}
	f->sd = m > 3 ? sqrt(ss / (m - (f->c != 0 ? 3 : 2))) : 0.0;
}

/* Wald-Wolfowitz: are the residuals' signs, in time order, too few runs
   to be noise about the fit (1 % one-sided)?  Then the oscillator wandered
   within the window and its oldest part must go (chrony's test for its
   own sources). */
static bool too_few_runs(const struct ptp_offset *e, const struct ptp_offset_fit *f)
{
	int runs = 0, np = 0, nn = 0, prev = 0;
	double mu, var;

	for (int i = f->n - 1; i >= 0; i--) {
		int s = bin(e, i)->y >= ptp_offset_fit_eval(f, bin(e, i)->t) ? 1 : -1;

		if (s > 0)
			np++;
		else
			nn++;
		if (s != prev)
			runs++;
		prev = s;
	}
	if (!np || !nn)
		return true;
	mu = 1.0 + 2.0 * np * nn / f->n;
	var = 2.0 * np * nn * (2.0 * np * nn - f->n) / ((double)f->n * f->n * (f->n - 1));
	return runs < mu - 2.33 * sqrt(var > 0 ? var : 0);
}

static void refit(struct ptp_offset *e)
{
	struct ptp_offset_fit f;
	int m = e->n_bins;

	for (;;) {
		fit_bins(e, m, &f);
		if (m <= PTP_OFFSET_MIN_BINS || !too_few_runs(e, &f))
			break;
		m -= m / 8 > 1 ? m / 8 : 1;
	}
	e->n_bins = m;	/* the dropped bins are the oldest: forget them */
	e->fit = f;
}

static void rebase(struct ptp_offset *e, double d)
{
	for (int i = 0; i < e->n_bins; i++)
		e->bins[(e->bins_head - i + PTP_OFFSET_MAX_BINS) % PTP_OFFSET_MAX_BINS].t -= d;
	for (int i = 0; i < e->bn; i++)
		e->bt[i] -= d;
	e->bin_start -= d;
	e->fit.t_ref -= d;
	e->fit.newest -= d;
	e->t0 += (int64_t)d;
}

/* One bin from up to PTP_OFFSET_BIN_MAX_SAMPLES samples: a line through them,
   the quarter farthest from it dropped (queueing outliers), the mean of
   the rest at their mean time. */
static void close_bin(struct ptp_offset *e)
{
	double mt = 0, my = 0, sxx = 0, sxy = 0, b, res[PTP_OFFSET_BIN_MAX_SAMPLES], cut = INFINITY;
	double kt = 0, ky = 0;
	int n = e->bn, drop = n >= 4 ? n / 4 : 0, kept = 0;
	struct ptp_offset_bin nb;

	for (int i = 0; i < n; i++) {
		mt += e->bt[i];
		my += e->by[i];
	}
	mt /= n;
	my /= n;
	for (int i = 0; i < n; i++) {
		sxx += (e->bt[i] - mt) * (e->bt[i] - mt);
		sxy += (e->bt[i] - mt) * (e->by[i] - my);
	}
	b = sxx > 0 ? sxy / sxx : 0.0;
	for (int i = 0; i < n; i++)
		res[i] = fabs(e->by[i] - my - b * (e->bt[i] - mt));
	/* the drop-th largest residual is the cut (n <= 64: select by
	   repeated maximum) */
	for (int d = 0; d < drop; d++) {
		double mx = -1;

		for (int i = 0; i < n; i++) {
			if (res[i] < cut && res[i] > mx)
				mx = res[i];
		}
		cut = mx;
	}
	for (int i = 0; i < n; i++) {
		if (drop && res[i] >= cut)
			continue;
		kt += e->bt[i];
		ky += e->by[i];
		kept++;
	}
	if (!kept) {	/* all residuals equal: keep everything */
		kt = mt * n;
		ky = my * n;
		kept = n;
	}
	nb.t = kt / kept;
	nb.y = ky / kept;
	e->bn = 0;

	e->bins_head = (e->bins_head + 1) % PTP_OFFSET_MAX_BINS;
	e->bins[e->bins_head] = nb;
	if (e->n_bins < PTP_OFFSET_MAX_BINS)
		e->n_bins++;
	refit(e);
	if (nb.t > PTP_OFFSET_REBASE_NS)
		rebase(e, floor(nb.t));	/* whole ns: t0 stays exact */
}

int ptp_offset_sample(struct ptp_offset *e, int64_t t_ns, double offset_ns)
{
	double t, y;
	int jumped = 0;

	start(e, t_ns);
	t = (double)(t_ns - e->t0);
	y = offset_ns - ptp_offset_adj_at(e, t_ns);
	if (e->fit.valid &&
	    fabs(y - ptp_offset_fit_eval(&e->fit, t)) > PTP_OFFSET_JUMP_NS) {
		/* one wild sample is dropped; three in a row are the new truth */
		if (++e->jumps < 3)
			return 0;
		ptp_offset_reset(e);
		jumped = 1;
	} else {
		e->jumps = 0;
	}
	if (e->bn && (t - e->bin_start >= PTP_OFFSET_BIN_NS || e->bn == PTP_OFFSET_BIN_MAX_SAMPLES)) {
		close_bin(e);
		t = (double)(t_ns - e->t0);	/* the origin may have moved */
	}
	if (!e->bn)
		e->bin_start = t;
	e->bt[e->bn] = t;
	e->by[e->bn] = y;
	e->bn++;
	return jumped;
}

bool ptp_offset_at(const struct ptp_offset *e, int64_t t_ns, double *offset_ns, double *err_ns)
{
	const struct ptp_offset_fit *f = &e->fit;
	double t, dt;

	if (!f->valid || f->n < PTP_OFFSET_USE_BINS)
		return false;
	t = (double)(t_ns - e->t0);
	if (t - f->newest > (double)PTP_OFFSET_STALE_NS)
		return false;
	dt = t - f->t_ref;
	*offset_ns = ptp_offset_fit_eval(f, t) + ptp_offset_adj_at(e, t_ns);
	if (err_ns) {
		double p2 = dt * dt - f->alpha * dt - f->beta;

		*err_ns = f->sd * sqrt(1.0 / f->n + (f->sxx > 0 ? dt * dt / f->sxx : 0) +
				       (f->c != 0 && f->s22 > 0 ? p2 * p2 / f->s22 : 0));
	}
	return true;
}
