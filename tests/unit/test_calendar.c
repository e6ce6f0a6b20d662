/*
 * The working-day calendar: deadlines across holidays, make-up days,
 * weekends and the end of the covered years; the fast count against a
 * walk day by day; every load error with its file:line and reason; the
 * NULL calendar; the warning from 1 October; the shipped dev.cal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "calendar.h"
#include "date.h"
#include "testlib.h"

static char	 tmpdir[256];
static int	 nfile;

/*
 * The 2025 and 2026 State Council schedules, one entry a line (as
 * server/calendar/dev.cal, without its notes): fixed here so that the
 * tests do not change when dev.cal is corrected.
 */
static const char fixture[] =
	"year 2025\n2025-01-01 holiday\n2025-01-26 workday\n"
	"2025-01-28 holiday\n2025-01-29 holiday\n2025-01-30 holiday\n"
	"2025-01-31 holiday\n2025-02-01 holiday\n2025-02-02 holiday\n"
	"2025-02-03 holiday\n2025-02-04 holiday\n2025-02-08 workday\n"
	"2025-04-04 holiday\n2025-04-05 holiday\n2025-04-06 holiday\n"
	"2025-04-27 workday\n2025-05-01 holiday\n2025-05-02 holiday\n"
	"2025-05-03 holiday\n2025-05-04 holiday\n2025-05-05 holiday\n"
	"2025-05-31 holiday\n2025-06-01 holiday\n2025-06-02 holiday\n"
	"2025-09-28 workday\n2025-10-01 holiday\n2025-10-02 holiday\n"
	"2025-10-03 holiday\n2025-10-04 holiday\n2025-10-05 holiday\n"
	"2025-10-06 holiday\n2025-10-07 holiday\n2025-10-08 holiday\n"
	"2025-10-11 workday\nyear 2026\n2026-01-01 holiday\n"
	"2026-01-02 holiday\n2026-01-03 holiday\n2026-01-04 workday\n"
	"2026-02-14 workday\n2026-02-15 holiday\n2026-02-16 holiday\n"
	"2026-02-17 holiday\n2026-02-18 holiday\n2026-02-19 holiday\n"
	"2026-02-20 holiday\n2026-02-21 holiday\n2026-02-22 holiday\n"
	"2026-02-23 holiday\n2026-02-28 workday\n2026-04-04 holiday\n"
	"2026-04-05 holiday\n2026-04-06 holiday\n2026-05-01 holiday\n"
	"2026-05-02 holiday\n2026-05-03 holiday\n2026-05-04 holiday\n"
	"2026-05-05 holiday\n2026-05-09 workday\n2026-06-19 holiday\n"
	"2026-06-20 holiday\n2026-06-21 holiday\n2026-09-20 workday\n"
	"2026-09-25 holiday\n2026-09-26 holiday\n2026-09-27 holiday\n"
	"2026-10-01 holiday\n2026-10-02 holiday\n2026-10-03 holiday\n"
	"2026-10-04 holiday\n2026-10-05 holiday\n2026-10-06 holiday\n"
	"2026-10-07 holiday\n2026-10-10 workday\n";

static int	 setup(void **);
static int	 teardown(void **);
static int32_t	 day(const char *);
static void	 write_file(const char *, size_t, char *, size_t);
static struct calendar *load_len(const char *, size_t, char *, size_t,
		    char *, size_t);
static struct calendar *load(const char *);
static void	 expect_err_len(const char *, size_t, int, const char *);
static void	 expect_err(const char *, int, const char *);
static void	 expect_deadline(const struct calendar *, const char *, int,
		    const char *, int);
static void	 check_against_walk(const struct calendar *, int32_t,
		    int32_t);
static const char *shipped_path(void);

