/*
 * The system clock servo (phc/phc_sys.c) on a simulated clock pair: PHC A
 * reads true TAI, the "system clock" is a model that runs fast by a
 * natural drift plus the frequency the servo sets, and steps when it is
 * told to.  Every call that would reach a real clock (clockadj_*,
 * sysclk_*, clock_adjtime) or a real PHC (phc_dev_*) is redirected to the
 * model before phc_sys.c is included, so nothing here can touch the host's
 * clock.  Time is virtual: each tick() is a quarter second of it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <time.h>

#define clockadj_init fake_clockadj_init
#define clockadj_get_freq fake_clockadj_get_freq
#define clockadj_set_freq fake_clockadj_set_freq
#define clockadj_step fake_clockadj_step
#define sysclk_set_leap fake_sysclk_set_leap
#define sysclk_max_freq fake_sysclk_max_freq
#define sysclk_set_sync fake_sysclk_set_sync
#define clock_adjtime fake_clock_adjtime
#define phc_dev_open fake_phc_dev_open
#define phc_dev_close fake_phc_dev_close
#define phc_dev_sys_offset fake_phc_dev_sys_offset
#define phc_nl_find_index fake_phc_nl_find_index
#define phc_nl_link_start fake_phc_nl_link_start
#define phc_nl_link_stop fake_phc_nl_link_stop
#define phc_nl_link_get fake_phc_nl_link_get
#define ptp_get_state fake_ptp_get_state
#define ptp_phc_offset fake_ptp_phc_offset

/* <sys/timex.h> may come before the define: say it ourselves. */
struct timex;
int fake_clock_adjtime(clockid_t clkid, struct timex *tx);

#include "phc/phc_sys.c"

#include "bridge/core/conf.h"

#define TAI_UTC 37
#define NS 1000000000LL

/* The model, in ns of virtual time. */
static struct {
	int64_t tai;		/* true TAI = PHC A */
	double sys;		/* the system clock, ns since the epoch */
	double drift_ppb;	/* the oscillator's own error */
	double freq_ppb;	/* what the servo set */
	int steps;
	int leap;
	double filter_ns;	/* ptp/'s filtered PHC A offset, NAN: none */
} m;

void fake_clockadj_init(clockid_t clkid)
{
	assert_true(clkid == CLOCK_REALTIME);
}

double fake_clockadj_get_freq(clockid_t clkid)
{
	return m.freq_ppb;
}

void fake_clockadj_set_freq(clockid_t clkid, double freq)
{
	assert_true(clkid == CLOCK_REALTIME);
	m.freq_ppb = freq;
}

void fake_clockadj_step(clockid_t clkid, int64_t step)
{
	assert_true(clkid == CLOCK_REALTIME);
	m.sys += (double)step;
	m.steps++;
}

void fake_sysclk_set_leap(int leap)
{
	m.leap = leap;
}

int fake_sysclk_max_freq(void)
{
	return 500000;
}

void fake_sysclk_set_sync(void)
{
}

int fake_clock_adjtime(clockid_t clkid, struct timex *tx)
{
	assert_int_equal(tx->modes, 0);	/* phc_sys.c only reads */
	tx->status = STA_UNSYNC;
	return 0;
}

int fake_phc_dev_open(struct phc_dev *dev, const char *ifname)
{
	memset(dev, 0, sizeof(*dev));
	dev->fd = 99;
	dev->index = 7;
	dev->how = "test";
	/* a clock that advances, for the stuck-PHC check */
	dev->clkid = CLOCK_MONOTONIC;
	dev->method = PHC_SYSOFF_PRECISE;
	return 0;
}

void fake_phc_dev_close(struct phc_dev *dev)
{
	dev->fd = -1;
}

int fake_phc_dev_sys_offset(struct phc_dev *dev, int samples, struct phc_sys_sample *out)
{
	out->phc_ns = m.tai;
	out->sys_ns = (int64_t)llround(m.sys);
	out->err_ns = 0;
	out->method = PHC_SYSOFF_PRECISE;
	return 0;
}

int fake_phc_nl_find_index(const char *ifname, const char **how)
{
	*how = "test";
	return strcmp(ifname, "eth0") ? 3 : 7;
}

int fake_phc_nl_link_start(const char *if_a, const char *if_b)
{
	return 0;
}

void fake_phc_nl_link_stop(void)
{
}

const struct phc_link *fake_phc_nl_link_get(int which)
{
	return NULL;
}

static bool ptp_locked = true;

void fake_ptp_get_state(struct ptp_state *s)
{
	memset(s, 0, sizeof(*s));
	s->running = true;
	s->phc_index = 7;
	s->port_state = ptp_locked ? PTP_PS_SLAVE : PTP_PS_LISTENING;
	s->servo_state = PTP_SERVO_LOCKED;
	s->have_parent = ptp_locked;
	s->gm_class = 6;
	s->utc_offset = TAI_UTC;
	s->utc_offset_valid = true;
	s->ptp_timescale = true;
	s->time_traceable = true;
	s->last_sync_mono_ns = ptp_locked ? loop_now_ns() : 1;
}

bool fake_ptp_phc_offset(int64_t phc_ns, double *offset_ns, double *err_ns)
{
	if (isnan(m.filter_ns))
		return false;
	*offset_ns = m.filter_ns;
	return true;
}

