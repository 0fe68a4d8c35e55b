/*
 * The control protocol: dispatch and access rules through ctl_dispatch, and
 * the socket itself end to end through the core loop (a client in a child
 * process, the loop in this one).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bridge/core/ctl.h"
#include "bridge/core/log.h"
#include "bridge/core/loop.h"
#include "bridge/core/module.h"

static int changes;

static int cmd_echo(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, "value", &v)) {
		snprintf(err, errlen, "no value");
		return -1;
	}
	json_object_object_add(data, "value", json_object_get(v));
	return 0;
}

static int cmd_change(struct json_object *req, struct json_object *data, char *err, size_t errlen)
{
	changes++;
	return 0;
}

static int fake_start(const struct bridge_conf *c)
{
	return 0;
}

static int fake_fail(const struct bridge_conf *c)
{
	return -1;
}

static void fake_stop(void)
{
}

static const struct ctl_command fake_cmds[] = {
	{ "fake", CTL_READ, cmd_echo, "a module's command" },
	{ NULL, 0, NULL, NULL },
};

static void fill_ntp(struct json_object *sec);

static const struct pb_module fake_ntp = {
	.name = "ntp", .start = fake_start, .stop = fake_stop,
	.commands = fake_cmds, .status = fill_ntp,
};
static const struct pb_module fake_broken = {
	.name = "broken", .start = fake_fail, .stop = fake_stop, .status = fill_ntp,
};
static const struct pb_module *const fake_mods[] = { &fake_ntp, &fake_broken, NULL };

static void fill_ntp(struct json_object *sec)
{
	json_object_object_add(sec, "clients", json_object_new_int(42));
}

static void metrics_a(FILE *out)
{
	fprintf(out, "ptpbridge_test_metric 1\n");
}

static int setup(void **state)
{
	ctl_reset();
	changes = 0;
	ctl_register("echo", CTL_READ, cmd_echo, "echo");
	ctl_register("change", CTL_ADMIN, cmd_change, "change");
	ctl_add_metrics(metrics_a);
	return 0;
}

static struct json_object *dispatch(const char *text, int root, int group)
{
	struct json_object *req = json_tokener_parse(text);
	struct json_object *reply = ctl_dispatch(req, root, group);

	json_object_put(req);
	return reply;
}

static int ok(struct json_object *reply)
{
	struct json_object *o;

	return json_object_object_get_ex(reply, "ok", &o) && json_object_get_boolean(o);
}

static const char *error_of(struct json_object *reply)
{
	struct json_object *e;

	return json_object_object_get_ex(reply, "error", &e) ? json_object_get_string(e) : "";
}

static void dispatch_and_access(void **state)
{
	struct json_object *r, *data, *v;

	r = dispatch("{\"cmd\":\"echo\",\"value\":7}", 0, 1);
	assert_true(ok(r));
	assert_true(json_object_object_get_ex(r, "data", &data));
	assert_true(json_object_object_get_ex(data, "value", &v));
	assert_int_equal(json_object_get_int(v), 7);
	json_object_put(r);

	/* Handler failure carries its reason. */
	r = dispatch("{\"cmd\":\"echo\"}", 1, 0);
	assert_false(ok(r));
	assert_string_equal(error_of(r), "no value");
	json_object_put(r);

	/* Read commands: root or the group; others refused. */
	r = dispatch("{\"cmd\":\"echo\",\"value\":1}", 0, 0);
	assert_false(ok(r));
	assert_string_equal(error_of(r), "permission denied: not in the control group");
	json_object_put(r);

	/* Changes: root only, even for the group. */
	r = dispatch("{\"cmd\":\"change\"}", 0, 1);
	assert_false(ok(r));
	assert_string_equal(error_of(r), "permission denied: this command needs root");
	assert_int_equal(changes, 0);
	json_object_put(r);
	r = dispatch("{\"cmd\":\"change\"}", 1, 0);
	assert_true(ok(r));
	assert_int_equal(changes, 1);
	json_object_put(r);
}

static void bad_requests(void **state)
{
	struct json_object *r;

	r = dispatch("{\"cmd\":\"nope\"}", 1, 1);
	assert_false(ok(r));
	assert_string_equal(error_of(r), "unknown command 'nope' (try help)");
	json_object_put(r);
	r = dispatch("[1,2]", 1, 1);
	assert_false(ok(r));
	json_object_put(r);
	r = dispatch("{\"cmd\":5}", 1, 1);
	assert_false(ok(r));
	json_object_put(r);
	r = ctl_dispatch(NULL, 1, 1);
	assert_false(ok(r));
	json_object_put(r);
}

