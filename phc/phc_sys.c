/*
 * CLOCK_REALTIME follows PHC A.
 *
 * linuxptp's engine steers PHC A to the grandmaster (TAI when the GM uses
 * the PTP timescale).  Here, at PHC_SYS_RATE per second, we measure
 * CLOCK_REALTIME - PHC A with the best cross-timestamp the driver offers
 * (PTP_SYS_OFFSET_PRECISE, then _EXTENDED, then the basic ioctl: linuxptp's
 * sysoff), subtract TAI - UTC and feed the error to a servo from the same
 * library (pi or linreg).  A step happens only beyond [clock] step_threshold
 * and only during the first step_limit updates (chrony's makestep); after
 * that the servo slews.  A leap second announced by the GM is handed to the
 * kernel (STA_INS/STA_DEL) the way linuxptp does it for CLOCK_REALTIME.
 *
 * With software timestamping there is no PHC A: the engine's own servo
 * steers CLOCK_REALTIME and we only watch.  Either way, every update ends
 * with a reference-state decision (phc_ref.c) that ntp/ reads.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "clockadj.h"
#include "config.h"
#include "missing.h"
#include "servo.h"
#include "sk.h"
#include "util.h"

#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "bridge/core/ref_state.h"
#include "phc/phc_sys.h"
#include "phc/phc_dev.h"
#include "phc/phc_leapfile.h"
#include "phc/phc_nl.h"
#include "phc/phc_pps.h"
#include "phc/phc_ref.h"
#include "phc/phc_track.h"
#include "ptp/ptp.h"

/* Updates per second.  PHC readouts cost microseconds; a faster loop tracks
   the system oscillator's wander more closely than phc2sys' 1 Hz default. */
#define PHC_SYS_RATE 4
/* Cross-timestamp samples per measurement (the shortest readout wins). */
#define PHC_SYS_SAMPLES 5
/* The engine's Syncs are stale (the GM went silent) after this long. */
#define PTP_STALE_S 3.0
/* CLOCK_REALTIME counts as following PHC A within this error... */
#define CLOCK_OK_NS 20000.0
/* ...and once its frequency has settled: linuxptp's servo may slew at up to
   10 % (tick adjustments) and overshoots by milliseconds on the way; a
   PHC B model (ntp/) fitted across that would be off for its whole window. */
#define CLOCK_OK_FREQ_SPREAD_PPB 10000.0
/* Consecutive good updates (2 s) before CLOCK_REALTIME counts as locked:
   the PI servo reports "locked" from its second sample on, which says
   nothing yet about how well the frequency is known. */
#define CLOCK_OK_UPDATES 8
/* A PPS edge further than this from the system clock's second: warn. */
#define PPS_WARN_NS 10000
/* Offsets kept for the RMS of `tracking`. */
#define RMS_WINDOW 16

static struct bridge_conf conf;
static struct config *servo_cfg;
static struct servo *servo;
static struct loop_timer *timer;
static struct phc_dev phc_a = { .fd = -1 };
static struct phc_ref ref;
static struct phc_tracking trk;
static struct phc_leapfile leapfile;
static bool have_leapfile;
static bool ptp_ever_locked;
static int leap_set;		/* what we told the kernel */
static double last_freq_set;
static bool freq_set;
static double offsets[RMS_WINDOW];
static int n_offsets, i_offsets;
static int last_ptp_utc_offset;
static bool have_ptp_utc_offset;
static int last_leap;
static int good_updates;
static double good_freq_min, good_freq_max;
static bool leap_pause;		/* updates suspended in the ambiguous second */
/* A grandmaster jump that ptp/ followed (its guard: confirmed, or the
   operator's word) may step CLOCK_REALTIME once more, within this window. */
#define JUMP_STEP_WINDOW_S 30.0
static uint64_t jumps_followed_seen;
static double jump_step_until;
static bool warned_utc_config, warned_leapfile_expired, warned_other_writer;

static double mono_s(void)
{
	return (double)loop_now_ns() * 1e-9;
}

const char *phc_sys_utc_source_name(int src)
{
	switch (src) {
	case PHC_UTC_PTP:
		return "ptp";
	case PHC_UTC_LEAPFILE:
		return "leapfile";
	default:
		return "config";
	}
}

static void close_phc(void)
{
	phc_dev_close(&phc_a);
}

/* Some PHCs exist but never tick (QEMU 7.2's e1000e): over 20 ms of
   CLOCK_MONOTONIC a working clock moves by about as much, whatever its
   frequency error. */
