/*
 * Dates: parsing, formatting, year arithmetic, "today" and time zones.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "date.h"

struct anchor {
	const char	*s;
	int32_t		 days;
};

/* Day numbers computed independently with Python's datetime.date. */
static const struct anchor anchors[] = {
	{ "1900-01-01", -25567 },
	{ "1969-12-31", -1 },
	{ "1970-01-01", 0 },
	{ "2000-02-29", 11016 },
	{ "2000-03-01", 11017 },
	{ "2024-02-29", 19782 },
	{ "2026-03-01", 20513 },
	{ "2038-01-19", 24855 },
	{ "2100-03-01", 47541 },
	{ "9999-12-31", 2932896 },
};

static int32_t
parse(const char *s)
{
	int32_t	 d = INT32_MIN;

	assert_int_equal(qc_date_parse(s, strlen(s), &d), 0);
	return d;
}

static void
parse_bad(const char *s)
{
	int32_t	 d = 12345;

	assert_int_equal(qc_date_parse(s, strlen(s), &d), -1);
	assert_int_equal(d, 12345);
}

static void
test_parse_valid(void **state)
{
	char	 out[QC_DATE_LEN + 1];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++) {
		assert_int_equal(parse(anchors[i].s), anchors[i].days);
		qc_date_format(anchors[i].days, out);
		assert_string_equal(out, anchors[i].s);
	}
	assert_int_equal(parse("2000-02-29") + 1, parse("2000-03-01"));
	assert_int_equal(parse("2023-03-01") - parse("2023-02-28"), 1);
	assert_int_equal(parse("2024-03-01") - parse("2024-02-28"), 2);
}

static void
test_parse_invalid(void **state)
{
	int32_t	 d;

	(void)state;
	parse_bad("1900-02-29");	/* divisible by 100, not by 400 */
	parse_bad("2100-02-29");
	parse_bad("2023-02-29");
	parse_bad("2024-02-30");
	parse_bad("1899-12-31");
	parse_bad("0000-01-01");
	parse_bad("10000-01-01");
	parse_bad("2024-13-01");
	parse_bad("2024-00-10");
	parse_bad("2024-04-31");
	parse_bad("2024-01-00");
	parse_bad("2024-01-32");
	parse_bad("2024-1-01");
	parse_bad("2024-01-1");
	parse_bad("2024/01/01");
	parse_bad("+024-01-01");
	parse_bad("-024-01-01");
	parse_bad(" 2024-01-01");
	parse_bad("2024-01-01 ");
	parse_bad("2024-01-0a");
	parse_bad("2024-01-01T00:00");
	parse_bad("");
	assert_int_equal(qc_date_parse("2024-01-01", 9, &d), -1);
	assert_int_equal(qc_date_parse("2024-01\0-01", 10, &d), -1);
	assert_int_equal(qc_date_parse(NULL, 10, &d), -1);
}

static void
test_leap_rules(void **state)
{
	int32_t	 d;

	(void)state;
	assert_int_equal(qc_date_parse("2000-02-29", 10, &d), 0);
	assert_int_equal(qc_date_parse("2400-02-29", 10, &d), 0);
	assert_int_equal(qc_date_parse("1904-02-29", 10, &d), 0);
	assert_int_equal(qc_date_parse("9996-02-29", 10, &d), 0);
	assert_int_equal(qc_date_parse("1900-02-29", 10, &d), -1);
	assert_int_equal(qc_date_parse("2200-02-29", 10, &d), -1);
	assert_int_equal(qc_date_parse("9999-02-29", 10, &d), -1);
}

/* Every day from 1900 to 9999 formats and parses back to itself. */
static void
test_round_trip(void **state)
{
	char	 out[QC_DATE_LEN + 1], prev[QC_DATE_LEN + 1];
	int32_t	 d, lo = parse("1900-01-01"), hi = parse("9999-12-31");

	(void)state;
	strcpy(prev, "1899-12-31");
	for (d = lo; d <= hi; d++) {
		qc_date_format(d, out);
		assert_int_equal(parse(out), d);
		assert_true(strcmp(prev, out) < 0);
		memcpy(prev, out, sizeof(out));
	}
}

static void
test_format_range(void **state)
{
	char	 out[QC_DATE_LEN + 1];

	(void)state;
	qc_date_format(-719528, out);
	assert_string_equal(out, "0000-01-01");
	qc_date_format(-135080, out);
	assert_string_equal(out, "1600-03-01");
	qc_date_format(INT32_MIN, out);
	assert_string_equal(out, "0000-01-01");
	qc_date_format(INT32_MAX, out);
	assert_string_equal(out, "9999-12-31");
	qc_date_format(2932897, out);
	assert_string_equal(out, "9999-12-31");
}

