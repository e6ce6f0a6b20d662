/*
 * Calendar dates as days since 1970-01-01 (proleptic Gregorian).
 */
#ifndef QC_DATE_H
#define QC_DATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define QC_DATE_LEN	10	/* "YYYY-MM-DD" */

/*
 * Parses exactly "YYYY-MM-DD" (len bytes, years 1900..9999, a real day of
 * that month) into days since the epoch. Returns 0, or -1 if invalid.
 */
int		 qc_date_parse(const char *, size_t, int32_t *days);
/* Formats days as "YYYY-MM-DD" into out (NUL-terminated). */
void		 qc_date_format(int32_t days, char out[QC_DATE_LEN + 1]);
/* Adds years to a date; Feb 29 becomes Feb 28 in a non-leap year. */
int32_t		 qc_date_add_years(int32_t days, int years);
/* Today's date at a fixed UTC offset in minutes (e.g. 480 for UTC+8). */
int32_t		 qc_date_today(time_t now, int utc_offset_min);
/*
 * Parses a UTC offset "+08:00", "-05:30", "+0800" or "UTC+8" into
 * minutes. Returns 0, or -1 if invalid or beyond +-14:00.
 */
int		 qc_tz_parse(const char *, int *minutes);

#endif