/* A quarter second of virtual time, then one update of the servo. */
static void step_time(void)
{
	const int64_t dt = NS / PHC_SYS_RATE;

	m.tai += dt;
	m.sys += (double)dt * (1.0 + (m.drift_ppb + m.freq_ppb) * 1e-9);
	tick(NULL);
}

/* The system clock's error against UTC (what it should read), ns. */
static double sys_error(void)
{
	return m.sys - (double)(m.tai - TAI_UTC * NS);
}

static struct bridge_conf conf_base;

static void start(double offset_ns, double drift_ppb, const char *extra)
{
	struct conf_errors errs;
	char text[512];

	snprintf(text, sizeof(text),
		 "[ptp]\ninterface = eth0\n[ntp]\ninterface = eth1\n[clock]\n%s",
		 extra);
	assert_int_equal(conf_load_string("t.conf", text, &conf_base, &errs), 0);
	memset(&m, 0, sizeof(m));
	/* noon UTC, far from a leap second */
	m.tai = (1800000000LL / 86400 * 86400 + 43200 + TAI_UTC) * NS;
	m.sys = (double)(m.tai - TAI_UTC * NS) + offset_ns;
	m.drift_ppb = drift_ppb;
	m.filter_ns = NAN;
	ptp_locked = true;
	assert_int_equal(phc_sys_start(&conf_base), 0);
}

static int setup(void **state)
{
	loop_init();
	return 0;
}

static int teardown_one(void **state)
{
	phc_sys_stop();
	return 0;
}

static void slews_to_phc_a(void **state)
{
	struct phc_tracking t;
	struct ref_snapshot rs;
	int i;

	/* 50 us off, 20 ppm fast: below step_threshold, so a slew */
	start(50000, 20000, "");
	for (i = 0; i < 4 * 120; i++)
		step_time();
	phc_sys_tracking(&t);
	assert_int_equal(m.steps, 0);
	assert_true(fabs(sys_error()) < 50.0);
	/* the servo cancels the drift */
	assert_true(fabs(m.freq_ppb + 20000) < 20.0);
	assert_true(t.servo_state == SERVO_LOCKED || t.servo_state == SERVO_LOCKED_STABLE);
	assert_int_equal(t.utc_offset, TAI_UTC);
	assert_int_equal(t.utc_source, PHC_UTC_PTP);
	assert_string_equal(t.sysoff_method, "precise");
	/* and publishes a synchronised, traceable reference */
	ref_state_read(&rs);
	assert_int_equal(rs.sync, REF_SYNCED);
	assert_int_equal(rs.stratum, 1);
}

static void steps_only_early(void **state)
{
	int i;

	/* 2 s off: stepped at the first update, then slewed */
	start(2.0 * NS, -5000, "");
	for (i = 0; i < 4 * 120; i++)
		step_time();
	assert_int_equal(m.steps, 1);
	assert_true(fabs(sys_error()) < 50.0);
	phc_sys_stop();

	/* step_limit 0: never stepped, however far; slewed at the limit */
	start(0.5 * NS, 0, "step_limit = 0\n");
	for (i = 0; i < 4 * 20; i++)
		step_time();
	assert_int_equal(m.steps, 0);
	assert_true(sys_error() < 0.5 * NS);
	assert_true(m.freq_ppb <= -400000);
	phc_sys_stop();

	/* step_threshold 0 means never (it stepped on every update) */
	start(0.5 * NS, 0, "step_threshold = 0\nstep_limit = -1\n");
	for (i = 0; i < 4 * 20; i++)
		step_time();
	assert_int_equal(m.steps, 0);
}

static void follows_the_filtered_offset(void **state)
{
	int i;

	/* ptp/ says PHC A is 300 ns ahead of the GM: the system clock follows
	   the GM, 300 ns behind PHC A */
	start(10000, 1000, "");
	m.filter_ns = 300;
	for (i = 0; i < 4 * 120; i++)
		step_time();
	assert_true(fabs(sys_error() + 300) < 50.0);
	phc_sys_stop();

	/* phc_filter = no: PHC A as it is */
	start(10000, 1000, "phc_filter = no\n");
	m.filter_ns = 300;
	for (i = 0; i < 4 * 120; i++)
		step_time();
	assert_true(fabs(sys_error()) < 50.0);
}

static void holdover_when_ptp_goes(void **state)
{
	struct phc_tracking t;
	struct ref_snapshot rs;
	int i;

	start(0, 0, "");
	for (i = 0; i < 4 * 30; i++)
		step_time();
	ref_state_read(&rs);
	assert_int_equal(rs.sync, REF_SYNCED);
	ptp_locked = false;
	step_time();
	ref_state_read(&rs);
	assert_int_equal(rs.sync, REF_HOLDOVER);
	/* stratum kept in holdover */
	assert_int_equal(rs.stratum, 1);
	phc_sys_tracking(&t);
	assert_true(t.ever_synced);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(slews_to_phc_a, teardown_one),
		cmocka_unit_test_teardown(steps_only_early, teardown_one),
		cmocka_unit_test_teardown(follows_the_filtered_offset, teardown_one),
		cmocka_unit_test_teardown(holdover_when_ptp_goes, teardown_one),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
