/*
 * phc/phc_nl.c: PHC lookup by name and the rtnetlink link watch.  Includes
 * the .c to drive its message parser with crafted messages
 * (UNIT_EXCLUDE_test_phc_nl).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "phc/phc_nl.c"

static void test_find_index(void **st)
{
	const char *how = NULL;

	/* lo has no PHC, whatever asks */
	assert_int_equal(phc_nl_find_index("lo", &how), -1);
	assert_non_null(how);
	assert_int_equal(phc_nl_find_index("pbnosuchif0", &how), -1);
	assert_int_equal(phc_nl_tsinfo_phc("pbnosuchif0"), -1);
}

static void feed(int ifindex, int type, unsigned int flags, size_t len)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = (uint16_t)type;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = flags;
	if (len)
		nlh->nlmsg_len = (uint32_t)len;
	link_cb(nlh, NULL);
}

static void test_link_messages(void **st)
{
	const struct phc_link *a, *b;

	assert_int_equal(loop_init(), 0);
	assert_int_equal(phc_nl_link_start("lo", "pbnosuchif0"), 0);
	a = phc_nl_link_get(0);
	b = phc_nl_link_get(1);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(phc_nl_link_get(2));
	assert_string_equal(a->name, "lo");
	assert_int_not_equal(a->ifindex, 0);

	/* the dump answer: lo is up in any namespace we run in */
	for (int i = 0; i < 20 && !a->known; i++) {
		struct pollfd p = { .fd = mnl_socket_get_fd(rtnl), .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			rtnl_ready(p.fd, p.revents, NULL);
	}
	assert_true(a->known);
	assert_true(a->up);
	assert_false(b->known);

	/* down: IFF_UP without IFF_RUNNING (no carrier) */
	feed(a->ifindex, RTM_NEWLINK, IFF_UP, 0);
	assert_false(a->up);
	assert_int_equal(a->downs, 1);
	feed(a->ifindex, RTM_NEWLINK, IFF_UP | IFF_RUNNING, 0);
	assert_true(a->up);
	feed(a->ifindex, RTM_DELLINK, IFF_UP | IFF_RUNNING, 0);
	assert_false(a->up);
	/* another interface changes nothing */
	feed(a->ifindex + 1000, RTM_NEWLINK, IFF_UP | IFF_RUNNING, 0);
	assert_false(a->up);
	/* a truncated message is refused, not read past its end */
	feed(a->ifindex, RTM_NEWLINK, IFF_UP | IFF_RUNNING, sizeof(struct nlmsghdr) + 4);
	assert_false(a->up);
	phc_nl_link_stop();
	assert_null(phc_nl_link_get(0));
	loop_finish();
}

/* A LINKMODES reply as the kernel builds it: genl header, then attributes. */
static int linkmodes_reply(uint32_t speed)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct u32_attr a = { ETHTOOL_A_LINKMODES_SPEED, -7 };

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_AUTONEG, 1);
	mnl_attr_put_u32(nlh, ETHTOOL_A_LINKMODES_SPEED, speed);
	mnl_attr_put_u8(nlh, ETHTOOL_A_LINKMODES_DUPLEX, 1);
	assert_int_equal(u32_attr_cb(nlh, &a), MNL_CB_OK);
	return a.value;
}

static void test_link_speed(void **st)
{
	(void)st;
	assert_int_equal(linkmodes_reply(1000), 1000);
	assert_int_equal(linkmodes_reply(25000), 25000);
	/* SPEED_UNKNOWN comes through as -1, which phc_nl_link_speed reports */
	assert_int_equal(linkmodes_reply(0xffffffffu), -1);
	/* lo and a missing interface have no speed, whichever way we ask */
	assert_int_equal(phc_nl_link_speed("lo"), -1);
	assert_int_equal(phc_nl_link_speed("pbnosuchif0"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_index),
		cmocka_unit_test(test_link_messages),
		cmocka_unit_test(test_link_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
