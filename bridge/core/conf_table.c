/*
 * Every key of bridge.conf, one row each: section, name, type, default,
 * range, flags and a one-line doc.  Names follow chrony and ptp4l where
 * they exist.  The parser, `bridgectl config check|show|get|set` and
 * bridge.conf(5) are generated from this table; nothing else lists keys.
 */
#include <float.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <syslog.h>

#include "bridge/core/conf_table.h"
#include "pb_autoconf.h"

#ifndef PB_NTP_MAX_WORKERS
#define PB_NTP_MAX_WORKERS 1
#endif
#ifndef PB_DEFAULT_TRANSPORT
#define PB_DEFAULT_TRANSPORT "UDPv4"
#endif
#ifndef PB_DEFAULT_SOCKET
#define PB_DEFAULT_SOCKET "/run/ptpbridge/bridged.sock"
#endif

/* rs, what a reload does with a change of the key: the modules it
   restarts, by name as in their struct pb_module; LIVE, applied in place;
   "bridged" (AT_START), read once when bridged starts: the change waits
   for the next start, and reload says so. */
#define LIVE NULL
#define AT_START "bridged"

#define SCALAR(sec, name, t, d, lo, hi, fl, ch, f, rs, doc_) \
	{ .section = sec, .key = name, .type = t, .def = d, .min = lo, .max = hi, \
	  .flags = fl, .choices = ch, .off = offsetof(struct bridge_conf, f), \
	  .size = sizeof(((struct bridge_conf *)0)->f), .restarts = rs, .doc = doc_ }

#define LIST(sec, name, t, f, cnt, rs, doc_) LIST_F(sec, name, t, 0, f, cnt, rs, doc_)
#define LIST_F(sec, name, t, fl, f, cnt, rs, doc_) \
	{ .section = sec, .key = name, .type = t, .flags = CONF_REPEAT | (fl), .restarts = rs, \
	  .off = offsetof(struct bridge_conf, f), \
	  .size = sizeof(((struct bridge_conf *)0)->f[0]), \
	  .count_off = offsetof(struct bridge_conf, cnt), \
	  .max_count = (int)(sizeof(((struct bridge_conf *)0)->f) / \
			     sizeof(((struct bridge_conf *)0)->f[0])), \
	  .doc = doc_ }

static const struct conf_enum yes_no_auto[] = {
	{ "auto", CONF_HWTS_AUTO }, { "yes", CONF_HWTS_YES }, { "no", CONF_HWTS_NO },
	{ NULL, 0 },
};
static const struct conf_enum transports[] = {
	{ "UDPv4", CONF_TRANSPORT_UDPV4 }, { "UDPv6", CONF_TRANSPORT_UDPV6 },
	{ "L2", CONF_TRANSPORT_L2 }, { NULL, 0 },
};
static const struct conf_enum delays[] = {
	{ "E2E", CONF_DELAY_E2E }, { "P2P", CONF_DELAY_P2P }, { "Auto", CONF_DELAY_AUTO },
	{ NULL, 0 },
};
static const struct conf_enum tstamps[] = {
	{ "hardware", CONF_TS_HARDWARE }, { "software", CONF_TS_SOFTWARE }, { NULL, 0 },
};
static const struct conf_enum servos[] = {
	{ "pi", CONF_SERVO_PI }, { "linreg", CONF_SERVO_LINREG }, { NULL, 0 },
};
static const struct conf_enum levels[] = {
	{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO }, { "debug", LOG_DEBUG }, { NULL, 0 },
};
static const struct conf_enum targets[] = {
	{ "auto", CONF_LOG_AUTO }, { "stderr", CONF_LOG_STDERR },
	{ "syslog", CONF_LOG_SYSLOG }, { NULL, 0 },
};

const char *const conf_sections[] = { "ptp", "clock", "ntp", "control", "remote", "log", NULL };

/* [ptp] keys of linuxptp's own (pass-through) go to the engine at start. */
const char *const conf_passthrough_restarts = "ptp";

