/*
 * qcreg command line: times in the registry's time zone. The registry
 * stores Unix seconds and judges dates at UTC+8 (PROTOCOL.md), so times
 * are shown at that offset whatever the machine's zone is.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "cli_time.h"
#include "date.h"

#define TIME_MAX	((uint64_t)INT32_MAX * 64)	/* ~year 6000 */

int
cli_time_zone(const char *value, int *minutes)
{
	if (value == NULL || *value == '\0') {
		*minutes = CLI_TZ_DEFAULT;
		return 0;
	}
	return qc_tz_parse(value, minutes);
}

void
cli_time_format(char *buf, size_t size, uint64_t at, int minutes)
{
	struct tm	 tm;
	time_t		 t;
	size_t		 n;
	int		 off = minutes < 0 ? -minutes : minutes;

	t = (time_t)at + (time_t)minutes * 60;
	if (at > TIME_MAX || gmtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm)) == 0) {
		snprintf(buf, size, "@%" PRIu64, at);
		return;
	}
	snprintf(buf + n, size - n, " %c%02d:%02d", minutes < 0 ? '-' : '+',
	    off / 60, off % 60);
}
