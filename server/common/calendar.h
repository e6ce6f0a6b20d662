/*
 * The working-day calendar that procedure deadlines are counted in:
 * weekdays, minus public holidays, plus make-up working days (调休),
 * read from a calendar file that covers a run of whole years. Outside
 * the covered years the working days are Monday to Friday.
 *
 * Dates are days since 1970-01-01, as in proto/date.h. A NULL calendar
 * means "no calendar file": weekdays only, every deadline provisional.
 * A loaded calendar is never changed: threads may share it.
 */
#ifndef QCD_CALENDAR_H
#define QCD_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define CALENDAR_LINE_MAX	1024	/* bytes of a line, without "\n" */
#define CALENDAR_MAX_YEARS	100	/* covered years in one file */
#define CALENDAR_MAX_N		10000	/* working days of a deadline */

struct calendar;

/*
 * Loads a calendar file (its format: calendar.c and PROTOCOL.md,
 * "Working-day calendar"). On error returns NULL and writes
 * "path:line: reason" to err, or "path: reason" for what belongs to no
 * line (an unreadable file, a file that declares no year).
 */
struct calendar	*calendar_load(const char *path, char *err, size_t errlen);
void		 calendar_free(struct calendar *);

/* 1 if day is a working day, else 0. */
int		 calendar_is_workday(const struct calendar *, int32_t day);

/*
 * The nth working day after received_on (day 1 is the first working day
 * after it; received_on itself never counts). *provisional (if not NULL)
 * is set to 1 when a counted day lies outside the covered years (then it
 * was counted as a weekday), or when cal is NULL; else to 0. n must be
 * 1..CALENDAR_MAX_N and received_on a date of the years 1900..9999:
 * otherwise returns INT32_MIN with *provisional = 1.
 */
int32_t		 calendar_deadline(const struct calendar *, int32_t received_on,
		    int n, int *provisional);

/* 1 if the file lists year's holidays and make-up days, else 0. */
int		 calendar_covers(const struct calendar *, int year);
/* The last covered year, or 0 for a NULL calendar. */
int		 calendar_last_year(const struct calendar *);
/*
 * 1 when today is on or after 1 October and the next year is not
 * covered: the daemon warns that the file needs next year's notice.
 * 0 for a NULL calendar (no file, nothing to keep up to date).
 */
int		 calendar_next_year_missing(const struct calendar *,
		    int32_t today);

#endif
