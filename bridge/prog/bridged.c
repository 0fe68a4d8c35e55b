/*
 * bridged: the ptpbridge daemon.  Loads the unified config, starts the
 * modules (bridge/prog/modules.c), serves the control socket and runs the core
 * loop until SIGTERM/SIGINT.  SIGHUP (or `bridgectl reload`) reloads the
 * config; a bad file is refused whole and the running config stays.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_table.h"
#include "bridge/core/conf_text.h"
#include "bridge/core/ctl.h"
#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "bridge/core/module.h"
#include "bridge/core/privdrop.h"
#include "bridge/core/ref_state.h"
#include "bridge/core/sandbox.h"
#include "bridge/prog/modules.h"
#include "phc/phc_addr.h"
#include "pb_autoconf.h"
#include "ptp/ptp_conf.h"

#ifndef PB_DEFAULT_CONFIG_FILE
#define PB_DEFAULT_CONFIG_FILE "/etc/ptpbridge/bridge.conf"
#endif

static struct bridge_conf conf;
static struct timespec started_mono, loaded_wall;
static int reloads, reload_failures;
static char last_reload_error[512];

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: bridged [-f FILE] [-n] [-d] [--check] [--version]\n"
		"\n"
		"The ptpbridge daemon: PTP slave on one NIC, stratum-1 NTP server on the other.\n"
		"\n"
		"  -f, --config FILE  configuration file (default %s)\n"
		"  -n, --foreground   stay in the foreground, log to stderr\n"
		"  -d, --debug        log debug messages\n"
		"      --check        check the configuration and exit (0 if valid)\n"
		"  -v, --version      print the version and the linked linuxptp version\n"
		"  -h, --help         this text\n"
		"\n"
		"Signals: SIGHUP reloads the configuration, SIGTERM/SIGINT stop.\n"
		"See bridged(8) and bridge.conf(5).\n",
		PB_DEFAULT_CONFIG_FILE);
}

static double mono_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) * 1e-9;
}

static void log_conf_error(const char *msg)
{
	log_error("%s", msg);
}

/* --- reload ------------------------------------------------------------- */

