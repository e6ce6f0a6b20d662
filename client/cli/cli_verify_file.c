/*
 * qcreg verify: the files it reads and writes: the registry's public key
 * (PEM) and a checkpoint kept for next time (JSON, the fields of the
 * checkpoint answer).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_json.h"
#include "cli_verify.h"

static int	 json_hex(const json_t *, uint8_t *, size_t);
static int	 json_str(const json_t *, char *, size_t);
static int	 json_u64(const json_t *, uint64_t *);
static int	 from_json(const json_t *, struct qcreg_checkpoint *);
static json_t	*to_json(const struct qcreg_checkpoint *);

/* The raw 32 bytes of the Ed25519 public key in a PEM file. */
int
verify_pubkey_load(const char *path, uint8_t *pub)
{
	char	 err[512];
	int	 rc;

	if ((rc = qcreg_pubkey_load(path, pub, err, sizeof(err))) != 0)
		return cli_error(rc, "--pubkey %s", err);
	return CLI_OK;
}

/* A string of 2n lower-case hex digits into n bytes: 0, or -1. */
static int
json_hex(const json_t *j, uint8_t *out, size_t n)
{
	if (!json_is_string(j) || json_string_length(j) != 2 * n)
		return -1;
	return qc_unhex(json_string_value(j), n, out);
}

/* A string into buf (size bytes with the NUL): 0, or -1. */
static int
json_str(const json_t *j, char *buf, size_t size)
{
	if (!json_is_string(j) || json_string_length(j) >= size)
		return -1;
	/* jansson refuses \u0000 unless asked: the length is the string's. */
	memcpy(buf, json_string_value(j), json_string_length(j) + 1);
	return 0;
}

static int
json_u64(const json_t *j, uint64_t *v)
{
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

static int
from_json(const json_t *o, struct qcreg_checkpoint *cp)
{
	const json_t	*key_id, *sig;

	memset(cp, 0, sizeof(*cp));
	if (!json_is_object(o) ||
	    json_str(json_object_get(o, "origin"), cp->origin,
	    sizeof(cp->origin)) != 0 ||
	    json_u64(json_object_get(o, "size"), &cp->size) != 0 ||
	    json_hex(json_object_get(o, "root"), cp->root,
	    sizeof(cp->root)) != 0 ||
	    json_u64(json_object_get(o, "time"), &cp->time) != 0)
		return -1;
	key_id = json_object_get(o, "key_id");
	sig = json_object_get(o, "signature");
	if (key_id == NULL && sig == NULL)
		return 0;
	if (json_str(key_id, cp->key_id, sizeof(cp->key_id)) != 0 ||
	    json_hex(sig, cp->signature, sizeof(cp->signature)) != 0)
		return -1;
	cp->is_signed = 1;
	return 0;
}

int
verify_checkpoint_load(const char *path, struct qcreg_checkpoint *cp)
{
	json_error_t	 jerr;
	json_t		*o;
	int		 rc;

	if ((o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return cli_error(QCREG_E_USAGE, "--since %s: %s", path,
		    jerr.text);
	rc = from_json(o, cp);
	json_decref(o);
	if (rc != 0)
		return cli_error(QCREG_E_USAGE, "--since %s: not a checkpoint "
		    "(origin, size, root, time, key_id, signature)", path);
	return CLI_OK;
}

/* The checkpoint as the registry answers it, or NULL (out of memory). */
static json_t *
to_json(const struct qcreg_checkpoint *cp)
{
	char	 root[2 * QCREG_HASH_LEN + 1], sig[2 * QC_SIG_LEN + 1];
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	qc_hex(cp->root, sizeof(cp->root), root);
	qc_hex(cp->signature, sizeof(cp->signature), sig);
	if (json_object_set_new(o, "origin", json_string(cp->origin)) != 0 ||
	    json_object_set_new(o, "size", cli_json_uint(cp->size)) != 0 ||
	    json_object_set_new(o, "root", json_string(root)) != 0 ||
	    json_object_set_new(o, "time", cli_json_uint(cp->time)) != 0 ||
	    (cp->is_signed && (json_object_set_new(o, "key_id",
	    json_string(cp->key_id)) != 0 ||
	    json_object_set_new(o, "signature", json_string(sig)) != 0))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Written to PATH.tmp, then renamed: an old file stays whole till then. */
int
verify_checkpoint_save(const char *path, const struct qcreg_checkpoint *cp)
{
	char	 tmp[4096];
	json_t	*o;
	int	 n, rc;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return cli_error(QCREG_E_USAGE, "--save %s: path too long",
		    path);
	if ((o = to_json(cp)) == NULL)
		return cli_error(QCREG_E_NOMEM, "--save: cannot encode the "
		    "checkpoint (out of memory, or an origin that is not "
		    "UTF-8)");
	rc = json_dump_file(o, tmp, JSON_INDENT(2));
	json_decref(o);
	if (rc != 0)
		return cli_error(QCREG_E_IO, "--save %s: cannot write", tmp);
	if (rename(tmp, path) != 0)
		return cli_error(QCREG_E_IO, "--save %s: %s", path,
		    strerror(errno));
	return CLI_OK;
}
