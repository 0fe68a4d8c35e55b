/*
 * The control socket.  One request per connection: the client writes one
 * JSON object and a newline, bridged answers with one JSON object and
 * closes.  Connections are served from the core loop; a request larger than
 * CTL_MAX_REQUEST or slower than CTL_TIMEOUT_MS is dropped, so a stuck
 * client cannot hold the daemon.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include "bridge/core/ctl.h"
#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "pb_autoconf.h"

#define CTL_MAX_COMMANDS 48
#define CTL_MAX_SECTIONS 16
#define CTL_MAX_CONNS 8
/* Connections one non-root user may hold at once. */
#define CTL_MAX_PER_UID 2
#define CTL_MAX_REQUEST 4096
#define CTL_TIMEOUT_MS 2000

static struct {
	const char *cmd;
	enum ctl_access access;
	ctl_handler handler;
	const char *help;
} commands[CTL_MAX_COMMANDS];
static int n_commands;

static ctl_metrics_fn metrics[CTL_MAX_SECTIONS];
static int n_metrics;

struct conn {
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	size_t len;
	uint64_t deadline;
	char buf[CTL_MAX_REQUEST];
};

static struct conn conns[CTL_MAX_CONNS] = { [0 ... CTL_MAX_CONNS - 1] = { .fd = -1 } };
static int listen_fd = -1;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static gid_t group_gid = (gid_t)-1;
static struct loop_timer *reaper;

int ctl_register(const char *cmd, enum ctl_access access, ctl_handler h, const char *help)
{
	if (n_commands == CTL_MAX_COMMANDS)
		return -1;
	commands[n_commands].cmd = cmd;
	commands[n_commands].access = access;
	commands[n_commands].handler = h;
	commands[n_commands].help = help;
	n_commands++;
	return 0;
}

int ctl_add_metrics(ctl_metrics_fn fn)
{
	if (n_metrics == CTL_MAX_SECTIONS)
		return -1;
	metrics[n_metrics++] = fn;
	return 0;
}

static int cmd_help(struct json_object *req, struct json_object *data, char *err,
		    size_t errlen);
static int cmd_metrics(struct json_object *req, struct json_object *data, char *err,
		       size_t errlen);

/* help and metrics are the socket's own: every daemon answers them. */
void ctl_reset(void)
{
	n_commands = 0;
	n_metrics = 0;
	ctl_register("help", CTL_READ, cmd_help, "list the commands");
#ifdef PB_METRICS
	ctl_register("metrics", CTL_READ, cmd_metrics, "Prometheus text format");
#else
	(void)cmd_metrics;	/* built without metrics (Kconfig METRICS) */
#endif
}

static int cmd_help(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	struct json_object *list = json_object_new_array();

	for (int i = 0; i < n_commands; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "cmd", json_object_new_string(commands[i].cmd));
		json_object_object_add(c, "access", json_object_new_string(
			commands[i].access == CTL_ADMIN ? "root" : "read"));
		json_object_object_add(c, "help", json_object_new_string(commands[i].help));
		json_object_array_add(list, c);
	}
	json_object_object_add(data, "commands", list);
	return 0;
}

int ctl_add_text(struct json_object *data, void (*write)(FILE *out, const void *arg),
		 const void *arg, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	if (!fp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	write(fp, arg);
	fclose(fp);
	json_object_object_add(data, "text", json_object_new_string_len(text, (int)len));
	free(text);
	return 0;
}

static void write_metrics(FILE *out, const void *arg)
{
	for (int i = 0; i < n_metrics; i++)
		metrics[i](out);
}

static int cmd_metrics(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	return ctl_add_text(data, write_metrics, NULL, err, errlen);
}

static struct json_object *error_reply(const char *msg)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(0));
	json_object_object_add(r, "error", json_object_new_string(msg));
	return r;
}