const struct conf_item conf_table[] = {
	/* [ptp]: the PTP port (NIC A), a slave-only ordinary clock. */
	SCALAR("ptp", "interface", CT_IFNAME, NULL, 0, 0, CONF_REQUIRED, NULL, ptp.interface,
	       "ptp phc", "NIC A: the interface facing the grandmaster"),
	SCALAR("ptp", "domainNumber", CT_INT, "0", 0, 127, 0, NULL, ptp.domain_number, "ptp",
	       "PTP domain (as ptp4l)"),
	SCALAR("ptp", "network_transport", CT_ENUM, PB_DEFAULT_TRANSPORT, 0, 0, 0, transports,
	       ptp.network_transport, "ptp", "PTP transport: UDPv4, UDPv6 or L2"),
	SCALAR("ptp", "delay_mechanism", CT_ENUM, "E2E", 0, 0, 0, delays, ptp.delay_mechanism,
	       "ptp", "path delay measurement: E2E, P2P or Auto"),
	SCALAR("ptp", "time_stamping", CT_ENUM, "hardware", 0, 0, 0, tstamps, ptp.time_stamping,
	       "ptp phc", "hardware (default) or software timestamps on NIC A"),
	SCALAR("ptp", "traceable_class", CT_INT, "7", 0, 255, 0, NULL, ptp.traceable_class, LIVE,
	       "a grandmaster with clockClass <= this is traceable: NTP stratum 1"),
	SCALAR("ptp", "untraceable_stratum", CT_INT, "2", 1, 15, 0, NULL, ptp.untraceable_stratum,
	       LIVE, "NTP stratum served when the grandmaster is not traceable"),

	/* [clock]: PHC A -> system clock, UTC, holdover. */
	SCALAR("clock", "servo", CT_ENUM, "pi", 0, 0, 0, servos, clock.servo, "phc",
	       "servo steering the system clock: pi or linreg"),
	SCALAR("clock", "step_threshold", CT_DURATION, "0.1", 0, 1e9, 0, NULL, clock.step_threshold,
	       LIVE, "step the system clock when off by more than this (0: never)"),
	SCALAR("clock", "step_limit", CT_INT, "3", -1, INT_MAX, 0, NULL, clock.step_limit, LIVE,
	       "steps allowed only in the first N updates (-1: always), like makestep"),
	SCALAR("clock", "utc_offset", CT_INT, "37", 0, 1000, 0, NULL, clock.utc_offset, LIVE,
	       "TAI-UTC (s) when neither the grandmaster nor the leap file gives it"),
	SCALAR("clock", "leapfile", CT_PATH, "/usr/share/zoneinfo/leap-seconds.list", 0, 0, 0, NULL,
	       clock.leapfile, "phc", "leap-seconds.list, the fallback source of TAI-UTC; empty: none"),
	SCALAR("clock", "holdover_drift", CT_DOUBLE, "1.0", 0, 1000, 0, NULL, clock.holdover_drift,
	       LIVE, "ppm: root dispersion grows by this x holdover age"),
	SCALAR("clock", "holdover_max", CT_DURATION, "1h", 0, 1e9, 0, NULL, clock.holdover_max,
	       LIVE, "after this long in holdover the server says unsynchronised (leap 3)"),
	SCALAR("clock", "phc_filter", CT_BOOL, "yes", 0, 0, 0, NULL, clock.phc_filter, LIVE,
	       "steer the system clock to PHC A minus its offset filtered over a minute (no: to PHC A)"),
	SCALAR("clock", "max_gm_jump", CT_DURATION, "1ms", 0, 1e9, 0, NULL, clock.max_gm_jump,
	       LIVE, "once locked, a grandmaster whose time jumps by more than this is not "
	       "followed (holdover) until confirmed; 0: always followed"),
	SCALAR("clock", "gm_jump_confirm", CT_DURATION, "5min", 0, 1e9, 0, NULL,
	       clock.gm_jump_confirm, LIVE,
	       "a held grandmaster jump that persists this long is followed (PHC A and the "
	       "system clock are stepped); 0: only on `bridgectl accept-gm-jump`"),
	SCALAR("clock", "pps_device", CT_PATH, "", 0, 0, 0, NULL, clock.pps_device, "phc",
	       "optional PPS input (/dev/ppsN) checking PHC A; empty: off"),

	/* [ntp]: the NTP server (NIC B). */
	SCALAR("ntp", "interface", CT_IFNAME, NULL, 0, 0, CONF_REQUIRED, NULL, ntp.interface,
	       "phc ntp", "NIC B: the interface NTP clients reach"),
	SCALAR("ntp", "share_ptp_interface", CT_BOOL, "no", 0, 0, 0, NULL, ntp.share_ptp_interface,
	       LIVE, "allow ntp.interface to be the same NIC as ptp.interface"),
	LIST_F("ntp", "bindaddress", CT_ADDR, CONF_LOCAL_ADDR, ntp.bindaddress,
	       ntp.n_bindaddress, "ntp",
	     "address to serve on (repeatable; default: any address of the interface); "
	     "served once it is on the interface, absent ones are warned of"),
	SCALAR("ntp", "port", CT_INT, "123", 1, 65535, 0, NULL, ntp.port, "ntp",
	       "UDP port the server answers on"),
	LIST("ntp", "allow", CT_CIDR, ntp.allow, ntp.n_allow, LIVE,
	     "clients allowed (CIDR list or all; repeatable); none: nothing is served; "
	     "host bits are cleared (192.0.2.1/24 is 192.0.2.0/24), ::ffff:a.b.c.d/n is IPv4"),
	LIST("ntp", "deny", CT_CIDR, ntp.deny, ntp.n_deny, LIVE,
	     "clients denied (CIDR list or all; repeatable); the longest prefix wins"),
	SCALAR("ntp", "ratelimit", CT_RATELIMIT, "off", 0, 0, 0, NULL, ntp.ratelimit, LIVE,
	       "off, on (interval 3 burst 8 leak 2), or chrony's options: interval I (-19..12) "
	       "burst B (1..255) leak L (1..4) [kod], each at most once"),
	SCALAR("ntp", "clientloglimit", CT_SIZE, "8M", 4096, 4.0 * 1024 * 1024 * 1024, 0, NULL,
	       ntp.clientloglimit, "ntp", "memory for the per-client log (K/M/G)"),
	SCALAR("ntp", "hwtimestamp", CT_ENUM, "auto", 0, 0, 0, yes_no_auto, ntp.hwtimestamp, "ntp",
	       "hardware RX/TX timestamps on NIC B: auto, yes or no"),
	SCALAR("ntp", "local_stratum", CT_INT, "0", 0, 15, 0, NULL, ntp.local_stratum, LIVE,
	       "serve the system clock at this stratum without PTP (0: off), like local"),
	SCALAR("ntp", "serve_unsynced", CT_BOOL, "no", 0, 0, 0, NULL, ntp.serve_unsynced, LIVE,
	       "answer (leap 3) before the first lock instead of staying silent"),
	SCALAR("ntp", "max_answer_delay", CT_DURATION, "50ms", 0.001, 10, 0, NULL,
	       ntp.max_answer_delay, LIVE,
	       "a request that waited longer than this (from its receive stamp) is dropped, "
	       "not answered late; sizes the receive buffer"),
	SCALAR("ntp", "max_response_rate", CT_INT, "0", 0, 100000000, 0, NULL,
	       ntp.max_response_rate, LIVE,
	       "responses (time and KoD) per second to all clients together, a ceiling for "
	       "floods from more addresses than the client log holds; 0: none"),
	SCALAR("ntp", "workers", CT_INT, "1", 1, PB_NTP_MAX_WORKERS, 0, NULL, ntp.workers, "ntp",
	       "NTP worker threads (SO_REUSEPORT); 1 runs in the core loop"),

	/* [control]: the control socket and files. */
	SCALAR("control", "socket", CT_PATH, PB_DEFAULT_SOCKET, 0, 0, CONF_SOCKET, NULL, control.socket,
	       "ptp bridged", "UNIX socket bridgectl talks to"),
	SCALAR("control", "group", CT_STRING, "ptpbridge", 0, 0, 0, NULL, control.group, AT_START,
	       "group allowed read-only commands (changes need root); empty: root only"),
	SCALAR("control", "user", CT_STRING, "", 0, 0, 0, NULL, control.user, AT_START,
	       "run as this user with only the capabilities needed (empty: root)"),
	SCALAR("control", "pidfile", CT_PATH, "/run/ptpbridge/bridged.pid", 0, 0, 0, NULL,
	       control.pidfile, AT_START, "where bridged writes its process ID; empty: no pidfile"),

	/* [remote]: remote access to the box (the image's run-ssh reads it;
	   bridged does not use it).  The control socket stays local. */
	SCALAR("remote", "ssh", CT_BOOL, "no", 0, 0, 0, NULL, remote.ssh, LIVE,
	       "an SSH server (dropbear, on the image): root logs in with a key of "
	       "/etc/ptpbridge/authorized_keys, never a password"),
	SCALAR("remote", "ssh_interfaces", CT_STRING, "", 0, 0, 0, NULL, remote.ssh_interfaces, LIVE,
	       "interfaces whose addresses the SSH server listens on, separated by spaces; "
	       "required with ssh = yes"),
	SCALAR("remote", "ssh_port", CT_INT, "22", 1, 65535, 0, NULL, remote.ssh_port, LIVE,
	       "TCP port of the SSH server"),

	/* [log] */
	SCALAR("log", "level", CT_ENUM, "info", 0, 0, 0, levels, log.level, LIVE,
	       "error, warning, notice, info or debug"),
	SCALAR("log", "target", CT_ENUM, "auto", 0, 0, 0, targets, log.target, "ptp",
	       "auto (stderr with -n, else syslog), stderr or syslog"),
	SCALAR("log", "linuxptp_level", CT_ENUM, "warning", 0, 0, 0, levels, log.linuxptp_level,
	       "ptp", "level of the messages of the embedded linuxptp engine"),
};

