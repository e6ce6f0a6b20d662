/*
 * The working-day calendar: the public holidays and make-up working days
 * of each covered year, read from a file, and deadlines counted on them.
 *
 * The file holds one entry per line; blank lines and lines whose first
 * non-blank character is '#' are skipped, the whole file is UTF-8 (a BOM
 * at its start and "\r\n" line ends are accepted):
 *
 *	year YYYY [note]		YYYY is covered: all its holidays
 *					and make-up days follow
 *	YYYY-MM-DD holiday [note]	a day off (on a weekend: no effect)
 *	YYYY-MM-DD workday [note]	a Saturday or Sunday worked (调休)
 *
 * Fields are separated by blanks (spaces, tabs); the note is the rest of
 * the line and is ignored. Years are declared in ascending order without
 * gaps; a date falls in a year declared above it and appears once.
 *
 * In memory the covered years are one run of days from cal_first, and
 * cal_cum[i] counts the working days among its first i days, so whether
 * a day works is cal_cum[i + 1] - cal_cum[i]. Outside the run weekdays
 * are counted by arithmetic from MONDAY0. With both, the working days
 * before any date are a formula (work_before) and a deadline is one
 * binary search at most: no walk day by day, whatever n is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "date.h"
#include "utf8.h"

#define MONDAY0		(-3)		/* 1969-12-29, a Monday */
#define DAY_MIN		(-25567)	/* 1900-01-01 */
#define DAY_MAX		2932896		/* 9999-12-31 */
#define YEAR_MIN	1900
#define YEAR_MAX	9999
#define SHOW_MAX	32		/* bytes of a token quoted in an error */

enum mark {
	MARK_NONE = 0,
	MARK_HOLIDAY,
	MARK_WORKDAY
};

/* A day's entry while the file is read. */
struct day_mark {
	unsigned long	 dm_line;	/* 0: no entry */
	enum mark	 dm_kind;
};

struct calendar {
	int		 cal_first_year;
	int		 cal_nyears;
	int32_t		 cal_first;	/* 1 January of the first year */
	int32_t		 cal_ndays;	/* days of the covered years */
	int32_t		*cal_cum;	/* cal_ndays + 1 counts */
};

/* What calendar_load carries from line to line. */
struct cal_load {
	const char	*cl_path;
	unsigned long	 cl_line;	/* 0: an error of the whole file */
	struct calendar	*cl_cal;
	struct day_mark	*cl_marks;	/* one per day of the covered years */
	char		*cl_err;
	size_t		 cl_errlen;
};