static int
setup(void **state)
{
	(void)state;
	return tl_tmpdir(tmpdir, sizeof(tmpdir), "calendar");
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

static int32_t
day(const char *s)
{
	int32_t	 d = 0;

	if (qc_date_parse(s, strlen(s), &d) == -1)
		fail_msg("bad date in a test: %s", s);
	return d;
}

/* Writes len bytes to a new file in tmpdir; its path goes to path. */
static void
write_file(const char *text, size_t len, char *path, size_t size)
{
	FILE	*f;

	snprintf(path, size, "%s/c%d.cal", tmpdir, nfile++);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Loads len bytes as a calendar file; the file is gone afterwards. */
static struct calendar *
load_len(const char *text, size_t len, char *err, size_t errlen, char *path,
    size_t size)
{
	struct calendar	*cal;

	write_file(text, len, path, size);
	err[0] = '\0';
	cal = calendar_load(path, err, errlen);
	assert_int_equal(unlink(path), 0);
	return cal;
}

/* Loads text that must be accepted. */
static struct calendar *
load(const char *text)
{
	struct calendar	*cal;
	char		 err[1024], path[512];

	cal = load_len(text, strlen(text), err, sizeof(err), path,
	    sizeof(path));
	if (cal == NULL)
		fail_msg("refused: %s", err);
	return cal;
}

/*
 * The load fails with exactly "path:line: reason", or "path: reason"
 * for errors that belong to no line (line 0).
 */
static void
expect_err_len(const char *text, size_t len, int line, const char *reason)
{
	char		 err[1024], path[512], want[2048];
	struct calendar	*cal;

	cal = load_len(text, len, err, sizeof(err), path, sizeof(path));
	if (cal != NULL) {
		calendar_free(cal);
		fail_msg("accepted, expected: %s", reason);
	}
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, reason);
	else
		snprintf(want, sizeof(want), "%s: %s", path, reason);
	assert_string_equal(err, want);
}

static void
expect_err(const char *text, int line, const char *reason)
{
	expect_err_len(text, strlen(text), line, reason);
}

/* The nth working day after received is want, provisional or not. */
static void
expect_deadline(const struct calendar *cal, const char *received, int n,
    const char *want, int want_prov)
{
	char	 got[QC_DATE_LEN + 1];
	int32_t	 d;
	int	 prov = -1;

	d = calendar_deadline(cal, day(received), n, &prov);
	qc_date_format(d, got);
	if (strcmp(got, want) != 0 || prov != want_prov)
		fail_msg("received %s, n %d: got %s%s, want %s%s", received,
		    n, got, prov ? " (provisional)" : "", want,
		    want_prov ? " (provisional)" : "");
}

/*
 * Every deadline of n = 1..400 for every received_on in from .. to
 * equals the nth working day found by walking day by day with
 * calendar_is_workday, and is provisional exactly when a day walked lies
 * outside the covered years.
 */
static void
check_against_walk(const struct calendar *cal, int32_t from, int32_t to)
{
	char	 s[QC_DATE_LEN + 1];
	int32_t	 r, d;
	int	 n, prov, outside, year;

	for (r = from; r <= to; r++) {
		outside = 0;
		for (d = r, n = 0; n < 400; ) {
			d++;
			qc_date_format(d, s);
			year = atoi(s);
			if (!calendar_covers(cal, year))
				outside = 1;
			if (!calendar_is_workday(cal, d))
				continue;
			n++;
			if (calendar_deadline(cal, r, n, &prov) != d ||
			    prov != (cal == NULL || outside)) {
				qc_date_format(r, s);
				fail_msg("received %s, n %d: not the walk's "
				    "day", s, n);
			}
		}
	}
}

/* The shipped development calendar, from the repository or the tests. */
static const char *
shipped_path(void)
{
	static const char *const cands[] = {
		"server/calendar/dev.cal",
		"../server/calendar/dev.cal",
		"../../server/calendar/dev.cal",
		"../../../server/calendar/dev.cal",
	};
	size_t	 i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], R_OK) == 0)
			return cands[i];
	fail_msg("server/calendar/dev.cal not found (run from the "
	    "repository)");
	return NULL;
}

