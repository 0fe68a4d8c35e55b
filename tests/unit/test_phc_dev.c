/*
 * One PHC API for both NICs (phc/phc_dev.c) with injected reads: the
 * driver's answers to PTP_CLOCK_GETCAPS and the three PTP_SYS_OFFSET
 * ioctls are made up here (ioctl and open are redirected before
 * phc_dev.c is included), so the choice of method, the step down when a
 * driver lacks one, and the choice of the tightest reading are checked
 * without a PHC.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define ioctl fake_ioctl
#define open fake_open
#define phc_nl_find_index fake_phc_nl_find_index

#include "phc/phc_dev.c"

#define FAKE_FD 77

static struct {
	bool cross;		/* caps: PRECISE there */
	bool precise, extended, basic;	/* what the driver answers */
	int fail_errno;		/* an error other than "not supported" */
	int index;		/* PHC index of the NIC, -1 none */
	int calls[3];		/* PRECISE, EXTENDED, basic */
} drv;

int fake_phc_nl_find_index(const char *ifname, const char **how)
{
	*how = "injected";
	return drv.index;
}

int fake_open(const char *path, int flags, ...)
{
	char want[32];

	snprintf(want, sizeof(want), "/dev/ptp%d", drv.index);
	if (strcmp(path, want)) {
		errno = ENOENT;
		return -1;
	}
	return FAKE_FD;
}

static void pct(struct ptp_clock_time *t, int64_t ns)
{
	t->sec = ns / 1000000000LL;
	t->nsec = (uint32_t)(ns % 1000000000LL);
}

int fake_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == SIOCETHTOOL) {
		struct ifreq *ifr = arg;
		struct ethtool_ts_info *ti = (struct ethtool_ts_info *)ifr->ifr_data;

		ti->so_timestamping = SOF_TIMESTAMPING_RAW_HARDWARE;
		ti->phc_index = drv.index;
		return 0;
	}
	assert_int_equal(fd, FAKE_FD);
	if (drv.fail_errno && req != PTP_CLOCK_GETCAPS) {
		errno = drv.fail_errno;
		return -1;
	}
	switch (req) {
	case PTP_CLOCK_GETCAPS: {
		struct ptp_clock_caps *c = arg;

		c->max_adj = 62499999;
		c->cross_timestamping = drv.cross;
		return 0;
	}
	case PTP_SYS_OFFSET_PRECISE: {
		struct ptp_sys_offset_precise *p = arg;

		drv.calls[0]++;
		if (!drv.precise)
			break;
		pct(&p->device, 1000000000500LL);
		pct(&p->sys_realtime, 1000000000000LL);
		return 0;
	}
	case PTP_SYS_OFFSET_EXTENDED: {
		struct ptp_sys_offset_extended *e = arg;
		/* windows 400, 100 (the tightest) and 300 ns */
		static const int64_t w[3] = { 400, 100, 300 };

		drv.calls[1]++;
		if (!drv.extended)
			break;
		assert_int_equal(e->n_samples, 3);
		for (int i = 0; i < 3; i++) {
			int64_t t1 = 2000000000000LL + i * 10000;

			pct(&e->ts[i][0], t1);
			pct(&e->ts[i][1], t1 + 700 + i);
			pct(&e->ts[i][2], t1 + w[i]);
		}
		return 0;
	}
	case PTP_SYS_OFFSET: {
		struct ptp_sys_offset *b = arg;
		/* sys, phc, sys, phc, sys: windows 90, then 31 */
		static const int64_t t[5] = { 0, 40, 90, 105, 121 };

		drv.calls[2]++;
		if (!drv.basic)
			break;
		assert_int_equal(b->n_samples, 2);
		for (int i = 0; i < 5; i++)
			pct(&b->ts[i], 3000000000000LL + t[i] + (i % 2 ? 5000 : 0));
		return 0;
	}
	default:
		errno = EINVAL;
		return -1;
	}
	errno = EOPNOTSUPP;
	return -1;
}

static int reset(void **state)
{
	memset(&drv, 0, sizeof(drv));
	drv.index = 4;
	drv.precise = drv.extended = drv.basic = true;
	return 0;
}