static int64_t	 floor_div(int64_t, int64_t);
static int	 weekday(int64_t);
static int64_t	 weekdays_before(int64_t);
static int64_t	 weekday_at(int64_t);
static int64_t	 work_before(const struct calendar *, int64_t);
static int	 read_line(FILE *, char *, size_t, size_t *);
static int	 load_fail(struct cal_load *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static const char *next_token(const char **, const char *, size_t *);
static int	 show_len(const char *, size_t);
static int	 parse_line(struct cal_load *, const char *, size_t);
static int	 parse_year(struct cal_load *, const char *, size_t);
static int	 parse_day(struct cal_load *, const char *, size_t,
		    const char *, size_t);
static int	 add_year(struct cal_load *, int);
static int	 load_finish(struct cal_load *);

static const char *const day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday"
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t	 q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* 0 for Monday .. 6 for Sunday. */
static int
weekday(int64_t d)
{
	int64_t	 m = d - MONDAY0;

	return (int)(m - floor_div(m, 7) * 7);
}

/* Monday to Friday days in MONDAY0 .. d - 1 (negative before it). */
static int64_t
weekdays_before(int64_t d)
{
	int64_t	 m = d - MONDAY0;
	int64_t	 w = floor_div(m, 7);
	int64_t	 r = m - w * 7;

	return w * 5 + (r < 5 ? r : 5);
}

/* The weekday d with weekdays_before(d) == t: the inverse of the above. */
static int64_t
weekday_at(int64_t t)
{
	int64_t	 w = floor_div(t, 5);

	return MONDAY0 + w * 7 + (t - w * 5);
}

/*
 * Working days in MONDAY0 .. d - 1: weekdays before the covered run, its
 * working days, weekdays after it. One more for each working day, so a
 * working day d is the one with work_before(d) == t for a single t.
 */
static int64_t
work_before(const struct calendar *cal, int64_t d)
{
	int64_t	 first, end;

	if (cal == NULL || d <= cal->cal_first)
		return weekdays_before(d);
	first = cal->cal_first;
	end = first + cal->cal_ndays;
	if (d <= end)
		return weekdays_before(first) + cal->cal_cum[d - first];
	return weekdays_before(first) + cal->cal_cum[cal->cal_ndays] +
	    weekdays_before(d) - weekdays_before(end);
}

int
calendar_is_workday(const struct calendar *cal, int32_t day)
{
	int64_t	 i;

	if (cal != NULL && day >= cal->cal_first &&
	    (int64_t)day < (int64_t)cal->cal_first + cal->cal_ndays) {
		i = (int64_t)day - cal->cal_first;
		return cal->cal_cum[i + 1] - cal->cal_cum[i];
	}
	return weekday(day) < 5;
}

int32_t
calendar_deadline(const struct calendar *cal, int32_t received_on, int n,
    int *provisional)
{
	int64_t	 start, t, k, d, first, end, ca, ce;
	int32_t	 lo, hi, mid;
	int	 prov = 1;

	if (provisional != NULL)
		*provisional = 1;
	if (n < 1 || n > CALENDAR_MAX_N || received_on < DAY_MIN ||
	    received_on > DAY_MAX)
		return INT32_MIN;
	start = (int64_t)received_on + 1;
	/* The deadline is the working day d with work_before(d) == t. */
	t = work_before(cal, start) + n - 1;
	if (cal == NULL)
		d = weekday_at(t);
	else {
		first = cal->cal_first;
		end = first + cal->cal_ndays;
		ca = weekdays_before(first);
		ce = ca + cal->cal_cum[cal->cal_ndays];
		if (t < ca)
			d = weekday_at(t);
		else if (t < ce) {
			/* The first day i of the run with cum[i + 1] > k. */
			k = t - ca;
			lo = 0;
			hi = cal->cal_ndays - 1;
			while (lo < hi) {
				mid = lo + (hi - lo) / 2;
				if (cal->cal_cum[mid + 1] > k)
					hi = mid;
				else
					lo = mid + 1;
			}
			d = first + lo;
		} else
			d = weekday_at(t - ce + weekdays_before(end));
		/* The counted days are start .. d. */
		prov = start < first || d >= end;
	}
	if (provisional != NULL)
		*provisional = prov;
	return (int32_t)d;
}

int
calendar_covers(const struct calendar *cal, int year)
{
	return cal != NULL && year >= cal->cal_first_year &&
	    year < cal->cal_first_year + cal->cal_nyears;
}

int
calendar_last_year(const struct calendar *cal)
{
	return cal == NULL ? 0 : cal->cal_first_year + cal->cal_nyears - 1;
}

int
calendar_next_year_missing(const struct calendar *cal, int32_t today)
{
	char	 s[QC_DATE_LEN + 1];
	int	 year, month;

	if (cal == NULL)
		return 0;
	qc_date_format(today, s);
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	month = (s[5] - '0') * 10 + (s[6] - '0');
	return month >= 10 && !calendar_covers(cal, year + 1);
}

void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	free(cal->cal_cum);
	free(cal);
}

/*
 * Reads one line without its "\n" or "\r\n" into buf. Returns 1, 0 at
 * the end of the file, -1 if the line does not fit, -2 on a read error
 * (errno set). A last line without "\n" is a line.
 */
static int
read_line(FILE *f, char *buf, size_t size, size_t *len)
{
	size_t	 n = 0;
	int	 c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (n + 1 >= size)
			return -1;
		buf[n++] = (char)c;
	}
	if (c == EOF) {
		if (ferror(f))
			return -2;
		if (n == 0)
			return 0;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return 1;
}