struct json_object *ctl_dispatch(struct json_object *req, int is_root, int in_group)
{
	struct json_object *jcmd, *reply, *data;
	const char *cmd;
	char err[512] = "";

	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "cmd", &jcmd) ||
	    !json_object_is_type(jcmd, json_type_string))
		return error_reply("bad request: expected {\"cmd\": \"...\"}");
	cmd = json_object_get_string(jcmd);
	for (int i = 0; i < n_commands; i++) {
		if (strcmp(commands[i].cmd, cmd))
			continue;
		if (!is_root && (commands[i].access == CTL_ADMIN || !in_group))
			return error_reply(commands[i].access == CTL_ADMIN ?
					   "permission denied: this command needs root" :
					   "permission denied: not in the control group");
		data = json_object_new_object();
		if (commands[i].handler(req, data, err, sizeof(err)) < 0) {
			json_object_put(data);
			return error_reply(err[0] ? err : "failed");
		}
		reply = json_object_new_object();
		json_object_object_add(reply, "ok", json_object_new_boolean(1));
		json_object_object_add(reply, "cmd", json_object_new_string(cmd));
		json_object_object_add(reply, "data", data);
		return reply;
	}
	snprintf(err, sizeof(err), "unknown command '%s' (try help)", cmd);
	return error_reply(err);
}

/* Is the peer in group_gid?  Its supplementary groups are in /proc. */
static int peer_in_group(const struct conn *c)
{
	char path[64], line[1024];
	FILE *fp;
	int found = 0;

	if (group_gid == (gid_t)-1)
		return 0;
	if (c->gid == group_gid)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)c->pid);
	fp = fopen(path, "r");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		if (strncmp(line, "Groups:", 7))
			continue;
		char *save = NULL;

		for (char *t = strtok_r(line + 7, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
			if ((gid_t)strtoul(t, NULL, 10) == group_gid)
				found = 1;
		}
		break;
	}
	fclose(fp);
	return found;
}

static void conn_close(struct conn *c)
{
	loop_del_fd(c->fd);
	close(c->fd);
	c->fd = -1;
}

static void conn_answer(struct conn *c)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req, *reply;
	const char *text;

	req = json_tokener_parse_ex(tok, c->buf, (int)c->len);
	if (!req || json_tokener_get_error(tok) != json_tokener_success) {
		reply = error_reply("bad request: not JSON");
	} else {
		reply = ctl_dispatch(req, c->uid == 0, peer_in_group(c));
	}
	json_tokener_free(tok);
	if (req)
		json_object_put(req);
	text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);

	/* The reply is written with a bounded wait: bridgectl reads at once. */
	size_t len = strlen(text), off = 0;
	int flags = fcntl(c->fd, F_GETFL);

	fcntl(c->fd, F_SETFL, flags & ~O_NONBLOCK);
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_MS / 1000 };

	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < len) {
		ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off == len)
		(void)!send(c->fd, "\n", 1, MSG_NOSIGNAL);
	json_object_put(reply);
	conn_close(c);
}