static void open_picks_precise_with_caps(void **state)
{
	struct phc_dev dev;
	struct phc_sys_sample s;

	drv.cross = true;
	assert_int_equal(phc_dev_open(&dev, "eth0"), 0);
	assert_int_equal(dev.index, 4);
	assert_string_equal(dev.how, "injected");
	assert_int_equal(dev.max_adj, 62499999);
	assert_int_equal(dev.method, PHC_SYSOFF_PRECISE);
	assert_int_equal(phc_dev_sys_offset(&dev, 3, &s), 0);
	assert_int_equal(s.method, PHC_SYSOFF_PRECISE);
	assert_true(s.phc_ns == 1000000000500LL && s.sys_ns == 1000000000000LL);
	assert_int_equal(s.err_ns, 0);
	/* without the caps bit, EXTENDED is where it starts */
	drv.cross = false;
	assert_int_equal(phc_dev_open(&dev, "eth0"), 0);
	assert_int_equal(dev.method, PHC_SYSOFF_EXTENDED);
}

static void extended_keeps_the_tightest(void **state)
{
	struct phc_dev dev;
	struct phc_sys_sample s;

	assert_int_equal(phc_dev_open(&dev, "eth0"), 0);
	assert_int_equal(phc_dev_sys_offset(&dev, 3, &s), 0);
	assert_int_equal(s.method, PHC_SYSOFF_EXTENDED);
	/* the second reading: sys window 100 ns, its midpoint, half of it */
	assert_true(s.phc_ns == 2000000010000LL + 701);
	assert_true(s.sys_ns == 2000000010000LL + 50);
	assert_int_equal(s.err_ns, 50);
}

static void steps_down_for_good(void **state)
{
	struct phc_dev dev;
	struct phc_sys_sample s;

	drv.cross = true;
	drv.precise = drv.extended = false;
	assert_int_equal(phc_dev_open(&dev, "eth0"), 0);
	assert_int_equal(phc_dev_sys_offset(&dev, 2, &s), 0);
	assert_int_equal(s.method, PHC_SYSOFF_BASIC);
	/* sys, phc, sys: the second window (31 ns) is the tightest */
	assert_true(s.phc_ns == 3000000000000LL + 105 + 5000);
	assert_true(s.sys_ns == 3000000000000LL + 90 + 15);
	assert_int_equal(s.err_ns, 16);
	/* the next read goes straight to what works */
	memset(drv.calls, 0, sizeof(drv.calls));
	assert_int_equal(phc_dev_sys_offset(&dev, 2, &s), 0);
	assert_int_equal(drv.calls[0] + drv.calls[1], 0);
	assert_int_equal(drv.calls[2], 1);
	assert_string_equal(phc_dev_method_short(dev.method), "basic");

	/* none works: NONE, and an error every time after */
	drv.basic = false;
	assert_int_equal(phc_dev_sys_offset(&dev, 2, &s), -1);
	assert_int_equal(dev.method, PHC_SYSOFF_NONE);
	assert_int_equal(phc_dev_sys_offset(&dev, 2, &s), -1);
}

static void other_errors_do_not_step_down(void **state)
{
	struct phc_dev dev;
	struct phc_sys_sample s;

	drv.cross = true;
	assert_int_equal(phc_dev_open(&dev, "eth0"), 0);
	drv.fail_errno = EIO;
	assert_int_equal(phc_dev_sys_offset(&dev, 3, &s), -1);
	assert_int_equal(dev.method, PHC_SYSOFF_PRECISE);
	drv.fail_errno = 0;
	assert_int_equal(phc_dev_sys_offset(&dev, 3, &s), 0);
}

static void no_phc(void **state)
{
	struct phc_dev dev;

	drv.index = -1;
	assert_int_equal(phc_dev_open(&dev, "eth0"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(open_picks_precise_with_caps, reset),
		cmocka_unit_test_setup(extended_keeps_the_tightest, reset),
		cmocka_unit_test_setup(steps_down_for_good, reset),
		cmocka_unit_test_setup(other_errors_do_not_step_down, reset),
		cmocka_unit_test_setup(no_phc, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
