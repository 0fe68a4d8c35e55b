/*
 * linuxptp's engine inside bridged.
 *
 * We build the engine exactly as ptp4l's main() does (config_create, the
 * config_set_* calls that its command line would make, the globals it sets
 * before clock_create(), config_create_interface, clock_create) and then,
 * instead of ptp4l's `while (is_running()) clock_poll(clock);`, let our core
 * loop wait on the engine's descriptors and call clock_poll() only when one
 * of them is ready.
 *
 * Why a poll() wrapper: clock_poll() builds its pollfd array internally
 * (struct clock is private to clock.c, and the UDS management port is not
 * reachable through any accessor) and then blocks in poll(..., -1).  bridged
 * is linked with -Wl,--wrap=poll, and __wrap_poll() below recognises that one
 * call (timeout -1, armed by us just before clock_poll()): in "capture" mode
 * it copies the descriptor set and returns 0, which makes clock_poll() return
 * without doing anything; in "dispatch" mode it polls the same set with a zero
 * timeout, so clock_poll() handles what is ready and never blocks.  Every
 * other poll() (our loop, linuxptp's wait for a TX timestamp in sk.c) goes
 * straight to ppoll().  The set is captured again after every dispatch,
 * because a port that faults or comes back closes and reopens its sockets.
 * See docs/ptp.md.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "clockadj.h"
#include "config.h"
#include "ds.h"
#include "fsm.h"
#include "interface.h"
#include "missing.h"
#include "msg.h"
#include "phc.h"
#include "port.h"
#include "print.h"
#include "servo.h"
#include "servo_private.h"
#include "sk.h"
#include "tmv.h"
#include "transport.h"
#include "util.h"

#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "ptp/ptp.h"
#include "ptp/ptp_engine.h"
#include "ptp/ptp_guard.h"
#include "ptp/ptp_offset.h"

/* --- the poll() wrapper ---------------------------------------------------- */

enum wrap_mode { WRAP_PASS, WRAP_CAPTURE, WRAP_DISPATCH };

static enum wrap_mode wrap_mode = WRAP_PASS;
static int wrap_seen;

/* The descriptor set of the last capture (fd values only: the engine owns
   and may reallocate its own array). */
#define ENGINE_MAX_FDS 64
static int cap_fds[ENGINE_MAX_FDS];
static int n_cap_fds;

static void capture(const struct pollfd *fds, nfds_t n)
{
	n_cap_fds = 0;
	for (nfds_t i = 0; i < n && n_cap_fds < ENGINE_MAX_FDS; i++) {
		if (fds[i].fd >= 0)
			cap_fds[n_cap_fds++] = fds[i].fd;
	}
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct timespec ts, *tsp = NULL;

	if (wrap_mode != WRAP_PASS && timeout < 0) {
		enum wrap_mode m = wrap_mode;

		wrap_mode = WRAP_PASS;
		wrap_seen = 1;
		capture(fds, n);
		if (m == WRAP_CAPTURE) {
			for (nfds_t i = 0; i < n; i++)
				fds[i].revents = 0;
			return 0;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
		return ppoll(fds, n, &ts, NULL);
	}
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
		tsp = &ts;
	}
	return ppoll(fds, n, tsp, NULL);
}

/* --- linuxptp's frequency changes ------------------------------------------ */

/*
 * PHC A as linuxptp opened it.  The offset filter (ptp_offset.c) needs the
 * frequency the engine sets on PHC A and PHC A's time; rather than open
 * PHC A a second time (phc/ owns the one handle of ours), bridged is also
 * linked with -Wl,--wrap=clockadj_set_freq and learns the engine's clock
 * id from the first frequency it sets on a clock other than
 * CLOCK_REALTIME (clock_create() sets it back to itself at once).
 */
static clockid_t phc_a = CLOCK_INVALID;

void __real_clockadj_set_freq(clockid_t clkid, double freq);
void __wrap_clockadj_set_freq(clockid_t clkid, double freq);

void __wrap_clockadj_set_freq(clockid_t clkid, double freq)
{
	__real_clockadj_set_freq(clkid, freq);
	if (clkid != CLOCK_REALTIME)
		phc_a = clkid;
}

