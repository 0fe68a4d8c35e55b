/*
 * bridgectl: the one CLI of ptpbridge.  A thin client of bridged's control
 * socket (one JSON request, one JSON reply), plus the config commands that
 * work on a file without a daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_file.h"
#include "bridge/core/conf_text.h"
#include "bridge/prog/slots.h"
#include "bridge/prog/view.h"
#include "phc/phc_addr.h"
#include "pb_autoconf.h"
#include "ptp/ptp_conf.h"

/* The image's updater (rootfs-overlay/usr/libexec/ptpbridge/update): RAUC
   does the work, the script checks a bundle before a slot is touched. */
#ifndef PB_UPDATE_HELPER
#define PB_UPDATE_HELPER "/usr/libexec/ptpbridge/update"
#endif

#ifndef PB_DEFAULT_CONFIG_FILE
#define PB_DEFAULT_CONFIG_FILE "/etc/ptpbridge/bridge.conf"
#endif
#ifndef PB_DEFAULT_SOCKET
#define PB_DEFAULT_SOCKET "/run/ptpbridge/bridged.sock"
#endif

#define REPLY_TIMEOUT_MS 5000
/* The longest reply read: the biggest real one (clients 256) is ~60 KiB. */
#define REPLY_MAX (4 << 20)

static const char *socket_path;
static const char *config_file = PB_DEFAULT_CONFIG_FILE;
static bool json_out;
static struct view_opts vopts;

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: bridgectl [-s SOCKET] [-f FILE] [--json] [--color=WHEN] COMMAND\n"
		"\n"
		"Commands (from the running bridged):\n"
		"  status                  the state of the bridge, one screen\n"
		"  ptp                     PTP data sets\n"
		"  tracking                system clock and reference, like chronyc tracking\n"
		"  clients                 NTP clients by hits\n"
		"  serverstats             NTP server counters\n"
		"  metrics                 Prometheus text format\n"
		"  config show             the running configuration, with defaults\n"
		"  config get SECTION.KEY  one key of the running configuration\n"
		"  reload                  reload the configuration file (root)\n"
		"  accept-gm-jump          follow a grandmaster time jump being held (root)\n"
		"  help                    the commands this daemon answers\n"
		"Commands on a file (no daemon needed):\n"
		"  config check [FILE]     check a configuration file\n"
		"  config set SECTION.KEY VALUE\n"
		"                          change a key in the file (checked first), then\n"
		"                          ask a running bridged to reload\n"
		"  config get --file SECTION.KEY\n"
		"                          one key of the file, defaults included\n"
		"  config man              bridge.conf(5) in roff\n"
		"  update FILE.raucb       install a signed update into the boot slot not\n"
		"                          running; it runs after a reboot (root, image only)\n"
		"\n"
		"  -s, --socket SOCKET     control socket (default: [control] socket of the\n"
		"                          config file, else %s)\n"
		"  -f, --config FILE       configuration file (default %s)\n"
		"  -j, --json              print the reply as JSON\n"
		"      --color=WHEN        auto (default: only on a terminal), always, never\n"
		"  -h, --help              this text\n"
		"\n"
		"Exit status: 0 success, 1 failure or refused, 2 usage.\n",
		PB_DEFAULT_SOCKET, PB_DEFAULT_CONFIG_FILE);
}

static void print_conf_error(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
}

/* A file as it is, addresses not checked against the interfaces: to find
   the socket, or to know what an edit adds. */
static int load_unchecked(const char *file, struct bridge_conf *c)
{
	int rc;

	conf_set_addr_check(NULL);
	rc = access(file, R_OK) == 0 ? conf_load(file, c, NULL) : -1;
	conf_set_addr_check(phc_addr_check);
	return rc;
}

/* The socket: -s, else the config file's [control] socket, else default. */
static const char *find_socket(void)
{
	static struct bridge_conf c;

	if (socket_path)
		return socket_path;
	if (load_unchecked(config_file, &c) == 0)
		return c.control.socket;
	return PB_DEFAULT_SOCKET;
}