static bool phc_is_stuck(clockid_t clk)
{
	struct timespec a, b, wait = { .tv_nsec = 20000000 };

	if (clock_gettime(clk, &a) < 0)
		return true;
	nanosleep(&wait, NULL);
	if (clock_gettime(clk, &b) < 0)
		return true;
	return (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec) < 1000000;
}

/* PHC A from the interface name, through phc_dev (ethtool netlink, then
   the ioctl linuxptp uses); never a fixed /dev/ptpN. */
static int open_phc(const char *ifname)
{
	struct ptp_state ps;
	const char *how;
	int idx;

	if (phc_dev_open(&phc_a, ifname) < 0)
		return -1;
	ptp_get_state(&ps);
	if (ps.running && ps.phc_index >= 0 && ps.phc_index != phc_a.index)
		log_warn("phc: %s names PHC %d, linuxptp uses PHC %d", phc_a.how, phc_a.index,
			 ps.phc_index);
	snprintf(trk.phc_device, sizeof(trk.phc_device), "/dev/ptp%d", phc_a.index);
	trk.phc_stuck = phc_is_stuck(phc_a.clkid);
	if (trk.phc_stuck)
		log_error("phc: %s (%s) does not advance: the PHC is present but broken"
			  " (QEMU's e1000e has such a clock); nothing can be disciplined",
			  trk.phc_device, ifname);
	trk.sysoff_method = phc_dev_method_short(phc_a.method);
	log_info("phc: PHC A is %s (%s, found by %s), cross-timestamps: %s", trk.phc_device,
		 ifname, phc_a.how, trk.sysoff_method);
	idx = phc_nl_find_index(conf.ntp.interface, &how);
	trk.shared_phc = idx >= 0 && idx == phc_a.index;
	if (trk.shared_phc)
		log_notice("phc: %s and %s share %s: NIC B's timestamps are on PHC A's"
			   " timescale", ifname, conf.ntp.interface, trk.phc_device);
	return 0;
}

/* TAI - UTC and a pending leap, from the best source we have. */
static void utc_offset_now(const struct ptp_state *ps, long long utc,
			   int *offset, int *leap)
{
	if (ps->have_parent && ps->utc_offset_valid) {
		last_ptp_utc_offset = ps->utc_offset;
		have_ptp_utc_offset = true;
		last_leap = ps->leap61 ? 1 : ps->leap59 ? -1 : 0;
	}
	if (have_ptp_utc_offset) {
		/* In holdover the last announced values still stand. */
		*offset = last_ptp_utc_offset;
		*leap = last_leap;
		trk.utc_source = PHC_UTC_PTP;
		trk.leapfile_expired = false;	/* not in use */
		return;
	}
	if (have_leapfile) {
		int r = phc_leapfile_offset(&leapfile, utc, offset, leap);

		if (r >= 0) {
			trk.leapfile_expired = r == 1;
			if (r == 1 && !warned_leapfile_expired) {
				log_warn("phc: leap file %s has expired; still using its"
					 " last TAI-UTC (%d s)", conf.clock.leapfile, *offset);
				warned_leapfile_expired = true;
			}
			trk.utc_source = PHC_UTC_LEAPFILE;
			return;
		}
	}
	if (!warned_utc_config) {
		log_warn("phc: the grandmaster does not give a valid UTC offset;"
			 " using [clock] utc_offset %d", conf.clock.utc_offset);
		warned_utc_config = true;
	}
	*offset = conf.clock.utc_offset;
	*leap = 0;
	trk.utc_source = PHC_UTC_CONFIG;
}

static void record_offset(double ns)
{
	double sum = 0;

	offsets[i_offsets] = ns;
	i_offsets = (i_offsets + 1) % RMS_WINDOW;
	if (n_offsets < RMS_WINDOW)
		n_offsets++;
	for (int i = 0; i < n_offsets; i++)
		sum += offsets[i] * offsets[i];
	trk.rms_offset_ns = sqrt(sum / n_offsets);
}

static void check_other_writer(void)
{
	double f;

	if (!freq_set)
		return;
	f = clockadj_get_freq(CLOCK_REALTIME);
	/* adjtimex keeps ppm in 16.16 fixed point: allow its rounding. */
	if (fabs(f - last_freq_set) > 1.0) {
		trk.other_writer = true;
		if (!warned_other_writer) {
			log_warn("phc: CLOCK_REALTIME's frequency changed under us (%.0f"
				 " ppb, we set %.0f): another process is steering it",
				 f, last_freq_set);
			warned_other_writer = true;
		}
	}
}