/*
 * The grandmaster time-jump guard (ptp_guard.h) sits between linuxptp's
 * clock_synchronize() and its servo: bridged is linked with
 * -Wl,--wrap=servo_sample.  Only the engine's calls are guarded (those made
 * while clock_poll() dispatches); phc/'s servo of CLOCK_REALTIME goes
 * straight through.  A held Sync is answered with the servo's last locked
 * state and its mean adjustment, so clock_synchronize() holds PHC A's
 * frequency (holdover) and the port stays SLAVE; ptp_state_locked() says
 * no while a jump is held, which puts phc/ in holdover.
 */
static struct ptp_guard guard;
static bool dispatching;	/* inside engine_fd_ready()'s clock_poll() */
/* What a held Sync gets: the mean of the locked servo's adjustments
   (over about 16 Syncs), not its last one, whose proportional term holds
   the noise of one Sync and would be PHC A's frequency for the hold. */
static double guard_adj;
static bool guard_adj_set;
static enum servo_state guard_state = SERVO_LOCKED;

double __real_servo_sample(struct servo *s, int64_t offset, uint64_t local_ts, double weight,
			   enum servo_state *st);
double __wrap_servo_sample(struct servo *s, int64_t offset, uint64_t local_ts, double weight,
			   enum servo_state *st);

double __wrap_servo_sample(struct servo *s, int64_t offset, uint64_t local_ts, double weight,
			   enum servo_state *st)
{
	bool was_held = guard.held;
	double now = (double)loop_now_ns() * 1e-9, adj;

	if (!dispatching)
		return __real_servo_sample(s, offset, local_ts, weight, st);
	switch (ptp_guard_sample(&guard, (double)offset, now)) {
	case PTP_GUARD_HOLD:
		if (!was_held)
			log_warn("ptp: the grandmaster's time jumped by %+.9f s (max_gm_jump %.6f s):"
				 " not followed, holdover; it is followed %s",
				 -guard.jump_ns * 1e-9, guard.bound_ns * 1e-9,
				 guard.confirm_s > 0 ? "if it persists for gm_jump_confirm, or on"
						       " `bridgectl accept-gm-jump`" :
						       "only on `bridgectl accept-gm-jump`");
		*st = guard_state;
		return guard_adj;
	case PTP_GUARD_FOLLOW:
		log_notice("ptp: following the grandmaster's jump (%+.9f s now, %.1f s after it): "
			   "PHC A is stepped", -guard.last_ns * 1e-9, now - guard.held_since_s);
		servo_reset(s);
		s->first_update = 1;	/* so that it steps, as at start */
		break;
	case PTP_GUARD_PASS:
		if (was_held)
			log_notice("ptp: the grandmaster is back within max_gm_jump after %.1f s;"
				   " its jump was never followed", now - guard.held_since_s);
		break;
	}
	adj = __real_servo_sample(s, offset, local_ts, weight, st);
	if (*st == SERVO_LOCKED || *st == SERVO_LOCKED_STABLE) {
		guard_adj = guard_adj_set ? guard_adj + (adj - guard_adj) / 16 : adj;
		guard_adj_set = true;
		guard_state = *st;
	} else if (!guard.held) {
		guard_adj_set = false;
	}
	ptp_guard_servo(&guard, *st == SERVO_LOCKED || *st == SERVO_LOCKED_STABLE);
	return adj;
}

/* --- the engine ------------------------------------------------------------ */

static struct config *cfg;
static struct clock *engine;
static struct interface *iface;
static struct ptp_state state;
static int64_t last_ingress_ns;
static int registered[ENGINE_MAX_FDS];
static int n_registered;

/* PHC A's offset, filtered (ptp_offset.c), fed with the frequency the
   engine set on PHC A and the time it was set at. */
static struct ptp_offset pto;
static char ptp_offset_gm[24];

static void engine_fd_ready(int fd, short revents, void *arg);

