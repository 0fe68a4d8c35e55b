/*
 * ntp_probe: send hand-made NTP (or mode 6/7) packets and report what comes
 * back.  For the integration tests: things sntp and ntpdate never send.
 *
 *   ntp_probe [-s SRC] [-v VER] [-m MODE] [-l LEN] [-x] [-M] [-n COUNT]
 *             [-i GAP_MS] [-w WAIT_MS] HOST PORT
 *
 *   -l LEN  datagram length (header zero-padded; with -x the extra bytes
 *           are well-formed extension fields)
 *   -x      fill the bytes after the header with extension fields
 *   -M      a mode 7 MON_GETLIST_1 request (ntpd's monlist)
 *   -P      a new socket (new source port) for every request, as chronyd
 *
 * Prints one line per response (held = its transmit minus its receive
 * timestamp: how long the server kept the request) and a summary:
 *   sent N received M kod K maxlen L minlen L maxheld_ms H
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int open_sock(const char *src)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd >= 0 && src) {
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		inet_pton(AF_INET, src, &sa.sin_addr);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("bind");
			close(fd);
			return -1;
		}
	}
	return fd;
}

static struct {
	int received, kod, maxlen, minlen;
	double maxheld_ms;
} got;

static double ntp_ts_s(const uint8_t *p)
{
	uint32_t sec = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
	uint32_t frac = (uint32_t)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7];

	return sec + frac / 4294967296.0;
}

static void response(const uint8_t *r, ssize_t n)
{
	double held;

	got.received++;
	if (n > got.maxlen)
		got.maxlen = (int)n;
	if (!got.minlen || n < got.minlen)
		got.minlen = (int)n;
	if (n < 48) {
		printf("response len=%zd\n", n);
		return;
	}
	if (r[1] == 0 && !memcmp(r + 12, "RATE", 4))
		got.kod++;
	held = (ntp_ts_s(r + 40) - ntp_ts_s(r + 32)) * 1e3;
	if (held > got.maxheld_ms)
		got.maxheld_ms = held;
	printf("response len=%zd leap=%d version=%d mode=%d stratum=%d refid=%02x%02x%02x%02x held=%.3fms\n",
	       n, r[0] >> 6, (r[0] >> 3) & 7, r[0] & 7, r[1], r[12], r[13], r[14], r[15], held);
}

int main(int argc, char **argv)
{
	const char *src = NULL;
	int ver = 4, mode = 3, len = 48, ext = 0, monlist = 0, newport = 0, count = 1, gap = 0, wait = 1000;
	int fd, opt, i;
	struct sockaddr_in dst;
	uint8_t pkt[1024], r[2048];
	uint64_t deadline;

	while ((opt = getopt(argc, argv, "s:v:m:l:xMPn:i:w:")) != -1) {
		switch (opt) {
		case 's': src = optarg; break;
		case 'v': ver = atoi(optarg); break;
		case 'm': mode = atoi(optarg); break;
		case 'l': len = atoi(optarg); break;
		case 'x': ext = 1; break;
		case 'M': monlist = 1; break;
		case 'P': newport = 1; break;
		case 'n': count = atoi(optarg); break;
		case 'i': gap = atoi(optarg); break;
		case 'w': wait = atoi(optarg); break;
		default: return 2;
		}
	}
	if (argc - optind != 2 || len < 1 || len > (int)sizeof(pkt)) {
		fprintf(stderr, "usage: ntp_probe [options] HOST PORT\n");
		return 2;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		return 2;
	fd = open_sock(src);
	if (fd < 0)
		return 1;

	memset(pkt, 0, sizeof(pkt));
	if (monlist) {
		/* mode 7, version 2, implementation 3 (XNTPD), request 42 */
		pkt[0] = (2 << 3) | 7;
		pkt[1] = 0;
		pkt[2] = 3;
		pkt[3] = 42;
	} else {
		pkt[0] = (uint8_t)(((ver & 7) << 3) | (mode & 7));
		pkt[2] = 6;
		if (mode == 6) {
			pkt[1] = 2;	/* READSTAT... any opcode: never answered */
			pkt[3] = 1;
		}
	}
	if (ext && len > 48) {
		int rest = len - 48, off = 48;

		/* fields of 16..: one field taking all but the last 16 if >= 32 */
		while (rest >= 16) {
			int flen = rest >= 32 ? rest - 16 : rest;

			flen &= ~3;
			pkt[off] = 0x0f;
			pkt[off + 1] = 0x01;
			pkt[off + 2] = flen >> 8;
			pkt[off + 3] = flen & 0xff;
			off += flen;
			rest -= flen;
		}
	}

	for (i = 0; i < count; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		if (!monlist && mode != 6) {
			uint32_t s = htonl((uint32_t)ts.tv_sec + 2208988800u), f = htonl(ts.tv_nsec * 4 + i);

			memcpy(pkt + 40, &s, 4);
			memcpy(pkt + 44, &f, 4);
		}
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, sizeof(dst)) != len)
			perror("sendto");
		if (gap || newport)
			usleep((gap ? gap : 20) * 1000);
		/* drain what has arrived */
		for (;;) {
			ssize_t n = recv(fd, r, sizeof(r), MSG_DONTWAIT);

			if (n < 0)
				break;
			response(r, n);
		}
		if (newport && i + 1 < count) {
			close(fd);
			fd = open_sock(src);
			if (fd < 0)
				return 1;
		}
	}
	deadline = now_ns() + (uint64_t)wait * 1000000u;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = (int64_t)(deadline - now_ns()) / 1000000;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		n = recv(fd, r, sizeof(r), 0);
		if (n < 0)
			break;
		response(r, n);
	}
	printf("sent %d received %d kod %d maxlen %d minlen %d maxheld_ms %.3f\n", count,
	       got.received, got.kod, got.maxlen, got.minlen, got.maxheld_ms);
	close(fd);
	return 0;
}
