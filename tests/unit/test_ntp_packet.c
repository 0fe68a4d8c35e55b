/*
 * The NTP codec: what is taken as a client request, what is refused, and
 * that a response is never longer than its request.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ntp/ntp_packet.h"

static size_t make_req(uint8_t *b, int version, int mode, size_t len)
{
	memset(b, 0, len);
	b[0] = (uint8_t)((version << 3) | mode);
	b[2] = 6;	/* poll */
	b[40] = 0xde;	/* transmit timestamp */
	b[47] = 0x01;
	return len;
}

static void accepts_v2_to_v4_client(void **state)
{
	uint8_t b[48];
	struct ntp_request r;

	for (int v = 2; v <= 4; v++) {
		make_req(b, v, NTP_MODE_CLIENT, 48);
		assert_int_equal(ntp_packet_parse_request(b, 48, 40000, &r), NTP_REQ_OK);
		assert_int_equal(r.version, v);
		assert_int_equal(r.poll, 6);
		assert_true(r.transmit == 0xde00000000000001ull);
	}
}

static void ntpv1_by_port(void **state)
{
	uint8_t b[48];
	struct ntp_request r;

	make_req(b, 1, NTP_MODE_UNDEFINED, 48);
	assert_int_equal(ntp_packet_parse_request(b, 48, 40000, &r), NTP_REQ_OK);
	/* from port 123 it is a peer, not a client */
	assert_int_equal(ntp_packet_parse_request(b, 48, NTP_PORT, &r), NTP_REQ_NOT_CLIENT);
	make_req(b, 1, NTP_MODE_CLIENT, 48);
	assert_int_equal(ntp_packet_parse_request(b, 48, 40000, &r), NTP_REQ_OK);
}

static void refuses_other_modes(void **state)
{
	uint8_t b[48];
	struct ntp_request r;
	int modes[] = { NTP_MODE_ACTIVE, NTP_MODE_PASSIVE, NTP_MODE_SERVER, NTP_MODE_BROADCAST,
			NTP_MODE_CONTROL, NTP_MODE_PRIVATE, NTP_MODE_UNDEFINED };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		make_req(b, 4, modes[i], 48);
		assert_int_equal(ntp_packet_parse_request(b, 48, 40000, &r), NTP_REQ_NOT_CLIENT);
	}
	/* a 12-byte mode 6 query and a mode 7 monlist are short as well */
	make_req(b, 2, NTP_MODE_CONTROL, 12);
	assert_int_not_equal(ntp_packet_parse_request(b, 12, 40000, &r), NTP_REQ_OK);
}

static void refuses_bad_versions_and_lengths(void **state)
{
	uint8_t b[256];
	struct ntp_request r;

	make_req(b, 0, NTP_MODE_CLIENT, 48);
	assert_int_equal(ntp_packet_parse_request(b, 48, 1000, &r), NTP_REQ_BAD_VERSION);
	make_req(b, 5, NTP_MODE_CLIENT, 48);
	assert_int_equal(ntp_packet_parse_request(b, 48, 1000, &r), NTP_REQ_BAD_VERSION);
	for (size_t n = 0; n < 48; n++) {
		make_req(b, 4, NTP_MODE_CLIENT, 48);
		assert_int_equal(ntp_packet_parse_request(b, n, 1000, &r), NTP_REQ_SHORT);
	}
	make_req(b, 4, NTP_MODE_CLIENT, 51);
	assert_int_equal(ntp_packet_parse_request(b, 51, 1000, &r), NTP_REQ_BAD_LENGTH);
	/* NTPv3 with anything but a MAC after the header */
	make_req(b, 3, NTP_MODE_CLIENT, 64);
	assert_int_equal(ntp_packet_parse_request(b, 64, 1000, &r), NTP_REQ_BAD_LENGTH);
	make_req(b, 3, NTP_MODE_CLIENT, 68);
	assert_int_equal(ntp_packet_parse_request(b, 68, 1000, &r), NTP_REQ_AUTH);
}