/* Make the core loop watch exactly the captured set. */
static void sync_fds(void)
{
	int keep[ENGINE_MAX_FDS];
	int n_keep = 0;

	for (int i = 0; i < n_registered; i++) {
		int found = 0;

		for (int j = 0; j < n_cap_fds; j++) {
			if (cap_fds[j] == registered[i]) {
				found = 1;
				break;
			}
		}
		if (found)
			keep[n_keep++] = registered[i];
		else
			loop_del_fd(registered[i]);
	}
	for (int j = 0; j < n_cap_fds; j++) {
		int found = 0;

		for (int i = 0; i < n_keep; i++) {
			if (keep[i] == cap_fds[j]) {
				found = 1;
				break;
			}
		}
		if (found)
			continue;
		if (loop_add_fd(cap_fds[j], POLLIN | POLLPRI, engine_fd_ready, NULL) == 0)
			keep[n_keep++] = cap_fds[j];
	}
	memcpy(registered, keep, sizeof(int) * (size_t)n_keep);
	n_registered = n_keep;
}

static void unregister_all(void)
{
	for (int i = 0; i < n_registered; i++)
		loop_del_fd(registered[i]);
	n_registered = 0;
}

/* Have clock_poll() rebuild and hand over its descriptor set. */
static int engine_capture(void)
{
	wrap_seen = 0;
	wrap_mode = WRAP_CAPTURE;
	clock_poll(engine);
	wrap_mode = WRAP_PASS;
	if (!wrap_seen) {
		log_error("ptp: bridged was linked without -Wl,--wrap=poll;"
			  " the engine cannot join the core loop");
		return -1;
	}
	sync_fds();
	return 0;
}

static void copy_identity(char *buf, size_t len, struct ClockIdentity *id)
{
	snprintf(buf, len, "%s", cid2str(id));
}

/* The frequency the engine has set on PHC A, noted at PHC A's time now
   (some microseconds after the engine set it: a negligible error). */
static void offset_freq(void)
{
	struct timespec ts;

	if (phc_a == CLOCK_INVALID || clock_gettime(phc_a, &ts))
		return;
	ptp_offset_freq(&pto, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec, clockadj_get_freq(phc_a));
}

/* A Sync the servo used: a sample of PHC A - GM, while the servo is locked
   to one GM; anything else starts the estimate again. */
static void offset_sample(int64_t ingress)
{
	bool locked = state.port_state == PTP_PS_SLAVE && state.have_parent &&
		      (state.servo_state == PTP_SERVO_LOCKED ||
		       state.servo_state == PTP_SERVO_LOCKED_STABLE);

	if (phc_a == CLOCK_INVALID)
		return;
	if (!locked || strcmp(ptp_offset_gm, state.gm_identity)) {
		if (pto.n_bins || pto.bn)
			log_info("ptp: PHC A filter restarts (%s)",
				 !locked ? "servo not locked" : "new grandmaster");
		ptp_offset_reset(&pto);
		state.filtered = false;
		snprintf(ptp_offset_gm, sizeof(ptp_offset_gm), "%s", state.gm_identity);
		if (!locked)
			return;
	}
	if (guard.held)
		return;		/* the jump is not PHC A's: keep the estimate */
	if (ptp_offset_sample(&pto, ingress, state.offset_ns))
		log_notice("ptp: PHC A jumped against the GM; filter restarts");
	state.filtered = ptp_offset_at(&pto, ingress, &state.filtered_offset_ns,
				       &state.filtered_err_ns);
	state.filter_window_s = (double)pto.fit.n * (double)PTP_OFFSET_BIN_NS * 1e-9;
}

