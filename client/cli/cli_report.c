/*
 * qcreg report SUBJECT [--signed [--pubkey FILE]]: the credit report of
 * one subject, printed as a report in Chinese (cli_report_print.c) or,
 * with --json, as the registry sent it. --signed asks for a signed
 * report and verifies it, with a trusted key file (--pubkey) or the key
 * the server lists for its key_id, as check --signed does; --json then
 * prints the report exactly as signed, to keep.
 */
#include "cli.h"

static int	 report_signed(struct cli *, const msgpack_object *);

/* A signed report's block, checked; the report printed, then the block. */
static int
report_signed(struct cli *cli, const msgpack_object *res)
{
	struct qcreg_checkpoint	 sig;
	uint8_t			 pub[QC_PUB_LEN];
	char			 how[SIGNED_HOW_MAX];
	int			 rc, ok;

	if ((rc = qcreg_report_parse(res, &sig)) != 0)
		return cli_error(rc, "the registry's signed report is "
		    "malformed");
	if ((rc = signed_key(cli, &sig, pub)) != CLI_OK)
		return rc;
	ok = qcreg_report_verify(res, &sig, pub);
	signed_how(cli, &sig, how, sizeof(how));
	if (cli->json)
		rc = pr_json(cli, res);
	else if ((rc = report_print(cli, res)) == CLI_OK)
		signed_print(cli, &sig, ok, how);
	if (rc == CLI_OK && !ok)
		rc = cli_error(QCREG_E_VERIFY, "the signature does not verify "
		    "with %s: this is not the report that key signed", how);
	return rc;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	struct qcreg_reply	*r;
	int			 rc, sign = (cli->given & O_SIGNED) != 0;

	(void)argc;
	if (cli->pubkey != NULL && !sign)
		return cli_error(QCREG_E_USAGE, "--pubkey goes with --signed "
		    "(the key the report's signature is checked with)");
	if ((rc = qcreg_report(cli->c, argv[0], sign, &r)) != 0)
		return cli_fail(cli, rc);
	if (sign)
		rc = report_signed(cli, qcreg_reply_result(r));
	else if (cli->json)
		rc = pr_json(cli, qcreg_reply_result(r));
	else
		rc = report_print(cli, qcreg_reply_result(r));
	qcreg_reply_free(r);
	return rc;
}
