/*
 * The adjustment log of CLOCK_REALTIME: the frequency this process last
 * dialed into it and the integral of the ones before, published under a
 * seqlock so the NTP workers read it without a lock.  One writer (phc/'s
 * servo, or ptp/'s engine with software timestamping).
 */
#include <time.h>

#include "phc/phc_sysadj.h"

static struct phc_sysadj sysadj;
static unsigned int sysadj_seq;

static void sysadj_publish(const struct phc_sysadj *a)
{
	__atomic_add_fetch(&sysadj_seq, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	sysadj = *a;
	__atomic_add_fetch(&sysadj_seq, 1, __ATOMIC_RELEASE);
}

static int64_t sys_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void phc_sysadj_note(struct phc_sysadj *a, int64_t now_ns, double f_ppb)
{
	a->c0_ns = phc_sysadj_at(a, now_ns);
	a->t0_ns = now_ns;
	a->f_ppb = f_ppb;
}

void phc_sysadj_freq(double f_ppb)
{
	struct phc_sysadj a = sysadj;	/* one writer: no lock to read */

	phc_sysadj_note(&a, sys_now_ns(), f_ppb);
	sysadj_publish(&a);
}

void phc_sysadj_step(void)
{
	struct phc_sysadj a = sysadj;

	/* Old samples are void anyway: trackers restart on a new gen. */
	a.gen++;
	a.t0_ns = sys_now_ns();
	sysadj_publish(&a);
}

void phc_sysadj_read(struct phc_sysadj *a)
{
	unsigned int s1, s2;

	do {
		s1 = __atomic_load_n(&sysadj_seq, __ATOMIC_ACQUIRE);
		*a = sysadj;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&sysadj_seq, __ATOMIC_RELAXED);
	} while ((s1 & 1) || s1 != s2);
}

double phc_sysadj_at(const struct phc_sysadj *a, int64_t sys_ns)
{
	if (!a || !a->t0_ns)
		return a ? a->c0_ns : 0.0;
	return a->c0_ns + a->f_ppb * 1e-9 * (double)(sys_ns - a->t0_ns);
}