static void update_state(void)
{
	struct port *p = clock_first_port(engine);
	struct parent_ds *pds = clock_parent_ds(engine);
	struct currentDS *cur = clock_current_dataset(engine);
	struct timePropertiesDS tp = clock_time_properties(engine);
	struct ClockIdentity own = clock_identity(engine);
	struct PortIdentity pid;
	int64_t ingress;
	int prev_port_state = state.port_state;

	state.running = true;
	state.port_state = p ? (int)port_state(p) : PTP_PS_NONE;
	copy_identity(state.clock_identity, sizeof(state.clock_identity), &own);
	if (p) {
		pid = port_identity(p);
		snprintf(state.port_identity, sizeof(state.port_identity), "%s",
			 pid2str(&pid));
	}
	state.have_parent = !cid_eq(&pds->pds.grandmasterIdentity, &own) &&
			    (state.port_state == PTP_PS_SLAVE ||
			     state.port_state == PTP_PS_UNCALIBRATED);
	copy_identity(state.gm_identity, sizeof(state.gm_identity),
		      &pds->pds.grandmasterIdentity);
	snprintf(state.parent_port, sizeof(state.parent_port), "%s",
		 pid2str(&pds->pds.parentPortIdentity));
	state.gm_class = pds->pds.grandmasterClockQuality.clockClass;
	state.gm_accuracy = pds->pds.grandmasterClockQuality.clockAccuracy;
	state.gm_variance = pds->pds.grandmasterClockQuality.offsetScaledLogVariance;
	state.gm_priority1 = pds->pds.grandmasterPriority1;
	state.gm_priority2 = pds->pds.grandmasterPriority2;
	state.steps_removed = cur->stepsRemoved;
	/* TimeInterval is ns scaled by 2^16. */
	state.offset_ns = (double)cur->offsetFromMaster / 65536.0;
	state.mean_path_delay_ns = (double)cur->meanPathDelay / 65536.0;
	state.servo_state = (int)clock_servo_state(engine);
	state.utc_offset = tp.currentUtcOffset;
	state.utc_offset_valid = tp.flags & UTC_OFF_VALID;
	state.leap61 = tp.flags & LEAP_61;
	state.leap59 = tp.flags & LEAP_59;
	state.time_traceable = tp.flags & TIME_TRACEABLE;
	state.freq_traceable = tp.flags & FREQ_TRACEABLE;
	state.ptp_timescale = tp.flags & PTP_TIMESCALE;
	state.time_source = tp.timeSource;

	/* clock_synchronize() records the ingress time of every Sync it
	   feeds to the servo (and zeroes it after a step). */
	ingress = tmv_to_nanoseconds(clock_ingress_time(engine));
	if (ingress != last_ingress_ns && ingress != 0) {
		state.sync_count++;
		state.last_sync_mono_ns = loop_now_ns();
		offset_sample(ingress);
	}
	last_ingress_ns = ingress;
	offset_freq();
	state.gm_jump_held = guard.held;
	/* offsetFromMaster is ours minus the GM's: the GM's jump is its negative */
	state.gm_jump_ns = -guard.jump_ns;
	state.gm_jump_last_ns = -guard.last_ns;
	state.gm_jump_age_s = guard.held ? (double)loop_now_ns() * 1e-9 - guard.held_since_s : 0;
	state.gm_jump_confirm_s = guard.confirm_s;
	state.gm_jumps = guard.jumps;
	state.gm_jumps_followed = guard.followed;
	if (state.last_sync_mono_ns && loop_now_ns() - state.last_sync_mono_ns > PTP_OFFSET_STALE_NS)
		state.filtered = false;	/* what ptp_phc_offset() says by now */

	if (prev_port_state != state.port_state)
		log_notice("ptp: port %s, GM %s class %d", ptp_port_state_name(state.port_state),
			   state.gm_identity, state.gm_class);
}

static void engine_fd_ready(int fd, short revents, void *arg)
{
	if (!engine)
		return;
	wrap_mode = WRAP_DISPATCH;
	dispatching = true;
	if (clock_poll(engine))
		log_error("ptp: engine poll failed");
	dispatching = false;
	wrap_mode = WRAP_PASS;
	state.dispatches++;
	update_state();
	/* The sockets may have been closed and reopened (fault, link). */
	engine_capture();
}

/* --- configuration --------------------------------------------------------- */

static int set_int(const char *key, int v)
{
	if (config_set_int(cfg, key, v)) {
		log_error("ptp: linuxptp refused %s %d", key, v);
		return -1;
	}
	return 0;
}

/* Where linuxptp's management socket lives: beside our control socket, so
   two bridges in two namespaces never share /var/run/ptp4l. */
static void uds_path(const struct bridge_conf *c, char *buf, size_t len)
{
	const char *slash = strrchr(c->control.socket, '/');
	int dirlen = slash ? (int)(slash - c->control.socket) : 0;

	if (dirlen > 0)
		snprintf(buf, len, "%.*s/ptp4l.sock", dirlen, c->control.socket);
	else
		snprintf(buf, len, "/run/ptpbridge/ptp4l.sock");
}

