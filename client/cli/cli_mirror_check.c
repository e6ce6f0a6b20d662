/*
 * qcreg mirror-check DIR SUBJECT...: check, answered by the mirror in
 * DIR (qcreg mirror keeps it) with no network, printed as check prints.
 */
#include "cli.h"

#define MIRROR_BATCH	1000	/* subjects a call; bounds memory for "-" */

int
cmd_mirror_check(struct cli *cli, int argc, char **argv)
{
	struct qcreg_mirror	*m;
	struct qcreg_check	*res;
	struct chk		 k;
	struct chk_in		 in;
	char			 err[512];
	int			 rc, qrc;

	if ((rc = qcreg_mirror_open(&m, argv[0], NULL, err,
	    sizeof(err))) != 0)
		return cli_error(rc, "%s", err);
	cli->hello = qcreg_mirror_hello(m);
	if ((rc = chk_in_open(&in, argc - 1, argv + 1, MIRROR_BATCH)) != 0) {
		qcreg_mirror_close(m);
		return rc;
	}
	chk_begin(&k, cli);
	while ((rc = chk_in_next(&in)) == CLI_OK && in.n > 0) {
		qrc = cli->on != NULL ? qcreg_mirror_check_on(m, cli->on,
		    (const char *const *)in.v, in.n,
		    (const char *const *)cli->lists, cli->nlists, &res) :
		    qcreg_mirror_check(m, (const char *const *)in.v, in.n,
		    (const char *const *)cli->lists, cli->nlists, &res);
		if (qrc != 0) {
			rc = cli_error(qrc, "%s", qcreg_mirror_errmsg(m));
			break;
		}
		rc = chk_print(&k, res);
		qcreg_check_free(res);
		if (rc != CLI_OK)
			break;
	}
	chk_in_close(&in);
	qcreg_mirror_close(m);
	return chk_end(&k, rc);
}
