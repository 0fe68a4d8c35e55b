/*
 * ptp/: how our [ptp] settings reach linuxptp's config, and the poll()
 * wrapper that lets the engine join the core loop.  Includes the module's
 * .c to reach its internals (UNIT_EXCLUDE_test_ptp_engine).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ptp/ptp_engine.c"

static struct config *test_config(void)
{
	static struct config *conf;

	if (!conf)
		conf = config_create();
	assert_non_null(conf);
	return conf;
}

static void defaults(struct bridge_conf *c)
{
	conf_defaults(c);
	snprintf(c->ptp.interface, sizeof(c->ptp.interface), "eth0");
	snprintf(c->control.socket, sizeof(c->control.socket), "/tmp/x/bridged.sock");
}

static void test_configure_mapping(void **st)
{
	struct bridge_conf c;
	struct config *conf = test_config();

	defaults(&c);
	c.ptp.domain_number = 24;
	c.ptp.network_transport = CONF_TRANSPORT_L2;
	c.ptp.delay_mechanism = CONF_DELAY_P2P;
	c.ptp.time_stamping = CONF_TS_SOFTWARE;
	assert_int_equal(ptp_engine_configure(conf, &c), 0);
	assert_int_equal(config_get_int(conf, NULL, "slaveOnly"), 1);
	assert_int_equal(config_get_int(conf, NULL, "domainNumber"), 24);
	assert_int_equal(config_get_int(conf, NULL, "network_transport"), TRANS_IEEE_802_3);
	assert_int_equal(config_get_int(conf, NULL, "delay_mechanism"), DM_P2P);
	assert_int_equal(config_get_int(conf, NULL, "time_stamping"), TS_SOFTWARE);
	assert_int_equal(config_get_int(conf, NULL, "clock_servo"), CLOCK_SERVO_LINREG);
	/* the management socket lives beside ours, never /var/run/ptp4l */
	assert_string_equal(config_get_string(conf, NULL, "uds_address"), "/tmp/x/ptp4l.sock");

	/* One config: linuxptp 3.1.1 cannot destroy one and create another
	   (see ptp_module_start). */
	defaults(&c);
	assert_int_equal(ptp_engine_configure(conf, &c), 0);
	assert_int_equal(config_get_int(conf, NULL, "network_transport"), TRANS_UDP_IPV4);
	assert_int_equal(config_get_int(conf, NULL, "delay_mechanism"), DM_E2E);
	assert_int_equal(config_get_int(conf, NULL, "time_stamping"), TS_HARDWARE);
}

static void test_passthrough(void **st)
{
	struct bridge_conf c;
	struct config *conf = test_config();

	defaults(&c);
	snprintf(c.ptp.pass[0].key, sizeof(c.ptp.pass[0].key), "logAnnounceInterval");
	snprintf(c.ptp.pass[0].value, sizeof(c.ptp.pass[0].value), "-2");
	snprintf(c.ptp.pass[1].key, sizeof(c.ptp.pass[1].key), "uds_address");
	snprintf(c.ptp.pass[1].value, sizeof(c.ptp.pass[1].value), "/tmp/other");
	c.ptp.n_pass = 2;
	assert_int_equal(ptp_engine_configure(conf, &c), 0);
	assert_int_equal(config_get_int(conf, NULL, "logAnnounceInterval"), -2);
	/* pass-through comes last and wins */
	assert_string_equal(config_get_string(conf, NULL, "uds_address"), "/tmp/other");

	/* a value linuxptp refuses fails the start instead of exit() */
	snprintf(c.ptp.pass[0].value, sizeof(c.ptp.pass[0].value), "banana");
	c.ptp.n_pass = 1;
	assert_int_equal(ptp_engine_configure(conf, &c), -1);
}

static void test_poll_wrapper(void **st)
{
	int p[2];
	struct pollfd pfd[3];

	assert_int_equal(pipe(p), 0);
	pfd[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = -1, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = p[1], .events = POLLOUT };

	/* pass-through: an ordinary poll */
	assert_int_equal(__wrap_poll(pfd, 1, 0), 0);
	assert_int_equal(__wrap_poll(pfd, 3, 0), 1);

	/* capture: returns at once with nothing, records the set */
	wrap_mode = WRAP_CAPTURE;
	wrap_seen = 0;
	assert_int_equal(__wrap_poll(pfd, 3, -1), 0);
	assert_int_equal(wrap_seen, 1);
	assert_int_equal(wrap_mode, WRAP_PASS);
	assert_int_equal(n_cap_fds, 2);
	assert_int_equal(cap_fds[0], p[0]);
	assert_int_equal(cap_fds[1], p[1]);
	assert_int_equal(pfd[2].revents, 0);

	/* dispatch: a poll(-1) that never blocks */
	wrap_mode = WRAP_DISPATCH;
	assert_int_equal(__wrap_poll(pfd, 1, -1), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	wrap_mode = WRAP_DISPATCH;
	assert_int_equal(__wrap_poll(pfd, 1, -1), 1);
	assert_true(pfd[0].revents & POLLIN);

	/* linuxptp's own timed polls (TX timestamps) are not touched */
	wrap_mode = WRAP_DISPATCH;
	assert_int_equal(__wrap_poll(pfd, 1, 10), 1);
	assert_int_equal(wrap_mode, WRAP_DISPATCH);
	wrap_mode = WRAP_PASS;
	close(p[0]);
	close(p[1]);
}

static void test_state_names(void **st)
{
	struct ptp_state s = { .running = true, .port_state = PTP_PS_SLAVE,
			       .servo_state = PTP_SERVO_LOCKED };

	assert_string_equal(ptp_port_state_name(PS_SLAVE), "SLAVE");
	assert_string_equal(ptp_port_state_name(PS_UNCALIBRATED), "UNCALIBRATED");
	assert_string_equal(ptp_port_state_name(99), "UNKNOWN");
	assert_int_equal(PTP_SERVO_LOCKED_STABLE, SERVO_LOCKED_STABLE);
	assert_true(ptp_state_locked(&s));
	s.port_state = PTP_PS_UNCALIBRATED;
	assert_false(ptp_state_locked(&s));
	s.port_state = PTP_PS_SLAVE;
	s.servo_state = PTP_SERVO_UNLOCKED;
	assert_false(ptp_state_locked(&s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configure_mapping),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_poll_wrapper),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