static void set_freq(double ppb)
{
	clockadj_set_freq(CLOCK_REALTIME, ppb);
	/* Read back what the kernel holds, for the next check and for ntp/'s
	   conversion of NIC B's stamps (phc_track). */
	last_freq_set = clockadj_get_freq(CLOCK_REALTIME);
	phc_sysadj_freq(last_freq_set);
	freq_set = true;
	trk.freq_ppb = ppb;
}

/* One discipline update of CLOCK_REALTIME.  @return the error in ns, or NAN */
static double discipline(const struct ptp_state *ps, int *utc_offset, int *leap)
{
	struct phc_sys_sample smp;
	int64_t sys_minus_phc, delay;
	uint64_t ts;
	double err, adj;
	enum servo_state st;
	int off, lp;

	if (phc_a.fd < 0 && open_phc(conf.ptp.interface))
		return NAN;
	if (phc_dev_sys_offset(&phc_a, PHC_SYS_SAMPLES, &smp) < 0) {
		log_warn("phc: cannot read %s against CLOCK_REALTIME", trk.phc_device);
		return NAN;
	}
	trk.sysoff_method = phc_dev_method_short(smp.method);
	sys_minus_phc = smp.sys_ns - smp.phc_ns;
	ts = (uint64_t)smp.sys_ns;
	delay = 2 * smp.err_ns;
	trk.measure_delay_ns = (double)delay;
	utc_offset_now(ps, (long long)(ts / 1000000000ULL), &off, &lp);

	/* Leap seconds as linuxptp does them for CLOCK_REALTIME: the kernel
	   flag from 12 h before midnight, and no update in the ambiguous
	   second (the kernel plays 23:59:59 twice). */
	if (lp || leap_set) {
		int kernel_leap;

		if (is_utc_ambiguous(ts)) {
			leap_pause = true;
			return NAN;
		}
		kernel_leap = leap_second_status(ts, leap_set, &lp, &off);
		if (kernel_leap != leap_set) {
			sysclk_set_leap(kernel_leap);
			log_notice("phc: kernel leap flag %+d", kernel_leap);
			leap_set = kernel_leap;
		}
	}
	*utc_offset = off;
	*leap = lp;

	/* PHC A counts TAI when the GM uses the PTP timescale. */
	err = (double)sys_minus_phc + (ps->ptp_timescale || !ps->running ? off * 1e9 : 0);
	/* The GM's time is PHC A minus its offset: the engine's servo leaves
	   PHC A with the noise of its last Syncs, ptp/ knows it better over
	   a minute of them (docs/design-notes.md). */
	trk.phc_filtered = conf.clock.phc_filter &&
			   ptp_phc_offset((int64_t)ts - sys_minus_phc, &trk.phc_filter_ns, NULL);
	if (trk.phc_filtered)
		err += trk.phc_filter_ns;
	if (!ptp_ever_locked)
		return err;	/* PHC A is not yet on the GM's time */

	check_other_writer();
	if (conf.clock.step_threshold > 0 && fabs(err) > conf.clock.step_threshold * 1e9 &&
	    (conf.clock.step_limit < 0 || trk.updates < (uint64_t)conf.clock.step_limit ||
	     mono_s() < jump_step_until)) {
		log_notice("phc: stepping CLOCK_REALTIME by %+.9f s%s", -err * 1e-9,
			   mono_s() < jump_step_until ? " (the grandmaster's jump)" : "");
		jump_step_until = 0;
		clockadj_step(CLOCK_REALTIME, (int64_t)-err);
		phc_sysadj_step();
		servo_reset(servo);
		trk.steps++;
		trk.updates++;
		trk.servo_state = SERVO_UNLOCKED;
		return 0;	/* the error after the step */
	}
	adj = servo_sample(servo, (int64_t)err, ts, 1.0, &st);
	trk.servo_state = st;
	trk.updates++;
	switch (st) {
	case SERVO_UNLOCKED:
		break;
	case SERVO_JUMP:
		/* The servo asks for a step (linuxptp's first_step_threshold):
		   we already decided above that steps are not allowed now, so
		   we slew with the frequency it estimated. */
		set_freq(-adj);
		break;
	case SERVO_LOCKED:
	case SERVO_LOCKED_STABLE:
		set_freq(-adj);
		sysclk_set_sync();
		break;
	}
	return err;
}