static int reload(char *err, size_t errlen)
{
	struct bridge_conf *next = malloc(sizeof(*next));
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	int rc = 0;

	if (!next || !errs) {
		free(next);
		free(errs);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	reloads++;
	if (conf_load(conf.file, next, errs) < 0) {
		conf_errors_report(errs, log_conf_error);
		snprintf(err, errlen, "%s%s", errs->msg[0],
			 errs->count > 1 ? " (and more: see the log)" : "");
		log_error("reload refused: %s is not valid, keeping the running config", conf.file);
		snprintf(last_reload_error, sizeof(last_reload_error), "%s", err);
		reload_failures++;
		free(next);
		free(errs);
		return -1;
	}
	for (size_t k = 0; k < conf_table_len; k++) {
		const struct conf_item *it = &conf_table[k];

		if (conf_table_restarts(it->restarts, "bridged") &&
		    conf_table_changed(it, &conf, next))
			log_warn("reload: %s.%s applies at the next start of bridged",
				 it->section, it->key);
	}
	rc = module_reload_all(&conf, next, err, errlen);
	if (rc < 0) {
		/* every module is back on the running config */
		snprintf(last_reload_error, sizeof(last_reload_error), "%s", err);
		reload_failures++;
	} else {
		log_set_level(next->log.level);
		conf = *next;
		clock_gettime(CLOCK_REALTIME, &loaded_wall);
		log_info("reloaded %s", conf.file);
		last_reload_error[0] = '\0';
	}
	free(next);
	free(errs);
	return rc;
}

/* --- control commands ---------------------------------------------------- */

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static int cmd_status(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	struct json_object *d = json_object_new_object(), *mods = json_object_new_object();
	struct json_object *ref = json_object_new_object(), *ifs = json_object_new_object();
	struct ref_snapshot rs;
	struct timespec now;
	char buf[64];

	add_str(d, "version", PTPBRIDGE_VERSION);
	add_str(d, "linuxptp", ptp_conf_linuxptp_version());
	json_object_object_add(d, "pid", json_object_new_int(getpid()));
	json_object_object_add(d, "uptime_s", json_object_new_double(mono_since(&started_mono)));
	add_str(d, "config_file", conf.file);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&loaded_wall.tv_sec));
	add_str(d, "config_loaded", buf);
	json_object_object_add(d, "reloads", json_object_new_int(reloads));
	json_object_object_add(d, "reload_failures", json_object_new_int(reload_failures));
	if (last_reload_error[0])
		add_str(d, "last_reload_error", last_reload_error);
	json_object_object_add(data, "daemon", d);

	add_str(ifs, "ptp", conf.ptp.interface);
	add_str(ifs, "ntp", conf.ntp.interface);
	json_object_object_add(data, "interfaces", ifs);

	ref_state_read(&rs);
	clock_gettime(CLOCK_REALTIME, &now);
	add_str(ref, "state", ref_state_sync_name(rs.sync));
	json_object_object_add(ref, "stratum", json_object_new_int(rs.stratum));
	json_object_object_add(ref, "leap", json_object_new_int(rs.leap));
	snprintf(buf, sizeof(buf), "%c%c%c%c", (rs.refid >> 24) & 0xff ? (int)(rs.refid >> 24) : ' ',
		 (rs.refid >> 16) & 0xff ? (int)(rs.refid >> 16 & 0xff) : ' ',
		 (rs.refid >> 8) & 0xff ? (int)(rs.refid >> 8 & 0xff) : ' ',
		 rs.refid & 0xff ? (int)(rs.refid & 0xff) : ' ');
	add_str(ref, "refid", rs.refid ? buf : "");
	json_object_object_add(ref, "root_delay_s", json_object_new_double(rs.root_delay));
	json_object_object_add(ref, "root_dispersion_s",
			       json_object_new_double(rs.generation ?
						      ref_state_dispersion_at(&rs, &now) : 0.0));
	json_object_object_add(ref, "utc_offset_s", json_object_new_int(rs.utc_offset));
	json_object_object_add(data, "reference", ref);

	module_status(mods);
	json_object_object_add(data, "modules", mods);
	return 0;
}

static void write_conf(FILE *out, const void *arg)
{
	conf_text_show(arg, out, false);
}

static int cmd_config_show(struct json_object *req, struct json_object *data, char *err,
			   size_t errlen)
{
	add_str(data, "file", conf.file);
	return ctl_add_text(data, write_conf, &conf, err, errlen);
}

static int cmd_config_get(struct json_object *req, struct json_object *data, char *err,
			  size_t errlen)
{
	struct json_object *jkey;
	char section[CONF_NAME_MAX], buf[4096];
	const char *key, *dot;

	if (!json_object_object_get_ex(req, "key", &jkey) ||
	    !(key = json_object_get_string(jkey)) || !(dot = strchr(key, '.')) ||
	    (size_t)(dot - key) >= sizeof(section)) {
		snprintf(err, errlen, "expected key SECTION.KEY");
		return -1;
	}
	snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
	if (conf_text_get(&conf, section, dot + 1, buf, sizeof(buf)) < 0) {
		snprintf(err, errlen, "%s: unknown key", key);
		return -1;
	}
	add_str(data, "key", key);
	add_str(data, "value", buf);
	return 0;
}

static int cmd_reload(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	if (reload(err, errlen) < 0)
		return -1;
	add_str(data, "file", conf.file);
	return 0;
}