const size_t conf_table_len = sizeof(conf_table) / sizeof(conf_table[0]);
_Static_assert(sizeof(conf_table) / sizeof(conf_table[0]) <= CONF_TABLE_MAX,
	       "CONF_TABLE_MAX: more keys than the parser has room for");

const struct conf_item *conf_table_find(const char *section, const char *key)
{
	for (size_t i = 0; i < conf_table_len; i++) {
		if (!strcmp(conf_table[i].section, section) && !strcmp(conf_table[i].key, key))
			return &conf_table[i];
	}
	return NULL;
}

int conf_table_section(const char *section)
{
	for (int i = 0; conf_sections[i]; i++) {
		if (!strcmp(conf_sections[i], section))
			return i;
	}
	return -1;
}

void conf_table_enum_list(const struct conf_enum *ch, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; ch[i].name && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", ch[i].name);
}

void conf_table_range_text(const struct conf_item *it, char *buf, size_t len)
{
	if (it->type == CT_INT)
		snprintf(buf, len, "%.0f..%.0f", it->min, it->max);
	else
		snprintf(buf, len, "%g..%g", it->min, it->max);
}

bool conf_table_changed(const struct conf_item *it, const struct bridge_conf *a,
			const struct bridge_conf *b)
{
	const char *pa = (const char *)a + it->off, *pb = (const char *)b + it->off;
	int na, nb;

	if (!(it->flags & CONF_REPEAT))
		return memcmp(pa, pb, it->size) != 0;
	memcpy(&na, (const char *)a + it->count_off, sizeof(na));
	memcpy(&nb, (const char *)b + it->count_off, sizeof(nb));
	return na != nb || memcmp(pa, pb, it->size * (size_t)na) != 0;
}

bool conf_table_restarts(const char *restarts, const char *module)
{
	size_t n = strlen(module);

	for (const char *p = restarts; p && *p; p += strcspn(p, " "), p += strspn(p, " ")) {
		if (!strncmp(p, module, n) && (p[n] == ' ' || p[n] == '\0'))
			return true;
	}
	return false;
}

bool conf_table_passthrough_changed(const struct bridge_conf *a, const struct bridge_conf *b)
{
	if (a->ptp.n_pass != b->ptp.n_pass)
		return true;
	for (int i = 0; i < a->ptp.n_pass; i++) {
		if (strcmp(a->ptp.pass[i].key, b->ptp.pass[i].key) ||
		    strcmp(a->ptp.pass[i].value, b->ptp.pass[i].value))
			return true;
	}
	return false;
}