/* Send one request, return the parsed reply (NULL with a message). */
static struct json_object *call(struct json_object *req, bool quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = find_socket();
	const char *text;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct json_object *reply;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "bridgectl: socket path too long: %s\n", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (!quiet)
			fprintf(stderr, "bridgectl: cannot reach bridged at %s: %s\n", path,
				strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
		/* A refusal may be waiting to be read: prefer its words. */
		if (errno != EPIPE && errno != ECONNRESET) {
			fprintf(stderr, "bridgectl: write: %s\n", strerror(errno));
			close(fd);
			return NULL;
		}
	}
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "bridgectl: no reply from bridged within %d s\n",
				REPLY_TIMEOUT_MS / 1000);
			free(buf);
			close(fd);
			return NULL;
		}
		if (len > REPLY_MAX) {
			fprintf(stderr, "bridgectl: reply from bridged over %d bytes: refused\n",
				REPLY_MAX);
			free(buf);
			close(fd);
			return NULL;
		}
		if (len + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			char *nb = realloc(buf, cap);

			if (!nb) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET && !len)
			break;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf || !len) {
		fprintf(stderr, "bridgectl: bridged closed the connection without a reply"
			" (busy? try again)\n");
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	reply = json_tokener_parse(buf);
	free(buf);
	if (!reply || !json_object_is_type(reply, json_type_object)) {
		fprintf(stderr, "bridgectl: the reply of bridged is not a JSON object\n");
		json_object_put(reply);
		return NULL;
	}
	return reply;
}