static void conn_readable(int fd, short revents, void *arg)
{
	struct conn *c = arg;
	ssize_t n;

	n = recv(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF after a request without a newline still answers. */
		if (n == 0 && c->len)
			conn_answer(c);
		else
			conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (memchr(c->buf, '\n', c->len)) {
		conn_answer(c);
		return;
	}
	if (c->len == sizeof(c->buf) - 1) {
		log_warn("ctl: request too long from pid %d, dropped", (int)c->pid);
		conn_close(c);
	}
}

static void reap(void *arg)
{
	uint64_t now = loop_now_ns();

	for (int i = 0; i < CTL_MAX_CONNS; i++) {
		if (conns[i].fd >= 0 && now > conns[i].deadline) {
			log_warn("ctl: request from pid %d timed out", (int)conns[i].pid);
			conn_close(&conns[i]);
		}
	}
}

/* Say why, then hang up: bridgectl tells the user the daemon is busy. */
static void refuse_busy(int cfd, const struct ucred *cred, const char *why)
{
	static const char reply[] = "{\"ok\":false,\"error\":\"bridged is busy: "
				    "too many control connections; try again\"}\n";
	static uint64_t last_log;
	uint64_t now = loop_now_ns();

	(void)!send(cfd, reply, sizeof(reply) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(cfd);
	if (!last_log || now - last_log > 10000000000ULL) {
		log_notice("ctl: connection of uid %d (pid %d) refused: %s", (int)cred->uid,
			   (int)cred->pid, why);
		last_log = now;
	}
}

static void accept_ready(int fd, short revents, void *arg)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct conn *c = NULL, *oldest = NULL;
	int cfd, mine = 0;

	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		close(cfd);
		return;
	}
	for (int i = 0; i < CTL_MAX_CONNS; i++) {
		if (conns[i].fd < 0) {
			if (!c)
				c = &conns[i];
			continue;
		}
		if (conns[i].uid == cred.uid)
			mine++;
		if (conns[i].uid != 0 && (!oldest || conns[i].deadline < oldest->deadline))
			oldest = &conns[i];
	}
	/* No user may hold the socket for everyone: a few connections each;
	   root always gets in, at the cost of the oldest other one. */
	if (cred.uid != 0 && mine >= CTL_MAX_PER_UID) {
		refuse_busy(cfd, &cred, "it has too many open");
		return;
	}
	if (!c && cred.uid == 0 && oldest) {
		log_notice("ctl: uid %d (pid %d) dropped to make room for root", (int)oldest->uid,
			   (int)oldest->pid);
		conn_close(oldest);
		c = oldest;
	}
	if (!c) {
		refuse_busy(cfd, &cred, "all control slots are taken");
		return;
	}
	c->fd = cfd;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	c->len = 0;
	c->deadline = loop_now_ns() + CTL_TIMEOUT_MS * 1000000ULL;
	if (loop_add_fd(cfd, POLLIN, conn_readable, c) < 0) {
		close(cfd);
		c->fd = -1;
	}
}

int ctl_init(const char *path, const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *gr;
	mode_t old;
	int fd;

	if (listen_fd >= 0) {
		log_error("ctl: already listening on %s", socket_path);
		return -1;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("ctl: socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* A socket file left by a daemon that died is replaced, but never one
	   a live daemon answers on. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("ctl: socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		log_error("ctl: %s: another bridged is running", path);
		close(fd);
		return -1;
	}
	close(fd);

	gr = group && *group ? getgrnam(group) : NULL;
	if (group && *group && !gr)
		log_info("ctl: group '%s' does not exist: read-only commands for root only", group);
	/* Only a stale socket is removed: never a file, a directory or a
	   link that [control] socket happens to name. */
	{
		char why[320];

		if (conf_socket_path_ok(path, why, sizeof(why)) < 0) {
			log_error("ctl: %s", why);
			return -1;
		}
		if (unlink(path) < 0 && errno != ENOENT) {
			log_error("ctl: cannot remove the stale socket %s: %s", path,
				  strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_error("ctl: socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		umask(old);
		log_error("ctl: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (gr && chown(path, (uid_t)-1, gr->gr_gid) < 0)
		log_warn("ctl: chgrp %s %s: %s", group, path, strerror(errno));
	if (loop_add_fd(fd, POLLIN, accept_ready, NULL) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	for (int i = 0; i < CTL_MAX_CONNS; i++)
		conns[i].fd = -1;
	listen_fd = fd;
	snprintf(socket_path, sizeof(socket_path), "%s", path);
	group_gid = gr ? gr->gr_gid : (gid_t)-1;
	reaper = loop_add_timer(500000000ULL, 500000000ULL, reap, NULL);
	return 0;
}

void ctl_finish(void)
{
	for (int i = 0; i < CTL_MAX_CONNS; i++) {
		if (conns[i].fd >= 0)
			conn_close(&conns[i]);
	}
	if (listen_fd >= 0) {
		loop_del_fd(listen_fd);
		close(listen_fd);
		listen_fd = -1;
		unlink(socket_path);
	}
	loop_del_timer(reaper);
	reaper = NULL;
}
