/*
 * qcreg command line: errors, as "qcreg: CODE: message" on stderr.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

/* Prints "qcreg: CODE: message" and returns CLI_ERR. */
int
cli_error(int code, const char *fmt, ...)
{
	va_list	 ap;

	fflush(stdout);
	fprintf(stderr, "qcreg: %s: ", qcreg_code_name(code));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_ERR;
}

/* Reports a failed library call. */
int
cli_fail(struct cli *cli, int rc)
{
	return cli_error(rc, "%s", qcreg_errmsg(cli->c));
}
