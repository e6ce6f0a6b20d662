/*
 * qcreg command line: times shown in the registry's time zone.
 */
#ifndef CLI_TIME_H
#define CLI_TIME_H

#include <stddef.h>
#include <stdint.h>

#define CLI_TZ_ENV	"QCREG_TZ_OFFSET"
#define CLI_TZ_DEFAULT	(8 * 60)	/* minutes: the registry's UTC+8 */
#define CLI_TIME_LEN	64		/* a buffer for cli_time_format */

/*
 * The UTC offset in minutes that value names ("+08:00", "-05:30",
 * "+0800", "UTC+8"), or CLI_TZ_DEFAULT when value is NULL or empty.
 * Returns 0, or -1 if value is not an offset within +-14:00.
 */
int		 cli_time_zone(const char *value, int *minutes);

/*
 * Unix seconds at as "YYYY-MM-DD HH:MM:SS +08:00" at the offset minutes,
 * into buf of size bytes (CLI_TIME_LEN is enough); "@<seconds>" if the
 * time is beyond the calendar.
 */
void		 cli_time_format(char *buf, size_t size, uint64_t at,
		    int minutes);

#endif
