/*
 * qcreg backup FILE: asks the server for a backup (PROTOCOL.md 4.13),
 * waits for it, and copies it to FILE piece by piece, checking its size
 * and SHA-256 before FILE appears.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "msg.h"
#include "sig.h"

#define POLL_MS	200

struct fetched {
	char		 id[64];
	uint64_t	 seq, size;
	char		 sha256[2 * 32 + 1];
};

static int	 backup_wait(struct cli *, struct fetched *);
static int	 backup_copy(struct cli *, const struct fetched *, FILE *,
		    uint8_t *);
static int	 str_copy(const msgpack_object *, char *, size_t);

static int
str_copy(const msgpack_object *o, char *out, size_t cap)
{
	const char	*s;
	size_t		 len;

	if (qc_obj_str(o, &s, &len) != 0 || len >= cap)
		return -1;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* Starts the backup and waits until it is done: CLI_OK or an error. */
static int
backup_wait(struct cli *cli, struct fetched *f)
{
	const struct timespec	 pause = { 0, POLL_MS * 1000000L };
	struct qcreg_reply	*r;
	const msgpack_object	*res;
	char			 state[16], why[256];
	int			 rc;

	if ((rc = qcreg_backup(cli->c, NULL, &r)) != 0)
		return cli_fail(cli, rc);
	for (;;) {
		res = qcreg_reply_result(r);
		if (str_copy(qc_map_get(res, "backup"), f->id,
		    sizeof(f->id)) != 0 || str_copy(qc_map_get(res, "state"),
		    state, sizeof(state)) != 0) {
			qcreg_reply_free(r);
			return cli_error(QCREG_E_PROTO, "backup answer without "
			    "backup or state");
		}
		if (strcmp(state, "running") != 0)
			break;
		qcreg_reply_free(r);
		nanosleep(&pause, NULL);
		if ((rc = qcreg_backup(cli->c, f->id, &r)) != 0)
			return cli_fail(cli, rc);
	}
	if (strcmp(state, "done") != 0) {
		if (str_copy(qc_map_get(res, "error"), why, sizeof(why)) != 0)
			strcpy(why, state);
		qcreg_reply_free(r);
		return cli_error(QC_E_INTERNAL, "backup %s failed: %s", f->id,
		    why);
	}
	rc = qc_obj_uint(qc_map_get(res, "seq"), &f->seq) != 0 ||
	    qc_obj_uint(qc_map_get(res, "size"), &f->size) != 0 ||
	    str_copy(qc_map_get(res, "sha256"), f->sha256,
	    sizeof(f->sha256)) != 0;
	qcreg_reply_free(r);
	return rc ? cli_error(QCREG_E_PROTO, "backup answer without seq, "
	    "size or sha256") : CLI_OK;
}

/* Reads the backup into out, its SHA-256 into sha: CLI_OK or an error. */
static int
backup_copy(struct cli *cli, const struct fetched *f, FILE *out, uint8_t *sha)
{
	struct qcreg_reply	*r;
	const msgpack_object	*res, *data, *eof;
	EVP_MD_CTX		*md;
	uint64_t		 off = 0;
	int			 rc = CLI_OK, end = 0;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return cli_error(QCREG_E_NOMEM, "out of memory");
	}
	while (!end && rc == CLI_OK) {
		if ((rc = qcreg_backup_read(cli->c, f->id, off, &r)) != 0) {
			rc = cli_fail(cli, rc);
			break;
		}
		res = qcreg_reply_result(r);
		data = qc_map_get(res, "data");
		eof = qc_map_get(res, "eof");
		if (data == NULL || data->type != MSGPACK_OBJECT_BIN ||
		    eof == NULL || eof->type != MSGPACK_OBJECT_BOOLEAN ||
		    (data->via.bin.size == 0 && !eof->via.boolean))
			rc = cli_error(QCREG_E_PROTO, "backup_read answer "
			    "without data or eof");
		else if (fwrite(data->via.bin.ptr, 1, data->via.bin.size,
		    out) != data->via.bin.size ||
		    EVP_DigestUpdate(md, data->via.bin.ptr,
		    data->via.bin.size) != 1)
			rc = cli_error(QCREG_E_USAGE, "writing: %s",
			    strerror(errno));
		else {
			off += data->via.bin.size;
			end = eof->via.boolean;
		}
		qcreg_reply_free(r);
	}
	if (rc == CLI_OK && EVP_DigestFinal_ex(md, sha, NULL) != 1)
		rc = cli_error(QCREG_E_NOMEM, "out of memory");
	EVP_MD_CTX_free(md);
	if (rc == CLI_OK && off != f->size)
		rc = cli_error(QCREG_E_PROTO, "backup %s: %" PRIu64 " bytes "
		    "read, %" PRIu64 " announced", f->id, off, f->size);
	return rc;
}

int
cmd_backup(struct cli *cli, int argc, char **argv)
{
	struct fetched	 f;
	uint8_t		 sha[32];
	char		 hex[2 * 32 + 1], part[PATH_MAX];
	FILE		*out;
	int		 rc;

	(void)argc;
	if (snprintf(part, sizeof(part), "%s.part", argv[0]) >=
	    (int)sizeof(part))
		return cli_error(QCREG_E_USAGE, "%s: path too long", argv[0]);
	if ((rc = backup_wait(cli, &f)) != CLI_OK)
		return rc;
	if ((out = fopen(part, "wb")) == NULL)
		return cli_error(QCREG_E_USAGE, "%s: %s", part,
		    strerror(errno));
	rc = backup_copy(cli, &f, out, sha);
	if (fclose(out) != 0 && rc == CLI_OK)
		rc = cli_error(QCREG_E_USAGE, "%s: %s", part, strerror(errno));
	qc_hex(sha, sizeof(sha), hex);
	if (rc == CLI_OK && strcmp(hex, f.sha256) != 0)
		rc = cli_error(QCREG_E_PROTO, "backup %s: SHA-256 %s, the "
		    "server said %s", f.id, hex, f.sha256);
	if (rc == CLI_OK && rename(part, argv[0]) == -1)
		rc = cli_error(QCREG_E_USAGE, "%s: %s", argv[0],
		    strerror(errno));
	if (rc != CLI_OK) {
		remove(part);
		return rc;
	}
	fprintf(cli->out, "backup %s: %" PRIu64 " bytes, log head seq %"
	    PRIu64 ", sha256 %s, in %s\n", f.id, f.size, f.seq, f.sha256,
	    argv[0]);
	return CLI_OK;
}
