/**
 * @file log.h
 * @brief Logging for bridged: stderr in the foreground, syslog otherwise.
 *
 * Named log_* so they do not meet linuxptp's pr_* in the same binary.
 */
#ifndef PB_LOG_H
#define PB_LOG_H

#include <stdbool.h>
#include <syslog.h>

/** Where messages go. */
enum log_target {
	LOG_TARGET_AUTO,	/**< stderr when in the foreground, else syslog */
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
};

/**
 * Set up logging.
 * @param ident   program name for syslog and the stderr prefix
 * @param target  where to log
 * @param level   highest syslog priority that is printed (LOG_ERR..LOG_DEBUG)
 * @param foreground  resolves LOG_TARGET_AUTO
 */
void log_init(const char *ident, enum log_target target, int level, bool foreground);
void log_set_level(int level);
int log_get_level(void);
void log_finish(void);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** The last error (LOG_ERR or worse) this thread logged, "" if none since
    log_clear_last_error(): the reason a module gives for failing. */
const char *log_last_error(void);
void log_clear_last_error(void);

#define log_error(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