static void
add_years(const char *from, int years, const char *want)
{
	char	 out[QC_DATE_LEN + 1];

	qc_date_format(qc_date_add_years(parse(from), years), out);
	assert_string_equal(out, want);
}

static void
test_add_years(void **state)
{
	(void)state;
	add_years("2026-03-01", 3, "2029-03-01");
	add_years("2023-12-31", 3, "2026-12-31");
	add_years("2024-02-29", 1, "2025-02-28");
	add_years("2024-02-29", 4, "2028-02-29");
	add_years("2024-02-29", -4, "2020-02-29");
	add_years("2096-02-29", 4, "2100-02-28");
	add_years("1996-02-29", 4, "2000-02-29");
	add_years("2024-02-28", 1, "2025-02-28");
	add_years("2023-03-01", 1, "2024-03-01");
	add_years("2024-01-15", 0, "2024-01-15");
	add_years("1970-01-01", -70, "1900-01-01");
	/* Results beyond int32 saturate instead of wrapping. */
	assert_int_equal(qc_date_add_years(parse("9999-12-31"), 100000000),
	    INT32_MAX);
	assert_int_equal(qc_date_add_years(parse("1900-01-01"), -100000000),
	    INT32_MIN);
}

static void
test_today(void **state)
{
	(void)state;
	assert_int_equal(qc_date_today(0, 0), 0);
	assert_int_equal(qc_date_today(86399, 0), 0);
	assert_int_equal(qc_date_today(86400, 0), 1);
	assert_int_equal(qc_date_today(-1, 0), -1);
	assert_int_equal(qc_date_today(-86400, 0), -1);
	assert_int_equal(qc_date_today(-86401, 0), -2);
	/* UTC+8: the day turns at 16:00 UTC. */
	assert_int_equal(qc_date_today(16 * 3600 - 1, 480), 0);
	assert_int_equal(qc_date_today(16 * 3600, 480), 1);
	/* UTC-5: 1970-01-01 05:00 UTC is still Dec 31 until then. */
	assert_int_equal(qc_date_today(0, -300), -1);
	assert_int_equal(qc_date_today(5 * 3600 - 1, -300), -1);
	assert_int_equal(qc_date_today(5 * 3600, -300), 0);
	/* 2026-03-01 00:00 UTC is 08:00 in Beijing: the same day. */
	assert_int_equal(qc_date_today(1772323200, 480), 20513);
	assert_int_equal(qc_date_today(1772323200 - 8 * 3600, 480), 20513);
	assert_int_equal(qc_date_today(1772323200 - 8 * 3600 - 1, 480),
	    20512);
	assert_int_equal(qc_date_today(1772323200 - 1, -60), 20512);
	assert_int_equal(qc_date_today(1772323200 + 23 * 3600, 60), 20514);
}

static void
tz_ok(const char *s, int want)
{
	int	 m = 9999;

	assert_int_equal(qc_tz_parse(s, &m), 0);
	assert_int_equal(m, want);
}

static void
tz_bad(const char *s)
{
	int	 m = 9999;

	assert_int_equal(qc_tz_parse(s, &m), -1);
	assert_int_equal(m, 9999);
}

static void
test_tz(void **state)
{
	(void)state;
	tz_ok("+08:00", 480);
	tz_ok("-05:30", -330);
	tz_ok("+0800", 480);
	tz_ok("-0330", -210);
	tz_ok("UTC+8", 480);
	tz_ok("UTC-3", -180);
	tz_ok("UTC+05:45", 345);
	tz_ok("UTC+5:30", 330);
	tz_ok("+8", 480);
	tz_ok("+00:00", 0);
	tz_ok("-00:00", 0);
	tz_ok("UTC", 0);
	tz_ok("Z", 0);
	tz_ok("+14:00", 840);
	tz_ok("-14:00", -840);
	tz_ok("UTC+14", 840);
	tz_bad("");
	tz_bad("8");
	tz_bad("08:00");
	tz_bad("+");
	tz_bad("UTC+");
	tz_bad("+14:01");
	tz_bad("-14:30");
	tz_bad("+15");
	tz_bad("+08:60");
	tz_bad("+8:0");
	tz_bad("+08:00:00");
	tz_bad("+080");
	tz_bad("+08000");
	tz_bad("+123");
	tz_bad("GMT+8");
	tz_bad("utc+8");
	tz_bad(" +08:00");
	tz_bad("+08:00 ");
	tz_bad("+08:0a");
	tz_bad("UTC+8 ");
	tz_bad("ZZ");
	tz_bad(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_leap_rules),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_range),
		cmocka_unit_test(test_add_years),
		cmocka_unit_test(test_today),
		cmocka_unit_test(test_tz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
