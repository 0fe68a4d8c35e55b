/*
 * libFuzzer target: a leap-seconds.list as phc/phc_leapfile.c reads it
 * (the file comes from tzdata or the operator: outside input to a daemon
 * that runs as root).  Loaded through a memfd; a file it accepts must have
 * entries growing in time with offsets in range, and every lookup must
 * stay inside them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "phc/phc_leapfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct phc_leapfile lf;
	char path[64];
	int fd = memfd_create("leap", 0), off, leap;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (phc_leapfile_load(path, &lf) == 0) {
		if (lf.n < 1 || lf.n > PHC_LEAPFILE_MAX)
			abort();
		for (int i = 0; i < lf.n; i++) {
			if ((i && lf.start[i] <= lf.start[i - 1]) || lf.offset[i] < 0 ||
			    lf.offset[i] > 1000)
				abort();
			/* just before, at and after each entry */
			for (long long d = -1; d <= 1; d++) {
				int rc = phc_leapfile_offset(&lf, lf.start[i] + d, &off, &leap);

				if (rc >= 0 && (off < 0 || off > 1000 || leap < -1000 || leap > 1000))
					abort();
			}
		}
	}
	close(fd);
	return 0;
}
