/*
 * Access control.  The lists are short (at most CONF_MAX_ACL each) and
 * are checked only for requests that passed the cheap packet checks, so a
 * linear scan is fine and keeps the rules obvious.
 */
#include "ntp/ntp_acl.h"

#include <string.h>

void ntp_acl_from_conf(struct ntp_acl *acl, const struct bridge_conf *c)
{
	memset(acl, 0, sizeof(*acl));
	acl->n_allow = c->ntp.n_allow;
	acl->n_deny = c->ntp.n_deny;
	memcpy(acl->allow, c->ntp.allow, sizeof(acl->allow));
	memcpy(acl->deny, c->ntp.deny, sizeof(acl->deny));
}

static int best_prefix(const struct conf_cidr *list, int n, const struct conf_addr *a)
{
	int i, best = -1;

	for (i = 0; i < n; i++) {
		if (list[i].addr.family == a->family && list[i].prefix > best &&
		    conf_cidr_match(&list[i], a))
			best = list[i].prefix;
	}
	return best;
}

bool ntp_acl_allowed(const struct ntp_acl *acl, const struct conf_addr *addr)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct conf_addr a = *addr;
	int allow, deny;

	if (a.family == AF_INET6 && memcmp(a.v6.s6_addr, v4mapped, 12) == 0) {
		struct in_addr v4;

		memcpy(&v4, a.v6.s6_addr + 12, 4);
		memset(&a, 0, sizeof(a));
		a.family = AF_INET;
		a.v4 = v4;
	}
	allow = best_prefix(acl->allow, acl->n_allow, &a);
	if (allow < 0)
		return false;
	deny = best_prefix(acl->deny, acl->n_deny, &a);
	return allow > deny;
}