/* Run a daemon command, print it; returns the exit status. */
static int run(const char *cmd, struct json_object *extra)
{
	struct json_object *req = extra ? extra : json_object_new_object();
	struct json_object *reply, *ok, *data;
	int rc;

	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	reply = call(req, false);
	json_object_put(req);
	if (!reply)
		return 1;
	if (!json_object_object_get_ex(reply, "ok", &ok) || !json_object_get_boolean(ok)) {
		struct json_object *err;

		if (json_out)
			printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY));
		else
			fprintf(stderr, "bridgectl: %s: %s\n", cmd,
				json_object_object_get_ex(reply, "error", &err) ?
					view_clean(json_object_get_string(err)) : "failed");
		json_object_put(reply);
		return 1;
	}
	if (!json_object_object_get_ex(reply, "data", &data))
		data = NULL;
	if (data && !json_object_is_type(data, json_type_object)) {
		fprintf(stderr, "bridgectl: %s: malformed reply (data is not an object)\n", cmd);
		json_object_put(reply);
		return 1;
	}
	/* The boot slots are read here, on the box, not by the daemon. */
	if (data && !strcmp(cmd, "status")) {
		struct json_object *sys = slots_read("");

		if (sys)
			json_object_object_add(data, "system", sys);
	}
	if (json_out) {
		printf("%s\n", json_object_to_json_string_ext(data, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (data) {
		view_render(cmd, data, stdout, &vopts);
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
	json_object_put(reply);
	return rc;
}

static int config_check(const char *file)
{
	struct bridge_conf *c = malloc(sizeof(*c));
	struct conf_errors *e = calloc(1, sizeof(*e));
	int rc;

	if (!c || !e)
		return 1;
	rc = conf_load(file, c, e);
	if (json_out) {
		struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
		int kept = e->count < CONF_MAX_ERRORS ? e->count : CONF_MAX_ERRORS;

		for (int i = 0; rc < 0 && i < kept; i++)
			json_object_array_add(arr, json_object_new_string(e->msg[i]));
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "valid", json_object_new_boolean(rc == 0));
		json_object_object_add(o, "errors", arr);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else if (rc < 0) {
		conf_errors_report(e, print_conf_error);
	} else {
		printf("%s: OK\n", file);
	}
	free(c);
	free(e);
	return rc < 0 ? 1 : 0;
}

static int split_key(const char *arg, char *section, size_t len, const char **key)
{
	const char *dot = strchr(arg, '.');

	if (!dot || dot == arg || !dot[1] || (size_t)(dot - arg) >= len) {
		fprintf(stderr, "bridgectl: expected SECTION.KEY, e.g. ntp.allow\n");
		return -1;
	}
	snprintf(section, len, "%.*s", (int)(dot - arg), arg);
	*key = dot + 1;
	return 0;
}

/* The file the running daemon reads: 1 and its path, or 0 when no daemon
   answers. */
static int daemon_config_file(char *buf, size_t len)
{
	struct json_object *req = json_object_new_object(), *reply;
	const char *f;

	json_object_object_add(req, "cmd", json_object_new_string("status"));
	reply = call(req, true);
	json_object_put(req);
	if (!reply)
		return 0;
	f = view_str(reply, "data.daemon.config_file", "");
	snprintf(buf, len, "%s", f);
	json_object_put(reply);
	return 1;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int config_set(const char *arg, const char *value)
{
	static struct bridge_conf before;
	struct conf_errors *e = calloc(1, sizeof(*e));
	char section[CONF_NAME_MAX], running[CONF_PATH_MAX];
	struct json_object *req, *reply, *ok, *err;
	const char *key;
	char *old = NULL;
	size_t old_len = 0;
	int live, rc = 0;

	if (!e || split_key(arg, section, sizeof(section), &key) < 0) {
		free(e);
		return 2;
	}
	live = daemon_config_file(running, sizeof(running));
	/* Only an address the edit adds must be on the interface now. */
	if (load_unchecked(config_file, &before) == 0)
		conf_set_addr_known(&before);
	/* Kept, to put back when the daemon cannot apply the change. */
	if (conf_file_read(config_file, &old, &old_len, e) < 0 ||
	    conf_file_set(config_file, section, key, value, e) < 0) {
		conf_errors_report(e, print_conf_error);
		fprintf(stderr, "bridgectl: %s not changed\n", config_file);
		free(old);
		free(e);
		return 1;
	}
	printf("%s: %s.%s = %s\n", config_file, section, key, value);
	if (!live) {
		printf("bridged is not running: the change applies at its next start\n");
		goto out;
	}
	if (!same_file(running, config_file)) {
		printf("bridged runs from %s, not %s: not reloaded, the change is not live\n",
		       running, config_file);
		goto out;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("reload"));
	reply = call(req, false);
	json_object_put(req);
	if (reply && json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok)) {
		printf("bridged reloaded the configuration\n");
	} else {
		/* The running config stays; so does the file. */
		fprintf(stderr, "bridgectl: bridged cannot apply the change: %s\n",
			reply && json_object_object_get_ex(reply, "error", &err) ?
				view_clean(json_object_get_string(err)) : "no answer");
		if (conf_file_write(config_file, old, old_len, e) == 0) {
			fprintf(stderr, "bridgectl: %s put back as it was\n", config_file);
		} else {
			conf_errors_report(e, print_conf_error);
			fprintf(stderr, "bridgectl: %s keeps the change, bridged does not\n",
				config_file);
		}
		rc = 1;
	}
	json_object_put(reply);
out:
	free(old);
	free(e);
	return rc;
}

/* One key of the file, defaults included, no daemon: for the image's
   scripts (run-ssh), which must work when bridged does not. */
static int config_get_file(const char *arg)
{
	struct bridge_conf *c = malloc(sizeof(*c));
	struct conf_errors *e = calloc(1, sizeof(*e));
	char section[CONF_NAME_MAX], value[4096];
	const char *key;
	int rc = 1;

	if (!c || !e || split_key(arg, section, sizeof(section), &key) < 0) {
		rc = 2;
	} else if (conf_load(config_file, c, e) < 0) {
		conf_errors_report(e, print_conf_error);
	} else if (conf_text_get(c, section, key, value, sizeof(value)) < 0) {
		fprintf(stderr, "bridgectl: %s: no such key\n", arg);
	} else {
		printf("%s\n", value);
		rc = 0;
	}
	free(c);
	free(e);
	return rc;
}

static int config_cmd(int argc, char **argv)
{
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "check"))
		return config_check(argc > 1 ? argv[1] : config_file);
	if (!strcmp(argv[0], "show"))
		return run("config.show", NULL);
	if (!strcmp(argv[0], "get") && argc == 3 && !strcmp(argv[1], "--file"))
		return config_get_file(argv[2]);
	if (!strcmp(argv[0], "get") && argc == 2) {
		struct json_object *req = json_object_new_object();

		json_object_object_add(req, "key", json_object_new_string(argv[1]));
		if (!json_out) {
			/* Plain value, as scripts want it. */
			struct json_object *reply, *data, *v, *ok;

			json_object_object_add(req, "cmd", json_object_new_string("config.get"));
			reply = call(req, false);
			json_object_put(req);
			if (!reply)
				return 1;
			if (!json_object_object_get_ex(reply, "ok", &ok) || !json_object_get_boolean(ok) ||
			    !json_object_object_get_ex(reply, "data", &data) ||
			    !json_object_object_get_ex(data, "value", &v)) {
				struct json_object *err;

				fprintf(stderr, "bridgectl: %s\n",
					json_object_object_get_ex(reply, "error", &err) ?
						view_clean(json_object_get_string(err)) : "failed");
				json_object_put(reply);
				return 1;
			}
			printf("%s\n", json_object_get_string(v));
			json_object_put(reply);
			return 0;
		}
		return run("config.get", req);
	}
	if (!strcmp(argv[0], "set") && argc == 3)
		return config_set(argv[1], argv[2]);
	if (!strcmp(argv[0], "man")) {
		conf_text_man(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}

/*
 * Colour only for a terminal that asks for it: a tty with a TERM that is
 * not "dumb", no NO_COLOR, and not a serial line.  The status screen is
 * read over serial consoles, where escapes end up in logs and on
 * terminals that do not understand them; --color=always still works there.
 */
static bool terminal_wants_color(void)
{
	static const char *const serial[] = {
		"/dev/console", "/dev/ttyS", "/dev/ttyAMA", "/dev/ttyUSB", "/dev/ttyACM",
		"/dev/hvc", "/dev/ttyprintk", NULL,
	};
	const char *term = getenv("TERM");
	const char *tty;

	if (!isatty(STDOUT_FILENO) || !term || !strcmp(term, "dumb") || getenv("NO_COLOR"))
		return false;
	tty = ttyname(STDOUT_FILENO);
	for (int i = 0; tty && serial[i]; i++) {
		if (!strncmp(tty, serial[i], strlen(serial[i])))
			return false;
	}
	return true;
}

/* The work is RAUC's and the image's; here only who may ask. */
static int update_cmd(int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "bridgectl: usage: bridgectl update FILE.raucb\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bridgectl: update: permission denied: needs root\n");
		return 1;
	}
	if (access(PB_UPDATE_HELPER, X_OK) < 0) {
		fprintf(stderr, "bridgectl: update: not available on this system (no %s)\n",
			PB_UPDATE_HELPER);
		return 1;
	}
	fflush(stdout);
	execl(PB_UPDATE_HELPER, PB_UPDATE_HELPER, argv[0], (char *)NULL);
	fprintf(stderr, "bridgectl: update: %s: %s\n", PB_UPDATE_HELPER, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "color", required_argument, NULL, 'C' },
		{ "colour", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *color = "auto";
	int c;

	while ((c = getopt_long(argc, argv, "+s:f:jhv", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'f':
			config_file = optarg;
			break;
		case 'j':
			json_out = true;
			break;
		case 'C':
			color = optarg;
			break;
		case 'v':
			printf("bridgectl %s (linuxptp %s)\n", PTPBRIDGE_VERSION, ptp_conf_linuxptp_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!strcmp(color, "always")) {
		vopts.color = true;
	} else if (!strcmp(color, "auto")) {
		vopts.color = terminal_wants_color();
	} else if (strcmp(color, "never")) {
		fprintf(stderr, "bridgectl: --color takes auto, always or never\n");
		return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	conf_set_passthrough_check(ptp_conf_check);
	conf_set_addr_check(phc_addr_check);
	argv += optind;
	argc -= optind;
	if (!strcmp(argv[0], "config"))
		return config_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[0], "update"))
		return update_cmd(argc - 1, argv + 1);
	if (argc != 1) {
		usage(stderr);
		return 2;
	}
	return run(argv[0], NULL);
}