/* Writes "path:line: reason" (or "path: reason") to err; returns -1. */
static int
load_fail(struct cal_load *cl, const char *fmt, ...)
{
	char	 reason[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (cl->cl_line == 0)
		snprintf(cl->cl_err, cl->cl_errlen, "%s: %s", cl->cl_path,
		    reason);
	else
		snprintf(cl->cl_err, cl->cl_errlen, "%s:%lu: %s", cl->cl_path,
		    cl->cl_line, reason);
	return -1;
}

/* The next blank-separated token at *p (before end); *len 0 if none. */
static const char *
next_token(const char **p, const char *end, size_t *len)
{
	const char	*s = *p, *tok;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	tok = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*len = (size_t)(s - tok);
	*p = s;
	return tok;
}

/* How much of a token an error quotes: SHOW_MAX bytes, whole characters. */
static int
show_len(const char *tok, size_t len)
{
	size_t	 n = len < SHOW_MAX ? len : SHOW_MAX;

	while (n > 0 && n < len && ((unsigned char)tok[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* One line of the file (len bytes, no NUL inside if valid); 0 or -1. */
static int
parse_line(struct cal_load *cl, const char *line, size_t len)
{
	const char	*p = line, *end = line + len, *tok, *arg;
	size_t		 tlen, alen;

	if (!qc_utf8_valid(line, len))
		return load_fail(cl, "not valid UTF-8");
	tok = next_token(&p, end, &tlen);
	if (tlen == 0 || *tok == '#')
		return 0;
	arg = next_token(&p, end, &alen);
	/* The rest of the line is a note. */
	if (tlen == 4 && memcmp(tok, "year", 4) == 0)
		return parse_year(cl, arg, alen);
	if (*tok >= '0' && *tok <= '9')
		return parse_day(cl, tok, tlen, arg, alen);
	return load_fail(cl, "unknown entry '%.*s' (expected year or a date)",
	    show_len(tok, tlen), tok);
}

/* "year YYYY": four digits, 1900..9999. */
static int
parse_year(struct cal_load *cl, const char *tok, size_t len)
{
	size_t	 i;
	int	 year = 0, ok = len == 4;

	for (i = 0; ok && i < len; i++) {
		ok = tok[i] >= '0' && tok[i] <= '9';
		year = year * 10 + (tok[i] - '0');
	}
	if (!ok || year < YEAR_MIN || year > YEAR_MAX)
		return load_fail(cl, "year: expected YYYY (%d..%d)", YEAR_MIN,
		    YEAR_MAX);
	return add_year(cl, year);
}

/*
 * Covers one more year: the next after the last, so that the covered
 * days stay one run. Its days get no entry yet.
 */
static int
add_year(struct cal_load *cl, int year)
{
	struct calendar	*cal = cl->cl_cal;
	struct day_mark	*marks;
	char		 s[16];
	int32_t		 jan1;
	int		 last, ndays;

	if (cal->cal_nyears > 0) {
		last = cal->cal_first_year + cal->cal_nyears - 1;
		if (year >= cal->cal_first_year && year <= last)
			return load_fail(cl, "year %d declared twice", year);
		if (year < last)
			return load_fail(cl, "year %d: years must ascend "
			    "(the last declared is %d)", year, last);
		if (year > last + 1)
			return load_fail(cl, "year %d: year %d is missing "
			    "(covered years must be contiguous)", year,
			    last + 1);
		if (cal->cal_nyears == CALENDAR_MAX_YEARS)
			return load_fail(cl, "too many years (max %d)",
			    CALENDAR_MAX_YEARS);
	}
	snprintf(s, sizeof(s), "%04d-01-01", year);
	if (qc_date_parse(s, strlen(s), &jan1) == -1)
		return load_fail(cl, "year: expected YYYY (%d..%d)", YEAR_MIN,
		    YEAR_MAX);
	ndays = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ?
	    366 : 365;
	/* At most CALENDAR_MAX_YEARS * 366 marks: no overflow. */
	marks = realloc(cl->cl_marks,
	    (size_t)(cal->cal_ndays + ndays) * sizeof(*marks));
	if (marks == NULL)
		return load_fail(cl, "out of memory");
	memset(marks + cal->cal_ndays, 0, (size_t)ndays * sizeof(*marks));
	cl->cl_marks = marks;
	if (cal->cal_nyears == 0) {
		cal->cal_first_year = year;
		cal->cal_first = jan1;
	}
	cal->cal_nyears++;
	cal->cal_ndays += ndays;
	return 0;
}

/* "YYYY-MM-DD holiday|workday": checked in that order, then recorded. */
static int
parse_day(struct cal_load *cl, const char *tok, size_t tlen,
    const char *kind, size_t klen)
{
	struct calendar	*cal = cl->cl_cal;
	struct day_mark	*m;
	enum mark	 k;
	int32_t		 day;
	int		 year, wd;

	if (qc_date_parse(tok, tlen, &day) == -1)
		return load_fail(cl, "bad date '%.*s' (expected YYYY-MM-DD)",
		    show_len(tok, tlen), tok);
	if (klen == 0)
		return load_fail(cl, "%.10s: missing kind (holiday or "
		    "workday)", tok);
	if (klen == 7 && memcmp(kind, "holiday", 7) == 0)
		k = MARK_HOLIDAY;
	else if (klen == 7 && memcmp(kind, "workday", 7) == 0)
		k = MARK_WORKDAY;
	else
		return load_fail(cl, "%.10s: unknown kind '%.*s' (expected "
		    "holiday or workday)", tok, show_len(kind, klen), kind);
	/* qc_date_parse checked the four digits of the year. */
	year = (tok[0] - '0') * 1000 + (tok[1] - '0') * 100 +
	    (tok[2] - '0') * 10 + (tok[3] - '0');
	if (!calendar_covers(cal, year))
		return load_fail(cl, "%.10s: year %d is not declared above",
		    tok, year);
	wd = weekday(day);
	if (k == MARK_WORKDAY && wd < 5)
		return load_fail(cl, "%.10s is a %s: a workday must be a "
		    "Saturday or Sunday", tok, day_names[wd]);
	m = &cl->cl_marks[day - cal->cal_first];
	if (m->dm_line != 0)
		return load_fail(cl, "%.10s listed twice (first on line %lu)",
		    tok, m->dm_line);
	m->dm_line = cl->cl_line;
	m->dm_kind = k;
	return 0;
}

/* After the last line: the counts of working days; 0 or -1. */
static int
load_finish(struct cal_load *cl)
{
	struct calendar	*cal = cl->cl_cal;
	int32_t		 i;
	int		 work;

	cl->cl_line = 0;
	if (cal->cal_nyears == 0)
		return load_fail(cl, "no year declared");
	cal->cal_cum = calloc((size_t)cal->cal_ndays + 1,
	    sizeof(*cal->cal_cum));
	if (cal->cal_cum == NULL)
		return load_fail(cl, "out of memory");
	for (i = 0; i < cal->cal_ndays; i++) {
		switch (cl->cl_marks[i].dm_kind) {
		case MARK_HOLIDAY:
			work = 0;
			break;
		case MARK_WORKDAY:
			work = 1;
			break;
		default:
			work = weekday((int64_t)cal->cal_first + i) < 5;
			break;
		}
		cal->cal_cum[i + 1] = cal->cal_cum[i] + work;
	}
	return 0;
}

struct calendar *
calendar_load(const char *path, char *err, size_t errlen)
{
	struct cal_load	 cl;
	FILE		*f;
	char		 line[CALENDAR_LINE_MAX + 1];
	const char	*p;
	size_t		 len;
	int		 rc, failed = 0;

	memset(&cl, 0, sizeof(cl));
	cl.cl_path = path;
	cl.cl_err = err;
	cl.cl_errlen = errlen;
	if ((f = fopen(path, "r")) == NULL) {
		load_fail(&cl, "%s", strerror(errno));
		return NULL;
	}
	if ((cl.cl_cal = calloc(1, sizeof(*cl.cl_cal))) == NULL) {
		load_fail(&cl, "out of memory");
		(void)fclose(f);	/* read only: nothing to lose */
		return NULL;
	}
	while (!failed) {
		cl.cl_line++;
		rc = read_line(f, line, sizeof(line), &len);
		if (rc == 0)
			break;
		if (rc == -1)
			failed = load_fail(&cl, "line too long (max %d bytes)",
			    CALENDAR_LINE_MAX);
		else if (rc == -2) {
			cl.cl_line = 0;
			failed = load_fail(&cl, "%s", strerror(errno));
		} else {
			p = line;
			if (cl.cl_line == 1 && len >= 3 &&
			    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
				p += 3;
				len -= 3;
			}
			failed = parse_line(&cl, p, len);
		}
	}
	if (fclose(f) == EOF && !failed) {
		cl.cl_line = 0;
		failed = load_fail(&cl, "%s", strerror(errno));
	}
	if (!failed)
		failed = load_finish(&cl);
	free(cl.cl_marks);
	if (failed) {
		calendar_free(cl.cl_cal);
		return NULL;
	}
	return cl.cl_cal;
}
