/*
 * ntpecho: the ceiling for `make bench-ntp`: a bare recvmmsg/sendmmsg
 * server that turns each 48-byte request into a mode 4 packet and sends it
 * back, with no timestamps, no client state and no checks.
 *
 *   ntpecho [-p PORT]
 */
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32

int main(int argc, char **argv)
{
	static struct mmsghdr m[BATCH];
	static struct iovec iov[BATCH];
	static unsigned char b[BATCH][512];
	static struct sockaddr_in6 name[BATCH];
	struct sockaddr_in a;
	int fd, i, n, port = argc > 2 && !strcmp(argv[1], "-p") ? atoi(argv[2]) : 123;
	int bufsz = 4 << 20;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("bind");
		return 1;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, -1) < 0)
			return 1;
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = b[i];
			iov[i].iov_len = sizeof(b[i]);
			memset(&m[i].msg_hdr, 0, sizeof(m[i].msg_hdr));
			m[i].msg_hdr.msg_name = &name[i];
			m[i].msg_hdr.msg_namelen = sizeof(name[i]);
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
		for (i = 0; i < n; i++) {
			b[i][0] = (b[i][0] & 0x38) | 4;
			iov[i].iov_len = 48;
			/* origin = the request's transmit */
			memcpy(b[i] + 24, b[i] + 40, 8);
		}
		if (n > 0)
			sendmmsg(fd, m, n, 0);
	}
}
