/*
 * qcreg verify: the registry checked against its signing key
 * (PROTOCOL.md 4.4, 4.7, 4.9). The signed checkpoint first, then the
 * saved one of --since, the log up to the checkpoint's size
 * (cli_verify_log.c), the consistency proof from the saved size, and
 * the versions served (cli_verify_versions.c). The first check that
 * fails ends the run: it is reported and the exit status is 1.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli_json.h"
#include "cli_time.h"
#include "cli_verify.h"

static void	 sanitize(char *);
static int	 signature_check(struct verify *,
		    const struct qcreg_checkpoint *, const char *);
static int	 checkpoint_fetch(struct verify *);
static int	 saved_check(struct verify *);
static int	 consistency_check(struct verify *);
static int	 verify_all(struct verify *);
static int	 report_text(struct verify *, int);
static int	 report_json(struct verify *, int);

/* Names from the server may hold anything: no control characters. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Records the first break (of change seq, 0: none); returns CLI_FAILED. */
int
verify_fail(struct verify *v, uint64_t seq, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n = 0;

	if (seq > 0)
		n = (size_t)snprintf(v->why, sizeof(v->why), "change %llu: ",
		    (unsigned long long)seq);
	va_start(ap, fmt);
	vsnprintf(v->why + n, sizeof(v->why) - n, fmt, ap);
	va_end(ap);
	sanitize(v->why);
	v->bad_seq = seq;
	return CLI_FAILED;
}

/* cli_error, for a message that holds names from the server. */
int
verify_error(int code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sanitize(msg);
	return cli_error(code, "%s", msg);
}

/*
 * cp (what) must be signed by the --pubkey key, under a key_id that
 * hello lists with that key.
 */
static int
signature_check(struct verify *v, const struct qcreg_checkpoint *cp,
    const char *what)
{
	uint8_t	 listed[QC_PUB_LEN];

	if (!cp->is_signed)
		return verify_fail(v, 0, "%s is not signed (the registry has "
		    "no signing key)", what);
	if (!qcreg_signing_key(v->cli->c, cp->key_id, listed))
		return verify_fail(v, 0, "%s is signed by key_id %s, which "
		    "is not one of the registry's keys (hello)", what,
		    cp->key_id);
	if (memcmp(listed, v->pub, sizeof(listed)) != 0)
		return verify_fail(v, 0, "%s is signed by key_id %s, whose "
		    "public key is not the one in %s", what, cp->key_id,
		    v->cli->pubkey);
	if (!qcreg_checkpoint_verify(cp, v->pub))
		return verify_fail(v, 0, "%s: the signature of key_id %s does "
		    "not verify", what, cp->key_id);
	return CLI_OK;
}

static int
checkpoint_fetch(struct verify *v)
{
	struct qcreg_reply	*r;
	int			 rc;

	if ((rc = qcreg_checkpoint(v->cli->c, &r)) != 0)
		return cli_fail(v->cli, rc);
	rc = qcreg_reply_checkpoint(r, &v->cp);
	qcreg_reply_free(r);
	if (rc != 0)
		return cli_error(rc, "checkpoint: malformed answer");
	return signature_check(v, &v->cp, "the checkpoint");
}

/* The checkpoint of --since: signed, this registry's, not larger. */
static int
saved_check(struct verify *v)
{
	int	 rc;

	if (strcmp(v->old.origin, v->cp.origin) != 0)
		return verify_fail(v, 0, "the saved checkpoint is of \"%s\", "
		    "the registry is \"%s\"", v->old.origin, v->cp.origin);
	if ((rc = signature_check(v, &v->old, "the saved checkpoint")) !=
	    CLI_OK)
		return rc;
	if (v->old.size > v->cp.size)
		return verify_fail(v, 0, "the log shrank: the saved checkpoint "
		    "has %llu records, the registry's %llu",
		    (unsigned long long)v->old.size,
		    (unsigned long long)v->cp.size);
	return CLI_OK;
}

/* The registry's proof that the saved tree is a prefix of the new one. */
static int
consistency_check(struct verify *v)
{
	int	 rc;

	rc = qcreg_consistency_check(v->cli->c, v->old.size, v->old.root,
	    &v->cp);
	if (rc == QCREG_E_PROTO)
		return cli_error(rc, "consistency: malformed answer");
	if (rc == QCREG_E_VERIFY)
		return verify_fail(v, 0, "the consistency proof from %llu to "
		    "%llu records does not verify",
		    (unsigned long long)v->old.size,
		    (unsigned long long)v->cp.size);
	return rc != 0 ? cli_fail(v->cli, rc) : CLI_OK;
}

