/*
 * Civil dates by pure arithmetic on the proleptic Gregorian calendar, so
 * nothing depends on the process time zone (no mktime, timegm, localtime).
 *
 * The conversion counts years from March 1st: the leap day then falls at
 * the end of a year, and the 400-year cycle (146097 days) repeats exactly.
 */
#include <stdint.h>

#include "date.h"

#define YEAR_MIN	1900
#define YEAR_MAX	9999
#define FORMAT_MIN	(-719528)	/* 0000-01-01 */
#define FORMAT_MAX	2932896		/* 9999-12-31 */
#define CYCLE_DAYS	146097		/* days in 400 years */
#define EPOCH_SHIFT	719468		/* 0000-03-01 to 1970-01-01 */
#define TZ_MAX_MIN	(14 * 60)

struct civil {
	int64_t	 y;
	int	 m;
	int	 d;
};

static int64_t	 days_from_civil(const struct civil *);
static void	 civil_from_days(int64_t, struct civil *);
static int	 is_leap(int64_t);
static int	 month_days(int64_t, int);
static int	 digits(const char *, int, int *);
static int64_t	 floor_div(int64_t, int64_t);

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t	 q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
days_from_civil(const struct civil *c)
{
	int64_t	 y = c->m <= 2 ? c->y - 1 : c->y;	/* year from March */
	int64_t	 era = floor_div(y, 400);
	int64_t	 yoe = y - era * 400;			/* 0..399 */
	int64_t	 mar = (c->m + 9) % 12;			/* March = 0 */
	int64_t	 doy = (153 * mar + 2) / 5 + c->d - 1;	/* 0..365 */
	int64_t	 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * CYCLE_DAYS + doe - EPOCH_SHIFT;
}

static void
civil_from_days(int64_t days, struct civil *c)
{
	int64_t	 z = days + EPOCH_SHIFT;
	int64_t	 era = floor_div(z, CYCLE_DAYS);
	int64_t	 doe = z - era * CYCLE_DAYS;		/* 0..146096 */
	int64_t	 yoe, doy, mar;

	/* Undo the leap days of the cycle to find the year within it. */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / (CYCLE_DAYS - 1)) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mar = (5 * doy + 2) / 153;
	c->d = (int)(doy - (153 * mar + 2) / 5 + 1);
	c->m = (int)(mar < 10 ? mar + 3 : mar - 9);
	c->y = yoe + era * 400 + (c->m <= 2);
}

/* Reads n ASCII digits; -1 on anything else. */
static int
digits(const char *s, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
qc_date_parse(const char *s, size_t len, int32_t *days)
{
	struct civil	 c;
	int		 y;

	if (s == NULL || len != QC_DATE_LEN || s[4] != '-' || s[7] != '-')
		return -1;
	if (digits(s, 4, &y) == -1 || digits(s + 5, 2, &c.m) == -1 ||
	    digits(s + 8, 2, &c.d) == -1)
		return -1;
	c.y = y;
	if (y < YEAR_MIN || y > YEAR_MAX || c.m < 1 || c.m > 12 ||
	    c.d < 1 || c.d > month_days(c.y, c.m))
		return -1;
	*days = (int32_t)days_from_civil(&c);
	return 0;
}

/* Dates beyond 0000..9999 are clamped: the output has room for 4 digits. */
void
qc_date_format(int32_t days, char out[QC_DATE_LEN + 1])
{
	struct civil	 c;
	int		 y;

	if (days < FORMAT_MIN)
		days = FORMAT_MIN;
	if (days > FORMAT_MAX)
		days = FORMAT_MAX;
	civil_from_days(days, &c);
	y = (int)c.y;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + c.m / 10);
	out[6] = (char)('0' + c.m % 10);
	out[7] = '-';
	out[8] = (char)('0' + c.d / 10);
	out[9] = (char)('0' + c.d % 10);
	out[10] = '\0';
}

int32_t
qc_date_add_years(int32_t days, int years)
{
	struct civil	 c;
	int64_t		 r;

	civil_from_days(days, &c);
	c.y += years;
	if (c.m == 2 && c.d == 29 && !is_leap(c.y))
		c.d = 28;
	r = days_from_civil(&c);
	if (r > INT32_MAX)
		return INT32_MAX;
	if (r < INT32_MIN)
		return INT32_MIN;
	return (int32_t)r;
}

int32_t
qc_date_today(time_t now, int utc_offset_min)
{
	return (int32_t)floor_div((int64_t)now +
	    (int64_t)utc_offset_min * 60, 86400);
}

/*
 * Accepts "Z", "UTC", or an optional "UTC" prefix, a sign and one of H,
 * HH, H:MM, HH:MM or HHMM.
 */
int
qc_tz_parse(const char *s, int *minutes)
{
	int	 sign, h, m = 0;
	size_t	 n;

	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] == 'Z' && s[1] == '\0') {
		*minutes = 0;
		return 0;
	}
	if (s[0] == 'U' && s[1] == 'T' && s[2] == 'C')
		s += 3;
	if (*s == '\0') {
		*minutes = 0;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
		;
	if (n == 1 || n == 2) {
		if (digits(s, (int)n, &h) == -1)
			return -1;
		s += n;
		if (*s == ':') {
			if (digits(s + 1, 2, &m) == -1 || s[3] != '\0')
				return -1;
		} else if (*s != '\0')
			return -1;
	} else if (n == 4 && s[4] == '\0') {
		if (digits(s, 2, &h) == -1 || digits(s + 2, 2, &m) == -1)
			return -1;
	} else
		return -1;
	if (m > 59 || h * 60 + m > TZ_MAX_MIN)
		return -1;
	*minutes = sign * (h * 60 + m);
	return 0;
}
