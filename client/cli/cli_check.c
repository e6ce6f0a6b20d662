/*
 * qcreg check: are these subjects listed?
 *
 * Subjects (arguments, or lines of stdin with "-") go out in batches of
 * the server's max_batch, CHECK_WINDOW batches in flight at once; answers
 * come back in order, so results print in input order while memory stays
 * bounded by the window. A signed answer (--signed, --verify-signed) is
 * cli_check_signed.c's and cli_check_stored.c's.
 */
#include "cli.h"

#define CHECK_WINDOW	8

static int	 chk_take(struct chk *);
static int	 chk_all(struct cli *, int, char **);

/* Reads the answer to the oldest batch and prints it. */
static int
chk_take(struct chk *k)
{
	struct qcreg_reply	*r;
	struct qcreg_check	*res;
	int			 rc;

	if ((rc = qcreg_next_reply(k->cli->c, &r)) != 0) {
		qcreg_reply_free(r);
		return cli_fail(k->cli, rc);
	}
	rc = qcreg_reply_check(r, &res);
	qcreg_reply_free(r);
	if (rc != 0)
		return cli_error(rc, "malformed check answer");
	rc = chk_print(k, res);
	qcreg_check_free(res);
	return rc;
}

/*
 * Checks that the options fit together, then runs check, check --signed
 * or check --verify-signed (the one that needs no connection).
 */
int
cmd_check(struct cli *cli, int argc, char **argv)
{
	unsigned	 sig = cli->given & (O_SIGNED | O_VERIFY_SIGNED);
	int		 rc;

	if (sig == (O_SIGNED | O_VERIFY_SIGNED))
		return cli_error(QCREG_E_USAGE, "--signed asks the registry, "
		    "--verify-signed reads a kept answer: give one");
	if ((cli->given & O_PUBKEY) && sig == 0)
		return cli_error(QCREG_E_USAGE, "--pubkey goes with --signed "
		    "or --verify-signed");
	if (sig == O_VERIFY_SIGNED)
		return chk_stored(cli, argc, argv);
	if ((rc = cli_connect(cli)) != CLI_OK)
		return rc;
	return sig == O_SIGNED ? chk_signed(cli, argc, argv) :
	    chk_all(cli, argc, argv);
}

/* Every subject, in pipelined batches. */
static int
chk_all(struct cli *cli, int argc, char **argv)
{
	struct chk	 k;
	struct chk_in	 in;
	int		 rc, qrc;

	if ((rc = chk_in_open(&in, argc, argv, qcreg_max_batch(cli->c))) != 0)
		return rc;
	chk_begin(&k, cli);
	for (;;) {
		if ((rc = chk_in_next(&in)) != CLI_OK || in.n == 0)
			break;
		if ((qrc = qcreg_queue_check(cli->c, (const char *const *)in.v,
		    in.n, (const char *const *)cli->lists,
		    cli->nlists)) != 0) {
			rc = cli_fail(cli, qrc);
			break;
		}
		while (rc == CLI_OK && qcreg_in_flight(cli->c) >= CHECK_WINDOW)
			rc = chk_take(&k);
		if (rc != CLI_OK)
			break;
	}
	while (rc == CLI_OK && qcreg_in_flight(cli->c) > 0)
		rc = chk_take(&k);
	chk_in_close(&in);
	return chk_end(&k, rc);
}
