/*
 * clockguard - prove that a test left the host clock alone.
 *
 *   clockguard record FILE   save adjtimex() state and realtime - monotonic
 *   clockguard check FILE    compare with now; exit 1 if the clock changed
 *
 * Only reads: adjtimex() with modes = 0 changes nothing.  Never run it
 * under libhwsim (it must see the real kernel).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#define NS 1000000000LL
/* realtime - monotonic moves only when the clock is stepped; reading the
   two clocks takes well under this, even on a loaded machine (we keep the
   tightest of several tries). */
#define MAX_RT_MONO_CHANGE_NS 200000LL

struct snap {
	long freq, tick, status, offset;
	long long rt_mono;
};

static int64_t ns(const struct timespec *ts)
{
	return ts->tv_sec * NS + ts->tv_nsec;
}

static int take(struct snap *s)
{
	struct timex tx;
	int64_t best = INT64_MAX;

	s->rt_mono = 0;

	memset(&tx, 0, sizeof(tx));
	tx.modes = 0;
	if (adjtimex(&tx) < 0) {
		perror("adjtimex");
		return -1;
	}
	s->freq = tx.freq;
	s->tick = tx.tick;
	s->status = tx.status;
	s->offset = tx.offset;
	for (int i = 0; i < 20; i++) {
		struct timespec m1, r, m2;

		clock_gettime(CLOCK_MONOTONIC, &m1);
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m2);
		if (ns(&m2) - ns(&m1) < best) {
			best = ns(&m2) - ns(&m1);
			s->rt_mono = ns(&r) - (ns(&m1) + ns(&m2)) / 2;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct snap a, b;
	FILE *f;
	int bad = 0;

	if (argc != 3 || (strcmp(argv[1], "record") && strcmp(argv[1], "check"))) {
		fprintf(stderr, "usage: clockguard record|check FILE\n");
		return 2;
	}
	if (take(&b) < 0) {
		return 2;
	}
	if (!strcmp(argv[1], "record")) {
		f = fopen(argv[2], "w");
		if (!f) {
			perror(argv[2]);
			return 2;
		}
		fprintf(f, "%ld %ld %ld %ld %lld\n", b.freq, b.tick, b.status, b.offset, b.rt_mono);
		fclose(f);
		return 0;
	}
	f = fopen(argv[2], "r");
	if (!f || fscanf(f, "%ld %ld %ld %ld %lld", &a.freq, &a.tick, &a.status, &a.offset,
			 &a.rt_mono) != 5) {
		fprintf(stderr, "clockguard: cannot read %s\n", argv[2]);
		return 2;
	}
	fclose(f);
	if (a.freq != b.freq) {
		fprintf(stderr, "clockguard: host frequency changed %ld -> %ld\n", a.freq, b.freq);
		bad = 1;
	}
	if (a.tick != b.tick) {
		fprintf(stderr, "clockguard: host tick changed %ld -> %ld\n", a.tick, b.tick);
		bad = 1;
	}
	if (a.status != b.status) {
		fprintf(stderr, "clockguard: host status changed %#lx -> %#lx\n", a.status, b.status);
		bad = 1;
	}
	if (a.offset != b.offset) {
		fprintf(stderr, "clockguard: host offset changed %ld -> %ld\n", a.offset, b.offset);
		bad = 1;
	}
	if (llabs(b.rt_mono - a.rt_mono) > MAX_RT_MONO_CHANGE_NS) {
		fprintf(stderr, "clockguard: host clock stepped by %lld ns\n", b.rt_mono - a.rt_mono);
		bad = 1;
	}
	if (!bad) {
		printf("clockguard: host clock unchanged (freq %ld tick %ld status %#lx, "
		       "realtime-monotonic moved %lld ns)\n", b.freq, b.tick, b.status,
		       b.rt_mono - a.rt_mono);
	}
	return bad;
}
