/*
 * The server's protocol without sockets (ntp_core.c): what is answered,
 * what is dropped and why, the interleaved state across exchanges, the
 * rate limit with and without KoD, no amplification, and the reference
 * as a batch serves it.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "bridge/core/conf.h"
#include "ntp/ntp_core.h"

static struct ntp_core_conf cc;
static struct ntp_core_ref ref;
static struct ntp_clientlog *clg;
static uint64_t rng = 0x123456789abcdefull;

static const char base_conf[] =
	"[ptp]\ninterface = eth0\n[ntp]\ninterface = eth1\nallow = 10.0.0.0/8\n"
	"deny = 10.9.0.0/16\n";

static void load(const char *extra)
{
	struct bridge_conf c;
	struct conf_errors errs;
	char text[512];

	snprintf(text, sizeof(text), "%s%s", base_conf, extra);
	assert_int_equal(conf_load_string("t.conf", text, &c, &errs), 0);
	memset(&cc, 0, sizeof(cc));
	ntp_core_conf_set(&cc, &c);
	cc.precision = -20;
}

static int setup(void **state)
{
	struct ref_snapshot s = { .sync = REF_SYNCED, .leap = 0, .stratum = 1,
				  .refid = 0x50545000, .root_delay = 1e-6 };
	struct timespec now = { .tv_sec = 1800000000 };

	s.ref_time = now;
	load("");
	ntp_core_ref_set(&ref, &s, &now, 0, 0.0, 1000);
	clg = ntp_clientlog_create(64 * 1024, 1);
	return clg ? 0 : -1;
}

static int teardown(void **state)
{
	ntp_clientlog_destroy(clg);
	return 0;
}

/* A client request as on the wire. */
static size_t request(uint8_t *b, size_t len, int mode, ntp_ts org, ntp_ts rcv, ntp_ts xmt)
{
	memset(b, 0, len);
	b[0] = (uint8_t)((4 << 3) | mode);
	for (int i = 0; i < 8; i++) {
		b[24 + i] = (uint8_t)(org >> (56 - 8 * i));
		b[32 + i] = (uint8_t)(rcv >> (56 - 8 * i));
		b[40 + i] = (uint8_t)(xmt >> (56 - 8 * i));
	}
	return len;
}

static void source(const char *ip, struct conf_addr *ca, uint8_t a16[16])
{
	memset(ca, 0, sizeof(*ca));
	ca->family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &ca->v4), 1);
	memset(a16, 0, 16);
	a16[10] = a16[11] = 0xff;
	memcpy(a16 + 12, &ca->v4, 4);
}

/* One exchange: check, then answer as received at rx. */
static enum ntp_core_verdict exchange(const char *ip, ntp_ts org, ntp_ts rcv, ntp_ts xmt,
				      ntp_ts rx, struct ntp_response *resp,
				      struct ntp_core_reply *rep)
{
	uint8_t b[48], out[48];
	struct ntp_request req;
	struct conf_addr ca;
	uint8_t a16[16];
	enum ntp_core_verdict v;
	int mode;

	source(ip, &ca, a16);
	v = ntp_core_check(&cc, &ref, b, request(b, sizeof(b), 3, org, rcv, xmt), &ca, 50123, &req);
	if (v != NTP_CORE_REPLY)
		return v;
	v = ntp_core_answer(&cc, clg, &ref, &req, a16, rx, &rng, out, sizeof(out), rep);
	if (v == NTP_CORE_REPLY) {
		assert_int_equal(rep->len, 48);
		assert_int_equal(ntp_packet_read_header(out, rep->len, resp, &mode), 0);
		assert_int_equal(mode, NTP_MODE_SERVER);
	}
	return v;
}

