/**
 * @file phc_leapfile.h
 * @brief leap-seconds.list: TAI - UTC and the next leap (phc_leapfile.c).
 */
#ifndef PB_PHC_LEAPFILE_H
#define PB_PHC_LEAPFILE_H


#define PHC_LEAPFILE_MAX 64

/** A parsed leap-seconds.list. */
struct phc_leapfile {
	int n;
	long long start[PHC_LEAPFILE_MAX];	/**< Unix UTC seconds */
	int offset[PHC_LEAPFILE_MAX];		/**< TAI - UTC from start[i] */
	long long expiry;			/**< Unix UTC seconds */
};

/** @return 0, or -1 (unreadable or malformed) */
int phc_leapfile_load(const char *path, struct phc_leapfile *lf);

/**
 * TAI - UTC at utc (Unix seconds); leap_pending is +1/-1 when a leap
 * second follows within a day.
 * @return 0 valid, 1 valid but the file has expired, -1 unknown
 */
int phc_leapfile_offset(const struct phc_leapfile *lf, long long utc, int *offset,
			int *leap_pending);

#endif
