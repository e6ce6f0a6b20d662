/*
 * qcreg command line: numbers in arguments.
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"

/* Parses a whole decimal integer within min .. max. */
int
cli_parse_int(const char *s, int64_t min, int64_t max, int64_t *v)
{
	char		*end;
	long long	 n;

	if (*s == '\0' || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}
