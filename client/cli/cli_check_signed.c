/*
 * qcreg check --signed: one answer signed by the registry, printed with
 * its signed block and verified, with a trusted key file (--pubkey) or
 * the key the server lists for its key_id. --json prints the answer
 * exactly as signed, for a platform to keep (cli_check_stored.c reads it
 * back).
 */
#include "cli.h"
#include "cli_json.h"

static int	 chk_signed_answer(struct cli *, const msgpack_object *);

/*
 * Prints a signed answer k under sig as check prints, then (text) its
 * signed block, or (--json) raw, the answer as signed (the reference is
 * taken); verifies it with pub, --pubkey's key if given, else the one
 * the server lists. The exit status: check's for its verdicts once
 * verified, else 2.
 */
int
chk_signed_show(struct cli *cli, json_t *raw, const struct qcreg_check *k,
    const struct qcreg_checkpoint *sig, const uint8_t *pub)
{
	struct chk	 c;
	char		 how[SIGNED_HOW_MAX];
	int		 ok = qcreg_check_verify(k, sig, pub);

	signed_how(cli, sig, how, sizeof(how));
	chk_init(&c, cli);
	if (cli->json) {
		chk_tally(&c, k);
		if (cli_json_write(cli->out, raw) != 0 ||
		    putc('\n', cli->out) == EOF)
			return cli_error(QCREG_E_IO, "cannot write the JSON of "
			    "the signed answer");
	} else {
		json_decref(raw);
		chk_print(&c, k);
		signed_print(cli, sig, ok, how);
	}
	if (!ok)
		return cli_error(QCREG_E_VERIFY, "the signature does not verify "
		    "with %s: this is not the answer that key signed", how);
	return chk_status(&c, CLI_OK);
}

/* The result map of a signed check reply: decoded, shown, verified. */
static int
chk_signed_answer(struct cli *cli, const msgpack_object *result)
{
	struct qcreg_check	*k;
	struct qcreg_checkpoint	 sig;
	uint8_t			 pub[QC_PUB_LEN];
	int			 rc;

	if ((rc = qcreg_check_parse(result, &k, &sig)) != 0)
		return cli_error(rc, "the registry's signed answer is malformed");
	if ((rc = signed_key(cli, &sig, pub)) == CLI_OK)
		rc = chk_signed_show(cli, cli->json ?
		    cli_json_from_msgpack(result) : NULL, k, &sig, pub);
	qcreg_check_free(k);
	return rc;
}

/* check --signed SUBJECT... | -: one batch, one signed answer. */
int
chk_signed(struct cli *cli, int argc, char **argv)
{
	struct chk_in		 in;
	struct qcreg_reply	*r = NULL;
	size_t			 max = qcreg_max_batch(cli->c);
	int			 rc, qrc;

	/* One more than fits, to tell a batch too large. */
	if ((rc = chk_in_open(&in, argc, argv, max + 1)) != CLI_OK)
		return rc;
	if ((rc = chk_in_next(&in)) == CLI_OK) {
		if (in.n == 0)
			rc = cli_error(QCREG_E_USAGE, "--signed: no subject "
			    "to check");
		else if (in.n > max)
			rc = cli_error(QCREG_E_USAGE, "--signed: at most %zu "
			    "subjects (the server's max_batch), one signed "
			    "answer", max);
		else if ((qrc = qcreg_check_signed(cli->c,
		    (const char *const *)in.v, in.n,
		    (const char *const *)cli->lists, cli->nlists, &r)) != 0)
			rc = cli_fail(cli, qrc);
	}
	chk_in_close(&in);
	if (rc == CLI_OK)
		rc = chk_signed_answer(cli, qcreg_reply_result(r));
	qcreg_reply_free(r);
	return rc;
}