static void help_metrics_status(void **state)
{
	struct json_object *r, *data, *text, *mods, *ntp, *clients;

	r = dispatch("{\"cmd\":\"help\"}", 0, 1);
	assert_true(ok(r));
	assert_non_null(strstr(json_object_to_json_string(r), "\"echo\""));
	json_object_put(r);

	r = dispatch("{\"cmd\":\"metrics\"}", 0, 1);
	assert_true(ok(r));
	assert_true(json_object_object_get_ex(r, "data", &data));
	assert_true(json_object_object_get_ex(data, "text", &text));
	assert_string_equal(json_object_get_string(text), "ptpbridge_test_metric 1\n");
	json_object_put(r);

	/* a module table: its commands are registered, a running module
	   fills its section, a failed one only says so */
	module_init(fake_mods);
	r = dispatch("{\"cmd\":\"fake\",\"value\":7}", 0, 1);
	assert_true(ok(r));
	json_object_put(r);
	assert_int_equal(module_start_all(NULL), 0);
	mods = json_object_new_object();
	module_status(mods);
	assert_true(json_object_object_get_ex(mods, "ntp", &ntp));
	assert_true(json_object_object_get_ex(ntp, "clients", &clients));
	assert_int_equal(json_object_get_int(clients), 42);
	assert_string_equal(json_object_get_string(json_object_object_get(ntp, "state")),
			    "running");
	assert_true(json_object_object_get_ex(mods, "broken", &ntp));
	assert_false(json_object_object_get_ex(ntp, "clients", &clients));
	assert_string_equal(json_object_get_string(json_object_object_get(ntp, "state")),
			    "failed");
	json_object_put(mods);
	module_stop_all();
}

/* --- over the socket ------------------------------------------------------ */

static char sock_path[108];

static void stop_soon(void *arg)
{
	loop_stop();
}

/* Client side, in a child: send, read the reply, exit 0 if it matches. */
static int client(const char *request, const char *expect)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096] = "";
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 10;
	if (request && write(fd, request, strlen(request)) < 0)
		return 11;
	if (!request) {
		/* Connect and stay silent: the daemon must drop us (EOF)
		   after its request timeout, without an answer. */
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 3500) != 1)
			return 13;
		return read(fd, buf, sizeof(buf)) == 0 ? 0 : 14;
	}
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return strstr(buf, expect) ? 0 : 12;
}

static void socket_round_trip(void **state)
{
	struct loop_timer *t;
	pid_t pids[4];
	int status;

	snprintf(sock_path, sizeof(sock_path), "/tmp/test_ctl_%d.sock", getpid());
	log_init("test_ctl", LOG_TARGET_STDERR, LOG_ERR, true);
	assert_int_equal(loop_init(), 0);
	assert_int_equal(ctl_init(sock_path, ""), 0);
	/* Owner and group may use it, nobody else. */
	struct stat st;

	assert_int_equal(stat(sock_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);

	const char *reqs[4][2] = {
		{ "{\"cmd\":\"echo\",\"value\":\"hi\"}\n", "\"value\":\"hi\"" },
		{ "{\"cmd\":\"change\"}\n", "\"ok\":true" },
		{ "not json\n", "bad request: not JSON" },
		/* silent: only the request timeout ends it */
		{ NULL, NULL },
	};
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(client(reqs[i][0], reqs[i][1]));
	}
	/* The silent client is dropped after the request timeout. */
	t = loop_add_timer(3000000000ULL, 0, stop_soon, NULL);
	assert_int_equal(loop_run(), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	/* The test runs as root in CI, as a user elsewhere: "change" worked
	   only for root. */
	assert_int_equal(changes, getuid() == 0 ? 1 : 0);
	loop_del_timer(t);

	/* A second daemon on the same socket refuses to start. */
	assert_int_equal(ctl_init(sock_path, ""), -1);
	ctl_finish();
	assert_int_equal(access(sock_path, F_OK), -1);
	loop_finish();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(dispatch_and_access, setup),
		cmocka_unit_test_setup(bad_requests, setup),
		cmocka_unit_test_setup(help_metrics_status, setup),
		cmocka_unit_test_setup(socket_round_trip, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