static void drops_before_answer(void **state)
{
	uint8_t b[64];
	struct ntp_request req;
	struct conf_addr ca;
	uint8_t a16[16];
	struct ntp_core_ref unsynced = ref;

	source("10.1.2.3", &ca, a16);
	assert_int_equal(ntp_core_check(&cc, &ref, b, request(b, 47, 3, 0, 0, 1), &ca, 1, &req),
			 NTP_CORE_DROP_INVALID);
	assert_int_equal(ntp_core_check(&cc, &ref, b, request(b, 48, 6, 0, 0, 1), &ca, 1, &req),
			 NTP_CORE_DROP_MODE);
	assert_int_equal(ntp_core_check(&cc, &ref, b, request(b, 48, 4, 0, 0, 1), &ca, 1, &req),
			 NTP_CORE_DROP_MODE);
	assert_int_equal(ntp_core_check(&cc, &ref, b, request(b, 48, 3, 0, 0, 1), &ca, 1, &req),
			 NTP_CORE_REPLY);
	/* deny is more specific than allow; outside allow nothing is served */
	source("10.9.1.1", &ca, a16);
	assert_int_equal(ntp_core_check(&cc, &ref, b, request(b, 48, 3, 0, 0, 1), &ca, 1, &req),
			 NTP_CORE_DROP_ACL);
	source("192.0.2.1", &ca, a16);
	assert_int_equal(ntp_core_check(&cc, &ref, b, request(b, 48, 3, 0, 0, 1), &ca, 1, &req),
			 NTP_CORE_DROP_ACL);

	/* never synchronised: silent unless serve_unsynced; once synced and
	   lost, answered (leap 3) */
	source("10.1.2.3", &ca, a16);
	unsynced.unsynced = true;
	unsynced.ref_ts = 0;
	assert_int_equal(ntp_core_check(&cc, &unsynced, b, request(b, 48, 3, 0, 0, 1), &ca, 1,
					 &req), NTP_CORE_DROP_UNSYNCED);
	cc.serve_unsynced = true;
	assert_int_equal(ntp_core_check(&cc, &unsynced, b, request(b, 48, 3, 0, 0, 1), &ca, 1,
					 &req), NTP_CORE_REPLY);
	cc.serve_unsynced = false;
	unsynced.ref_ts = 1;
	assert_int_equal(ntp_core_check(&cc, &unsynced, b, request(b, 48, 3, 0, 0, 1), &ca, 1,
					 &req), NTP_CORE_REPLY);
}

static void basic_then_interleaved(void **state)
{
	struct ntp_response r;
	struct ntp_core_reply rep;
	const ntp_ts rx1 = 0x1000, rx2 = 0x2000, rx3 = 0x3000, tx2 = 0x2100, tx2k = 0x2080;

	/* basic: origin = the client's transmit, transmit left to the sender */
	assert_int_equal(exchange("10.1.1.1", 0, 0, 0xaaa, rx1, &r, &rep), NTP_CORE_REPLY);
	assert_true(r.origin == 0xaaa && r.receive == rx1);
	assert_true(rep.late_tx && !rep.want_ts && !rep.interleaved);
	assert_int_equal(r.stratum, 1);
	assert_true(r.refid == 0x50545000);
	ntp_core_sent(clg, &rep, rx1 + 5);

	/* the client echoes our RX as origin: keep our next TX stamp */
	assert_int_equal(exchange("10.1.1.1", rx1, 0x777, 0xbbb, rx2, &r, &rep), NTP_CORE_REPLY);
	assert_true(rep.want_ts && rep.late_tx && !rep.interleaved);
	assert_true(r.origin == 0xbbb);
	ntp_core_sent(clg, &rep, tx2);
	/* the kernel's stamp replaces our late read; a stale one does not */
	ntp_core_tx_stamp(clg, rep.rec, rx1, 0x9999);
	ntp_core_tx_stamp(clg, rep.rec, rx2, tx2k);

	/* interleaved: origin = its receive field, transmit = our previous TX */
	assert_int_equal(exchange("10.1.1.1", rx2, 0x888, 0xccc, rx3, &r, &rep), NTP_CORE_REPLY);
	assert_true(rep.interleaved && !rep.late_tx && rep.want_ts);
	assert_true(r.origin == 0x888);
	assert_true(r.transmit == tx2k);

	/* an origin that does not match (a lost response) falls back to basic;
	   receive == transmit never asks for interleaving */
	assert_int_equal(exchange("10.1.1.1", 0x1234, 0x888, 0xddd, 0x4000, &r, &rep),
			 NTP_CORE_REPLY);
	assert_true(!rep.interleaved && !rep.want_ts && r.origin == 0xddd);
	assert_int_equal(exchange("10.1.1.1", 0x4000, 0xeee, 0xeee, 0x5000, &r, &rep),
			 NTP_CORE_REPLY);
	assert_true(!rep.interleaved && !rep.want_ts && r.origin == 0xeee);

	/* another client's state is its own */
	assert_int_equal(exchange("10.1.1.2", rx2, 0x888, 0xfff, 0x6000, &r, &rep),
			 NTP_CORE_REPLY);
	assert_false(rep.interleaved);
}