static void daemon_metrics(FILE *out)
{
	struct ref_snapshot rs;
	struct timespec now;

	ref_state_read(&rs);
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(out, "# HELP ptpbridge_up bridged is running.\n# TYPE ptpbridge_up gauge\n"
		"ptpbridge_up 1\n");
	fprintf(out, "# HELP ptpbridge_uptime_seconds Time since bridged started.\n"
		"# TYPE ptpbridge_uptime_seconds gauge\nptpbridge_uptime_seconds %.0f\n",
		mono_since(&started_mono));
	fprintf(out, "# HELP ptpbridge_reference_state 0 unsynchronised, 1 synced, 2 holdover.\n"
		"# TYPE ptpbridge_reference_state gauge\nptpbridge_reference_state %d\n", rs.sync);
	fprintf(out, "# HELP ptpbridge_ntp_stratum Stratum served to NTP clients.\n"
		"# TYPE ptpbridge_ntp_stratum gauge\nptpbridge_ntp_stratum %d\n", rs.stratum);
	fprintf(out, "# HELP ptpbridge_ntp_leap Leap indicator served (3 = unsynchronised).\n"
		"# TYPE ptpbridge_ntp_leap gauge\nptpbridge_ntp_leap %d\n", rs.leap);
	fprintf(out, "# HELP ptpbridge_root_dispersion_seconds Root dispersion served.\n"
		"# TYPE ptpbridge_root_dispersion_seconds gauge\n"
		"ptpbridge_root_dispersion_seconds %.9f\n",
		rs.generation ? ref_state_dispersion_at(&rs, &now) : 0.0);
	fprintf(out, "# HELP ptpbridge_config_reloads_total Reloads asked for.\n"
		"# TYPE ptpbridge_config_reloads_total counter\n"
		"ptpbridge_config_reloads_total %d\n", reloads);
}

/* --- signals, files ------------------------------------------------------- */

static void on_stop(int signo, void *arg)
{
	log_notice("signal %d: stopping", signo);
	loop_stop();
}

static void on_hup(int signo, void *arg)
{
	char err[512];

	log_notice("SIGHUP: reloading %s", conf.file);
	reload(err, sizeof(err));
}

/* mkdir -p of the directory that will hold path. */
static int make_parent(const char *path)
{
	char dir[CONF_PATH_MAX];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * One bridged per network namespace, whatever its paths: an abstract UNIX
 * socket is bound for the life of the process (the kernel frees it when
 * the process dies, so a crash leaves nothing stale behind).  A second
 * bridged would share port 123 through SO_REUSEPORT and take the first
 * one's pidfile.
 */
static int instance_fd = -1;

static int claim_instance(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char name[] = "ptpbridge/bridged";

	memcpy(sa.sun_path + 1, name, sizeof(name) - 1);
	instance_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (instance_fd < 0)
		return -1;
	if (bind(instance_fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof(name))) < 0) {
		log_error("another bridged runs in this network namespace (%s): not starting a second one",
			  errno == EADDRINUSE ? "it holds @ptpbridge/bridged" : strerror(errno));
		close(instance_fd);
		instance_fd = -1;
		return -1;
	}
	return 0;
}

/*
 * The pidfile, written as root before privileges drop, in a directory the
 * [control] group may write: never through a symlink (O_NOFOLLOW), only a
 * regular file with one link, and held with a lock for the life of the
 * process, so it is only removed by its owner.
 */
static int pid_fd = -1;

