/*
 * leap-seconds.list (IERS/NIST format, as shipped in tzdata): the fallback
 * source of TAI - UTC when the grandmaster does not say currentUtcOffsetValid.
 *
 * Lines "NTP-seconds TAI-UTC # comment" give the offset from that instant
 * on; "#@ NTP-seconds" is the expiry.  An expired file still gives its last
 * offset (leap seconds are announced months ahead, so it is very likely still
 * right) but the caller warns: an expired file never stops the service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phc/phc_leapfile.h"

/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01. */
#define NTP_UNIX_DELTA 2208988800LL
/* The largest NTP second we take: 2^34, in the fourth era (year 2444). */
#define PHC_LEAPFILE_NTP_MAX (1LL << 34)

int phc_leapfile_load(const char *path, struct phc_leapfile *lf)
{
	char line[256];
	FILE *fp;

	memset(lf, 0, sizeof(*lf));
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		long long t;
		int off;

		if (line[0] == '#') {
			if (line[1] == '@' && sscanf(line + 2, "%lld", &t) == 1 && t >= 0 &&
			    t <= PHC_LEAPFILE_NTP_MAX)
				lf->expiry = t - NTP_UNIX_DELTA;
			continue;
		}
		if (sscanf(line, "%lld %d", &t, &off) != 2)
			continue;
		/* NTP seconds of this era and the next few: nothing else is a
		   leap second (and t - NTP_UNIX_DELTA cannot overflow) */
		if (t < 0 || t > PHC_LEAPFILE_NTP_MAX)
			continue;
		if (lf->n == PHC_LEAPFILE_MAX || off < 0 || off > 1000)
			continue;
		/* Entries must grow in time; a file that does not is refused. */
		if (lf->n && t - NTP_UNIX_DELTA <= lf->start[lf->n - 1]) {
			fclose(fp);
			return -1;
		}
		lf->start[lf->n] = t - NTP_UNIX_DELTA;
		lf->offset[lf->n] = off;
		lf->n++;
	}
	fclose(fp);
	if (!lf->n || !lf->expiry)
		return -1;
	return 0;
}

int phc_leapfile_offset(const struct phc_leapfile *lf, long long utc, int *offset,
			int *leap_pending)
{
	int i;

	if (!lf->n || utc < lf->start[0])
		return -1;
	for (i = lf->n - 1; i > 0 && utc < lf->start[i]; i--)
		;
	*offset = lf->offset[i];
	/* A leap second at the next entry, within a day: announce it. */
	*leap_pending = 0;
	if (i + 1 < lf->n && lf->start[i + 1] - utc <= 86400)
		*leap_pending = lf->offset[i + 1] - lf->offset[i];
	return utc > lf->expiry ? 1 : 0;
}