static void rate_limit_and_kod(void **state)
{
	struct ntp_response r;
	struct ntp_core_reply rep;
	int answered = 0, kod = 0, dropped = 0;

	/* all in one tick: the burst, then a leak of 2^-4 of the rest
	   (196 x 1/16 = 12.25, sd 3.4) */
	load("ratelimit = interval 4 burst 4 leak 4\n");
	for (int i = 0; i < 200; i++) {
		enum ntp_core_verdict v = exchange("10.2.0.1", 0, 0, 0x100 + i, 0x100 + i, &r, &rep);

		answered += v == NTP_CORE_REPLY;
		dropped += v == NTP_CORE_DROP_RATELIMIT;
	}
	assert_int_equal(answered + dropped, 200);
	assert_in_range(answered, 4 + 2, 4 + 30);

	/* with kod, the rest of the burst's overflow is not all KoDs: at
	   most NTP_CLIENTLOG_KOD_MAX until a token is spent again */
	load("ratelimit = interval 4 burst 4 leak 4 kod\n");
	answered = dropped = 0;
	for (int i = 0; i < 200; i++) {
		enum ntp_core_verdict v = exchange("10.2.0.2", 0, 0, 0x200 + i, 0x200 + i, &r, &rep);

		dropped += v == NTP_CORE_DROP_RATELIMIT;
		if (v != NTP_CORE_REPLY)
			continue;
		answered++;
		if (rep.kod) {
			kod++;
			assert_int_equal(r.stratum, 0);
			assert_int_equal(r.leap, NTP_LEAP_UNSYNC);
			assert_true(r.refid == NTP_KOD_RATE);
			assert_true(r.origin == 0x200u + (unsigned int)i);
		}
		/* the poll hint: no faster than the limit allows */
		assert_true(r.poll >= 4);
	}
	assert_int_equal(answered + dropped, 200);
	assert_in_range(kod, 1, NTP_CLIENTLOG_KOD_MAX);
	assert_in_range(answered - kod, 4 + 2, 4 + 30);

	/* a leak of 2^-1 answers about half of a flood: a spoofer cannot lock
	   the real client out */
	load("ratelimit = interval 4 burst 1 leak 1\n");
	answered = 0;
	for (int i = 0; i < 2000; i++)
		answered += exchange("10.2.0.3", 0, 0, 1, 1, &r, &rep) == NTP_CORE_REPLY;
	assert_in_range(answered, 850, 1150);
}

/* A request of client ip at time t_ns (the client-log clock). */
static enum ntp_core_verdict at(const char *ip, int64_t t_ns, struct ntp_core_reply *rep)
{
	struct ntp_response r;

	ref.ticks = (uint32_t)(t_ns * NTP_CLIENTLOG_TICKS_PER_SEC / 1000000000);
	return exchange(ip, 0, 0, 0x777, 0x777, &r, rep);
}

/*
 * Issue 12, item 5: a flood forged with one client's address, with kod on,
 * must not draw as many packets toward that address as it sends, and the
 * client it pretends to be must still get answers (the leak).
 */
static void kod_does_not_reflect_a_flood(void **state)
{
	struct ntp_core_reply rep;
	int64_t t = 5000000000000LL;
	int replies = 0, kods = 0, victim = 0, victim_answered = 0;

	load("ratelimit = interval 3 burst 8 leak 2 kod\n");
	/* 10,000 forged requests at 440/s (the attack that drew 14,630
	   replies to 14,630 requests), the real client polling every 8 s */
	for (int i = 0; i < 10000; i++) {
		t += 1000000000 / 440;
		if (at("10.2.1.1", t, &rep) == NTP_CORE_REPLY) {
			replies++;
			kods += rep.kod;
		}
		if (i % 3520 == 0) {
			victim++;
			victim_answered += at("10.2.1.1", t + 1000, &rep) == NTP_CORE_REPLY &&
					   !rep.kod;
		}
	}
	print_message("flood: %d requests, %d replies (%d KoD); victim %d/%d answered\n",
		      10000, replies, kods, victim_answered, victim);
	assert_true(replies * 10 <= 10000 * 3);
	/* KoDs: at most 2 per token, a token per 8 s: 23 s of flood */
	assert_in_range(kods, 1, 2 * (23 / 8 + 1 + 8));

	/* a slower flood over 512 s: the real client, every 8 s, is still
	   answered about a quarter of the time (and by its tokens) */
	victim = victim_answered = replies = 0;
	for (int i = 0; i < 10000; i++) {
		t += 1000000000 / 20;
		replies += at("10.2.1.2", t, &rep) == NTP_CORE_REPLY;
		if (i % 160 == 0) {
			victim++;
			victim_answered += at("10.2.1.2", t + 1000, &rep) == NTP_CORE_REPLY &&
					   !rep.kod;
		}
	}
	print_message("slow flood: %d replies; victim %d/%d answered\n", replies,
		      victim_answered, victim);
	assert_true(replies * 10 <= 10000 * 3);
	assert_true(victim_answered * 8 >= victim);

	/* the tokens of a flood accrue at the configured rate even though
	   each request comes less than a tick after the last: without kod or
	   leak, 600 s at 1000/s is answered about 600/8 + 8 times */
	load("ratelimit = interval 3 burst 8 leak 1\n");
	cc.rl.leak = 0;
	replies = 0;
	for (int i = 0; i < 600000; i++) {
		t += 1000000;
		replies += at("10.2.1.3", t, &rep) == NTP_CORE_REPLY;
	}
	print_message("600 s at 1000/s: %d answered\n", replies);
	assert_in_range(replies, 75 + 8 - 15, 75 + 8 + 15);
	ref.ticks = 1000;
}