static int print_level(int syslog_prio)
{
	if (syslog_prio < PRINT_LEVEL_MIN)
		return PRINT_LEVEL_MIN;
	if (syslog_prio > PRINT_LEVEL_MAX)
		return PRINT_LEVEL_MAX;
	return syslog_prio;
}

int ptp_engine_configure(struct config *conf, const struct bridge_conf *c)
{
	static const int transports[] = {
		[CONF_TRANSPORT_UDPV4] = TRANS_UDP_IPV4,
		[CONF_TRANSPORT_UDPV6] = TRANS_UDP_IPV6,
		[CONF_TRANSPORT_L2] = TRANS_IEEE_802_3,
	};
	static const int delays[] = {
		[CONF_DELAY_E2E] = DM_E2E,
		[CONF_DELAY_P2P] = DM_P2P,
		[CONF_DELAY_AUTO] = DM_AUTO,
	};
	char uds[CONF_PATH_MAX + 16];
	struct config *saved = cfg;
	int err = 0;

	cfg = conf;
	if (c->ptp.network_transport < 0 || c->ptp.network_transport > CONF_TRANSPORT_L2 ||
	    c->ptp.delay_mechanism < 0 || c->ptp.delay_mechanism > CONF_DELAY_AUTO) {
		cfg = saved;
		return -1;
	}
	uds_path(c, uds, sizeof(uds));
	err |= set_int("slaveOnly", 1);
	err |= set_int("domainNumber", c->ptp.domain_number);
	err |= set_int("network_transport", transports[c->ptp.network_transport]);
	err |= set_int("delay_mechanism", delays[c->ptp.delay_mechanism]);
	err |= set_int("time_stamping", c->ptp.time_stamping == CONF_TS_SOFTWARE ?
		       TS_SOFTWARE : TS_HARDWARE);
	/* linuxptp's linreg servo: on the emulator's ideal wire it held PHC A
	   within 6 ns RMS of the GM where pi gave 18 ns (docs/clock.md,
	   make bench-chain); `clock_servo pi` in [ptp] brings pi back. */
	err |= set_int("clock_servo", CLOCK_SERVO_LINREG);
	/* A shared, loaded machine (and the emulator) can be slower than
	   linuxptp's 1 ms default for a TX timestamp. */
	err |= set_int("tx_timestamp_timeout", 10);
	err |= set_int("logging_level", print_level(c->log.linuxptp_level));
	err |= set_int("use_syslog", c->log.target == CONF_LOG_SYSLOG);
	err |= set_int("verbose", c->log.target != CONF_LOG_SYSLOG);
	if (config_set_string(cfg, "uds_address", uds)) {
		log_error("ptp: linuxptp refused uds_address %s", uds);
		err = -1;
	}
	if (config_set_string(cfg, "message_tag", "ptp")) {
		err = -1;
	}
	/* The pass-through keys come last, so they override ours; bridge/
	   checked each against linuxptp's own table when the file was read. */
	for (int i = 0; i < c->ptp.n_pass; i++) {
		if (config_parse_option(cfg, c->ptp.pass[i].key, c->ptp.pass[i].value)) {
			log_error("ptp: %s:%d: linuxptp refused %s %s", c->file,
				  c->ptp.pass[i].line, c->ptp.pass[i].key,
				  c->ptp.pass[i].value);
			err = -1;
		}
	}
	cfg = saved;
	return err ? -1 : 0;
}

/* Forget the interface of the previous start (see ptp_module_start).  struct
   interface is private to linuxptp's interface.c, so the list is reset, not
   walked; the clock that used it has been destroyed and the few bytes of
   the old entry are left behind, once per engine restart. */
static void drop_interfaces(void)
{
	if (!cfg)
		return;
	STAILQ_INIT(&cfg->interfaces);
	cfg->n_interfaces = 0;
}