static void extension_fields(void **state)
{
	uint8_t b[256];
	struct ntp_request r;

	/* one 16-byte field + one 28-byte field */
	make_req(b, 4, NTP_MODE_CLIENT, 48 + 16 + 28);
	b[48] = 0x01; b[49] = 0x04; b[50] = 0; b[51] = 16;
	b[64] = 0x02; b[65] = 0x04; b[66] = 0; b[67] = 28;
	assert_int_equal(ntp_packet_parse_request(b, 92, 1000, &r), NTP_REQ_OK);
	assert_int_equal(r.n_extensions, 2);
	assert_int_equal(r.length, 92);

	/* field length beyond the datagram */
	b[67] = 200;
	assert_int_equal(ntp_packet_parse_request(b, 92, 1000, &r), NTP_REQ_BAD_EXTENSION);
	/* field length not a multiple of 4, or below 16 */
	b[67] = 30;
	assert_int_equal(ntp_packet_parse_request(b, 92, 1000, &r), NTP_REQ_BAD_EXTENSION);
	b[67] = 8;
	assert_int_equal(ntp_packet_parse_request(b, 92, 1000, &r), NTP_REQ_BAD_EXTENSION);
	/* a field followed by a 20-byte MAC: we hold no keys */
	make_req(b, 4, NTP_MODE_CLIENT, 48 + 16 + 20);
	b[48] = 0x01; b[49] = 0x04; b[50] = 0; b[51] = 16;
	b[64] = 0; b[65] = 0; b[66] = 0; b[67] = 1;	/* key ID 1 */
	assert_int_equal(ntp_packet_parse_request(b, 84, 1000, &r), NTP_REQ_AUTH);
}

static void response_fields_and_length(void **state)
{
	struct ntp_response r = {
		.leap = 0, .version = 3, .stratum = 1, .poll = -2, .precision = -24,
		.root_delay = 0x10, .root_dispersion = 0x20, .refid = NTP_REFID_LOCAL,
		.reference = 1, .origin = 2, .receive = 3, .transmit = 4,
	};
	struct ntp_response back;
	uint8_t out[64];
	int mode;

	/* a 47-byte buffer (as a request of 47 would allow) gets nothing */
	assert_int_equal(ntp_packet_build_response(out, 47, &r), 0);
	assert_int_equal(ntp_packet_build_response(out, 48, &r), 48);
	assert_int_equal(ntp_packet_read_header(out, 48, &back, &mode), 0);
	assert_int_equal(mode, NTP_MODE_SERVER);
	assert_int_equal(back.version, 3);
	assert_int_equal(back.stratum, 1);
	assert_int_equal(back.poll, -2);
	assert_int_equal(back.precision, -24);
	assert_true(back.refid == NTP_REFID_LOCAL);
	assert_true(back.origin == 2 && back.receive == 3 && back.transmit == 4);
	ntp_packet_set_transmit(out, 0x1122334455667788ull);
	ntp_packet_read_header(out, 48, &back, &mode);
	assert_true(back.transmit == 0x1122334455667788ull);
}

static void timestamps(void **state)
{
	struct timespec ts = { .tv_sec = 1700000000, .tv_nsec = 123456789 }, back;
	ntp_ts t = ntp_packet_ts_from_timespec(&ts);

	assert_true((t >> 32) == 1700000000u + NTP_UNIX_OFFSET);
	ntp_packet_ts_to_timespec(t, &back);
	assert_int_equal(back.tv_sec, ts.tv_sec);
	assert_true(back.tv_nsec >= ts.tv_nsec - 1 && back.tv_nsec <= ts.tv_nsec + 1);
	/* after the 2036 era rollover */
	ts.tv_sec = 2200000000LL;
	ts.tv_nsec = 999999999;
	t = ntp_packet_ts_from_timespec(&ts);
	ntp_packet_ts_to_timespec(t, &back);
	assert_true(back.tv_sec * 1000000000LL + back.tv_nsec >= 2200000000LL * 1000000000LL + 999999998LL);
	assert_true(back.tv_sec <= 2200000001LL);

	assert_int_equal(ntp_packet_short_from_double(1.5), 0x18000);
	assert_int_equal(ntp_packet_short_from_double(-1.0), 0);
	assert_int_equal(ntp_packet_short_from_double(1e9), 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_v2_to_v4_client),
		cmocka_unit_test(ntpv1_by_port),
		cmocka_unit_test(refuses_other_modes),
		cmocka_unit_test(refuses_bad_versions_and_lengths),
		cmocka_unit_test(extension_fields),
		cmocka_unit_test(response_fields_and_length),
		cmocka_unit_test(timestamps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