static void
test_is_workday(void **state)
{
	struct calendar	*cal;
	int32_t		 d;
	int		 n;

	(void)state;
	cal = load(fixture);
	assert_int_equal(calendar_covers(cal, 2024), 0);
	assert_int_equal(calendar_covers(cal, 2025), 1);
	assert_int_equal(calendar_covers(cal, 2026), 1);
	assert_int_equal(calendar_covers(cal, 2027), 0);
	assert_int_equal(calendar_last_year(cal), 2026);
	/* a holiday on a weekday, a make-up Saturday and Sunday */
	assert_int_equal(calendar_is_workday(cal, day("2025-10-01")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2025-10-11")), 1);
	assert_int_equal(calendar_is_workday(cal, day("2025-09-28")), 1);
	/* a holiday on a weekend; a plain weekend; a plain weekday */
	assert_int_equal(calendar_is_workday(cal, day("2026-01-03")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2025-03-08")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2025-03-09")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2025-03-10")), 1);
	/* the first and last covered days */
	assert_int_equal(calendar_is_workday(cal, day("2025-01-01")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2026-12-31")), 1);
	/* outside the covered years: Monday to Friday */
	assert_int_equal(calendar_is_workday(cal, day("2024-10-01")), 1);
	assert_int_equal(calendar_is_workday(cal, day("2027-01-01")), 1);
	assert_int_equal(calendar_is_workday(cal, day("2027-01-02")), 0);
	assert_int_equal(calendar_is_workday(cal, day("1900-01-01")), 1);
	/* the extremes, a Tuesday and a Friday, without overflow */
	assert_int_equal(calendar_is_workday(cal, INT32_MIN), 1);
	assert_int_equal(calendar_is_workday(cal, INT32_MIN + 4), 0);
	assert_int_equal(calendar_is_workday(cal, INT32_MAX), 1);
	assert_int_equal(calendar_is_workday(cal, INT32_MAX - 6), 0);
	/* 365 days - 104 weekend days - 13 statutory holidays, each year */
	for (n = 0, d = day("2025-01-01"); d < day("2026-01-01"); d++)
		n += calendar_is_workday(cal, d);
	assert_int_equal(n, 248);
	for (n = 0, d = day("2026-01-01"); d < day("2027-01-01"); d++)
		n += calendar_is_workday(cal, d);
	assert_int_equal(n, 248);
	calendar_free(cal);
}

/* Received the day before 国庆: the holiday days are skipped. */
static void
test_deadline_national_day(void **state)
{
	struct calendar	*cal;

	(void)state;
	cal = load(fixture);
	/* 2026: 1-7 October off, Saturday 10 October worked */
	expect_deadline(cal, "2026-09-30", 1, "2026-10-08", 0);
	expect_deadline(cal, "2026-09-30", 2, "2026-10-09", 0);
	expect_deadline(cal, "2026-09-30", 3, "2026-10-10", 0);
	expect_deadline(cal, "2026-09-30", 4, "2026-10-12", 0);
	/* 2025: 1-8 October (with 中秋) off */
	expect_deadline(cal, "2025-09-30", 1, "2025-10-09", 0);
	expect_deadline(cal, "2025-09-30", 3, "2025-10-11", 0);
	/* 春节 2026: 15-23 February off, Saturday 14 worked */
	expect_deadline(cal, "2026-02-13", 1, "2026-02-14", 0);
	expect_deadline(cal, "2026-02-13", 2, "2026-02-24", 0);
	/* across the new year: 1-3 January off, Sunday 4 worked */
	expect_deadline(cal, "2025-12-31", 1, "2026-01-04", 0);
	/* 劳动节 2026 */
	expect_deadline(cal, "2026-04-30", 5, "2026-05-11", 0);
	calendar_free(cal);
}

/* A make-up Saturday or Sunday counts as a working day. */
static void
test_deadline_makeup_day(void **state)
{
	struct calendar	*cal;

	(void)state;
	cal = load(fixture);
	expect_deadline(cal, "2025-02-06", 1, "2025-02-07", 0);
	expect_deadline(cal, "2025-02-06", 2, "2025-02-08", 0);
	expect_deadline(cal, "2025-02-06", 3, "2025-02-10", 0);
	/* Saturday 27 September is off, Sunday 28 is worked */
	expect_deadline(cal, "2025-09-26", 1, "2025-09-28", 0);
	expect_deadline(cal, "2025-09-26", 4, "2025-10-09", 0);
	/* 春节 2025: Sunday 26 January worked, 28 January - 4 February off */
	expect_deadline(cal, "2025-01-20", 15, "2025-02-14", 0);
	calendar_free(cal);
}

static void
test_deadline_weekend(void **state)
{
	struct calendar	*cal;

	(void)state;
	cal = load(fixture);
	expect_deadline(cal, "2025-03-06", 1, "2025-03-07", 0);
	expect_deadline(cal, "2025-03-06", 2, "2025-03-10", 0);
	expect_deadline(cal, "2025-03-06", 10, "2025-03-20", 0);
	/* n = 1: the next working day */
	expect_deadline(cal, "2025-03-03", 1, "2025-03-04", 0);
	expect_deadline(cal, "2025-03-07", 1, "2025-03-10", 0);
	/* a year of working days: 248 after New Year's Day 2025 */
	expect_deadline(cal, "2025-01-01", 248, "2025-12-31", 0);
	expect_deadline(cal, "2025-01-01", 250, "2026-01-05", 0);
	calendar_free(cal);
}

/* Received on a day off: day 1 is still the next working day. */
static void
test_deadline_received_off_day(void **state)
{
	struct calendar	*cal;

	(void)state;
	cal = load(fixture);
	expect_deadline(cal, "2025-10-03", 1, "2025-10-09", 0);
	expect_deadline(cal, "2025-03-08", 1, "2025-03-10", 0);
	expect_deadline(cal, "2025-03-09", 1, "2025-03-10", 0);
	expect_deadline(cal, "2026-01-01", 1, "2026-01-04", 0);
	/* received on a make-up Saturday: that day does not count */
	expect_deadline(cal, "2025-10-11", 1, "2025-10-13", 0);
	calendar_free(cal);
}

/*
 * Beyond the last covered year the count goes on, Monday to Friday, and
 * the deadline is provisional; so it is when a counted day lies before
 * the first covered year.
 */
static void
test_deadline_uncovered(void **state)
{
	struct calendar	*cal;

	(void)state;
	cal = load(fixture);
	expect_deadline(cal, "2026-12-30", 1, "2026-12-31", 0);
	/* 1 January 2027 is a Friday: a working day for now */
	expect_deadline(cal, "2026-12-30", 2, "2027-01-01", 1);
	expect_deadline(cal, "2026-12-30", 3, "2027-01-04", 1);
	expect_deadline(cal, "2026-12-01", 30, "2027-01-12", 1);
	expect_deadline(cal, "2027-03-01", 5, "2027-03-08", 1);
	expect_deadline(cal, "2026-12-31", 1, "2027-01-01", 1);
	/* before the first covered year */
	expect_deadline(cal, "2024-12-30", 1, "2024-12-31", 1);
	expect_deadline(cal, "2024-12-30", 2, "2025-01-02", 1);
	expect_deadline(cal, "2024-12-31", 1, "2025-01-02", 0);
	expect_deadline(cal, "2020-06-01", 5, "2020-06-08", 1);
	/* a count that starts before and ends after the covered years */
	expect_deadline(cal, "2024-12-31", 496, "2026-12-31", 0);
	expect_deadline(cal, "2024-12-30", 498, "2027-01-01", 1);
	calendar_free(cal);
}

/* The counting by formula and binary search agrees with a walk. */
static void
test_deadline_walk(void **state)
{
	struct calendar	*cal;
	int32_t		 d;
	int		 n, prov;

	(void)state;
	cal = load(fixture);
	check_against_walk(cal, day("2024-10-01"), day("2027-02-28"));
	check_against_walk(NULL, day("2025-12-01"), day("2026-01-31"));
	/* the largest n: walked once */
	for (d = day("2025-06-30"), n = 0; n < CALENDAR_MAX_N; )
		n += calendar_is_workday(cal, ++d);
	assert_int_equal(calendar_deadline(cal, day("2025-06-30"),
	    CALENDAR_MAX_N, &prov), d);
	assert_int_equal(prov, 1);
	/* the last date that may be received */
	assert_int_equal(calendar_deadline(cal, day("9999-12-31"), 1, &prov),
	    day("9999-12-31") + 3);
	assert_int_equal(prov, 1);
	calendar_free(cal);
}

static void
test_deadline_bad_args(void **state)
{
	struct calendar	*cal;
	int		 prov;

	(void)state;
	cal = load(fixture);
	prov = 0;
	assert_int_equal(calendar_deadline(cal, day("2025-03-03"), 0, &prov),
	    INT32_MIN);
	assert_int_equal(prov, 1);
	prov = 0;
	assert_int_equal(calendar_deadline(cal, day("2025-03-03"), -1, &prov),
	    INT32_MIN);
	assert_int_equal(prov, 1);
	assert_int_equal(calendar_deadline(cal, day("2025-03-03"),
	    CALENDAR_MAX_N + 1, &prov), INT32_MIN);
	assert_int_equal(calendar_deadline(cal, day("1900-01-01") - 1, 1,
	    &prov), INT32_MIN);
	assert_int_equal(calendar_deadline(cal, day("9999-12-31") + 1, 1,
	    &prov), INT32_MIN);
	assert_int_equal(calendar_deadline(cal, INT32_MAX, 1, &prov),
	    INT32_MIN);
	assert_int_equal(calendar_deadline(NULL, INT32_MIN, 1, NULL),
	    INT32_MIN);
	/* provisional may be NULL */
	assert_int_equal(calendar_deadline(cal, day("2025-09-30"), 1, NULL),
	    day("2025-10-09"));
	calendar_free(cal);
}

/* No calendar file: Monday to Friday, always provisional. */
static void
test_null_calendar(void **state)
{
	(void)state;
	assert_int_equal(calendar_is_workday(NULL, day("2025-10-01")), 1);
	assert_int_equal(calendar_is_workday(NULL, day("2025-10-11")), 0);
	assert_int_equal(calendar_is_workday(NULL, day("2025-10-12")), 0);
	expect_deadline(NULL, "2025-09-30", 1, "2025-10-01", 1);
	expect_deadline(NULL, "2025-10-03", 1, "2025-10-06", 1);
	expect_deadline(NULL, "2025-03-06", 10, "2025-03-20", 1);
	assert_int_equal(calendar_covers(NULL, 2025), 0);
	assert_int_equal(calendar_last_year(NULL), 0);
	assert_int_equal(calendar_next_year_missing(NULL, day("2026-10-01")),
	    0);
	calendar_free(NULL);
}

static void
test_next_year_missing(void **state)
{
	struct calendar	*cal;

	(void)state;
	cal = load(fixture);
	/* 2026 is covered */
	assert_int_equal(calendar_next_year_missing(cal, day("2025-10-01")),
	    0);
	assert_int_equal(calendar_next_year_missing(cal, day("2025-12-31")),
	    0);
	/* 2027 is not: from 1 October 2026 */
	assert_int_equal(calendar_next_year_missing(cal, day("2026-09-30")),
	    0);
	assert_int_equal(calendar_next_year_missing(cal, day("2026-10-01")),
	    1);
	assert_int_equal(calendar_next_year_missing(cal, day("2026-12-31")),
	    1);
	/* 2028 is not covered either, but it is not October */
	assert_int_equal(calendar_next_year_missing(cal, day("2027-01-01")),
	    0);
	assert_int_equal(calendar_next_year_missing(cal, day("2027-10-01")),
	    1);
	/* before the covered years: the next is covered */
	assert_int_equal(calendar_next_year_missing(cal, day("2024-10-01")),
	    0);
	assert_int_equal(calendar_next_year_missing(cal, day("2023-10-01")),
	    1);
	calendar_free(cal);
}

/*
 * What the format allows: a BOM, "\r\n", blanks and tabs, indented
 * comments, notes after the year and the kind (UTF-8, '#' included), a
 * holiday on a weekend, an entry of a year declared before the last, a
 * covered year without entries, a last line without "\n", a line of
 * CALENDAR_LINE_MAX bytes.
 */
static void
test_format(void **state)
{
	struct calendar	*cal;
	char		 text[2 * CALENDAR_LINE_MAX];
	int		 n;

	(void)state;
	cal = load("\xef\xbb\xbf# 日历\r\n"
	    "\r\n"
	    "   # an indented comment\n"
	    "\t\n"
	    "\tyear 2026 国务院办公厅 # a note\r\n"
	    "2026-01-01\tholiday\t元旦 # 注\n"
	    "  2026-01-04   workday\n"
	    "2026-01-10 holiday on a Saturday: no effect\n"
	    "year 2027\n"
	    "2026-10-01 holiday after year 2027\n"
	    "2027-01-02 workday");
	assert_int_equal(calendar_covers(cal, 2025), 0);
	assert_int_equal(calendar_covers(cal, 2026), 1);
	assert_int_equal(calendar_covers(cal, 2027), 1);
	assert_int_equal(calendar_last_year(cal), 2027);
	assert_int_equal(calendar_is_workday(cal, day("2026-01-01")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2026-01-02")), 1);
	assert_int_equal(calendar_is_workday(cal, day("2026-01-04")), 1);
	assert_int_equal(calendar_is_workday(cal, day("2026-01-10")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2026-10-01")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2027-01-02")), 1);
	assert_int_equal(calendar_is_workday(cal, day("2027-02-10")), 1);
	/* 2027 is covered (weekdays only): not provisional */
	expect_deadline(cal, "2027-02-05", 1, "2027-02-08", 0);
	expect_deadline(cal, "2027-12-30", 1, "2027-12-31", 0);
	expect_deadline(cal, "2027-12-30", 2, "2028-01-03", 1);
	check_against_walk(cal, day("2025-12-01"), day("2026-01-31"));
	calendar_free(cal);

	/* a year alone */
	cal = load("year 2030\n");
	assert_int_equal(calendar_last_year(cal), 2030);
	expect_deadline(cal, "2030-05-31", 1, "2030-06-03", 0);
	calendar_free(cal);

	/* CALENDAR_LINE_MAX bytes, then one more */
	n = snprintf(text, sizeof(text), "year 2026\n# ");
	memset(text + n, 'x', CALENDAR_LINE_MAX - 2);
	n += CALENDAR_LINE_MAX - 2;
	text[n++] = '\n';
	text[n] = '\0';
	calendar_free(load(text));
	memcpy(text + n - 1, "x\n", 3);
	expect_err(text, 2, "line too long (max 1024 bytes)");
}

static void
test_err_dates(void **state)
{
	(void)state;
	expect_err("year 2026\n2026-02-30 holiday\n", 2,
	    "bad date '2026-02-30' (expected YYYY-MM-DD)");
	expect_err("year 2026\n2026-13-01 holiday\n", 2,
	    "bad date '2026-13-01' (expected YYYY-MM-DD)");
	expect_err("year 2026\n2026-1-1 holiday\n", 2,
	    "bad date '2026-1-1' (expected YYYY-MM-DD)");
	expect_err("year 2026\n20260101 holiday\n", 2,
	    "bad date '20260101' (expected YYYY-MM-DD)");
	expect_err("year 2026\n2026-01-01holiday\n", 2,
	    "bad date '2026-01-01holiday' (expected YYYY-MM-DD)");
	/* a long token is quoted in part, in whole characters */
	expect_err("year 2026\n2026-01-01-0123456789012345678901234 x\n", 2,
	    "bad date '2026-01-01-012345678901234567890' "
	    "(expected YYYY-MM-DD)");
	expect_err("year 2026\n1日日日日日日日日日日日日日日日 holiday\n", 2,
	    "bad date '1日日日日日日日日日日' (expected YYYY-MM-DD)");
	expect_err("year 2026\nyaer 2027\n", 2,
	    "unknown entry 'yaer' (expected year or a date)");
	expect_err("Year 2026\n", 1,
	    "unknown entry 'Year' (expected year or a date)");
	expect_err("year 2026\n-2026-01-01 holiday\n", 2,
	    "unknown entry '-2026-01-01' (expected year or a date)");
	/* a BOM is skipped at the start of the file only */
	expect_err("\xef\xbb\xbf\xef\xbb\xbfyear 2026\n", 1,
	    "unknown entry '\xef\xbb\xbfyear' (expected year or a date)");
}

static void
test_err_kinds(void **state)
{
	(void)state;
	expect_err("year 2026\n2026-01-01 holliday 元旦\n", 2,
	    "2026-01-01: unknown kind 'holliday' (expected holiday or "
	    "workday)");
	expect_err("year 2026\n2026-01-01 Holiday\n", 2,
	    "2026-01-01: unknown kind 'Holiday' (expected holiday or "
	    "workday)");
	expect_err("year 2026\n2026-01-01 元旦\n", 2,
	    "2026-01-01: unknown kind '元旦' (expected holiday or workday)");
	expect_err("year 2026\n2026-01-01\n", 2,
	    "2026-01-01: missing kind (holiday or workday)");
	expect_err("year 2026\n2026-01-01 \t\r\n", 2,
	    "2026-01-01: missing kind (holiday or workday)");
	/* a workday on a weekday */
	expect_err("year 2026\n2026-01-05 workday\n", 2,
	    "2026-01-05 is a Monday: a workday must be a Saturday or Sunday");
	expect_err("year 2026\n2026-10-09 workday 国庆节调休\n", 2,
	    "2026-10-09 is a Friday: a workday must be a Saturday or Sunday");
}

static void
test_err_years(void **state)
{
	char	 text[2048];
	int	 n, y;

	(void)state;
	/* a date outside the declared years */
	expect_err("2026-01-01 holiday\nyear 2026\n", 1,
	    "2026-01-01: year 2026 is not declared above");
	expect_err("year 2026\n2027-01-01 holiday\nyear 2027\n", 2,
	    "2027-01-01: year 2027 is not declared above");
	expect_err("year 2026\n2025-12-31 holiday\n", 2,
	    "2025-12-31: year 2025 is not declared above");
	/* a date twice */
	expect_err("year 2026\n2026-01-01 holiday\n# again\n"
	    "2026-01-01 holiday\n", 4,
	    "2026-01-01 listed twice (first on line 2)");
	expect_err("year 2026\n2026-01-03 holiday\n2026-01-03 workday\n", 3,
	    "2026-01-03 listed twice (first on line 2)");
	/* years: contiguous, ascending, once */
	expect_err("year 2025\n# 2026 forgotten\nyear 2027\n", 3,
	    "year 2027: year 2026 is missing (covered years must be "
	    "contiguous)");
	expect_err("year 2026\nyear 2025\n", 2,
	    "year 2025: years must ascend (the last declared is 2026)");
	expect_err("year 2025\nyear 2026\nyear 2025\n", 3,
	    "year 2025 declared twice");
	expect_err("year 26\n", 1, "year: expected YYYY (1900..9999)");
	expect_err("year\n", 1, "year: expected YYYY (1900..9999)");
	expect_err("year 20x6\n", 1, "year: expected YYYY (1900..9999)");
	expect_err("year 02026\n", 1, "year: expected YYYY (1900..9999)");
	expect_err("year 1899\n", 1, "year: expected YYYY (1900..9999)");
	expect_err("year 2026\nyear 2026-01-01\n", 2,
	    "year: expected YYYY (1900..9999)");
	/* CALENDAR_MAX_YEARS, then one more */
	for (n = 0, y = 1900; y < 1900 + CALENDAR_MAX_YEARS + 1; y++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "year %d\n",
		    y);
	expect_err(text, CALENDAR_MAX_YEARS + 1, "too many years (max 100)");
	text[n - 10] = '\0';
	calendar_free(load(text));
}

/* The whole file must be UTF-8, comments and notes included. */
static void
test_err_not_utf8(void **state)
{
	static const char	 nul[] = "year 2026\n2026-01-01 holiday a\0b\n";

	(void)state;
	expect_err("year 2026\n# \xff\n", 2, "not valid UTF-8");
	/* 元旦 in GBK */
	expect_err("year 2026\n2026-01-01 holiday \xd4\xaa\xb5\xa9\n", 2,
	    "not valid UTF-8");
	expect_err_len(nul, sizeof(nul) - 1, 2, "not valid UTF-8");
}

/* Errors of the whole file: "path: reason". */
static void
test_err_file(void **state)
{
	char	 err[1024], path[512], want[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.cal", tmpdir);
	assert_null(calendar_load(path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);
	assert_null(calendar_load(tmpdir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", tmpdir, strerror(EISDIR));
	assert_string_equal(err, want);
	expect_err("", 0, "no year declared");
	expect_err("# 2026: to do\n\n", 0, "no year declared");
	/* a short err buffer is cut, never overrun */
	snprintf(path, sizeof(path), "%s/x.cal", tmpdir);
	memset(err, 'z', sizeof(err));
	assert_null(calendar_load(path, err, 8));
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'z');
}

/* The shipped development calendar loads and covers 2025 and 2026. */
static void
test_shipped(void **state)
{
	struct calendar	*cal;
	char		 err[1024];

	(void)state;
	cal = calendar_load(shipped_path(), err, sizeof(err));
	if (cal == NULL)
		fail_msg("%s", err);
	assert_int_equal(calendar_covers(cal, 2025), 1);
	assert_int_equal(calendar_covers(cal, 2026), 1);
	assert_true(calendar_last_year(cal) >= 2026);
	assert_int_equal(calendar_is_workday(cal, day("2025-10-01")), 0);
	assert_int_equal(calendar_is_workday(cal, day("2025-09-28")), 1);
	expect_deadline(cal, "2025-09-30", 1, "2025-10-09", 0);
	calendar_free(cal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_workday),
		cmocka_unit_test(test_deadline_national_day),
		cmocka_unit_test(test_deadline_makeup_day),
		cmocka_unit_test(test_deadline_weekend),
		cmocka_unit_test(test_deadline_received_off_day),
		cmocka_unit_test(test_deadline_uncovered),
		cmocka_unit_test(test_deadline_walk),
		cmocka_unit_test(test_deadline_bad_args),
		cmocka_unit_test(test_null_calendar),
		cmocka_unit_test(test_next_year_missing),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_err_dates),
		cmocka_unit_test(test_err_kinds),
		cmocka_unit_test(test_err_years),
		cmocka_unit_test(test_err_not_utf8),
		cmocka_unit_test(test_err_file),
		cmocka_unit_test(test_shipped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