int ptp_engine_start(const struct bridge_conf *c)
{
	memset(&state, 0, sizeof(state));
	last_ingress_ns = 0;
	n_registered = 0;

	/* One linuxptp config for the life of the process: in 3.1.1 the
	   global items of every config are the same static table, and
	   config_destroy() frees their strings but leaves them marked as
	   allocated, so the next config_set_string() frees them again.  An
	   engine restart reuses the config and only drops its interface. */
	if (!cfg) {
		cfg = config_create();
		if (!cfg) {
			log_error("ptp: config_create failed");
			return -1;
		}
	}
	drop_interfaces();
	if (ptp_engine_configure(cfg, c))
		goto fail;
	{
		/* linuxptp removes whatever is at its UDS address before it
		   binds there: only ever a stale socket. */
		char why[320];

		if (conf_socket_path_ok(config_get_string(cfg, NULL, "uds_address"), why,
					sizeof(why)) < 0) {
			log_error("ptp: uds_address: %s", why);
			goto fail;
		}
	}

	print_set_progname("bridged");
	print_set_tag(config_get_string(cfg, NULL, "message_tag"));
	print_set_verbose(config_get_int(cfg, NULL, "verbose"));
	print_set_syslog(config_get_int(cfg, NULL, "use_syslog"));
	print_set_level(config_get_int(cfg, NULL, "logging_level"));

	/* The globals ptp4l's main() sets before clock_create(). */
	assume_two_step = config_get_int(cfg, NULL, "assume_two_step");
	sk_check_fupsync = config_get_int(cfg, NULL, "check_fup_sync");
	sk_tx_timeout = config_get_int(cfg, NULL, "tx_timestamp_timeout");
	sk_hwts_filter_mode = config_get_int(cfg, NULL, "hwts_filter");

	iface = config_create_interface(c->ptp.interface, cfg);
	if (!iface) {
		log_error("ptp: cannot use interface %s", c->ptp.interface);
		goto fail;
	}
	phc_a = CLOCK_INVALID;
	engine = clock_create(CLOCK_TYPE_ORDINARY, cfg, NULL);
	if (!engine) {
		log_error("ptp: linuxptp could not create the clock on %s"
			  " (timestamping %s)", c->ptp.interface,
			  c->ptp.time_stamping == CONF_TS_SOFTWARE ? "software" : "hardware");
		goto fail;
	}
	/* A jump held when the engine restarts (a reload of its keys) stays
	   held: the new servo would otherwise step PHC A to it at once. */
	if (guard.held)
		ptp_guard_set(&guard, c->clock.max_gm_jump * 1e9, c->clock.gm_jump_confirm);
	else
		ptp_guard_init(&guard, c->clock.max_gm_jump * 1e9, c->clock.gm_jump_confirm);
	snprintf(state.interface, sizeof(state.interface), "%s", c->ptp.interface);
	state.software_ts = c->ptp.time_stamping == CONF_TS_SOFTWARE;
	state.phc_index = state.software_ts ? -1 : interface_phc_index(iface);
	state.domain = c->ptp.domain_number;
	ptp_offset_init(&pto);
	ptp_offset_gm[0] = 0;
	if (state.phc_index >= 0) {
		if (phc_a == CLOCK_INVALID)
			log_warn("ptp: the engine set no frequency on PHC %d: its offset is not filtered",
				 state.phc_index);
		offset_freq();
	}
	if (engine_capture())
		goto fail;
	update_state();
	log_info("ptp: engine on %s (%s timestamping, PHC %d), %d descriptors",
		 c->ptp.interface, state.software_ts ? "software" : "hardware",
		 state.phc_index, n_registered);
	return 0;
fail:
	ptp_engine_stop();
	return -1;
}

void ptp_engine_stop(void)
{
	unregister_all();
	if (engine) {
		clock_destroy(engine);
		engine = NULL;
	}
	drop_interfaces();
	iface = NULL;
	/* clock_destroy() closed it */
	phc_a = CLOCK_INVALID;
	memset(&state, 0, sizeof(state));
}

bool ptp_engine_phc_offset(int64_t phc_ns, double *offset_ns, double *err_ns)
{
	return engine && phc_a != CLOCK_INVALID &&
	       ptp_offset_at(&pto, phc_ns, offset_ns, err_ns);
}

void ptp_engine_state(struct ptp_state *s)
{
	*s = state;
}

void ptp_engine_set_guard(const struct bridge_conf *c)
{
	ptp_guard_set(&guard, c->clock.max_gm_jump * 1e9, c->clock.gm_jump_confirm);
}

bool ptp_engine_accept_jump(void)
{
	return engine && ptp_guard_accept(&guard);
}
