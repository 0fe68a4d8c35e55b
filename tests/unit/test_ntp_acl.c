/*
 * allow/deny as chrony: nothing without allow, the most specific prefix
 * wins, deny wins a tie, IPv4-mapped IPv6 judged as IPv4.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "bridge/core/conf.h"
#include "bridge/core/conf_parse.h"
#include "ntp/ntp_acl.h"

static struct conf_addr A(const char *s)
{
	struct conf_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		a.family = AF_INET6;
	return a;
}

static void add(struct conf_cidr *list, int *n, const char *s)
{
	assert_int_equal(conf_parse_cidr(s, &list[*n]), 0);
	(*n)++;
}

static void nothing_without_allow(void **state)
{
	struct ntp_acl acl;
	struct conf_addr a = A("192.0.2.1");

	memset(&acl, 0, sizeof(acl));
	assert_false(ntp_acl_allowed(&acl, &a));
	add(acl.deny, &acl.n_deny, "10.0.0.0/8");
	assert_false(ntp_acl_allowed(&acl, &a));
}

static void most_specific_wins(void **state)
{
	struct ntp_acl acl;
	struct conf_addr a;

	memset(&acl, 0, sizeof(acl));
	add(acl.allow, &acl.n_allow, "192.0.2.0/24");
	add(acl.deny, &acl.n_deny, "192.0.2.128/25");
	add(acl.allow, &acl.n_allow, "192.0.2.200/32");

	a = A("192.0.2.1");
	assert_true(ntp_acl_allowed(&acl, &a));
	a = A("192.0.2.129");
	assert_false(ntp_acl_allowed(&acl, &a));
	a = A("192.0.2.200");
	assert_true(ntp_acl_allowed(&acl, &a));
	a = A("198.51.100.1");
	assert_false(ntp_acl_allowed(&acl, &a));
	/* families do not mix */
	a = A("2001:db8::1");
	assert_false(ntp_acl_allowed(&acl, &a));
	/* IPv4-mapped */
	a = A("::ffff:192.0.2.5");
	assert_true(ntp_acl_allowed(&acl, &a));
	a = A("::ffff:192.0.2.130");
	assert_false(ntp_acl_allowed(&acl, &a));
}

static void tie_goes_to_deny(void **state)
{
	struct ntp_acl acl;
	struct conf_addr a = A("2001:db8::5");

	memset(&acl, 0, sizeof(acl));
	add(acl.allow, &acl.n_allow, "2001:db8::/32");
	assert_true(ntp_acl_allowed(&acl, &a));
	add(acl.deny, &acl.n_deny, "2001:db8::/32");
	assert_false(ntp_acl_allowed(&acl, &a));
	add(acl.allow, &acl.n_allow, "2001:db8::/64");
	assert_true(ntp_acl_allowed(&acl, &a));
}

static void from_config(void **state)
{
	struct bridge_conf c;
	struct ntp_acl acl;
	struct conf_addr a = A("203.0.113.9");

	conf_defaults(&c);
	add(c.ntp.allow, &c.ntp.n_allow, "203.0.113.0/24");
	ntp_acl_from_conf(&acl, &c);
	assert_int_equal(acl.n_allow, 1);
	assert_true(ntp_acl_allowed(&acl, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_without_allow),
		cmocka_unit_test(most_specific_wins),
		cmocka_unit_test(tie_goes_to_deny),
		cmocka_unit_test(from_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
