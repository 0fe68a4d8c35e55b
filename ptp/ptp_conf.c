/*
 * linuxptp's config table is private to its config.c, and config_get_*()
 * exit() on unknown keys.  config_parse_option() is the one entry that
 * checks a key and a value against the table and returns, so we feed each
 * pass-through key to a scratch config with it.  It explains a refusal only
 * on stderr; we catch that text so the user sees linuxptp's own reason
 * next to the file and line.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* linuxptp's headers (LINUXPTP_USERS gives the include path). */
#include "config.h"
#include "version.h"

#include "bridge/core/conf.h"
#include "ptp/ptp_conf.h"

/* Keys ptpbridge sets itself: the role of the port and the logging. */
static const char *const reserved[] = {
	"slaveOnly", "clientOnly", "masterOnly", "serverOnly", "verbose", "use_syslog",
	"logging_level", "message_tag", "free_running", "clock_type", NULL,
};

static struct config *scratch;

int ptp_conf_check(const char *key, const char *value, char *why, size_t whylen)
{
	int saved, mfd, rc;
	char msg[256] = "";

	why[0] = '\0';
	for (int i = 0; reserved[i]; i++) {
		if (!strcmp(key, reserved[i])) {
			snprintf(why, whylen, "set by ptpbridge itself, not configurable");
			return -1;
		}
	}
	/* linuxptp removes what is at its UDS address before binding. */
	if (!strcmp(key, "uds_address") && conf_socket_path_ok(value, why, whylen) < 0)
		return -1;
	if (!scratch) {
		scratch = config_create();
		if (!scratch) {
			snprintf(why, whylen, "linuxptp config_create failed");
			return -1;
		}
	}
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	mfd = memfd_create("ptp_conf_check", MFD_CLOEXEC);
	if (saved >= 0 && mfd >= 0)
		dup2(mfd, STDERR_FILENO);
	rc = config_parse_option(scratch, key, value);
	fflush(stderr);
	if (saved >= 0 && mfd >= 0) {
		dup2(saved, STDERR_FILENO);
		ssize_t n = pread(mfd, msg, sizeof(msg) - 1, 0);

		msg[n > 0 ? n : 0] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
	}
	if (saved >= 0)
		close(saved);
	if (mfd >= 0)
		close(mfd);
	if (rc == 0)
		return 0;
	/* "unknown option X" means not linuxptp's key at all: leave why empty
	   so the caller reports an unknown key with its suggestions. */
	if (strncmp(msg, "unknown option", 14))
		snprintf(why, whylen, "linuxptp %s: %s", version_string(),
			 msg[0] ? msg : "rejected");
	return -1;
}

const char *ptp_conf_linuxptp_version(void)
{
	return version_string();
}
