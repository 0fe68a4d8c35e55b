/*
 * libFuzzer target: netlink answers as phc/phc_nl.c parses them (the
 * kernel's, but a parser of bytes all the same): rtnetlink link messages
 * (the link watch of NIC A and B), the generic netlink family lookup and
 * ethtool's u32 attributes (PHC index, link speed), each through nl_run
 * (the lengths checked, then libmnl's mnl_cb_run) as the daemon calls it.
 * The first byte picks the parser.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bridge/core/log.h"
#include "phc/phc_nl.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[16384] __attribute__((aligned(8)));	/* a page or two, as the daemon's */
	static int once;
	struct u32_attr a = { .type = (uint16_t)(size > 1 ? data[1] : 0), .value = -1 };
	int family = -1;

	if (!once) {
		once = 1;
		log_init("fuzz", LOG_TARGET_STDERR, LOG_ERR, true);
	}
	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	memcpy(buf, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		n_links = 2;
		links[0] = (struct phc_link){ .ifindex = 1 };
		links[1] = (struct phc_link){ .ifindex = 2 };
		nl_run(buf, size - 1, 0, 0, link_cb, NULL);
		break;
	case 1:
		nl_run(buf, size - 1, 0, 0, family_cb, &family);
		break;
	default:
		nl_run(buf, size - 1, 0, 0, u32_attr_cb, &a);
		break;
	}
	return 0;
}
