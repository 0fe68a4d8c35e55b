/*
 * The config table and parser, through the real parser (libinih + our
 * reader): defaults, every type, every kind of error with FILE:LINE, the
 * pass-through to linuxptp's own table, and editing a file.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_parse.h"
#include "bridge/core/conf_file.h"
#include "bridge/core/conf_text.h"
#include "bridge/core/conf_table.h"
#include "ptp/ptp_conf.h"

#define BASE "[ptp]\ninterface = eth0\n[ntp]\ninterface = eth1\n"

static struct bridge_conf conf;
static struct conf_errors errs;

static int load(const char *text)
{
	memset(&errs, 0, sizeof(errs));
	return conf_load_string("t.conf", text, &conf, &errs);
}

/* Is msg among the errors?  Prints them all when not. */
static int has_error(const char *msg)
{
	for (int i = 0; i < errs.count && i < CONF_MAX_ERRORS; i++) {
		if (strstr(errs.msg[i], msg))
			return 1;
	}
	for (int i = 0; i < errs.count && i < CONF_MAX_ERRORS; i++)
		print_message("  error: %s\n", errs.msg[i]);
	return 0;
}

static void defaults_are_valid(void **state)
{
	struct bridge_conf c;

	/* conf_defaults aborts on a default its own parser refuses. */
	conf_defaults(&c);
	assert_int_equal(c.ntp.port, 123);
	assert_int_equal(c.ntp.clientloglimit, 8 * 1024 * 1024);
	assert_false(c.ntp.ratelimit.enabled);
	assert_false(c.ntp.serve_unsynced);
	assert_int_equal(c.ntp.workers, 1);
	assert_int_equal(c.clock.step_limit, 3);
	assert_true(c.clock.holdover_max == 3600.0);
	assert_int_equal(c.ptp.delay_mechanism, CONF_DELAY_E2E);
	assert_string_equal(c.control.group, "ptpbridge");
	/* Every row documents itself, and keys are unique per section. */
	for (size_t i = 0; i < conf_table_len; i++) {
		assert_non_null(conf_table[i].doc);
		assert_true(strlen(conf_table[i].doc) > 10);
		assert_ptr_equal(conf_table_find(conf_table[i].section, conf_table[i].key), &conf_table[i]);
	}
}

static void minimal_file(void **state)
{
	assert_int_equal(load(BASE), 0);
	assert_int_equal(errs.count, 0);
	assert_string_equal(conf.ptp.interface, "eth0");
	assert_string_equal(conf.ntp.interface, "eth1");
	assert_string_equal(conf.file, "t.conf");
}

static void types_parse(void **state)
{
	assert_int_equal(load(BASE
		"clientloglimit = 16M\n"
		"port = 1123\n"
		"serve_unsynced = yes\n"
		"hwtimestamp = no\n"
		"bindaddress = 192.0.2.1\n"
		"bindaddress = 2001:db8::1\n"
		"allow = 192.0.2.0/24, 10.1.2.3/8\n"
		"allow = 2001:db8::/32\n"
		"deny = 192.0.2.128/25\n"
		"ratelimit = interval 4 burst 16 leak 3 kod\n"
		"[clock]\n"
		"holdover_max = 30m\n"
		"step_threshold = 500ms\n"
		"holdover_drift = 0.5\n"
		"  step_limit = -1   # indented, with a comment\n"
		"[log]\nlevel = DEBUG\n"), 0);
	assert_int_equal(conf.ntp.clientloglimit, 16 * 1024 * 1024);
	assert_int_equal(conf.ntp.port, 1123);
	assert_true(conf.ntp.serve_unsynced);
	assert_int_equal(conf.ntp.hwtimestamp, CONF_HWTS_NO);
	assert_int_equal(conf.ntp.n_bindaddress, 2);
	assert_int_equal(conf.ntp.bindaddress[0].family, AF_INET);
	assert_int_equal(conf.ntp.bindaddress[1].family, AF_INET6);
	assert_int_equal(conf.ntp.n_allow, 3);
	/* Host bits are cleared: 10.1.2.3/8 is 10.0.0.0/8. */
	assert_int_equal(conf.ntp.allow[1].prefix, 8);
	assert_int_equal(ntohl(conf.ntp.allow[1].addr.v4.s_addr), 0x0a000000);
	assert_int_equal(conf.ntp.n_deny, 1);
	assert_true(conf.ntp.ratelimit.enabled);
	assert_int_equal(conf.ntp.ratelimit.interval, 4);
	assert_int_equal(conf.ntp.ratelimit.burst, 16);
	assert_int_equal(conf.ntp.ratelimit.leak, 3);
	assert_true(conf.ntp.ratelimit.kod);
	assert_true(conf.clock.holdover_max == 1800.0);
	assert_true(conf.clock.step_threshold == 0.5);
	assert_int_equal(conf.clock.step_limit, -1);
	assert_int_equal(conf.log.level, 7);
}