static void tick(void *arg)
{
	struct ptp_state ps;
	struct phc_ref_input in = { 0 };
	double now = mono_s();
	double err = NAN;
	int utc_offset = conf.clock.utc_offset, leap = 0;
	const struct phc_link *link_a;
	int64_t pps_off;
	bool fresh;

	ptp_get_state(&ps);
	fresh = ps.last_sync_mono_ns &&
		now - (double)ps.last_sync_mono_ns * 1e-9 < PTP_STALE_S;
	link_a = phc_nl_link_get(0);
	in.ptp_ok = ptp_state_locked(&ps) && fresh && ps.have_parent &&
		    !(link_a && link_a->known && !link_a->up);
	if (in.ptp_ok)
		ptp_ever_locked = true;
	if (ps.gm_jumps_followed > jumps_followed_seen)
		jump_step_until = now + JUMP_STEP_WINDOW_S;
	jumps_followed_seen = ps.gm_jumps_followed;

	if (trk.disciplining) {
		leap_pause = false;
		err = discipline(&ps, &utc_offset, &leap);
		if (leap_pause)
			;	/* the repeated second says nothing about the lock */
		else if (!isnan(err) && fabs(err) < CLOCK_OK_NS && in.ptp_ok &&
			 (trk.servo_state == SERVO_LOCKED ||
			  trk.servo_state == SERVO_LOCKED_STABLE)) {
			if (!good_updates || trk.freq_ppb < good_freq_min)
				good_freq_min = trk.freq_ppb;
			if (!good_updates || trk.freq_ppb > good_freq_max)
				good_freq_max = trk.freq_ppb;
			good_updates++;
			if (good_freq_max - good_freq_min > CLOCK_OK_FREQ_SPREAD_PPB) {
				/* still settling: count again from here */
				good_updates = 1;
				good_freq_min = good_freq_max = trk.freq_ppb;
			}
		} else {
			good_updates = 0;
		}
		in.clock_ok = good_updates >= CLOCK_OK_UPDATES;
	} else {
		/* The engine steers CLOCK_REALTIME itself.  Its frequency
		   changes reach ntp/'s conversion of NIC B's stamps from here,
		   up to a tick late (docs/design-notes.md). */
		struct timespec rt;
		double f = clockadj_get_freq(CLOCK_REALTIME);

		if (!freq_set || f != last_freq_set) {
			phc_sysadj_freq(f);
			last_freq_set = f;
			freq_set = true;
		}
		clock_gettime(CLOCK_REALTIME, &rt);
		utc_offset_now(&ps, (long long)rt.tv_sec, &utc_offset, &leap);
		err = ps.offset_ns;
		in.clock_ok = in.ptp_ok;
	}
	if (!isnan(err)) {
		trk.sys_offset_ns = err;
		if (in.ptp_ok)
			record_offset(err);
	}
	if (leap_pause) {
		/* keep what the last real update found */
		utc_offset = trk.utc_offset;
		leap = trk.leap;
	}
	trk.utc_offset = utc_offset;
	trk.leap = leap;

	in.gm_class = ps.gm_class;
	in.traceable_class = conf.ptp.traceable_class;
	in.untraceable_stratum = conf.ptp.untraceable_stratum;
	in.leap = leap;
	in.utc_offset = utc_offset;
	/* NTP's root delay is a round trip: twice the PTP path delay bounds
	   the error an unknown asymmetry can cause. */
	in.root_delay = 2e-9 * fabs(ps.mean_path_delay_ns);
	/* The error estimate: PTP offset, our tracking RMS, half the PHC
	   readout, and 1 us for what neither measures (timestamping). */
	in.dispersion = 1e-9 * (fabs(ps.offset_ns) + trk.rms_offset_ns +
				trk.measure_delay_ns / 2) + 1e-6;
	in.holdover_drift = conf.clock.holdover_drift;
	in.holdover_max = conf.clock.holdover_max;
	in.now_mono = now;
	clock_gettime(CLOCK_REALTIME, &in.now_utc);

	if (phc_pps_poll(&pps_off) == 1) {
		trk.pps_offset_ns = (double)pps_off;
		trk.pps_pulses++;
		if (ref.snap.sync == REF_SYNCED && llabs(pps_off) > PPS_WARN_NS &&
		    !trk.pps_disagrees)
			log_warn("phc: the PPS edge is %+.1f us from the system clock's"
				 " second: PHC A and the PPS disagree", pps_off * 1e-3);
		trk.pps_disagrees = llabs(pps_off) > PPS_WARN_NS;
	}
	phc_ref_update(&ref, &in);
	if (ref.snap.sync != trk.ref_sync)
		log_notice("phc: reference %s -> %s", ref_state_sync_name(trk.ref_sync),
			   ref_state_sync_name(ref.snap.sync));
	trk.ref_sync = ref.snap.sync;
	trk.ever_synced = ref.ever_synced;
	trk.holdover_age = phc_ref_holdover_age(&ref, now);
	ref_state_publish(&ref.snap);
}

