/*
 * Optional PPS input ([clock] pps_device, off by default): an independent
 * check of PHC A.  A GNSS receiver's PPS edge marks the start of a UTC
 * second; the kernel timestamps it with CLOCK_REALTIME, which we steer to
 * PHC A - TAI-UTC.  So the fraction of that timestamp is how far PHC A
 * (through the system clock) is from the receiver's idea of UTC.  We only
 * report and warn: the PPS never steers anything (it has no notion of which
 * second it is, and PTP has the better path to the GM).
 *
 * Through the RFC 2783 PPS API (timepps.h from pps-tools), polled without
 * blocking from phc/'s update timer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/timepps.h>
#include <unistd.h>

#include "bridge/core/log.h"
#include "phc/phc_pps.h"

static struct {
	int fd;
	pps_handle_t h;
	bool on;
	unsigned long seq;
} pps = { .fd = -1 };

int64_t phc_pps_fold(long nsec)
{
	/* 0.9999 s after the edge is 100 us early, not 999.9 ms late */
	return nsec >= 500000000L ? (int64_t)nsec - 1000000000LL : (int64_t)nsec;
}

int phc_pps_start(const char *path)
{
	pps_params_t params;
	int mode = 0;

	pps.on = false;
	if (!path || !path[0])
		return 0;
	pps.fd = open(path, O_RDWR | O_CLOEXEC);
	if (pps.fd < 0) {
		log_error("phc: cannot open PPS device %s: %s", path, strerror(errno));
		return -1;
	}
	if (time_pps_create(pps.fd, &pps.h) < 0 || time_pps_getcap(pps.h, &mode) < 0 ||
	    !(mode & PPS_CAPTUREASSERT)) {
		log_error("phc: %s cannot capture assert edges", path);
		goto fail;
	}
	memset(&params, 0, sizeof(params));
	if (time_pps_getparams(pps.h, &params) < 0)
		goto fail;
	params.mode |= PPS_CAPTUREASSERT | PPS_TSFMT_TSPEC;
	params.mode &= ~(PPS_CAPTURECLEAR | PPS_OFFSETASSERT);
	if (time_pps_setparams(pps.h, &params) < 0) {
		log_error("phc: cannot set up PPS capture on %s: %s", path, strerror(errno));
		goto fail;
	}
	pps.on = true;
	pps.seq = 0;
	log_info("phc: PPS input %s checks PHC A", path);
	return 0;
fail:
	close(pps.fd);
	pps.fd = -1;
	return -1;
}

int phc_pps_poll(int64_t *offset_ns)
{
	struct timespec timeout = { 0, 0 };
	pps_info_t info;

	if (!pps.on)
		return 0;
	memset(&info, 0, sizeof(info));
	if (time_pps_fetch(pps.h, PPS_TSFMT_TSPEC, &info, &timeout) < 0)
		return errno == ETIMEDOUT ? 0 : -1;
	if (info.assert_sequence == pps.seq)
		return 0;
	pps.seq = info.assert_sequence;
	*offset_ns = phc_pps_fold(info.assert_timestamp.tv_nsec);
	return 1;
}

void phc_pps_stop(void)
{
	if (pps.fd >= 0) {
		time_pps_destroy(pps.h);
		close(pps.fd);
	}
	pps.fd = -1;
	pps.on = false;
}
