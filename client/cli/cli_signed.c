/*
 * qcreg command line: what check --signed and report --signed share:
 * the key a signed answer is verified with, and how its signed block and
 * the verdict on its signature are shown.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_time.h"
#include "cli_verify.h"

/* How the key of sig was chosen, for what is printed. */
void
signed_how(struct cli *cli, const struct qcreg_checkpoint *sig, char *how,
    size_t size)
{
	if (cli->pubkey != NULL)
		snprintf(how, size, "the key in %s", cli->pubkey);
	else
		snprintf(how, size, "the key the server lists for %s",
		    sig->key_id);
}

/* The signed block, and whether it verified with the key how names. */
void
signed_print(struct cli *cli, const struct qcreg_checkpoint *sig, int ok,
    const char *how)
{
	FILE	*f = cli->out;
	char	 hex[2 * QC_SIG_LEN + 1], when[CLI_TIME_LEN];

	cli_time_format(when, sizeof(when), sig->time, cli->tz);
	fputs("\nsigned     ", f);
	pr_text(f, sig->origin, strlen(sig->origin));
	fprintf(f, "\ntime       %s (%" PRIu64 ")\n", when, sig->time);
	fprintf(f, "size       %" PRIu64 "\n", sig->size);
	qc_hex(sig->root, sizeof(sig->root), hex);
	fprintf(f, "root       %s\n", hex);
	fputs("key_id     ", f);
	pr_text(f, sig->key_id, strlen(sig->key_id));
	qc_hex(sig->signature, sizeof(sig->signature), hex);
	fprintf(f, "\nsignature  %s\n", hex);
	fprintf(f, "verified   %s, %s %s\n", ok ? "yes" : "NO", ok ? "with" :
	    "not with", how);
}

/*
 * The key to verify sig with into pub: --pubkey's, else the one hello
 * lists for sig's key_id.
 */
int
signed_key(struct cli *cli, const struct qcreg_checkpoint *sig,
    uint8_t *pub)
{
	if (cli->pubkey != NULL)
		return verify_pubkey_load(cli->pubkey, pub);
	if (!qcreg_signing_key(cli->c, sig->key_id, pub))
		return cli_error(QCREG_E_VERIFY, "the server lists no key %s "
		    "in hello: the answer cannot be verified", sig->key_id);
	return CLI_OK;
}

