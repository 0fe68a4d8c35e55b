/*
 * Logging: stderr in the foreground (with a monotonic-free wall prefix left
 * to the reader: systemd/syslog add their own), syslog otherwise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "bridge/core/log.h"

static const char *log_ident = "bridged";
static int log_level = LOG_INFO;
static bool log_to_syslog;
/* The last error this thread logged (module start failures quote it). */
static __thread char last_error[256];

static const char *const prio_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_init(const char *ident, enum log_target target, int level, bool foreground)
{
	log_ident = ident;
	log_level = level;
	log_to_syslog = target == LOG_TARGET_SYSLOG ||
			(target == LOG_TARGET_AUTO && !foreground);
	if (log_to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_finish(void)
{
	if (log_to_syslog)
		closelog();
	log_to_syslog = false;
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio <= LOG_ERR) {
		va_start(ap, fmt);
		vsnprintf(last_error, sizeof(last_error), fmt, ap);
		va_end(ap);
	}
	if (prio > log_level)
		return;
	va_start(ap, fmt);
	if (log_to_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		char buf[1024];

		vsnprintf(buf, sizeof(buf), fmt, ap);
		fprintf(stderr, "%s: %s: %s\n", log_ident,
			prio >= 0 && prio <= LOG_DEBUG ? prio_names[prio] : "?", buf);
	}
	va_end(ap);
}

const char *log_last_error(void)
{
	return last_error;
}

void log_clear_last_error(void)
{
	last_error[0] = '\0';
}