static int write_pidfile(const char *path)
{
	struct stat st;
	char buf[24];
	int fd, n;

	if (!*path)
		return 0;
	if (make_parent(path) < 0) {
		log_error("pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		log_error("pidfile %s: %s", path,
			  errno == ELOOP ? "is a symbolic link: refused" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		log_error("pidfile %s: not a regular file with a single link: refused", path);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_error("pidfile %s is held by another bridged (pid %s): not starting", path,
			  *buf ? buf : "?");
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		log_error("pidfile %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	pid_fd = fd;
	return 0;
}

static int daemonize(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout) ||
	    !freopen("/dev/null", "w", stderr))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "foreground", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char abs_file[PATH_MAX];
	const char *file = PB_DEFAULT_CONFIG_FILE;
	bool foreground = false, debug = false, check = false;
	struct conf_errors *errs;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "f:ndvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			foreground = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'c':
			check = true;
			break;
		case 'v':
			printf("bridged %s (linuxptp %s)\n", PTPBRIDGE_VERSION, ptp_conf_linuxptp_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}

	/* The daemon changes to / when it detaches: a relative path would make
	   every later reload fail. */
	if (file[0] != '/' && realpath(file, abs_file))
		file = abs_file;
	conf_set_passthrough_check(ptp_conf_check);
	errs = calloc(1, sizeof(*errs));
	if (!errs)
		return 1;
	/* Until the config names a target, messages go to stderr. */
	log_init("bridged", LOG_TARGET_STDERR, debug ? LOG_DEBUG : LOG_INFO, true);
	if (conf_load(file, &conf, errs) < 0) {
		conf_errors_report(errs, log_conf_error);
		free(errs);
		return 1;
	}
	free(errs);
	/* From now on (reload, --check) a new bindaddress must be on the ntp
	   interface; at start a missing one is waited for (ntp/ follows the
	   interface's addresses), so the box comes up before DHCP or DAD is
	   done. */
	conf_set_addr_check(phc_addr_check);
	if (check) {
		if (conf_load(file, &conf, errs = calloc(1, sizeof(*errs))) < 0) {
			conf_errors_report(errs, log_conf_error);
			free(errs);
			return 1;
		}
		free(errs);
		printf("%s: OK\n", file);
		return 0;
	}
	log_init("bridged", (enum log_target)conf.log.target,
		 debug ? LOG_DEBUG : conf.log.level, foreground);
	conf_set_addr_known(&conf);	/* a reload checks only new addresses */
	if (!foreground && daemonize() < 0) {
		log_error("cannot detach: %s", strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &started_mono);
	clock_gettime(CLOCK_REALTIME, &loaded_wall);
	signal(SIGPIPE, SIG_IGN);

	loop_init();
	loop_add_signal(SIGTERM, on_stop, NULL);
	loop_add_signal(SIGINT, on_stop, NULL);
	loop_add_signal(SIGHUP, on_hup, NULL);

	/* Before anything shared is touched (the control socket, the
	   pidfile, port 123): one bridged at a time. */
	if (claim_instance() < 0 || write_pidfile(conf.control.pidfile) < 0)
		return 1;
	ctl_reset();
	if (make_parent(conf.control.socket) < 0 ||
	    ctl_init(conf.control.socket, conf.control.group) < 0) {
		log_error("cannot open the control socket %s", conf.control.socket);
		return 1;
	}
	ctl_register("status", CTL_READ, cmd_status, "state of the bridge");
	ctl_register("config.show", CTL_READ, cmd_config_show, "the running configuration");
	ctl_register("config.get", CTL_READ, cmd_config_get, "one key of the running config");
	ctl_register("reload", CTL_ADMIN, cmd_reload, "reload the configuration file");
	ctl_add_metrics(daemon_metrics);
	ctl_add_metrics(module_metrics);
	module_init(bridge_modules);

	log_notice("bridged %s (linuxptp %s) started: config %s, ptp %s, ntp %s",
		   PTPBRIDGE_VERSION, ptp_conf_linuxptp_version(), conf.file, conf.ptp.interface,
		   conf.ntp.interface);
	if (*conf.control.user && privdrop_apply(conf.control.user) < 0) {
		rc = 1;
	} else if (module_start_all(&conf) < 0) {
		rc = 1;
	} else {
		sandbox_apply();
		if (loop_run() < 0)
			rc = 1;
	}

	module_stop_all();
	ctl_finish();
	loop_finish();
	if (pid_fd >= 0)
		unlink(conf.control.pidfile);	/* ours: we hold its lock */
	log_notice("stopped");
	log_finish();
	return rc;
}