/* max_response_rate bounds what a flood from many addresses draws. */
static void response_ceiling(void **state)
{
	struct ntp_core_ceiling c = { 0 };
	int n = 0;

	load("max_response_rate = 100\n");
	assert_int_equal(cc.ceiling, 100);
	/* a full second's worth at once, then nothing until time passes */
	for (int i = 0; i < 1000; i++)
		n += ntp_core_ceiling_take(&c, &cc, 5000);
	assert_int_equal(n, 100);
	/* half a second later, half of it */
	n = 0;
	for (int i = 0; i < 1000; i++)
		n += ntp_core_ceiling_take(&c, &cc, 5000 + NTP_CLIENTLOG_TICKS_PER_SEC / 2);
	assert_int_equal(n, 50);
	/* an idle hour fills the bucket to one second, not more */
	n = 0;
	for (int i = 0; i < 1000; i++)
		n += ntp_core_ceiling_take(&c, &cc, 5000 + 3600 * NTP_CLIENTLOG_TICKS_PER_SEC);
	assert_int_equal(n, 100);

	/* shared by the workers, rounded up; 0 is no ceiling */
	load("max_response_rate = 100\nworkers = 3\n");
	assert_int_equal(cc.ceiling, 34);
	load("");
	for (int i = 0; i < 1000; i++)
		assert_true(ntp_core_ceiling_take(&c, &cc, 5000));
}

static void no_amplification(void **state)
{
	uint8_t b[48], out[64];
	struct ntp_request req;
	struct ntp_core_reply rep;
	struct conf_addr ca;
	uint8_t a16[16];

	load("");
	source("10.3.0.1", &ca, a16);
	assert_int_equal(ntp_core_check(&cc, &ref, b, request(b, 48, 3, 0, 0, 9), &ca, 9, &req),
			 NTP_CORE_REPLY);
	/* no room for a whole response: none at all, never a truncated one */
	assert_int_equal(ntp_core_answer(&cc, clg, &ref, &req, a16, 5, &rng, out, 47, &rep),
			 NTP_CORE_DROP_INVALID);
	assert_int_equal(ntp_core_answer(&cc, clg, &ref, &req, a16, 5, &rng, out, sizeof(out),
					 &rep), NTP_CORE_REPLY);
	assert_true(rep.len <= req.length);
}

static void reference_as_served(void **state)
{
	struct ref_snapshot s = { .sync = REF_UNSYNCED };
	struct timespec now = { .tv_sec = 1800000000, .tv_nsec = 500000000 };
	struct ntp_core_ref r;

	/* no reference, no local: stratum 16, leap 3 */
	ntp_core_ref_set(&r, &s, &now, 0, 0.0, 7);
	assert_true(r.unsynced);
	assert_int_equal(r.stratum, 16);
	assert_int_equal(r.leap, NTP_LEAP_UNSYNC);
	assert_true(r.ref_ts == 0);
	/* local stratum 3 stands in: synchronised, LOCL-style refid */
	ntp_core_ref_set(&r, &s, &now, 3, 0.0, 7);
	assert_false(r.unsynced);
	assert_int_equal(r.stratum, 3);
	assert_int_equal(r.leap, 0);
	assert_true(r.refid == NTP_REFID_LOCAL);
	assert_true(r.ref_ts == ntp_packet_ts_from_timespec(&now));
	/* our stamps' own error is part of the root dispersion */
	s.sync = REF_SYNCED;
	s.stratum = 1;
	s.ref_time = now;
	ntp_core_ref_set(&r, &s, &now, 0, 0.0, 7);
	assert_int_equal(r.root_disp, 0);
	ntp_core_ref_set(&r, &s, &now, 0, 1.0 / 65536, 7);
	assert_int_equal(r.root_disp, 1);
	assert_int_equal(r.ticks, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drops_before_answer),
		cmocka_unit_test(basic_then_interleaved),
		cmocka_unit_test(rate_limit_and_kod),
		cmocka_unit_test(kod_does_not_reflect_a_flood),
		cmocka_unit_test(response_ceiling),
		cmocka_unit_test(no_amplification),
		cmocka_unit_test(reference_as_served),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