/* --- module ---------------------------------------------------------------- */

static void warn_if_steered(void)
{
	struct timex tx = { 0 };

	if (clock_adjtime(CLOCK_REALTIME, &tx) < 0)
		return;
	if (!(tx.status & STA_UNSYNC))
		log_warn("phc: CLOCK_REALTIME is marked synchronised (STA_UNSYNC clear):"
			 " another process (ntpd, chronyd, phc2sys) may be steering it;"
			 " bridged must be its only writer");
}

int phc_sys_start(const struct bridge_conf *c)
{
	double fadj;
	int max_adj;

	conf = *c;
	memset(&trk, 0, sizeof(trk));
	phc_ref_init(&ref);
	ref_state_publish(&ref.snap);
	ptp_ever_locked = false;
	jumps_followed_seen = 0;
	jump_step_until = 0;
	good_updates = 0;
	leap_set = 0;
	freq_set = false;
	n_offsets = i_offsets = 0;
	have_ptp_utc_offset = false;
	warned_utc_config = warned_leapfile_expired = warned_other_writer = false;
	trk.running = true;
	trk.sysoff_method = "none";
	trk.update_interval = 1.0 / PHC_SYS_RATE;
	trk.utc_offset = c->clock.utc_offset;
	trk.utc_source = PHC_UTC_CONFIG;
	trk.disciplining = c->ptp.time_stamping != CONF_TS_SOFTWARE;

	have_leapfile = false;
	if (c->clock.leapfile[0]) {
		if (phc_leapfile_load(c->clock.leapfile, &leapfile))
			log_warn("phc: cannot use leap file %s", c->clock.leapfile);
		else
			have_leapfile = true;
	}

	if (trk.disciplining) {
		warn_if_steered();
		if (open_phc(c->ptp.interface))
			return -1;
		/* Kept for the life of the process and never changed: linuxptp
		   3.1.1 shares the global items of all its configs (one static
		   table), so a value set here would change the engine's too,
		   and destroying a config leaves dangling strings behind.  The
		   servo gets linuxptp's defaults; we make our own decision about
		   steps (step_threshold/step_limit) whatever it says. */
		if (!servo_cfg)
			servo_cfg = config_create();
		if (!servo_cfg)
			return -1;
		clockadj_init(CLOCK_REALTIME);
		fadj = clockadj_get_freq(CLOCK_REALTIME);
		phc_sysadj_freq(fadj);
		max_adj = sysclk_max_freq();
		servo = servo_create(servo_cfg, c->clock.servo == CONF_SERVO_LINREG ?
				     CLOCK_SERVO_LINREG : CLOCK_SERVO_PI,
				     -fadj, max_adj, 0);
		if (!servo) {
			log_error("phc: cannot create the servo");
			phc_sys_stop();
			return -1;
		}
		servo_sync_interval(servo, 1.0 / PHC_SYS_RATE);
		trk.freq_ppb = fadj;
	}
	if (phc_pps_start(c->clock.pps_device)) {
		phc_sys_stop();
		return -1;
	}
	if (phc_nl_link_start(c->ptp.interface, c->ntp.interface))
		log_warn("phc: cannot watch link state (rtnetlink): %s", strerror(errno));
	timer = loop_add_timer(1000000000ULL / PHC_SYS_RATE, 1000000000ULL / PHC_SYS_RATE,
			       tick, NULL);
	if (!timer) {
		phc_sys_stop();
		return -1;
	}
	return 0;
}

void phc_sys_set_conf(const struct bridge_conf *c)
{
	/* Thresholds, holdover and strata apply from the next update. */
	conf = *c;
}

void phc_sys_stop(void)
{
	if (timer) {
		loop_del_timer(timer);
		timer = NULL;
	}
	if (servo) {
		servo_destroy(servo);
		servo = NULL;
	}
	if (leap_set) {
		sysclk_set_leap(0);
		leap_set = 0;
	}
	phc_pps_stop();
	close_phc();
	phc_nl_link_stop();
	trk.running = false;
	/* Whatever we served, we can no longer vouch for it. */
	phc_ref_init(&ref);
	ref_state_publish(&ref.snap);
}

void phc_sys_tracking(struct phc_tracking *t)
{
	*t = trk;
}
