/*
 * The seccomp filter, applied in a child process (it cannot be taken
 * back): afterwards fork and exec fail with EPERM, threads still start,
 * and ordinary work (files, sockets, clocks) goes on.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bridge/core/log.h"
#include "bridge/core/sandbox.h"
#include "pb_autoconf.h"

static void *thread_main(void *arg)
{
	return arg;
}

/* Runs in the child; exit status = number of the first failed check. */
static int sandboxed(void)
{
	pthread_t th;
	void *ret = NULL;
	struct timespec ts;
	int fd;

	if (sandbox_apply() < 0)
		return 1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid >= 0 || errno != EPERM)
		return 2;
	char *argv[] = { "/bin/true", NULL };

	execv("/bin/true", argv);
	if (errno != EPERM)
		return 3;
	if (pthread_create(&th, NULL, thread_main, (void *)7) != 0 ||
	    pthread_join(th, &ret) != 0 || ret != (void *)7)
		return 4;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 5;
	close(fd);
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 6;
	return 0;
}

static void filter_refuses_processes_not_threads(void **state)
{
	int status;
	pid_t pid;

#ifndef PB_SECCOMP
	skip();
#endif
	log_init("test_sandbox", LOG_TARGET_STDERR, LOG_WARNING, true);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(sandboxed());	/* _exit: no LeakSanitizer fork at exit */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(filter_refuses_processes_not_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
