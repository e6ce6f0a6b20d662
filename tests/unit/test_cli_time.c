/*
 * The command line's times (client/cli/cli_time.h): shown at the
 * registry's UTC+8, or the offset QCREG_TZ_OFFSET names, whatever the
 * machine's own time zone is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "cli_time.h"

static void	 shown(uint64_t, int, const char *);

static void
shown(uint64_t at, int minutes, const char *want)
{
	char	 buf[CLI_TIME_LEN];

	cli_time_format(buf, sizeof(buf), at, minutes);
	assert_string_equal(buf, want);
}

static void
test_format(void **state)
{
	(void)state;
	shown(1796052395, CLI_TZ_DEFAULT, "2026-11-30 23:26:35 +08:00");
	/* Past midnight in Fuzhou, still the day before in UTC. */
	shown(1796052395 + 9 * 3600, CLI_TZ_DEFAULT,
	    "2026-12-01 08:26:35 +08:00");
	shown(1796052395, 0, "2026-11-30 15:26:35 +00:00");
	shown(1796052395, -(5 * 60 + 30), "2026-11-30 09:56:35 -05:30");
	shown(0, CLI_TZ_DEFAULT, "1970-01-01 08:00:00 +08:00");
	/* Beyond any calendar the server can mean: the raw seconds. */
	shown(UINT64_MAX, CLI_TZ_DEFAULT, "@18446744073709551615");
}

/* The machine's zone plays no part. */
static void
test_machine_zone(void **state)
{
	(void)state;
	assert_int_equal(setenv("TZ", "America/New_York", 1), 0);
	tzset();
	shown(1796052395, CLI_TZ_DEFAULT, "2026-11-30 23:26:35 +08:00");
	assert_int_equal(unsetenv("TZ"), 0);
	tzset();
}

static void
test_zone(void **state)
{
	int	 m = -1;

	(void)state;
	assert_int_equal(cli_time_zone(NULL, &m), 0);
	assert_int_equal(m, 480);
	assert_int_equal(cli_time_zone("", &m), 0);
	assert_int_equal(m, 480);
	assert_int_equal(cli_time_zone("+00:00", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(cli_time_zone("-05:30", &m), 0);
	assert_int_equal(m, -330);
	assert_int_equal(cli_time_zone("UTC+8", &m), 0);
	assert_int_equal(m, 480);
	assert_int_equal(cli_time_zone("+0900", &m), 0);
	assert_int_equal(m, 540);
	assert_int_equal(cli_time_zone("bogus", &m), -1);
	assert_int_equal(cli_time_zone("+15:00", &m), -1);
	assert_int_equal(cli_time_zone("8", &m), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_machine_zone),
		cmocka_unit_test(test_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
