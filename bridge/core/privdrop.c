/*
 * Dropping root.  bridged needs four capabilities and nothing else:
 * CAP_SYS_TIME to steer the system clock and PHCs, CAP_NET_ADMIN for
 * SIOCSHWTSTAMP, CAP_NET_RAW for PTP over L2, CAP_NET_BIND_SERVICE for
 * ports 123, 319 and 320.  Device access (/dev/ptpN, /dev/ppsN) comes from
 * the user's groups, which the image sets up.  This runs before the modules
 * start (capabilities are per thread, and NTP workers are threads), so every
 * module opens its devices and sockets as the unprivileged user.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bridge/core/log.h"
#include "bridge/core/privdrop.h"

static const cap_value_t kept[] = {
	CAP_SYS_TIME, CAP_NET_ADMIN, CAP_NET_RAW, CAP_NET_BIND_SERVICE,
};

int privdrop_apply(const char *user)
{
	cap_value_t keep[sizeof(kept) / sizeof(kept[0])];
	int n = 0, rc = -1;
	struct passwd *pw;
	cap_t cur, caps = NULL;

	pw = getpwnam(user);
	if (!pw) {
		log_error("privdrop: no user '%s'", user);
		return -1;
	}
	cur = cap_get_proc();
	if (!cur) {
		log_error("privdrop: cap_get_proc: %s", strerror(errno));
		return -1;
	}
	/* Keep only what we have: under a test harness CAP_SYS_TIME is
	   already gone from the bounding set, and must stay gone. */
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (cap_get_flag(cur, kept[i], CAP_PERMITTED, &v) == 0 && v == CAP_SET)
			keep[n++] = kept[i];
	}
	cap_free(cur);

	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		bool wanted = false;

		for (int i = 0; i < n; i++)
			wanted |= keep[i] == c;
		if (!wanted && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0 && errno != EINVAL) {
			log_error("privdrop: cannot drop capability %d: %s", c, strerror(errno));
			return -1;
		}
	}
	if (prctl(PR_SET_KEEPCAPS, 1) < 0 ||
	    initgroups(pw->pw_name, pw->pw_gid) < 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0) {
		log_error("privdrop: cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	caps = cap_init();
	if (!caps || (n && (cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) < 0 ||
			    cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET) < 0)) ||
	    cap_set_proc(caps) < 0) {
		log_error("privdrop: cannot set capabilities: %s", strerror(errno));
		goto out;
	}
	prctl(PR_SET_KEEPCAPS, 0);
	/* Nothing this process runs may gain privileges back. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	log_info("privdrop: running as %s (uid %u) with %d capabilities", user,
		 (unsigned int)pw->pw_uid, n);
	rc = 0;
out:
	if (caps)
		cap_free(caps);
	return rc;
}