static void sizes_and_durations(void **state)
{
	uint64_t b;
	double s;

	assert_int_equal(conf_parse_size("512K", &b), 0);
	assert_int_equal(b, 512 * 1024);
	assert_int_equal(conf_parse_size("1G", &b), 0);
	assert_int_equal(b, 1024ULL * 1024 * 1024);
	assert_int_equal(conf_parse_size("1.5M", &b), 0);
	assert_int_equal(b, 1536 * 1024);
	assert_int_equal(conf_parse_size("4096", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(conf_parse_size("12X", &b), -1);
	assert_int_equal(conf_parse_size("-1K", &b), -1);
	assert_int_equal(conf_parse_size("", &b), -1);
	assert_int_equal(conf_parse_duration("2h", &s), 0);
	assert_true(s == 7200.0);
	assert_int_equal(conf_parse_duration("90", &s), 0);
	assert_true(s == 90.0);
	assert_int_equal(conf_parse_duration("5m", &s), 0);
	assert_true(s == 300.0);
	assert_int_equal(conf_parse_duration("5 parsecs", &s), -1);
}

static void cidr_match(void **state)
{
	struct conf_cidr c;
	struct conf_addr a = { .family = AF_INET };

	assert_int_equal(conf_parse_cidr("192.0.2.0/25", &c), 0);
	inet_pton(AF_INET, "192.0.2.127", &a.v4);
	assert_true(conf_cidr_match(&c, &a));
	inet_pton(AF_INET, "192.0.2.128", &a.v4);
	assert_false(conf_cidr_match(&c, &a));
	assert_int_equal(conf_parse_cidr("0.0.0.0/0", &c), 0);
	assert_true(conf_cidr_match(&c, &a));
	assert_int_equal(conf_parse_cidr("192.0.2.0/33", &c), -1);
	assert_int_equal(conf_parse_cidr("192.0.2.0/", &c), -1);
	assert_int_equal(conf_parse_cidr("2001:db8::/129", &c), -1);
	assert_int_equal(conf_parse_cidr("2001:db8::/31", &c), 0);
	a.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db9::1", &a.v6);
	assert_true(conf_cidr_match(&c, &a));
	inet_pton(AF_INET6, "2001:dba::1", &a.v6);
	assert_false(conf_cidr_match(&c, &a));
	/* A v4 prefix never matches a v6 address. */
	assert_int_equal(conf_parse_cidr("0.0.0.0/0", &c), 0);
	assert_false(conf_cidr_match(&c, &a));
}

static void allow_all(void **state)
{
	assert_int_equal(load(BASE "allow = all\n"), 0);
	assert_int_equal(conf.ntp.n_allow, 2);
	assert_int_equal(conf.ntp.allow[0].prefix, 0);
	assert_int_equal(conf.ntp.allow[1].addr.family, AF_INET6);
}

static void unknown_key_suggests(void **state)
{
	assert_int_equal(load(BASE "clientloglimt = 1M\n"), -1);
	assert_true(has_error("t.conf:5: ntp.clientloglimt: unknown key (did you mean ntp.clientloglimit?)"));
	assert_int_equal(load(BASE "zzzzzzzz = 1\n"), -1);
	assert_true(has_error("t.conf:5: ntp.zzzzzzzz: unknown key"));
	assert_false(strstr(errs.msg[0], "did you mean"));
}

static void bad_values(void **state)
{
	assert_int_equal(load(BASE "port = 70000\n"), -1);
	assert_true(has_error("t.conf:5: ntp.port: 70000 is out of range 1..65535"));
	assert_int_equal(load(BASE "port = twelve\n"), -1);
	assert_true(has_error("t.conf:5: ntp.port: 'twelve' is not an integer"));
	assert_int_equal(load(BASE "serve_unsynced = maybe\n"), -1);
	assert_true(has_error("ntp.serve_unsynced: 'maybe' is not yes or no"));
	assert_int_equal(load(BASE "hwtimestamp = always\n"), -1);
	assert_true(has_error("ntp.hwtimestamp: 'always' is not one of auto, yes, no"));
	assert_int_equal(load(BASE "clientloglimit = 1K\n"), -1);
	assert_true(has_error("ntp.clientloglimit: 1K is out of range"));
	assert_int_equal(load(BASE "allow = 300.1.1.1/8\n"), -1);
	assert_true(has_error("ntp.allow: '300.1.1.1/8' is not an address or prefix"));
	assert_int_equal(load(BASE "bindaddress = 192.0.2.1 192.0.2.2\n"), -1);
	assert_true(has_error("ntp.bindaddress: one address per line"));
	assert_int_equal(load(BASE "ratelimit = interval 3 burst 999\n"), -1);
	assert_true(has_error("ntp.ratelimit: burst 999: expected an integer in 1..255"));
	assert_int_equal(load(BASE "ratelimit = interval\n"), -1);
	assert_true(has_error("ntp.ratelimit: interval needs a value"));
	assert_int_equal(load(BASE "[clock]\nleapfile = relative/path\n"), -1);
	assert_true(has_error("t.conf:6: clock.leapfile: 'relative/path' is not an absolute path"));
	assert_int_equal(load(BASE "[clock]\nholdover_max = 3 fortnights\n"), -1);
	assert_true(has_error("clock.holdover_max: '3 fortnights' is not a duration"));
	assert_int_equal(load("[ptp]\ninterface = a/b\n[ntp]\ninterface = eth1\n"), -1);
	assert_true(has_error("t.conf:2: ptp.interface: 'a/b' is not an interface name"));
	assert_int_equal(load("[ptp]\ninterface = abcdefghijklmnopq\n[ntp]\ninterface = eth1\n"), -1);
	assert_true(has_error("ptp.interface: too long (at most 15 characters)"));
	/* found by fuzz_conf: "= ;eth1" would be a comment once shown */
	assert_int_equal(load("[ptp]\ninterface = eth0\n[ntp]\ninterface =;eth1\n"), -1);
	assert_true(has_error("t.conf:4: ntp.interface: a value cannot start with ';'"));
}

static void repeated_key(void **state)
{
	assert_int_equal(load(BASE "port = 1\n\nport = 2\n"), -1);
	assert_true(has_error("t.conf:7: ntp.port: repeated (first set on line 5)"));
	/* Repeatable keys add up. */
	assert_int_equal(load(BASE "allow = 192.0.2.0/24\nallow = 198.51.100.0/24\n"), 0);
	assert_int_equal(conf.ntp.n_allow, 2);
}

static void required_keys(void **state)
{
	assert_int_equal(load("[ptp]\ninterface = eth0\n[ntp]\nport = 123\n"), -1);
	assert_true(has_error("t.conf:3: ntp.interface: required key missing"));
	assert_int_equal(load("[ntp]\ninterface = eth1\n"), -1);
	assert_true(has_error("ptp.interface: required key missing (no [ptp] section)"));
	assert_int_equal(load(""), -1);
	assert_int_equal(errs.count, 2);
}

static void same_nic(void **state)
{
	assert_int_equal(load("[ptp]\ninterface = eth0\n[ntp]\ninterface = eth0\n"), -1);
	assert_true(has_error("t.conf:4: ntp.interface: eth0 is also ptp.interface"));
	assert_int_equal(load("[ptp]\ninterface = eth0\n[ntp]\ninterface = eth0\n"
			      "share_ptp_interface = yes\n"), 0);
	/* Found last, reported in file order. */
	assert_int_equal(load("[ptp]\ninterface = eth0\n[ntp]\ninterface = eth0\nport = 0\n"), -1);
	assert_int_equal(errs.count, 2);
	assert_non_null(strstr(errs.msg[0], "t.conf:4: ntp.interface"));
	assert_non_null(strstr(errs.msg[1], "t.conf:5: ntp.port"));
}

static void remote_ssh(void **state)
{
	/* off by default, and off it needs nothing */
	assert_int_equal(load(BASE), 0);
	assert_false(conf.remote.ssh);
	assert_int_equal(conf.remote.ssh_port, 22);
	assert_int_equal(load(BASE "[remote]\nssh = yes\n"), -1);
	assert_true(has_error("t.conf:6: remote.ssh: yes needs remote.ssh_interfaces"));
	assert_int_equal(load(BASE "[remote]\nssh = yes\nssh_interfaces = eth1  mgmt0\nssh_port = 2222\n"), 0);
	assert_true(conf.remote.ssh);
	assert_string_equal(conf.remote.ssh_interfaces, "eth1  mgmt0");
	assert_int_equal(conf.remote.ssh_port, 2222);
	assert_int_equal(load(BASE "[remote]\nssh_interfaces = eth1 ../x averyveryverylongname0\n"), -1);
	assert_true(has_error("t.conf:6: remote.ssh_interfaces: '../x' is not an interface name"));
	assert_true(has_error("t.conf:6: remote.ssh_interfaces: 'averyveryverylongname0' is not an interface name"));
	assert_int_equal(load(BASE "[remote]\nssh_port = 0\n"), -1);
}

static void syntax_and_sections(void **state)
{
	assert_int_equal(load(BASE "this line has no equals sign\n"), -1);
	assert_true(has_error("t.conf:5: syntax error"));
	assert_int_equal(load(BASE "[nope]\nkey = 1\n"), -1);
	assert_true(has_error("t.conf:5: [nope]: unknown section"));
	/* Reported once for the section, not for each of its keys. */
	assert_int_equal(errs.count, 1);
	assert_int_equal(load("port = 1\n" BASE), -1);
	assert_true(has_error("t.conf:1: port: key outside a section"));
	char longline[400];

	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "[ptp]\nfoo = ", 12);
	strcpy(longline + 390, "\n");
	assert_int_equal(load(longline), -1);
	assert_true(has_error("t.conf:2: line too long"));
}

static void errors_never_half_apply(void **state)
{
	struct bridge_conf before;

	assert_int_equal(load(BASE "port = 999\n"), 0);
	before = conf;
	/* A later error leaves every field of the caller's struct as it was. */
	assert_int_equal(load(BASE "port = 1000\nallow = all\nworkers = 0\n"), -1);
	assert_memory_equal(&before, &conf, sizeof(conf));
	assert_true(has_error("ntp.workers: 0 is out of range"));
}

static void crlf_and_comments(void **state)
{
	assert_int_equal(load("; comment\r\n# another\r\n[ptp]\r\ninterface = eth0 ; trailing\r\n"
			      "[ntp]\r\ninterface = eth1 # trailing\r\n"), 0);
	assert_string_equal(conf.ptp.interface, "eth0");
	assert_string_equal(conf.ntp.interface, "eth1");
}

static void passthrough_linuxptp(void **state)
{
	conf_set_passthrough_check(ptp_conf_check);
	assert_int_equal(load(BASE "[ptp]\nlogSyncInterval = -3\ntx_timestamp_timeout = 50\n"), 0);
	assert_int_equal(conf.ptp.n_pass, 2);
	assert_string_equal(conf.ptp.pass[0].key, "logSyncInterval");
	assert_string_equal(conf.ptp.pass[0].value, "-3");
	assert_int_equal(conf.ptp.pass[0].line, 6);
	/* linuxptp's own range check, with its own words. */
	assert_int_equal(load(BASE "[ptp]\nlogSyncInterval = 1000\n"), -1);
	assert_true(has_error("t.conf:6: ptp.logSyncInterval: linuxptp 3.1.1: 1000 is an out of range value"));
	assert_int_equal(load(BASE "[ptp]\nslaveOnly = 0\n"), -1);
	assert_true(has_error("ptp.slaveOnly: set by ptpbridge itself"));
	/* Unknown to both: an unknown key, never an exit(). */
	assert_int_equal(load(BASE "[ptp]\nlogSyncIntervall = 1\n"), -1);
	assert_true(has_error("ptp.logSyncIntervall: unknown key"));
	/* Pass-through only in [ptp]. */
	assert_int_equal(load(BASE "[clock]\nlogSyncInterval = -3\n"), -1);
	assert_true(has_error("clock.logSyncInterval: unknown key"));
	conf_set_passthrough_check(NULL);
}

static void show_round_trips(void **state)
{
	struct bridge_conf again;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	conf_set_passthrough_check(ptp_conf_check);
	assert_int_equal(load(BASE "allow = 192.0.2.0/24\nallow = 2001:db8::/32\n"
			      "ratelimit = interval 2 burst 4 leak 1 kod\nclientloglimit = 3M\n"
			      "[ptp]\nlogSyncInterval = -2\n[clock]\nholdover_max = 2h\n"), 0);
	fp = open_memstream(&text, &len);
	conf_text_show(&conf, fp, true);
	fclose(fp);
	/* What show prints is a valid file that reads back the same. */
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(conf_load_string("t.conf", text, &again, &errs), 0);
	for (int i = 0; i < again.ptp.n_pass; i++)
		again.ptp.pass[i].line = conf.ptp.pass[i].line;
	assert_memory_equal(&conf.ntp, &again.ntp, sizeof(conf.ntp));
	assert_memory_equal(&conf.clock, &again.clock, sizeof(conf.clock));
	assert_memory_equal(&conf.ptp, &again.ptp, sizeof(conf.ptp));
	free(text);
	conf_set_passthrough_check(NULL);
}

static void get_values(void **state)
{
	char buf[256];

	assert_int_equal(load(BASE "clientloglimit = 1536K\nallow = 192.0.2.0/24\nallow = 10.0.0.0/8\n"), 0);
	assert_int_equal(conf_text_get(&conf, "ntp", "clientloglimit", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1536K");
	assert_int_equal(conf_text_get(&conf, "ntp", "allow", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "192.0.2.0/24\n10.0.0.0/8");
	assert_int_equal(conf_text_get(&conf, "ntp", "nope", buf, sizeof(buf)), -1);
}

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "r");
	static char buf[4096];
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void set_in_file(void **state)
{
	char path[] = "/tmp/test_conf_XXXXXX";
	int fd = mkstemp(path);
	const char *orig = "# my comment\n[ptp]\ninterface = eth0\n\n[ntp]\ninterface = eth1\n"
			   "allow = 192.0.2.0/24\nallow = 10.0.0.0/8\nport = 123\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, orig, strlen(orig)), (ssize_t)strlen(orig));
	close(fd);

	/* Replace in place; comments and order kept. */
	assert_int_equal(conf_file_set(path, "ntp", "port", "1123", &errs), 0);
	assert_string_equal(read_all(path), "# my comment\n[ptp]\ninterface = eth0\n\n[ntp]\n"
			    "interface = eth1\nallow = 192.0.2.0/24\nallow = 10.0.0.0/8\nport = 1123\n");
	/* A repeatable key: all its lines become the one value. */
	assert_int_equal(conf_file_set(path, "ntp", "allow", "all", &errs), 0);
	assert_string_equal(read_all(path), "# my comment\n[ptp]\ninterface = eth0\n\n[ntp]\n"
			    "interface = eth1\nallow = all\nport = 1123\n");
	/* A key not there yet lands at the end of its section... */
	assert_int_equal(conf_file_set(path, "ptp", "domainNumber", "24", &errs), 0);
	assert_string_equal(read_all(path), "# my comment\n[ptp]\ninterface = eth0\n\n"
			    "domainNumber = 24\n[ntp]\ninterface = eth1\nallow = all\nport = 1123\n");
	/* ...or in a new section. */
	assert_int_equal(conf_file_set(path, "log", "level", "debug", &errs), 0);
	assert_non_null(strstr(read_all(path), "port = 1123\n\n[log]\nlevel = debug\n"));
	/* A bad value is refused and the file stays as it was. */
	char before[4096];

	strcpy(before, read_all(path));
	assert_int_equal(conf_file_set(path, "ntp", "port", "0", &errs), -1);
	assert_true(has_error("ntp.port: 0 is out of range"));
	assert_int_equal(conf_file_set(path, "ntp", "prot", "1", &errs), -1);
	assert_true(has_error("did you mean ntp.port?"));
	assert_int_equal(conf_file_set(path, "ntp", "port", "1\n[x]", &errs), -1);
	assert_string_equal(read_all(path), before);
	unlink(path);
}

/* A writer killed between its temporary and the rename leaves the
   temporary: the next write removes ours once a minute old, nothing else. */
static void stale_temporaries(void **state)
{
	char dir[] = "/tmp/test_conf_dir_XXXXXX", path[128], p[160];
	const char *base = "[ptp]\ninterface = eth0\n[ntp]\ninterface = eth1\n";
	struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
	static const char *const names[] = {
		".b.conf.AAAAAA",	/* ours, old: removed */
		".b.conf.BBBBBB",	/* ours, fresh: kept */
		".b.conf.CCCCCCC",	/* not our pattern: kept */
		".other.DDDDDD",	/* another file's: kept */
	};
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, base, strlen(base)), (ssize_t)strlen(base));
	close(fd);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		if (i != 1)
			assert_int_equal(futimens(fd, old), 0);
		close(fd);
	}
	/* an old symlink of our pattern is not ours to remove */
	snprintf(p, sizeof(p), "%s/.b.conf.EEEEEE", dir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_equal(utimensat(AT_FDCWD, p, old, AT_SYMLINK_NOFOLLOW), 0);

	assert_int_equal(conf_file_set(path, "ntp", "port", "1123", &errs), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		assert_int_equal(access(p, F_OK) == 0, i != 0);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/.b.conf.EEEEEE", dir);
	assert_int_equal(unlink(p), 0);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);	/* and no temporary of the write itself */
}

/* What a review of every key's parser against bridge.conf(5) found
   (issue 18): each was accepted silently, or refused in one spelling and
   not another.  First what must now be refused, and why. */
static const struct {
	const char *text, *error;
} refused[] = {
	/* blanks in a section header: its keys were all ignored */
	{ BASE "[ log ]\nlevel = bogus\n", "t.conf:6: log.level: 'bogus' is not one of" },
	/* a byte-order mark before the first header */
	{ "\xef\xbb\xbf[bogus]\n" BASE, "[bogus]: unknown section" },
	/* an empty ratelimit was "on"; options given twice */
	{ BASE "ratelimit =\n", "ntp.ratelimit: empty value" },
	{ BASE "ratelimit = interval 3 interval 5\n", "ntp.ratelimit: interval given twice" },
	/* an empty socket path bound an abstract socket of NULs */
	{ BASE "[control]\nsocket =\n", "control.socket: a socket path has 1 to 107 characters" },
	/* a /0 with an address is a typo for everyone */
	{ BASE "allow = 192.0.2.1/0\n", "a prefix of 0 is all" },
	{ BASE "bindaddress = ::ffff:192.0.2.1\n", "IPv4-mapped address: write it as IPv4" },
	{ BASE "bindaddress = 192.0.2.1\nbindaddress = 192.0.2.1\n", "192.0.2.1 is listed twice" },
	{ BASE "clientloglimit = 4095.5\n", "ntp.clientloglimit: '4095.5' is not a size" },
	/* what show would write as a comment (fuzz_conf) */
	{ BASE "deny =#x\n", "ntp.deny: a value cannot start with '#'" },
	/* (and not also "required key missing") */
	{ "[ptp]\ninterface = ..\n[ntp]\ninterface = eth1\n", "'..' is not an interface name" },
};

static void review_of_the_parsers(void **state)
{
	char long_comment[300], long_value[300], buf[256], path[] = "/tmp/test_conf_XXXXXX";
	int fd;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(load(refused[i].text), -1);
		assert_true(has_error(refused[i].error));
		assert_int_equal(errs.count, 1);	/* the reason, and nothing else */
	}

	assert_int_equal(load(BASE "[ clock ]\nholdover_max = 2h\n"), 0);
	assert_true(conf.clock.holdover_max == 7200.0);
	/* A comment is not a line too long. */
	memset(long_comment, 'x', sizeof(long_comment));
	long_comment[0] = '#';
	long_comment[250] = '\0';
	{
		char text[1024];

		snprintf(text, sizeof(text), BASE "%s\nport = 1123 ; %s\n", long_comment,
			 long_comment + 60);
		assert_int_equal(load(text), 0);
		assert_int_equal(conf.ntp.port, 1123);
	}
	assert_int_equal(load(BASE "ratelimit = Interval 4 KOD\n"), 0);
	assert_true(conf.ntp.ratelimit.kod && conf.ntp.ratelimit.interval == 4);
	/* A socket path too long failed only at start. */
	memset(long_value, 'a', sizeof(long_value));
	long_value[0] = '/';
	long_value[120] = '\0';
	{
		char text[1024];

		snprintf(text, sizeof(text), BASE "[control]\nsocket = %s\n", long_value);
		assert_int_equal(load(text), -1);
		assert_true(has_error("control.socket: a socket path has 1 to 107 characters"));
	}
	/* IPv4-mapped prefixes are IPv4 (the ACL matches mapped clients so). */
	assert_int_equal(load(BASE "allow = ::ffff:192.0.2.0/120\n"), 0);
	assert_int_equal(conf.ntp.allow[0].addr.family, AF_INET);
	assert_int_equal(conf.ntp.allow[0].prefix, 24);
	assert_int_equal(load(BASE "deny = ALL\nallow = 192.0.2.0/24\n"), 0);
	assert_int_equal(conf.ntp.n_deny, 2);
	/* Sizes: one spelling per unit no more. */
	assert_int_equal(load(BASE "clientloglimit = 8 M\n"), 0);
	assert_int_equal(conf.ntp.clientloglimit, 8 << 20);
	assert_int_equal(load(BASE "clientloglimit = 8MIB\n"), 0);
	assert_int_equal(load(BASE "clientloglimit = 8388608B\n"), 0);
	assert_int_equal(conf.ntp.clientloglimit, 8 << 20);
	/* yes/no choices take what yes/no keys take. */
	assert_int_equal(load(BASE "hwtimestamp = off\n"), 0);
	assert_int_equal(conf.ntp.hwtimestamp, CONF_HWTS_NO);
	/* A linuxptp key given twice: linuxptp took the last, get the first. */
	conf_set_passthrough_check(ptp_conf_check);
	assert_int_equal(load(BASE "[ptp]\nlogSyncInterval = 1\nlogSyncInterval = 3\n"), -1);
	assert_true(has_error("ptp.logSyncInterval: repeated (first set on line 6)"));
	conf_set_passthrough_check(NULL);
	/* show kept 6 digits: 1234567 came back as 1.23457e+06. */
	assert_int_equal(load(BASE "[clock]\nstep_threshold = 1234567\nholdover_drift = 0.1234567\n"
			      "[ntp]\nmax_answer_delay = 20ms\n"), 0);
	assert_int_equal(conf_text_get(&conf, "clock", "step_threshold", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1234567s");
	assert_int_equal(conf_text_get(&conf, "clock", "holdover_drift", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0.1234567");
	assert_int_equal(conf_text_get(&conf, "ntp", "max_answer_delay", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "20ms");
	/* config set of a value too long for a line glued the next line on. */
	long_value[120] = 'a';
	long_value[250] = '\0';
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, BASE, strlen(BASE)), (ssize_t)strlen(BASE));
	close(fd);
	assert_int_equal(conf_file_set(path, "ntp", "bindaddress", long_value, &errs), -1);
	assert_true(has_error("ntp.bindaddress: line too long"));
	assert_string_equal(read_all(path), BASE);
	unlink(path);
}

static void man_page_lists_every_key(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	conf_text_man(fp);
	fclose(fp);
	assert_non_null(strstr(text, ".TH BRIDGE.CONF 5"));
	for (size_t i = 0; i < conf_table_len; i++) {
		char needle[96];

		snprintf(needle, sizeof(needle), "\n.B %s\n", conf_table[i].key);
		assert_non_null(strstr(text, needle));
	}
	free(text);
}

static void file_errors(void **state)
{
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(conf_load("/nonexistent/bridge.conf", &conf, &errs), -1);
	assert_true(has_error("/nonexistent/bridge.conf: cannot open: No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_valid),
		cmocka_unit_test(minimal_file),
		cmocka_unit_test(types_parse),
		cmocka_unit_test(sizes_and_durations),
		cmocka_unit_test(cidr_match),
		cmocka_unit_test(allow_all),
		cmocka_unit_test(unknown_key_suggests),
		cmocka_unit_test(bad_values),
		cmocka_unit_test(repeated_key),
		cmocka_unit_test(required_keys),
		cmocka_unit_test(same_nic),
		cmocka_unit_test(remote_ssh),
		cmocka_unit_test(syntax_and_sections),
		cmocka_unit_test(errors_never_half_apply),
		cmocka_unit_test(crlf_and_comments),
		cmocka_unit_test(passthrough_linuxptp),
		cmocka_unit_test(show_round_trips),
		cmocka_unit_test(get_values),
		cmocka_unit_test(set_in_file),
		cmocka_unit_test(stale_temporaries),
		cmocka_unit_test(review_of_the_parsers),
		cmocka_unit_test(man_page_lists_every_key),
		cmocka_unit_test(file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
