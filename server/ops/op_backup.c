/*
 * backup and backup_read (PROTOCOL.md 5): an admin starts a backup, asks
 * how it goes, and reads the finished copy in pieces. The copy is made
 * by a thread of the store (backup.h); ops only start and read it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "backup.h"
#include "msg.h"
#include "op.h"
#include "sig.h"

/* A piece of a backup, well inside max_frame with the envelope. */
#define PIECE_MAX	(256 * 1024)

static const char *const state_names[] = {
	[BACKUP_RUNNING] = "running",
	[BACKUP_DONE] = "done",
	[BACKUP_FAILED] = "failed",
};

int
read_backup(struct req *q, const char *name, const msgpack_object *o)
{
	const char	*s;
	size_t		 len;

	if (arg_str(q, name, o, &s, &len) == -1)
		return -1;
	if (!backup_id_valid(s, len)) {
		req_fail(q, QC_E_BAD_REQUEST, "%s: not a backup id", name);
		return -1;
	}
	memcpy(q->q_args.a_backup, s, len);
	q->q_args.a_backup[len] = '\0';
	return 0;
}

int
read_offset(struct req *q, const char *name, const msgpack_object *o)
{
	return arg_uint(q, name, o, &q->q_args.a_offset);
}

/* {backup, state, seq?, hash?, size?, sha256?, error?} */
static enum op_status
backup_pack(struct req *q, const struct backup_info *bi)
{
	msgpack_packer	*pk = q->q_pk;
	char		 h[2 * STORE_HASH_LEN + 1], sha[2 * STORE_HASH_LEN + 1];
	int		 done = bi->bi_state == BACKUP_DONE;
	int		 failed = bi->bi_state == BACKUP_FAILED;

	qc_hex(bi->bi_hash, STORE_HASH_LEN, h);
	qc_hex(bi->bi_sha256, STORE_HASH_LEN, sha);
	if (msgpack_pack_map(pk, 2 + 4 * done + failed) != 0 ||
	    qc_pack_kv_str(pk, "backup", bi->bi_id) != 0 ||
	    qc_pack_kv_str(pk, "state", state_names[bi->bi_state]) != 0 ||
	    (done && (qc_pack_kv_uint(pk, "seq", bi->bi_seq) != 0 ||
	    qc_pack_kv_str(pk, "hash", h) != 0 ||
	    qc_pack_kv_uint(pk, "size", bi->bi_size) != 0 ||
	    qc_pack_kv_str(pk, "sha256", sha) != 0)) ||
	    (failed && qc_pack_kv_str(pk, "error", bi->bi_error) != 0))
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	return OP_DONE;
}

enum op_status
op_backup(struct req *q)
{
	struct backup_info	 bi;
	char			 dir[1100];
	int			 rc;

	config_backup_dir(q->q_cfg, dir, sizeof(dir));
	if (q->q_args.a_backup[0] != '\0') {
		rc = backup_status(q->q_store, dir, q->q_args.a_backup, &bi);
		if (rc == ENOENT)
			return req_fail(q, QC_E_NOT_FOUND, "no backup %s",
			    q->q_args.a_backup);
		if (rc != 0)
			return req_fail(q, QC_E_INTERNAL, "backup %s: its info "
			    "is unreadable", q->q_args.a_backup);
		return backup_pack(q, &bi);
	}
	if ((rc = backup_start(q->q_store, dir, &bi)) == EBUSY)
		return req_fail(q, QC_E_CONFLICT, "backup %s is running",
		    bi.bi_id);
	if (rc != 0)
		return req_fail(q, QC_E_UNAVAILABLE, "cannot start a backup: "
		    "%s", strerror(rc));
	return backup_pack(q, &bi);
}

enum op_status
op_backup_read(struct req *q)
{
	struct backup_info	 bi;
	char			 dir[1100];
	size_t			 cap, n;
	void			*buf;
	int			 rc;

	config_backup_dir(q->q_cfg, dir, sizeof(dir));
	if ((rc = backup_status(q->q_store, dir, q->q_args.a_backup,
	    &bi)) == ENOENT || (rc == 0 && bi.bi_state != BACKUP_DONE))
		return req_fail(q, QC_E_NOT_FOUND, "no finished backup %s",
		    q->q_args.a_backup);
	if (rc != 0)
		return req_fail(q, QC_E_INTERNAL, "backup %s: its info is "
		    "unreadable", q->q_args.a_backup);
	if (q->q_args.a_offset > bi.bi_size)
		return req_fail(q, QC_E_BAD_REQUEST, "offset: past the end "
		    "(%llu bytes)", (unsigned long long)bi.bi_size);
	cap = q->q_cfg->limits.max_frame / 4 < PIECE_MAX ?
	    q->q_cfg->limits.max_frame / 4 : PIECE_MAX;
	if ((buf = malloc(cap)) == NULL)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	if ((rc = backup_read(dir, q->q_args.a_backup, q->q_args.a_offset,
	    buf, cap, &n)) != 0) {
		free(buf);
		return req_fail(q, QC_E_INTERNAL, "reading backup %s: %s",
		    q->q_args.a_backup, strerror(rc));
	}
	rc = msgpack_pack_map(q->q_pk, 4) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "offset", q->q_args.a_offset) != 0 ||
	    qc_pack_kv_uint(q->q_pk, "size", bi.bi_size) != 0 ||
	    qc_pack_cstr(q->q_pk, "data") != 0 ||
	    msgpack_pack_bin_with_body(q->q_pk, buf, n) != 0 ||
	    qc_pack_cstr(q->q_pk, "eof") != 0 ||
	    (q->q_args.a_offset + n >= bi.bi_size ?
	    msgpack_pack_true(q->q_pk) : msgpack_pack_false(q->q_pk)) != 0;
	free(buf);
	if (rc != 0)
		return req_fail(q, QC_E_INTERNAL, "out of memory");
	return OP_DONE;
}
