/**
 * @file privdrop.h
 * @brief Run as an unprivileged user with only the capabilities a time
 * daemon needs ([control] user).
 */
#ifndef PB_PRIVDROP_H
#define PB_PRIVDROP_H

/**
 * Become user (and its groups), keeping CAP_SYS_TIME, CAP_NET_ADMIN,
 * CAP_NET_RAW and CAP_NET_BIND_SERVICE where the process has them; every
 * other capability leaves the bounding set too.  Call before any thread
 * starts: capabilities are per thread.
 * @return 0, or -1 (logged)
 */
int privdrop_apply(const char *user);

#endif