static int
verify_all(struct verify *v)
{
	int	 rc;

	if ((rc = checkpoint_fetch(v)) != CLI_OK ||
	    (v->have_old && (rc = saved_check(v)) != CLI_OK) ||
	    (rc = verify_log(v)) != CLI_OK ||
	    (v->have_old && (rc = consistency_check(v)) != CLI_OK) ||
	    (rc = verify_versions(v)) != CLI_OK)
		return rc;
	if (v->cli->save != NULL)
		return verify_checkpoint_save(v->cli->save, &v->cp);
	return CLI_OK;
}

/*
 *   verified   qcreg development registry at 2026-12-01 10:00:00 +08:00
 *   records    58 (4 sealed, 2 without payload)
 *   ...
 */
static int
report_text(struct verify *v, int rc)
{
	FILE	*f = v->cli->out;
	char	 root[2 * QCREG_HASH_LEN + 1], when[CLI_TIME_LEN];

	if (rc == CLI_FAILED) {
		fprintf(f, "verification failed: %s\n", v->why);
		return rc;
	}
	qc_hex(v->cp.root, sizeof(v->cp.root), root);
	cli_time_format(when, sizeof(when), v->cp.time, v->cli->tz);
	fputs("verified   ", f);
	pr_text(f, v->cp.origin, strlen(v->cp.origin));
	fprintf(f, ", checkpoint of %s\n", when);
	fprintf(f, "records    %" PRIu64 " (%" PRIu64 " sealed, %" PRIu64
	    " without payload), chained from the first\n", v->cp.size,
	    v->sealed, v->withheld);
	fprintf(f, "size       %" PRIu64 "\n", v->cp.size);
	fprintf(f, "root       %s\n", root);
	fputs("key_id     ", f);
	pr_text(f, v->cp.key_id, strlen(v->cp.key_id));
	fprintf(f, " (%s)\n", v->cli->pubkey);
	fprintf(f, "versions   %" PRIu64 " served, as their changes wrote "
	    "them (%" PRIu64 " subjects)\n", v->versions, v->subjects);
	if (v->have_old)
		fprintf(f, "since      %" PRIu64 " records, a prefix of the "
		    "log\n", v->old.size);
	if (v->cli->save != NULL)
		fprintf(f, "saved      %s\n", v->cli->save);
	return rc;
}

/*
 * {"ok": true, "origin", "size", "root", "time", "key_id", "records",
 * "sealed", "without_payload", "versions", "subjects", "since", "saved"};
 * {"ok": false, "failure": "...", "seq": N or null} after a failure.
 */
static int
report_json(struct verify *v, int rc)
{
	char	 root[2 * QCREG_HASH_LEN + 1];
	json_t	*o;

	if (rc == CLI_FAILED)
		o = json_pack("{s:b, s:s, s:o}", "ok", 0, "failure", v->why,
		    "seq", v->bad_seq > 0 ? cli_json_uint(v->bad_seq) :
		    json_null());
	else {
		qc_hex(v->cp.root, sizeof(v->cp.root), root);
		o = json_pack("{s:b, s:s, s:o, s:s, s:o, s:s, s:o, s:o, s:o, "
		    "s:o, s:o, s:o, s:s?}", "ok", 1, "origin", v->cp.origin,
		    "size", cli_json_uint(v->cp.size), "root", root,
		    "time", cli_json_uint(v->cp.time), "key_id", v->cp.key_id,
		    "records", cli_json_uint(v->cp.size),
		    "sealed", cli_json_uint(v->sealed),
		    "without_payload", cli_json_uint(v->withheld),
		    "versions", cli_json_uint(v->versions),
		    "subjects", cli_json_uint(v->subjects),
		    "since", v->have_old ? cli_json_uint(v->old.size) :
		    json_null(), "saved", v->cli->save);
	}
	if (cli_json_write(v->cli->out, o) != 0 ||
	    putc('\n', v->cli->out) == EOF)
		return cli_error(QCREG_E_IO, "cannot write the JSON report");
	return rc;
}

int
cmd_verify(struct cli *cli, int argc, char **argv)
{
	struct verify	 v;
	int		 rc;

	(void)argc;
	(void)argv;
	memset(&v, 0, sizeof(v));
	v.cli = cli;
	v.have_old = cli->since_arg != NULL;
	if ((rc = verify_pubkey_load(cli->pubkey, v.pub)) == CLI_OK &&
	    (!v.have_old || (rc = verify_checkpoint_load(cli->since_arg,
	    &v.old)) == CLI_OK))
		rc = verify_all(&v);
	verify_log_free(&v);
	if (rc == CLI_ERR)
		return rc;
	return cli->json ? report_json(&v, rc) : report_text(&v, rc);
}
