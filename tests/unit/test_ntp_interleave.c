/*
 * The server's interleaved state machine, end to end on loopback: the
 * real server (ntp_server.c, included to reach its sockets) and hot path
 * (ntp_io_serve(), driven without the core loop) answer requests built the way chronyd's xleave client
 * builds them, with kernel RX and TX timestamps.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bridge/core/conf_parse.h"
#include "ntp/ntp_server.c"

static int cli = -1;
static struct sockaddr_in srv_addr;
static struct bridge_conf conf;

static int setup(void **state)
{
	struct sockaddr_in a;
	socklen_t sl = sizeof(a);
	struct timeval tv = { .tv_sec = 1 };

	loop_init();
	conf_defaults(&conf);
	conf.ntp.interface[0] = '\0';
	conf.ntp.port = 0;		/* the kernel picks one */
	conf.ntp.local_stratum = 1;
	conf.ntp.workers = 1;
	conf.ntp.clientloglimit = 64 * 1024;
	conf.ntp.n_bindaddress = 1;
	memset(&conf.ntp.bindaddress[0], 0, sizeof(conf.ntp.bindaddress[0]));
	conf.ntp.bindaddress[0].family = AF_INET;
	conf.ntp.bindaddress[0].v4.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(conf_parse_cidr("127.0.0.0/8", &conf.ntp.allow[0]), 0);
	conf.ntp.n_allow = 1;
	if (ntp_server_start(&conf) < 0)
		return -1;
	if (getsockname(srv.w[0]->socks[0].fd, (struct sockaddr *)&srv_addr, &sl) < 0)
		return -1;

	cli = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(cli, (struct sockaddr *)&a, sizeof(a));
	setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

static int teardown(void **state)
{
	ntp_server_stop();
	close(cli);
	return 0;
}

/* Send one request, let the server serve it, read the response. */
static int exchange(ntp_ts origin, ntp_ts receive, ntp_ts transmit, struct ntp_response *resp,
		    ntp_ts *local_rx)
{
	uint8_t b[48] = { 0 }, r[64];
	struct timespec now;
	ssize_t n;
	int mode;
	struct nsock *s = &srv.w[0]->socks[0];

	b[0] = (4 << 3) | NTP_MODE_CLIENT;
	for (int i = 0; i < 8; i++) {
		b[24 + i] = (uint8_t)(origin >> (56 - 8 * i));
		b[32 + i] = (uint8_t)(receive >> (56 - 8 * i));
		b[40 + i] = (uint8_t)(transmit >> (56 - 8 * i));
	}
	if (sendto(cli, b, sizeof(b), 0, (struct sockaddr *)&srv_addr, sizeof(srv_addr)) != 48)
		return -1;
	usleep(2000);
	ntp_io_serve(s->w, s, POLLIN);
	n = recv(cli, r, sizeof(r), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	*local_rx = ntp_packet_ts_from_timespec(&now);
	usleep(2000);
	/* collect the TX stamp of that response, as POLLERR would */
	ntp_io_serve(s->w, s, POLLERR);
	if (n != 48)
		return -1;
	return ntp_packet_read_header(r, (size_t)n, resp, &mode) == 0 && mode == NTP_MODE_SERVER ? 0 : -1;
}

static void basic_then_interleaved(void **state)
{
	struct ntp_response r1, r2, r3, r4, rb;
	ntp_ts lrx1, lrx2, lrx3, lrx4, lrxb;
	struct ntp_stats st;

	/* 1: a first request, nothing known */
	assert_int_equal(exchange(0, 0, 0x1111, &r1, &lrx1), 0);
	assert_true(r1.origin == 0x1111);
	assert_int_equal(r1.stratum, 1);
	assert_true(r1.refid == NTP_REFID_LOCAL);
	assert_true(r1.receive != 0 && r1.transmit >= r1.receive);

	/* 2: origin = our previous RX, receive = its RX of r1: interleaved
	   asked, but we have no TX stamp yet, so basic (chrony: 3rd reply) */
	assert_int_equal(exchange(r1.receive, lrx1, 0x2222, &r2, &lrx2), 0);
	assert_true(r2.origin == 0x2222);

	/* 3: interleaved: origin is the request's receive field, transmit is
	   the kernel TX stamp of response 2 */
	assert_int_equal(exchange(r2.receive, lrx2, 0x3333, &r3, &lrx3), 0);
	assert_true(r3.origin == lrx2);
	assert_true(r3.transmit > r2.receive);	/* sent after request 2 arrived */
	assert_true(r3.transmit < lrx2);	/* and before the client got it */
	assert_true(r3.receive > r2.receive);

	/* 4: and it goes on */
	assert_int_equal(exchange(r3.receive, lrx3, 0x4444, &r4, &lrx4), 0);
	assert_true(r4.origin == lrx3);
	assert_true(r4.transmit > r3.receive && r4.transmit < lrx3);

	/* a request whose origin does not match (lost response) falls back to
	   basic, and receive == transmit never asks for interleaving */
	assert_int_equal(exchange(0x999, lrx4, 0x5555, &rb, &lrxb), 0);
	assert_true(rb.origin == 0x5555);
	assert_int_equal(exchange(rb.receive, 0x6666, 0x6666, &rb, &lrxb), 0);
	assert_true(rb.origin == 0x6666);

	ntp_server_stats(&st);
	assert_int_equal(st.responses, 6);
	assert_int_equal(st.interleaved, 2);
	assert_true(st.tx_ts_sw >= 2);
	assert_int_equal(st.tx_ts_unmatched, 0);
	/* The kernel switches RX stamping on through deferred work, so the
	   first datagram on a busy machine may come without one (chronyd keeps
	   a dummy socket for that); then we read the clock ourselves. */
	assert_int_equal(st.rx_ts_sw + st.rx_ts_daemon, 6);
	assert_true(st.rx_ts_sw >= 5);
}

static void refused_requests(void **state)
{
	uint8_t b[64] = { 0 }, r[64];
	struct nsock *s = &srv.w[0]->socks[0];
	struct ntp_stats before, after;
	ssize_t n;

	ntp_server_stats(&before);
	/* mode 6, mode 7, short, and a mode 4 response */
	b[0] = (2 << 3) | 6;
	sendto(cli, b, 12, 0, (struct sockaddr *)&srv_addr, sizeof(srv_addr));
	b[0] = (2 << 3) | 7;
	sendto(cli, b, 48, 0, (struct sockaddr *)&srv_addr, sizeof(srv_addr));
	b[0] = (4 << 3) | 3;
	sendto(cli, b, 47, 0, (struct sockaddr *)&srv_addr, sizeof(srv_addr));
	b[0] = (4 << 3) | 4;
	sendto(cli, b, 48, 0, (struct sockaddr *)&srv_addr, sizeof(srv_addr));
	usleep(2000);
	ntp_io_serve(s->w, s, POLLIN);
	n = recv(cli, r, sizeof(r), MSG_DONTWAIT);
	assert_int_equal(n, -1);
	ntp_server_stats(&after);
	assert_int_equal(after.responses, before.responses);
	/* the 12-byte mode 6 query is short before it is a wrong mode */
	assert_int_equal(after.dropped_mode - before.dropped_mode, 2);
	assert_int_equal(after.dropped_invalid - before.dropped_invalid, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_then_interleaved),
		cmocka_unit_test(refused_requests),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
