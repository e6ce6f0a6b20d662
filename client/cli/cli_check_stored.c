/*
 * qcreg check --verify-signed FILE --pubkey KEY: an answer kept from
 * `qcreg --json check --signed` re-checked years later, with only the
 * public key of its key_id and no connection. The JSON goes back into
 * the msgpack map the registry sent (cli_json_pack), which the library
 * reads and verifies as it would a stored msgpack answer.
 */
#include <string.h>

#include "cli.h"
#include "cli_json.h"
#include "cli_verify.h"

static json_t	*stored_read(const char *);
static int	 stored_check(struct cli *, json_t *, const char *,
		    const uint8_t *);

/* The JSON object in path ("-": stdin), or NULL after saying why. */
static json_t *
stored_read(const char *path)
{
	json_error_t	 err;
	json_t		*j;
	size_t		 flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;

	if (strcmp(path, "-") == 0)
		j = json_loadf(stdin, flags, &err);
	else
		j = json_load_file(path, flags, &err);
	if (j == NULL) {
		cli_error(QCREG_E_USAGE, "%s: line %d: %s", path, err.line,
		    err.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		cli_error(QCREG_E_USAGE, "%s: not a JSON object", path);
		return NULL;
	}
	return j;
}

/* The answer j (from path) decoded, shown and verified with pub. */
static int
stored_check(struct cli *cli, json_t *j, const char *path,
    const uint8_t *pub)
{
	msgpack_sbuffer		 sb;
	msgpack_packer		 pk;
	struct qcreg_check	*k = NULL;
	struct qcreg_checkpoint	 sig;
	int			 rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (cli_json_pack(&pk, j) != 0)
		rc = cli_error(QCREG_E_NOMEM, "out of memory");
	else if ((rc = qcreg_check_load(sb.data, sb.size, &k, &sig)) != 0)
		rc = cli_error(rc, "%s: not a signed check answer (as "
		    "`qcreg --json check --signed` writes one)", path);
	else
		rc = chk_signed_show(cli, cli->json ? json_incref(j) : NULL,
		    k, &sig, pub);
	qcreg_check_free(k);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* check --verify-signed FILE --pubkey KEY. */
int
chk_stored(struct cli *cli, int argc, char **argv)
{
	uint8_t	 pub[QC_PUB_LEN];
	json_t	*j;
	int	 rc;

	if (argc != 1 || cli->pubkey == NULL || cli->nlists > 0)
		return cli_error(QCREG_E_USAGE, "check --verify-signed FILE "
		    "--pubkey FILE: one kept answer, checked with the public "
		    "key of its key_id (no --lists)");
	if ((rc = verify_pubkey_load(cli->pubkey, pub)) != CLI_OK)
		return rc;
	if ((j = stored_read(argv[0])) == NULL)
		return CLI_ERR;
	rc = stored_check(cli, j, argv[0], pub);
	json_decref(j);
	return rc;
}
